// warpdrive fixup: make a tree usable by an arbitrary UID in group 0.
#pragma once

#include <sys/types.h>
#include <string>
#include <vector>

#include "fsutil.hpp"

namespace wd {

struct FixupResult {
  bool missing = false;               // the path does not exist (reported, not an error)
  size_t changed = 0;                 // entries whose group or mode changed
  std::vector<std::string> failures;  // "path: reason" for entries that could not be changed
};

// Walks `root` without descending into symbolic links, and for every entry
// (the target of a symbolic link, as chgrp/chmod on it would) sets group 0,
// adds group read and write, and group execute on directories and on files
// the owner can execute. As non-root (`uid` != 0) only entries owned by `uid`
// are changed. Dangling links are skipped.
FixupResult fixup_tree(const fs::path& root, uid_t uid);

}  // namespace wd
