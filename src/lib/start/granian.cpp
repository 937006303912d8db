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
  default_option(plan.argv, user, {"--interface"}, "--interface", asgi ? "asgi" : "wsgi");
  default_option(plan.argv, user, {"--host", "--uds"}, "--host", "0.0.0.0");
  default_option(plan.argv, user, {"--port", "--uds"}, "--port", s.http_port_text());
  if (!has_option(user, {"--access-log", "--no-access-log"})) plan.argv.push_back("--access-log");
  if (!input.full_control) {
    add_asgi_processes(start, input,
                       asgi ? std::string("1 event loop") : fmt::format("{} threads", input.workers.threads));
    if (!asgi && !has_option(user, {"--blocking-threads"})) {
      // WSGI runs in blocking threads: the sizing's threads per process.
      plan.argv.push_back("--blocking-threads");
      plan.argv.push_back(std::to_string(input.workers.threads));
      plan.workers = input.workers;
    }
    default_option(plan.argv, user, {"--workers-kill-timeout"}, "--workers-kill-timeout", "2");
  }
  WD_TRY(finish_asgi_server(input, start));
  return std::move(start.plan);
}

}  // namespace wd
