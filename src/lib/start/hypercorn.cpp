// Hypercorn: --bind 0.0.0.0:PORT, one worker process per sized CPU, access
// log on stdout and error log on stderr, lifespan (Hypercorn always runs it
// when the application implements it), a graceful stop bounded below
// warpdrive's 3 s SIGKILL, and uvloop's event loop when the application's
// Python has uvloop (build installs hypercorn[uvloop]): unlike uvicorn and
// granian, Hypercorn keeps asyncio's loop unless told, and bench/throughput
// measured uvloop 20-40% faster. Serves WSGI applications too (it tells them
// apart).
#include <fmt/format.h>

#include "start/python_server.hpp"
#include "start/server_args.hpp"

namespace wd {

Result<LaunchPlan> plan_hypercorn(const ServerInput& input) {
  const Settings& s = input.environment->settings;
  WD_ASSIGN(AsgiServerStart start,
            begin_asgi_server(input, "hypercorn", "hypercorn", "hypercorn", "python3-hypercorn", {"--workers", "-w"}));
  LaunchPlan& plan = start.plan;
  const auto& user = input.server_args;
  default_option(plan.argv, user, {"--bind", "-b", "--insecure-bind"}, "--bind",
                 fmt::format("0.0.0.0:{}", s.http_port));
  default_option(plan.argv, user, {"--access-logfile", "--access-log"}, "--access-logfile", "-");
  default_option(plan.argv, user, {"--error-logfile", "--log-file", "--error-log"}, "--error-logfile", "-");
  if (!input.full_control) {
    add_asgi_processes(start, input, "1 event loop");
    default_option(plan.argv, user, {"--graceful-timeout"}, "--graceful-timeout", "2");
    if (!has_option(user, {"--worker-class", "-k"})) {
      if (start.site && has_module(*start.site, "uvloop")) {
        plan.argv.insert(plan.argv.end(), {"--worker-class", "uvloop"});
        plan.notes.emplace_back("event loop: uvloop (installed in the application's Python)");
      } else {
        plan.notes.emplace_back("event loop: asyncio's (uvloop is not installed; hypercorn[uvloop] brings it)");
      }
    }
  }
  WD_TRY(finish_asgi_server(input, start));
  return std::move(start.plan);
}

}  // namespace wd
