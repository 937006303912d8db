// pip's requirements files as the build reads them: their logical lines and
// the files they include. Nothing here runs pip.
#pragma once

#include <string>
#include <vector>

#include "fsutil.hpp"

namespace wd {

// The logical lines of a requirements file: comments removed, continuations joined.
std::vector<std::string> requirement_lines(const std::string& text);

// The requirement files `file` includes with -r/-c (recursively, each once,
// `file` first). Missing nested files are listed too; pip reports them.
std::vector<fs::path> requirement_closure(const fs::path& file);

// The files of WARPDRIVE_PIP_PACKAGES: `name` relative to SRC_ROOT unless absolute.
fs::path requirement_file(const fs::path& src_root, const std::string& name);

// "a.txt" relative to SRC_ROOT for messages and digests; absolute paths stay.
std::string display_path(const fs::path& src_root, const fs::path& path);

}  // namespace wd
