// warpdrive setup | migrate | verify | alive | ready: the runtime hooks.
// They are one family: each runs the hook of its name from SRC_ROOT and
// exits with its status; setup and migrate run deploy-cfg first.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cerrno>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "hooks.hpp"
#include "init.hpp"
#include "run_state.hpp"
#include "settings.hpp"

namespace wd {

namespace {

// What the command does when the app has no hook of its name.
enum class NoHook {
  succeed,
  running,    // alive: the server start recorded still runs
  listening,  // ready: the ports the server listens on accept connections
};

struct HookCommand {
  std::string_view name;
  std::string_view description;
  bool deploy_cfg_first;
  NoHook without_hook;
};

// True when address:port accepts a TCP connection within timeout_ms; a
// wildcard address is reached through the loopback of its family.
bool accepts(const std::string& address, uint16_t port, int timeout_ms) {
  sockaddr_storage storage{};
  socklen_t length = 0;
  std::string host = address == "0.0.0.0" ? "127.0.0.1" : address == "::" ? "::1" : address;
  auto* v4 = reinterpret_cast<sockaddr_in*>(&storage);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&storage);
  if (::inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(port);
    length = sizeof *v4;
  } else if (::inet_pton(AF_INET6, host.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(port);
    length = sizeof *v6;
  } else {
    return false;
  }
  int fd = ::socket(storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = false;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&storage), length) == 0) {
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

std::string describe(const RunState& state) {
  return fmt::format("{} (pid {}, started by warpdrive start, recorded in {})",
                     state.server.empty() ? std::string("the application") : state.server, state.child.pid,
                     "$APP_ROOT/tmp/warpdrive/run.json");
}

// alive without a hook: what start recorded still runs; with nothing
// recorded, succeed (the original's probe).
Result<int> check_running(const Settings& s) {
  WD_ASSIGN(auto state, load_run_state(s.app_root));
  if (!state) return 0;
  if (!still_running(state->child)) return make_error(fmt::format("alive: {} is no longer running", describe(*state)));
  if (auto failure = recorded_failure(*state))
    return make_error(fmt::format("alive: {} runs, but cannot serve: {}", describe(*state), *failure));
  return 0;
}

// ready without a hook: every port the server listens on accepts a
// connection; with nothing recorded, 127.0.0.1:$WARPDRIVE_HTTP_PORT does.
Result<int> check_listening(const Settings& s) {
  WD_ASSIGN(auto state, load_run_state(s.app_root));
  if (!state) {
    if (accepts("127.0.0.1", s.http_port, 1000)) return 0;
    return make_error(fmt::format("ready: nothing accepted a connection on 127.0.0.1:{} within 1 s", s.http_port));
  }
  if (!still_running(state->child)) return make_error(fmt::format("ready: {} is no longer running", describe(*state)));
  if (auto failure = recorded_failure(*state))
    return make_error(fmt::format("ready: {} cannot serve: {}", describe(*state), *failure));
  if (state->listeners.empty())
    return make_error(fmt::format("ready: {} does not listen on any TCP port yet", describe(*state)));
  for (const auto& l : state->listeners)
    if (!accepts(l.address, l.port, 1000))
      return make_error(fmt::format("ready: {} listens on {}:{}, which accepted no connection within 1 s",
                                    describe(*state), l.address, l.port));
  return 0;
}

Result<int> run_hook_command(Context& ctx, const HookCommand& hc, const Args& args) {
  CLI::App app{std::string(hc.description), fmt::format("warpdrive {}", hc.name)};
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;

  WD_ASSIGN(AppEnvironment e, deploy_environment(ctx, hc.name));
  if (hc.deploy_cfg_first) WD_TRY(run_deploy_cfg_once(e));
  WD_ASSIGN(HookState state, check_hook(e.settings, hc.name));
  if (state == HookState::runnable) return hand_over(ctx, e.settings, hook_spec(e, hc.name));

  switch (hc.without_hook) {
    case NoHook::succeed:
      return 0;
    case NoHook::running:
      return check_running(e.settings);
    case NoHook::listening:
      return check_listening(e.settings);
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
                         "without an alive hook it succeeds when the server `warpdrive start` started still\n"
                         "runs (or when start recorded nothing: it then ran the server in its own place).",
                         false, NoHook::running};
const HookCommand kReady{"ready",
                         "Readiness probe. Runs the application's ready hook and exits with its status;\n"
                         "without a ready hook it succeeds only when every TCP port the server started by\n"
                         "`warpdrive start` listens on accepts a connection within 1 second (when start\n"
                         "recorded nothing: 127.0.0.1:$WARPDRIVE_HTTP_PORT).",
                         false, NoHook::listening};

}  // namespace

Result<int> cmd_setup(Context& ctx, const Args& args) { return run_hook_command(ctx, kSetup, args); }
Result<int> cmd_migrate(Context& ctx, const Args& args) { return run_hook_command(ctx, kMigrate, args); }
Result<int> cmd_verify(Context& ctx, const Args& args) { return run_hook_command(ctx, kVerify, args); }
Result<int> cmd_alive(Context& ctx, const Args& args) { return run_hook_command(ctx, kAlive, args); }
Result<int> cmd_ready(Context& ctx, const Args& args) { return run_hook_command(ctx, kReady, args); }

}  // namespace wd
