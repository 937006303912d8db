// The login-shell integration: the file defining the `warpdrive` shell
// function (`warpdrive rcfile`) and the lines for ~/.bash_profile
// (`warpdrive profile`). The function itself is src/shell/warpdrive.sh,
// embedded in the binary.
#pragma once

#include <string>
#include <string_view>

#include "context.hpp"
#include "error.hpp"
#include "fsutil.hpp"

namespace wd::devenv {

// The rcfile's text: a line binding the function to `program` (the binary
// that wrote it, so the function works without warpdrive on PATH), then
// src/shell/warpdrive.sh.
std::string rcfile_text(const fs::path& program);

// Where `warpdrive rcfile` keeps it: the projects directory's .rcfile.sh
// (never a project: project directories are warpdrive+NAME).
fs::path rcfile_path(const fs::path& projects_dir);

// Writes the rcfile (atomically, and only when its text changed) and returns
// its path.
Result<fs::path> write_rcfile(const Context& ctx);

// What the binary says, run on its own, for a command that has to change the
// shell it is typed in (`project NAME`, `deactivate`): only the function can;
// exit status 2, nothing changed.
Error shell_function_required(std::string_view command);

// The lines `warpdrive profile` prints for ~/.bash_profile.
std::string profile_text(const fs::path& program);

}  // namespace wd::devenv
