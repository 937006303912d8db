// One function per subcommand, each defined in the file of the same name.
#pragma once

#include "cli.hpp"

namespace wd {

Result<int> cmd_activate(Context& ctx, const Args& args);
Result<int> cmd_alive(Context& ctx, const Args& args);
Result<int> cmd_build(Context& ctx, const Args& args);
Result<int> cmd_deactivate(Context& ctx, const Args& args);
Result<int> cmd_destroy(Context& ctx, const Args& args);
Result<int> cmd_enter(Context& ctx, const Args& args);
Result<int> cmd_env(Context& ctx, const Args& args);
Result<int> cmd_exec(Context& ctx, const Args& args);
Result<int> cmd_fixup(Context& ctx, const Args& args);
Result<int> cmd_help(Context& ctx, const Args& args);
Result<int> cmd_image(Context& ctx, const Args& args);
Result<int> cmd_manifests(Context& ctx, const Args& args);
Result<int> cmd_migrate(Context& ctx, const Args& args);
Result<int> cmd_profile(Context& ctx, const Args& args);
Result<int> cmd_project(Context& ctx, const Args& args);
Result<int> cmd_rcfile(Context& ctx, const Args& args);
Result<int> cmd_ready(Context& ctx, const Args& args);
Result<int> cmd_setup(Context& ctx, const Args& args);
Result<int> cmd_shell(Context& ctx, const Args& args);
Result<int> cmd_start(Context& ctx, const Args& args);
Result<int> cmd_verify(Context& ctx, const Args& args);
Result<int> cmd_wheels(Context& ctx, const Args& args);

}  // namespace wd
