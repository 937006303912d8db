#include "devenv/shell_integration.hpp"

#include <fmt/format.h>

#include "devenv/projects.hpp"
#include "embedded.hpp"
#include "shell.hpp"

namespace wd::devenv {

std::string rcfile_text(const fs::path& program) {
  auto function = embedded_file("warpdrive.sh");
  // The build embeds src/shell/warpdrive.sh; without it the binary is broken.
  std::string body = function ? std::string(*function) : std::string("# src/shell/warpdrive.sh was not embedded\n");
  return fmt::format(
      "# Written by 'warpdrive rcfile'; rewritten when it changes, do not edit.\n"
      "_warpdrive_program={}\n\n{}",
      single_quote(program.string()), body);
}

fs::path rcfile_path(const fs::path& projects_dir) { return projects_dir / ".rcfile.sh"; }

Result<fs::path> write_rcfile(const Context& ctx) {
  WD_ASSIGN(fs::path dir, projects_dir(ctx));
  fs::path path = rcfile_path(dir);
  std::string text = rcfile_text(ctx.self);
  WD_ASSIGN(auto current, read_file_if_exists(path));
  if (current && *current == text) return path;
  WD_TRY(make_dirs(dir, 0755));
  WD_TRY(write_file_atomic(path, text, 0644));
  return path;
}

Error shell_function_required(std::string_view command) {
  return make_error(fmt::format("'warpdrive {}' has to change the shell it is typed in, which only the warpdrive "
                                "shell function can do; load it with '. \"$(warpdrive rcfile)\"', or add the "
                                "lines 'warpdrive profile' prints to ~/.bash_profile",
                                command),
                    kExitUsage);
}

std::string profile_text(const fs::path& program) {
  std::string quoted = single_quote(program.string());
  return fmt::format(
      "# warpdrive: the shell function that lets 'warpdrive project NAME' and\n"
      "# 'warpdrive deactivate' change this shell (from 'warpdrive profile').\n"
      "if _warpdrive_rcfile=$({0} rcfile); then . \"$_warpdrive_rcfile\"; fi\n"
      "unset _warpdrive_rcfile\n",
      quoted);
}

}  // namespace wd::devenv
