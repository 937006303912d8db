#include "start/planner.hpp"

#include <unistd.h>
#include <cerrno>

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "embedded.hpp"
#include "process.hpp"
#include "server_registry.hpp"
#include "shell.hpp"
#include "start/detect.hpp"
#include "start/mod_wsgi.hpp"
#include "start/python_server.hpp"
#include "start/server_args.hpp"
#include "start/sizing.hpp"

namespace wd {

namespace {

Result<std::optional<int>> positive_env(const EnvVars& env, const std::string& name) {
  if (!env.is_set(name)) return std::optional<int>{};
  std::string value = *env.get(name);
  int n = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || ptr != value.data() + value.size() || n < 1)
    return make_error(fmt::format("{} is '{}', not a whole number of at least 1", name, value));
  return std::optional<int>(n);
}

// The default page speaks WSGI, and ASGI (asgi_application) for the servers that speak only ASGI.
WsgiTarget default_page_target(const Settings& s, bool asgi) {
  return {"warpdrive_default_page", asgi ? "asgi_application" : "application",
          generated_dir(s) / "warpdrive_default_page.py", asgi, asgi ? "ASGI callable" : ""};
}

Result<GeneratedFile> default_page_file(const Settings& s) {
  return embedded_as_file("warpdrive_default_page.py", default_page_target(s, false).script);
}

Result<LaunchPlan> plan_server(const AppEnvironment& e, Detection& d) {
  const Settings& s = e.settings;
  const ServerInfo& info = server_info(*d.server);
  const std::string server(info.name);
  bool full_control = d.kind == AppKind::full_control;
  ServerInput input;
  input.environment = &e;
  input.server = server;
  input.full_control = full_control;
  input.target = d.target;
  input.statics = d.statics;
  input.app_in_server_config = d.app_in_server_config;
  input.server_config = d.server_config;
  bool default_page = !input.target && !d.app_in_server_config;
  if (default_page) input.target = default_page_target(s, !info.serves_wsgi);
  WD_ASSIGN(ServerArgs args, load_server_args(s, server, e.env));
  input.server_args = args.words;
  WD_ASSIGN(input.workers, choose_workers(e, server));

  WD_ASSIGN(LaunchPlan plan, info.plan(input));

  if (default_page && !full_control) {
    WD_ASSIGN(GeneratedFile page, default_page_file(s));
    plan.files.insert(plan.files.begin(), std::move(page));
    d.notes.push_back(fmt::format("no application found in {}: serving warpdrive's default page", s.app_home.string()));
  }
  if (!args.file.empty()) d.notes.push_back(fmt::format("server options from {}", args.file.string()));
  for (auto& w : args.warnings) plan.warnings.push_back(std::move(w));
  if (!plan.workers && !full_control) plan.workers = input.workers;
  return plan;
}

std::string mode_name(AppKind kind) {
  switch (kind) {
    case AppKind::shell:
      return "shell";
    case AppKind::python:
      return "python";
    case AppKind::procfile:
      return "procfile";
    case AppKind::wsgi:
      return "wsgi";
    case AppKind::asgi:
      return "asgi";
    case AppKind::django:
      return "django";
    case AppKind::default_page:
      return "default";
    case AppKind::full_control:
      return "full control";
  }
  return "";
}

Result<fs::path> python_interpreter(const AppEnvironment& e) {
  const Settings& s = e.settings;
  if (s.has_virtualenv() && is_executable_file(s.app_root / "bin" / "python")) return s.app_root / "bin" / "python";
  if (e.env.is_set("WARPDRIVE_PYTHON")) return find_program(*e.env.get("WARPDRIVE_PYTHON"), e.env);
  auto python3 = find_program("python3", e.env);
  if (python3) return python3;
  return find_program("python", e.env);
}

}  // namespace

Result<WorkerSizing> choose_workers(const AppEnvironment& e, const std::string& server) {
  WorkerSizing w = size_workers(current_cgroup_limits(), affinity_cpus());
  WD_ASSIGN(auto concurrency, positive_env(e.env, "WEB_CONCURRENCY"));
  if (concurrency) {
    w.processes = *concurrency;
    w.user_set = true;
    w.reason = fmt::format("WEB_CONCURRENCY={}", *concurrency);
  }
  if (server == "mod_wsgi") {  // mod_wsgi-express's own variables
    WD_ASSIGN(auto processes, positive_env(e.env, "MOD_WSGI_PROCESSES"));
    WD_ASSIGN(auto threads, positive_env(e.env, "MOD_WSGI_THREADS"));
    if (processes) w.processes = *processes;
    if (threads) w.threads = *threads;
    if (processes || threads) {
      w.user_set = true;
      w.reason = "MOD_WSGI_PROCESSES / MOD_WSGI_THREADS";
    }
  }
  return w;
}

Result<LaunchPlan> plan_start(const AppEnvironment& e) {
  const Settings& s = e.settings;
  WD_ASSIGN(Detection d, detect_app(e, DetectDepth::full));

  LaunchPlan plan;
  switch (d.kind) {
    case AppKind::shell: {
      WD_ASSIGN(ServerArgs args, load_server_args(s, "shell", e.env));
      plan.argv = {d.file.string()};
      for (auto& a : args.words) plan.argv.push_back(a);
      plan.warnings = args.warnings;
      break;
    }
    case AppKind::python: {
      WD_ASSIGN(ServerArgs args, load_server_args(s, "python", e.env));
      WD_ASSIGN(fs::path python, python_interpreter(e));
      plan.argv = {python.string(), d.file.string()};
      for (auto& a : args.words) plan.argv.push_back(a);
      plan.warnings = args.warnings;
      break;
    }
    case AppKind::procfile:
      // The user wrote it as a command line, so a shell runs it (as Heroku does).
      plan.argv = {"/bin/sh", "-c", d.command};
      break;
    case AppKind::wsgi:
    case AppKind::asgi:
    case AppKind::django:
    case AppKind::default_page:
    case AppKind::full_control: {
      WD_ASSIGN(plan, plan_server(e, d));
      break;
    }
  }
  plan.mode = d.kind == AppKind::full_control ? s.deploy_mode_name() : mode_name(d.kind);
  if (plan.cwd.empty()) plan.cwd = s.app_home;
  if (!plan.env_additions.has("PORT") && e.env.get_or("PORT", "") != s.http_port_text())
    plan.env_additions.set("PORT", s.http_port_text());
  for (const auto& [name, value] : d.env)
    if (!plan.env_additions.has(name)) plan.env_additions.set(name, value);
  plan.notes.insert(plan.notes.begin(), d.notes.begin(), d.notes.end());
  plan.warnings.insert(plan.warnings.begin(), d.warnings.begin(), d.warnings.end());
  return plan;
}

std::string render_plan_text(const LaunchPlan& plan) {
  std::string out;
  out += fmt::format("mode: {}\n", plan.mode);
  out += fmt::format("server: {}\n", plan.server.empty() ? "none" : plan.server);
  out += fmt::format("argv: {}\n", shell_words(plan.argv));
  out += fmt::format("cwd: {}\n", shell_quote(plan.cwd.string()));
  for (const auto& [name, value] : plan.env_additions.vars())
    out += fmt::format("env: {}={}\n", name, shell_quote(value));
  for (const auto& f : plan.files) out += fmt::format("file: {}\n", shell_quote(f.path.string()));
  for (const auto& f : plan.stale_files) out += fmt::format("remove: {}\n", shell_quote(f.string()));
  if (plan.workers)
    out += fmt::format("workers: {} processes x {} threads ({})\n", plan.workers->processes, plan.workers->threads,
                       plan.workers->reason);
  for (const auto& n : plan.notes) out += fmt::format("note: {}\n", n);
  for (const auto& w : plan.warnings) out += fmt::format("warning: {}\n", w);
  return out;
}

std::string render_plan_json(const LaunchPlan& plan) {
  nlohmann::ordered_json j;
  j["mode"] = plan.mode;
  j["server"] = plan.server.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(plan.server);
  j["argv"] = plan.argv;
  j["cwd"] = plan.cwd.string();
  j["env"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : plan.env_additions.vars()) j["env"][name] = value;
  j["files"] = nlohmann::ordered_json::array();
  for (const auto& f : plan.files)
    j["files"].push_back({{"path", f.path.string()}, {"mode", fmt::format("{:04o}", f.mode)}});
  j["remove"] = nlohmann::ordered_json::array();
  for (const auto& f : plan.stale_files) j["remove"].push_back(f.string());
  if (plan.workers)
    j["workers"] = {{"processes", plan.workers->processes},
                    {"threads", plan.workers->threads},
                    {"user_set", plan.workers->user_set},
                    {"reason", plan.workers->reason}};
  else
    j["workers"] = nullptr;
  j["notes"] = plan.notes;
  j["warnings"] = plan.warnings;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

Status write_generated_files(const LaunchPlan& plan) {
  for (const auto& path : plan.stale_files) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
      return make_error(fmt::format("cannot remove the stale {}: {}", path.string(), errno_text(errno)));
  }
  for (const auto& f : plan.files) {
    // Unchanged files are left alone, so a tree another user prepared (the
    // image build, a root run) still starts under an arbitrary UID.
    auto current = read_file_if_exists(f.path);
    if (!f.owner && current && *current && **current == f.contents) continue;
    WD_TRY(make_dirs(f.path.parent_path()));
    WD_TRY(write_file_atomic(f.path, f.contents, f.mode));
    if (f.owner && ::lchown(f.path.c_str(), f.owner->first, f.owner->second) != 0)
      return make_error(fmt::format("cannot give {} to uid {} gid {}: {}", f.path.string(), f.owner->first,
                                    f.owner->second, errno_text(errno)));
  }
  return {};
}

ProcessSpec launch_spec(const AppEnvironment& e, const LaunchPlan& plan) {
  ProcessSpec spec;
  spec.argv = plan.argv;
  spec.env = e.env;
  for (const auto& [name, value] : plan.env_additions.vars()) spec.env.set(name, value);
  spec.cwd = plan.cwd;
  spec.trace = e.settings.debug;
  return spec;
}

}  // namespace wd
