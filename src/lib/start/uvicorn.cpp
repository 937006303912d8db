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
  default_option(plan.argv, user, {"--host", "--uds", "--fd"}, "--host", "0.0.0.0");
  default_option(plan.argv, user, {"--port", "--uds", "--fd"}, "--port", s.http_port_text());
  if (!input.full_control) {
    add_asgi_processes(start, input, "1 event loop");
    // Startup and shutdown handlers run for every application that implements
    // lifespan; one that does not (Django's ASGIHandler) still starts ("on" would refuse it).
    default_option(plan.argv, user, {"--lifespan"}, "--lifespan", "auto");
    default_option(plan.argv, user, {"--timeout-graceful-shutdown"}, "--timeout-graceful-shutdown", "2");
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
