// The servers warpdrive can start, in one table: each server's name, what it
// serves (WSGI, ASGI), how build checks that it is installed and what
// installs it, how start plans its launch, and how long it may take to stop.
// Adding a server is one row in server_registry.cpp and one planner file in
// start/. Build and start both read this table; nothing else lists servers.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace wd {

struct ServerInput;
struct LaunchPlan;

enum class ServerId { mod_wsgi, gunicorn, uwsgi, waitress, uvicorn, hypercorn, daphne, granian };

// What build checks before it trusts that the server can run.
struct InstallCheck {
  std::vector<std::string_view> modules;        // importable by the application's Python
  std::vector<std::string_view> programs;       // on PATH (plus the sbin directories)
  std::vector<std::string_view> files;          // absolute paths that must exist
  std::vector<std::string_view> venv_programs;  // $APP_ROOT/bin/<name>: any one makes programs/files unnecessary
  std::vector<std::string_view> pip_packages;   // what build installs with pip when something is missing
  std::string_view debian_packages;             // what to install instead, for the error message
};

struct ServerInfo {
  ServerId id;
  std::string_view name;  // WARPDRIVE_SERVER_TYPE / .warpdrive/server_type / deploy mode value
  bool serves_wsgi = true;
  bool serves_asgi = false;
  InstallCheck install;
  Result<LaunchPlan> (*plan)(const ServerInput&) = nullptr;
  int stop_seconds = 5;  // the longest a stop may take, SIGTERM to exit (warpdrive's init enforces it)
};

const std::vector<ServerInfo>& server_registry();
const ServerInfo& server_info(ServerId id);
std::string_view server_name(ServerId id);
std::optional<ServerId> find_server(std::string_view name);

// "mod_wsgi, gunicorn, uwsgi, waitress": every server, or those that serve WSGI / ASGI.
enum class ServerFilter { all, wsgi, asgi };
std::string server_names(ServerFilter filter = ServerFilter::all);

}  // namespace wd
