#include "server_registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "start/mod_wsgi.hpp"
#include "start/python_server.hpp"

namespace wd {

const std::vector<ServerInfo>& server_registry() {
  static const std::vector<ServerInfo> table = {
      {ServerId::mod_wsgi,
       "mod_wsgi",
       true,
       false,
       {.modules = {},
        .programs = {"apache2"},
        .files = {"/usr/lib/apache2/modules/mod_wsgi.so"},
        .venv_programs = {"mod_wsgi-express"},
        .pip_packages = {"mod_wsgi"},
        .debian_packages = "apache2 libapache2-mod-wsgi-py3"},
       plan_mod_wsgi,
       5},
      {ServerId::gunicorn,
       "gunicorn",
       true,
       false,
       {.modules = {"gunicorn", "whitenoise"},
        .programs = {},
        .files = {},
        .venv_programs = {},
        .pip_packages = {"gunicorn", "whitenoise"},
        .debian_packages = "python3-gunicorn python3-whitenoise"},
       plan_gunicorn,
       5},
      {ServerId::uwsgi,
       "uwsgi",
       true,
       false,
       {.modules = {},
        .programs = {"uwsgi"},
        .files = {"/usr/lib/uwsgi/plugins/python3_plugin.so"},
        .venv_programs = {"uwsgi"},  // pip's uWSGI has Python built in
        .pip_packages = {"uwsgi"},
        .debian_packages = "uwsgi uwsgi-plugin-python3"},
       plan_uwsgi,
       5},
      {ServerId::waitress,
       "waitress",
       true,
       false,
       {.modules = {"waitress", "whitenoise"},
        .programs = {},
        .files = {},
        .venv_programs = {},
        .pip_packages = {"waitress", "whitenoise"},
        .debian_packages = "python3-waitress python3-whitenoise"},
       plan_waitress,
       5},
      // The ASGI servers (docs/start.md, "ASGI"). uvicorn[standard] brings
      // uvloop, httptools and websockets: the fast event loop and parser, and
      // WebSocket support; granian[uvloop] and hypercorn[uvloop] the faster
      // event loop (bench/throughput: asyncio's is 20-40% slower), which
      // granian picks when it is there and hypercorn when start asks.
      // ServeStatic serves static files for ASGI apps.
      {ServerId::uvicorn,
       "uvicorn",
       false,
       true,
       {.modules = {"uvicorn", "servestatic"},
        .programs = {},
        .files = {},
        .venv_programs = {},
        .pip_packages = {"uvicorn[standard]", "servestatic"},
        .debian_packages = "uvicorn"},
       plan_uvicorn,
       5},
      {ServerId::hypercorn,
       "hypercorn",
       true,
       true,
       {.modules = {"hypercorn", "servestatic"},
        .programs = {},
        .files = {},
        .venv_programs = {},
        .pip_packages = {"hypercorn[uvloop]", "servestatic"},
        .debian_packages = "python3-hypercorn"},
       plan_hypercorn,
       5},
      {ServerId::daphne,
       "daphne",
       false,
       true,
       {.modules = {"daphne", "servestatic"},
        .programs = {},
        .files = {},
        .venv_programs = {},
        .pip_packages = {"daphne", "servestatic"},
        .debian_packages = "daphne"},
       plan_daphne,
       5},
      {ServerId::granian,
       "granian",
       true,
       true,
       {.modules = {"granian", "servestatic"},
        .programs = {},
        .files = {},
        .venv_programs = {},
        .pip_packages = {"granian[uvloop]", "servestatic"},
        .debian_packages = "(none: pip install granian)"},
       plan_granian,
       5},
  };
  return table;
}

const ServerInfo& server_info(ServerId id) {
  for (const auto& s : server_registry())
    if (s.id == id) return s;
  return server_registry().front();  // unreachable: every ServerId has a row (unit-tested)
}

std::string_view server_name(ServerId id) { return server_info(id).name; }

std::optional<ServerId> find_server(std::string_view name) {
  for (const auto& s : server_registry())
    if (s.name == name) return s.id;
  return std::nullopt;
}

std::string server_names(ServerFilter filter) {
  std::vector<std::string_view> names;
  for (const auto& s : server_registry())
    if (filter == ServerFilter::all || (filter == ServerFilter::wsgi && s.serves_wsgi) ||
        (filter == ServerFilter::asgi && s.serves_asgi))
      names.push_back(s.name);
  return fmt::format("{}", fmt::join(names, ", "));
}

}  // namespace wd
