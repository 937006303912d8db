// warpdrive fixup DIR...: make trees usable by an arbitrary UID in group 0.
#include <unistd.h>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "app_build/fixup.hpp"
#include "commands.hpp"
#include "log.hpp"

namespace wd {

Result<int> cmd_fixup(Context& ctx, const Args& args) {
  CLI::App app{
      "Make each DIR usable by an arbitrary UID in group 0 (as OpenShift runs images): every file and\n"
      "directory gets group 0 and group read/write; directories and files their owner can execute get\n"
      "group execute. Symbolic links are not descended into; the file a link names is changed, as\n"
      "chgrp/chmod on it would. As non-root, only entries owned by the current user are changed.\n"
      "A path that does not exist is reported and skipped (exit status 0).",
      "warpdrive fixup"};
  std::vector<std::string> paths;
  app.add_option("DIR", paths, "directories (or files) to fix")->required();
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;

  size_t failures = 0;
  for (const auto& p : paths) {
    fs::path path = fs::path(p).is_absolute() ? fs::path(p) : ctx.cwd / p;
    FixupResult r = fixup_tree(path, ctx.uid);
    if (r.missing) {
      warn(fmt::format("fixup: {} does not exist; nothing to fix", path.string()));
      continue;
    }
    for (const auto& f : r.failures) warn("fixup: " + f);
    failures += r.failures.size();
  }
  if (failures > 0) return make_error(fmt::format("fixup: {} path(s) could not be changed (listed above)", failures));
  return 0;
}

}  // namespace wd
