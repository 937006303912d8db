// uvicorn: 0.0.0.0:PORT, one process per sized CPU (--workers; uvicorn's own
// supervisor restarts a worker that dies), lifespan handlers run, proxy
// headers ignored unless configured, a graceful stop bounded below warpdrive's
// 3 s SIGKILL. Error log on stderr, access log on stdout (uvicorn's defaults).
#include <fmt/format.h>

#include "start/python_server.hpp"
#include "start/server_args.hpp"

namespace wd {

Result<LaunchPlan> plan_uvicorn(const ServerInput& input) {
  const AppEnvironment& e = *input.environment;
  const Settings& s = e.settings;
  WD_ASSIGN(AsgiServerStart start, begin_asgi_server(input, "uvicorn", "uvicorn", "uvicorn", "uvicorn", {"--workers"}));
  LaunchPlan& plan = start.plan;
  const auto& user = input.server_args;
  if (!has_option(user, {"--host", "--uds", "--fd"})) {
    plan.argv.push_back("--host");
    plan.argv.push_back("0.0.0.0");
  }
  if (!has_option(user, {"--port", "--uds", "--fd"})) {
    plan.argv.push_back("--port");
    plan.argv.push_back(s.http_port_text());
  }
  if (!input.full_control) {
    if (!start.user_processes) {
      plan.argv.push_back("--workers");
      plan.argv.push_back(std::to_string(start.processes));
      plan.notes.push_back(sizing_note(input.workers, fmt::format("{} processes x 1 event loop", start.processes)));
    }
    // Startup and shutdown handlers run for every application that implements
    // lifespan; one that does not (Django's ASGIHandler) still starts ("on" would refuse it).
    if (!has_option(user, {"--lifespan"})) {
      plan.argv.push_back("--lifespan");
      plan.argv.push_back("auto");
    }
    if (!has_option(user, {"--timeout-graceful-shutdown"})) {
      plan.argv.push_back("--timeout-graceful-shutdown");
      plan.argv.push_back("2");
    }
  }
  // uvicorn trusts X-Forwarded-* from 127.0.0.1 by default: only when configured here.
  if (!has_option(user, {"--proxy-headers", "--no-proxy-headers", "--forwarded-allow-ips"}) &&
      !e.env.is_set("FORWARDED_ALLOW_IPS")) {
    plan.argv.push_back("--no-proxy-headers");
    plan.notes.push_back(
        "proxy headers (X-Forwarded-*) ignored: add --proxy-headers --forwarded-allow-ips=ADDRESSES "
        "to server_args, or set FORWARDED_ALLOW_IPS, to trust a proxy");
  }
  WD_TRY(finish_asgi_server(input, start));
  return std::move(start.plan);
}

}  // namespace wd
