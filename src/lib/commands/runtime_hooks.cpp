// warpdrive setup | migrate | verify | alive | ready: the runtime hooks.
// They are one family: each runs the hook of its name from SRC_ROOT and
// exits with its status; setup and migrate run deploy-cfg first.
#include <arpa/inet.h>
#include <cerrno>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.hpp"
#include "hooks.hpp"
#include "init.hpp"
#include "settings.hpp"

namespace wd {

namespace {

enum class NoHook { succeed, tcp_check };

struct HookCommand {
  std::string_view name;
  std::string_view description;
  bool deploy_cfg_first;
  NoHook without_hook;
};

// True when 127.0.0.1:port accepts a TCP connection within timeout_ms.
bool port_accepts(int port, int timeout_ms) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
    ok = true;
  } else if (errno == EINPROGRESS) {
    pollfd p{fd, POLLOUT, 0};
    if (::poll(&p, 1, timeout_ms) == 1) {
      int err = 0;
      socklen_t len = sizeof err;
      ok = ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
    }
  }
  ::close(fd);
  return ok;
}

Result<int> run_hook_command(Context& ctx, const HookCommand& hc, const Args& args) {
  CLI::App app{std::string(hc.description), fmt::format("warpdrive {}", hc.name)};
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;

  WD_ASSIGN(AppEnvironment e, deploy_environment(ctx, hc.name));
  if (hc.deploy_cfg_first) WD_TRY(run_deploy_cfg_once(e));
  WD_ASSIGN(HookState state, check_hook(e.settings, hc.name));
  if (state == HookState::runnable) return hand_over(ctx, e.settings, hook_spec(e, hc.name));

  if (hc.without_hook == NoHook::tcp_check) {
    int port = e.settings.http_port;
    if (port_accepts(port, 1000)) return 0;
    return make_error(fmt::format("ready: nothing accepted a connection on 127.0.0.1:{} within 1 s", port));
  }
  return 0;
}

const HookCommand kSetup{"setup",
                         "Run the application's setup hook (.warpdrive/action_hooks/setup) from SRC_ROOT with the\n"
                         "deploy environment and exit with its status. The deploy-cfg hook runs first, once per\n"
                         "container. Without a setup hook it succeeds.",
                         true, NoHook::succeed};
const HookCommand kMigrate{"migrate",
                           "Run the application's migrate hook (.warpdrive/action_hooks/migrate), for database\n"
                           "migrations, from SRC_ROOT with the deploy environment and exit with its status.\n"
                           "deploy-cfg runs first, once per container. Without a migrate hook it succeeds.\n"
                           "Neither build nor start ever migrates: run this as a separate step or one-off job.",
                           true, NoHook::succeed};
const HookCommand kVerify{"verify",
                          "Run the application's verify hook (.warpdrive/action_hooks/verify) from SRC_ROOT with\n"
                          "the deploy environment and exit with its status. Without a verify hook it succeeds.",
                          false, NoHook::succeed};
const HookCommand kAlive{"alive",
                         "Liveness probe. Runs the application's alive hook and exits with its status;\n"
                         "without an alive hook it succeeds at once (the process is running).",
                         false, NoHook::succeed};
const HookCommand kReady{"ready",
                         "Readiness probe. Runs the application's ready hook and exits with its status;\n"
                         "without a ready hook it succeeds only when 127.0.0.1:$WARPDRIVE_HTTP_PORT accepts a\n"
                         "TCP connection within 1 second.",
                         false, NoHook::tcp_check};

}  // namespace

Result<int> cmd_setup(Context& ctx, const Args& args) { return run_hook_command(ctx, kSetup, args); }
Result<int> cmd_migrate(Context& ctx, const Args& args) { return run_hook_command(ctx, kMigrate, args); }
Result<int> cmd_verify(Context& ctx, const Args& args) { return run_hook_command(ctx, kVerify, args); }
Result<int> cmd_alive(Context& ctx, const Args& args) { return run_hook_command(ctx, kAlive, args); }
Result<int> cmd_ready(Context& ctx, const Args& args) { return run_hook_command(ctx, kReady, args); }

}  // namespace wd
