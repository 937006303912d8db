// mod_wsgi-express in the virtualenv: used when present (or asked for), with
// the original's command line, so an app that brought its own mod_wsgi runs
// as it did under the original warpdrive.
#include "start/mod_wsgi_express.hpp"

#include <fmt/format.h>

#include <cctype>

#include "start/mod_wsgi_account.hpp"
#include "start/mod_wsgi_app.hpp"
#include "start/mod_wsgi_options.hpp"
#include "start/python_server.hpp"

namespace wd::mod_wsgi {

Result<ExpressChoice> choose_express(const Settings& settings, const EnvVars& env) {
  ExpressChoice c;
  c.program = settings.app_root / "bin" / "mod_wsgi-express";
  bool present = is_file(c.program);
  std::string v;
  for (char ch : env.get_or("WARPDRIVE_MOD_WSGI_EXPRESS", ""))
    v += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (v.empty() || v == "auto") {
    c.use = present;
    c.reason = present
                   ? fmt::format("{} exists (the mod_wsgi package is installed in the virtualenv)", c.program.string())
                   : fmt::format("no {} (the mod_wsgi package is not installed in the virtualenv)", c.program.string());
    return c;
  }
  if (v == "1" || v == "on" || v == "yes" || v == "true") {
    if (!present)
      return make_error(
          fmt::format("WARPDRIVE_MOD_WSGI_EXPRESS='{}' asks for mod_wsgi-express, but {} does not exist; "
                      "add mod_wsgi to the app's requirements and run `warpdrive build` (it compiles "
                      "against Debian's apache2-dev)",
                      env.get_or("WARPDRIVE_MOD_WSGI_EXPRESS", ""), c.program.string()));
    c.use = true;
    c.reason = "WARPDRIVE_MOD_WSGI_EXPRESS asks for it";
    return c;
  }
  if (v == "0" || v == "off" || v == "no" || v == "false") {
    c.reason = fmt::format("WARPDRIVE_MOD_WSGI_EXPRESS='{}'{}", env.get_or("WARPDRIVE_MOD_WSGI_EXPRESS", ""),
                           present ? " (mod_wsgi-express in the virtualenv is not used)" : "");
    return c;
  }
  return make_error(fmt::format("WARPDRIVE_MOD_WSGI_EXPRESS='{}': expected auto, on or off",
                                env.get_or("WARPDRIVE_MOD_WSGI_EXPRESS", "")));
}

Result<LaunchPlan> plan_express(const ServerInput& input, const ExpressChoice& choice, const ApacheHost& host) {
  const Settings& settings = input.environment->settings;
  const EnvVars& env = input.environment->env;
  LaunchPlan plan;
  plan.mode = input.full_control ? "mod_wsgi" : "wsgi";
  plan.server = "mod_wsgi";
  plan.cwd = settings.app_home;
  plan.own_process_group = true;  // it execs Apache, whose prefork MPM signals its process group
  // mod_wsgi-express's Apache keeps its PID file in the server root; one left
  // by a killed Apache may name a live process by now (see the generated path).
  plan.stale_files.push_back(settings.app_root / "mod_wsgi" / "httpd.pid");
  auto& a = plan.argv;
  a = {choice.program.string(), "start-server",  "--server-root", (settings.app_root / "mod_wsgi").string(),
       "--log-to-terminal",     "--startup-log", "--port",        settings.http_port_text()};
  // As root, mod_wsgi-express refuses to start without --user and --group
  // (the original ran as a non-root user): the account the generated
  // configuration would use, unless server_args name one (they come later
  // and win).
  if (host.is_root) {
    Options none;
    WD_ASSIGN(ApacheAccount account, apache_account(none, env, host, settings.builder_id));
    std::string group = account.group == "#0" ? "root" : account.group;
    for (std::string* v : {&account.user, &group})
      if (v->rfind("#", 0) == 0)
        return make_error(fmt::format(
            "mod_wsgi-express needs account names for --user/--group, not '{}' (WARPDRIVE_APACHE_USER/GROUP)", *v));
    a.insert(a.end(), {"--user", account.user, "--group", group});
    plan.serving_account = LaunchPlan::ServingAccount{
        account.user, group, {settings.app_home, settings.src_root, settings.app_root / "mod_wsgi"}, {}};
    plan.notes.push_back(
        fmt::format("mod_wsgi: running as root, mod_wsgi-express serves as user {} group {} "
                    "(WARPDRIVE_APACHE_USER, WARPDRIVE_APACHE_GROUP, or --user/--group in server_args)",
                    account.user, group));
  }
  // The original's order: --access-log first, the debugger after reloading.
  std::optional<int> processes, threads;
  auto set = [&](std::string_view option) { return !env.get_or(env_name(option), "").empty(); };
  if (set("access-log")) a.push_back("--access-log");
  for (const auto& spec : option_table()) {
    if (!spec.from_env || spec.name == "access-log") continue;
    if (set(spec.name)) {
      std::string value = env.get_or(env_name(spec.name), "");
      a.push_back(fmt::format("--{}", spec.name));
      if (spec.kind != Kind::flag) a.push_back(value);
      if (spec.name == "processes" || spec.name == "threads") {
        auto n = parse_whole(value, 1, Source{true, spec.name});
        if (n) (spec.name == "processes" ? processes : threads) = static_cast<int>(*n);
      }
    }
    if (spec.name == "reload-on-changes" && set("enable-debugger")) {
      a.push_back("--debug-mode");
      a.push_back("--enable-debugger");
    }
  }
  for (const auto& arg : input.server_args) a.push_back(arg);
  std::string what = "mod_wsgi-express's default page";
  if (!input.full_control && input.target && input.target->factory_args) {
    // mod_wsgi-express cannot call a factory: it loads warpdrive's handler
    // script, which does (the same script as for Debian's Apache).
    Application app;
    app.module = input.target->module;
    app.callable = input.target->callable;
    app.factory_args = input.target->factory_args;
    WD_ASSIGN(fs::path handler, wsgi_script(app, generated_dir(settings), plan.files));
    for (const char* s : {"--application-type", "script", "--entry-point"}) a.push_back(s);
    a.push_back(handler.string());
    for (const auto& m : input.statics) {
      a.push_back("--url-alias");
      a.push_back(m.url);
      a.push_back(m.directory.string());
    }
    what = fmt::format("the factory {}", target_spec(*input.target));
  } else if (!input.full_control && input.target) {
    for (const char* s : {"--application-type", "module", "--entry-point"}) a.push_back(s);
    a.push_back(input.target->module);
    a.push_back("--callable-object");
    a.push_back(input.target->callable);
    for (const auto& m : input.statics) {
      a.push_back("--url-alias");
      a.push_back(m.url);
      a.push_back(m.directory.string());
    }
    what = fmt::format("module {}:{}", input.target->module, input.target->callable);
  } else if (input.full_control) {
    what = "what server_args name";
  }
  plan.notes.insert(plan.notes.begin(),
                    fmt::format("mod_wsgi: running mod_wsgi-express start-server, because {}", choice.reason));
  plan.notes.push_back(
      fmt::format("mod_wsgi: mod_wsgi-express on port {} serving {}; its configuration is written "
                  "to {}",
                  settings.http_port, what, (settings.app_root / "mod_wsgi").string()));
  if (processes || threads) {
    plan.workers =
        WorkerSizing{processes.value_or(1), threads.value_or(5), true, "set by MOD_WSGI_PROCESSES/MOD_WSGI_THREADS"};
    plan.notes.push_back(fmt::format("mod_wsgi: --processes/--threads from MOD_WSGI_PROCESSES/MOD_WSGI_THREADS"));
  } else {
    plan.notes.push_back(
        "mod_wsgi: processes and threads are mod_wsgi-express's defaults (MOD_WSGI_PROCESSES and "
        "MOD_WSGI_THREADS are unset), as in the original");
  }
  return plan;
}

}  // namespace wd::mod_wsgi
