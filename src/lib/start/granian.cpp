// Granian (a Rust HTTP server): --interface asgi (or wsgi for a WSGI
// application), --host 0.0.0.0 --port PORT, one worker process per sized CPU,
// access log on, lifespan handlers run (the asgi interface implements it),
// workers killed 2 s after a stop at the latest.
#include <fmt/format.h>

#include "start/python_server.hpp"
#include "start/server_args.hpp"

namespace wd {

Result<LaunchPlan> plan_granian(const ServerInput& input) {
  const Settings& s = input.environment->settings;
  WD_ASSIGN(AsgiServerStart start,
            begin_asgi_server(input, "granian", "granian", "granian", "(none: pip install granian)", {"--workers"}));
  LaunchPlan& plan = start.plan;
  const auto& user = input.server_args;
  bool asgi = !input.target || input.target->asgi;
  if (!has_option(user, {"--interface"})) {
    plan.argv.push_back("--interface");
    plan.argv.push_back(asgi ? "asgi" : "wsgi");
  }
  if (!has_option(user, {"--host", "--uds"})) {
    plan.argv.push_back("--host");
    plan.argv.push_back("0.0.0.0");
  }
  if (!has_option(user, {"--port", "--uds"})) {
    plan.argv.push_back("--port");
    plan.argv.push_back(s.http_port_text());
  }
  if (!has_option(user, {"--access-log", "--no-access-log"})) plan.argv.push_back("--access-log");
  if (!input.full_control) {
    if (!start.user_processes) {
      plan.argv.push_back("--workers");
      plan.argv.push_back(std::to_string(start.processes));
    }
    if (!asgi && !has_option(user, {"--blocking-threads"})) {
      // WSGI runs in blocking threads: the sizing's threads per process.
      plan.argv.push_back("--blocking-threads");
      plan.argv.push_back(std::to_string(input.workers.threads));
      plan.workers = input.workers;
    }
    if (!start.user_processes)
      plan.notes.push_back(sizing_note(
          input.workers, asgi ? fmt::format("{} processes x 1 event loop", start.processes)
                              : fmt::format("{} processes x {} threads", start.processes, input.workers.threads)));
    if (!has_option(user, {"--workers-kill-timeout"})) {
      plan.argv.push_back("--workers-kill-timeout");
      plan.argv.push_back("2");
    }
  }
  WD_TRY(finish_asgi_server(input, start));
  return std::move(start.plan);
}

}  // namespace wd
