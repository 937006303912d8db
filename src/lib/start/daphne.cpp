// Daphne (the Channels project's server): -b 0.0.0.0 -p PORT, access log on
// stdout. One process: Daphne has no worker processes of its own (run more
// replicas to use more CPUs), and it does not implement the lifespan protocol.
// Proxy headers only when server_args gives --proxy-headers.
#include <fmt/format.h>

#include "start/python_server.hpp"
#include "start/server_args.hpp"

namespace wd {

Result<LaunchPlan> plan_daphne(const ServerInput& input) {
  const Settings& s = input.environment->settings;
  WD_ASSIGN(AsgiServerStart start, begin_asgi_server(input, "daphne", "daphne", "daphne", "daphne", {}));
  LaunchPlan& plan = start.plan;
  const auto& user = input.server_args;
  bool endpoint = has_option(user, {"--endpoint", "-e", "--unix-socket", "-u", "--fd"});
  if (!endpoint && !has_option(user, {"--bind", "-b"})) {
    plan.argv.push_back("--bind");
    plan.argv.push_back("0.0.0.0");
  }
  if (!endpoint && !has_option(user, {"--port", "-p"})) {
    plan.argv.push_back("--port");
    plan.argv.push_back(s.http_port_text());
  }
  default_option(plan.argv, user, {"--access-log"}, "--access-log", "-");
  if (!input.full_control) {
    // Bounds how long a stop waits for the application's open connections.
    default_option(plan.argv, user, {"--application-close-timeout"}, "--application-close-timeout", "2");
    WorkerSizing w = input.workers;
    w.processes = 1;
    w.threads = 1;
    plan.workers = w;
    plan.notes.push_back(sizing_note(input.workers, fmt::format("1 process x 1 event loop (Daphne runs one process; "
                                                                "{} were sized: use uvicorn, hypercorn or granian, or "
                                                                "more replicas, to use them)",
                                                                input.workers.processes)));
    plan.notes.push_back("Daphne does not run lifespan startup/shutdown handlers");
  }
  WD_TRY(finish_asgi_server(input, start));
  return std::move(start.plan);
}

}  // namespace wd
