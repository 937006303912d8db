// Deleting a directory tree without ever leaving it: every level is opened
// with O_NOFOLLOW relative to its parent's descriptor, so a symbolic link
// (planted before or during the walk) is unlinked, never followed.
#pragma once

#include <string>

#include "error.hpp"
#include "fsutil.hpp"

namespace wd::devenv {

// Removes the entry `name` (one path component) of directory `parent`, and
// everything below it when it is a directory. `parent` itself is trusted.
Status remove_tree_at(const fs::path& parent, const std::string& name);

}  // namespace wd::devenv
