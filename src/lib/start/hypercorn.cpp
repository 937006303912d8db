// Hypercorn: --bind 0.0.0.0:PORT, one worker process per sized CPU, access
// log on stdout and error log on stderr, lifespan (Hypercorn always runs it
// when the application implements it), a graceful stop bounded below
// warpdrive's 3 s SIGKILL. Serves WSGI applications too (it tells them apart).
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
  if (!has_option(user, {"--bind", "-b", "--insecure-bind"})) {
    plan.argv.push_back("--bind");
    plan.argv.push_back(fmt::format("0.0.0.0:{}", s.http_port));
  }
  if (!has_option(user, {"--access-logfile", "--access-log"})) {
    plan.argv.push_back("--access-logfile");
    plan.argv.push_back("-");
  }
  if (!has_option(user, {"--error-logfile", "--log-file", "--error-log"})) {
    plan.argv.push_back("--error-logfile");
    plan.argv.push_back("-");
  }
  if (!input.full_control) {
    if (!start.user_processes) {
      plan.argv.push_back("--workers");
      plan.argv.push_back(std::to_string(start.processes));
      plan.notes.push_back(sizing_note(input.workers, fmt::format("{} processes x 1 event loop", start.processes)));
    }
    if (!has_option(user, {"--graceful-timeout"})) {
      plan.argv.push_back("--graceful-timeout");
      plan.argv.push_back("2");
    }
  }
  WD_TRY(finish_asgi_server(input, start));
  return std::move(start.plan);
}

}  // namespace wd
