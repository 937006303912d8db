// The shared part of the Python servers' planners (start/python_server.hpp):
// finding the program, the application entry, the PYTHONPATH for generated modules.
#include "start/python_server.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "embedded.hpp"
#include "process.hpp"
#include "start/server_args.hpp"

namespace wd {

fs::path generated_dir(const Settings& settings) { return settings.app_root / "tmp" / "warpdrive"; }

Result<ServerProgram> locate_python_server(const AppEnvironment& environment, std::string_view server,
                                           std::string_view script, std::string_view module,
                                           std::string_view debian_package) {
  const Settings& s = environment.settings;
  ServerProgram program;
  auto venv = virtualenv_site(s.app_root);
  if (venv) {
    fs::path in_venv = s.app_root / "bin" / std::string(script);
    if (is_executable_file(in_venv)) {
      program.argv = {in_venv.string()};
      program.site = venv;
      return program;
    }
    if (has_module(*venv, module)) {
      program.argv = {venv->interpreter.string(), "-m", std::string(module)};
      program.site = venv;
      return program;
    }
  }
  auto found = find_program(std::string(script), environment.env);
  if (!found) {
    std::string where = venv ? fmt::format("no {} in the virtualenv {} nor on PATH", script, s.app_root.string())
                             : fmt::format("no {} on PATH", script);
    return make_error(fmt::format("the {} server is not installed: {} (Debian package: {}; or pip install {})", server,
                                  where, debian_package, module));
  }
  program.argv = {found->string()};
  program.site = script_site(*found);
  if (venv)
    program.notes.push_back(
        fmt::format("{} is not installed in the virtualenv {}: using {}, whose Python does not "
                    "see the virtualenv's packages",
                    server, s.app_root.string(), found->string()));
  return program;
}

Result<GeneratedFile> embedded_as_file(std::string_view name, fs::path path) {
  auto text = embedded_file(name);
  if (!text) return make_error(fmt::format("{} is missing from this warpdrive binary", name));
  return GeneratedFile{std::move(path), std::string(*text), 0644};
}

Result<AppEntry> app_entry(const ServerInput& input, const std::optional<PythonSite>& site) {
  const Settings& s = input.environment->settings;
  AppEntry entry;
  const WsgiTarget& target = *input.target;
  std::string spec = target_spec(target);
  bool generated = target.script.string().rfind(generated_dir(s).string() + "/", 0) == 0;
  if (input.statics.empty() && !target.factory_args) {
    entry.spec = spec;
  } else {
    // The wrapper module loads the application (calling a factory the same
    // way for every server) and serves the static mounts in front of it.
    // WSGI apps get WhiteNoise; ASGI apps ServeStatic, the maintained WhiteNoise fork that speaks ASGI.
    const char* library = target.asgi ? "ServeStatic" : "WhiteNoise";
    const char* module = target.asgi ? "servestatic" : "whitenoise";
    const char* install = target.asgi ? "pip install servestatic; warpdrive build installs it"
                                      : "Debian package: python3-whitenoise; or pip install whitenoise";
    if (!input.statics.empty() && site && !has_module(*site, module))
      return make_error(fmt::format("static files under {} are served by {}, which {} cannot import ({})", input.server,
                                    library, site->interpreter.string(), install));
    for (const char* name : {"warpdrive_static.py", "warpdrive_app_loader.py"}) {
      WD_ASSIGN(GeneratedFile file, embedded_as_file(name, generated_dir(s) / name));
      entry.files.push_back(std::move(file));
    }
    nlohmann::json mounts = nlohmann::json::array();
    for (const auto& m : input.statics) mounts.push_back({m.url, m.directory.string()});
    entry.env.emplace_back("WARPDRIVE_WRAPPED_APPLICATION", spec);
    entry.env.emplace_back("WARPDRIVE_STATIC_MOUNTS", mounts.dump());
    entry.env.emplace_back("WARPDRIVE_STATIC_INTERFACE", target.asgi ? "asgi" : "wsgi");
    entry.spec = "warpdrive_static:application";
    generated = true;
  }
  if (generated) {
    std::string pythonpath = input.environment->env.get_or("PYTHONPATH", "");
    entry.env.emplace_back("PYTHONPATH", generated_dir(s).string() + (pythonpath.empty() ? "" : ":" + pythonpath));
  }
  return entry;
}

void apply_entry(LaunchPlan& plan, AppEntry entry) {
  for (auto& f : entry.files) plan.files.push_back(std::move(f));
  for (auto& [name, value] : entry.env) plan.env_additions.set(name, value);
}

Result<AsgiServerStart> begin_asgi_server(const ServerInput& input, std::string_view server, std::string_view script,
                                          std::string_view module, std::string_view debian_package,
                                          const std::vector<std::string_view>& process_options) {
  const AppEnvironment& e = *input.environment;
  WD_ASSIGN(ServerProgram program, locate_python_server(e, server, script, module, debian_package));
  AsgiServerStart start;
  start.plan.server = std::string(server);
  start.plan.cwd = e.settings.app_home;
  start.plan.argv = program.argv;
  start.plan.notes = program.notes;
  start.site = program.site;
  start.processes = input.workers.processes;
  start.user_processes = !process_options.empty() && has_option(input.server_args, process_options);
  // An event loop per process: the sizing's processes, one "thread" each.
  WorkerSizing w = input.workers;
  w.threads = 1;
  start.plan.workers = w;
  return start;
}

Status finish_asgi_server(const ServerInput& input, AsgiServerStart& start) {
  for (const auto& a : input.server_args) start.plan.argv.push_back(a);
  if (input.full_control) return {};
  WD_ASSIGN(AppEntry entry, app_entry(input, start.site));
  start.plan.argv.push_back(entry.spec);
  apply_entry(start.plan, std::move(entry));
  return {};
}

std::string sizing_note(const WorkerSizing& w, std::string_view what) {
  if (w.user_set) return fmt::format("workers: {} ({})", what, w.reason);
  return fmt::format("workers: {}, sized from {}", what, w.reason);
}

void add_processes_and_threads(LaunchPlan& plan, const std::vector<std::string>& user, const WorkerSizing& w,
                               const CountOption& processes, const CountOption& threads) {
  bool own_processes = has_option(user, processes.names);
  bool own_threads = has_option(user, threads.names);
  if (!own_processes) {
    plan.argv.emplace_back(processes.option);
    plan.argv.push_back(std::to_string(w.processes));
  }
  if (!own_threads) {
    plan.argv.emplace_back(threads.option);
    plan.argv.push_back(std::to_string(w.threads));
  }
  if (!own_processes || !own_threads)
    plan.notes.push_back(sizing_note(w, fmt::format("{} processes x {} threads", w.processes, w.threads)));
}

void add_asgi_processes(AsgiServerStart& start, const ServerInput& input, std::string_view per_process) {
  if (start.user_processes) return;
  start.plan.argv.push_back("--workers");
  start.plan.argv.push_back(std::to_string(start.processes));
  start.plan.notes.push_back(
      sizing_note(input.workers, fmt::format("{} processes x {}", start.processes, per_process)));
}

}  // namespace wd
