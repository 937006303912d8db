// uWSGI: HTTP on 0.0.0.0:PORT, master, processes and threads from the
// sizing, single interpreter, die-on-term, 2 s reload mercy, need-app, the virtualenv as home,
// static files by static-map. Debian's uwsgi loads Python as a plugin.
#include <fmt/format.h>

#include "process.hpp"
#include "start/python_server.hpp"
#include "start/server_args.hpp"

namespace wd {

namespace {

constexpr const char* kDebianPluginDir = "/usr/lib/uwsgi/plugins";

struct UwsgiProgram {
  fs::path path;
  bool python_plugin = false;  // Debian's uwsgi-core: pass --plugin python3
  std::vector<std::string> notes;
};

Result<UwsgiProgram> locate_uwsgi(const AppEnvironment& e) {
  const Settings& s = e.settings;
  UwsgiProgram program;
  fs::path in_venv = s.app_root / "bin" / "uwsgi";
  if (s.has_virtualenv() && is_executable_file(in_venv)) {
    program.path = in_venv;  // pip's uWSGI has Python built in
    return program;
  }
  auto found = find_program("uwsgi", e.env);
  if (!found)
    return make_error(
        "the uwsgi server is not installed: no uwsgi on PATH (Debian packages: uwsgi and "
        "uwsgi-plugin-python3; or pip install uwsgi)");
  program.path = *found;
  std::error_code ec;
  fs::path real = fs::canonical(*found, ec);
  if (!ec && real.filename().string().rfind("uwsgi-core", 0) == 0) {
    if (!is_file(fs::path(kDebianPluginDir) / "python3_plugin.so"))
      return make_error(
          fmt::format("{} is Debian's uwsgi without its Python plugin: no {}/python3_plugin.so "
                      "(Debian package: uwsgi-plugin-python3)",
                      found->string(), kDebianPluginDir));
    program.python_plugin = true;
  }
  return program;
}

std::string mount_point(std::string url) {
  while (url.size() > 1 && url.back() == '/') url.pop_back();
  return url;
}

}  // namespace

Result<LaunchPlan> plan_uwsgi(const ServerInput& input) {
  const AppEnvironment& e = *input.environment;
  const Settings& s = e.settings;
  WD_ASSIGN(UwsgiProgram program, locate_uwsgi(e));
  LaunchPlan plan;
  plan.server = "uwsgi";
  plan.cwd = s.app_home;
  plan.notes = program.notes;
  plan.argv = {program.path.string()};
  const auto& user = input.server_args;
  if (program.python_plugin) {
    plan.argv.push_back("--plugin");
    plan.argv.push_back("python3");
  }
  default_option(plan.argv, user, {"--http-socket", "--http", "--socket", "-s"}, "--http-socket",
                 fmt::format("0.0.0.0:{}", s.http_port));
  for (const char* flag : {"--master", "--single-interpreter", "--die-on-term"}) plan.argv.push_back(flag);
  // A bounded stop: uWSGI waits 60 s by default for a worker to die (one
  // forked just before the stop ignores the signal while it starts, and is
  // then killed "with no mercy" a minute later). warpdrive's init kills the
  // tree kStopGrace after a stop anyway; these make uWSGI itself end in time.
  for (const char* mercy : {"--worker-reload-mercy", "--reload-mercy"}) {
    if (has_option(user, {mercy})) continue;
    plan.argv.push_back(mercy);
    plan.argv.push_back("2");
  }
  if (s.has_virtualenv()) {
    plan.argv.push_back("--virtualenv");
    plan.argv.push_back(s.app_root.string());
  }
  if (!input.full_control) {
    plan.argv.push_back("--need-app");
    const WorkerSizing& w = input.workers;
    add_processes_and_threads(plan, user, w, {"--processes", {"--processes", "--workers", "-p"}},
                              {"--threads", {"--threads"}});
    for (const auto& m : input.statics) {
      plan.argv.push_back("--static-map");
      plan.argv.push_back(mount_point(m.url) + "=" + m.directory.string());
    }
    // uWSGI serves the static files itself (--static-map); app_entry gives
    // the module directly, or the wrapper that calls a factory.
    ServerInput without_statics = input;
    without_statics.statics.clear();
    WD_ASSIGN(AppEntry entry, app_entry(without_statics, std::nullopt));
    plan.argv.push_back("--module");
    plan.argv.push_back(entry.spec);
    apply_entry(plan, std::move(entry));
  }
  for (const auto& a : user) plan.argv.push_back(a);
  return plan;
}

}  // namespace wd
