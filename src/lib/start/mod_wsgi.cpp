// The mod_wsgi server: Apache 2.4 in the foreground with mod_wsgi in daemon
// mode, configured from the MOD_WSGI_* variables the original warpdrive
// handed to mod_wsgi-express and from mod_wsgi-express style server_args
// (or mod_wsgi-express itself when the virtualenv has it). The defaults
// follow mod_wsgi-express's documented option defaults; the configuration
// text is our own. docs/mod_wsgi.md is the user's view. The parts:
// mod_wsgi_options (the options table), mod_wsgi_app (the application),
// mod_wsgi_mpm (sizing), mod_wsgi_account (the serving account),
// mod_wsgi_config (httpd.conf), mod_wsgi_express (mod_wsgi-express).
#include "start/mod_wsgi.hpp"

#include <fmt/format.h>

#include "start/mod_wsgi_account.hpp"
#include "start/mod_wsgi_app.hpp"
#include "start/mod_wsgi_config.hpp"
#include "start/mod_wsgi_express.hpp"
#include "start/mod_wsgi_mpm.hpp"
#include "start/mod_wsgi_options.hpp"

namespace wd {

namespace {

using namespace mod_wsgi;

// NEW_RELIC_LICENSE_KEY or NEW_RELIC_CONFIG_FILE: the server runs under the
// virtualenv's `newrelic-admin run-program`, which puts the agent's bootstrap
// on PYTHONPATH so each Python interpreter of the server starts the agent.
void apply_newrelic(LaunchPlan& plan, const Settings& settings, const EnvVars& env) {
  std::string trigger = !env.get_or("NEW_RELIC_LICENSE_KEY", "").empty()   ? "NEW_RELIC_LICENSE_KEY"
                        : !env.get_or("NEW_RELIC_CONFIG_FILE", "").empty() ? "NEW_RELIC_CONFIG_FILE"
                                                                           : "";
  if (trigger.empty()) return;
  fs::path admin = settings.app_root / "bin" / "newrelic-admin";
  if (!is_file(admin)) {
    plan.warnings.push_back(
        fmt::format("{} is set, but the newrelic package is not installed in the virtualenv "
                    "(no {}): the app runs WITHOUT the New Relic agent; add newrelic to the "
                    "app's requirements",
                    trigger, admin.string()));
    return;
  }
  plan.argv.insert(plan.argv.begin(), {admin.string(), "run-program"});
  plan.notes.push_back(
      fmt::format("mod_wsgi: {} is set: the server runs under `newrelic-admin run-program` "
                  "(as the original's --with-newrelic)",
                  trigger));
}

// The daemon's processes and threads: MOD_WSGI_PROCESSES/THREADS (or
// server_args) win over start's sizing.
struct DaemonSize {
  int processes = 1;
  int threads = 1;
  bool user_set = false;
  std::string reason;
};

Result<DaemonSize> daemon_size(const ServerInput& input, const Options& o, const ApacheHost& host) {
  DaemonSize d;
  d.processes = o.processes.value_or(input.workers.processes);
  d.threads = o.threads.value_or(input.workers.threads);
  if (d.processes < 1 || d.threads < 1)
    return make_error(
        fmt::format("mod_wsgi needs at least 1 process and 1 thread (got {} x {})", d.processes, d.threads));
  d.user_set = input.workers.user_set || o.processes || o.threads;
  d.reason =
      o.processes || o.threads ? "set by MOD_WSGI_PROCESSES/MOD_WSGI_THREADS or server_args" : input.workers.reason;
  std::string mpm_module = fmt::format("mod_mpm_{}.so", o.server_mpm);
  if (!host.modules.count(mpm_module))
    return make_error(fmt::format("MOD_WSGI_SERVER_MPM='{}': Apache's {} is not installed in {}", o.server_mpm,
                                  mpm_module, host.modules_dir.string()));
  return d;
}

// What the account started as root must reach: the static site, or the
// runtime files, the Python path's roots, the virtualenv and the script.
LaunchPlan::ServingAccount serving_account(const ApacheAccount& account, const Application& app,
                                           const PythonSetup& python, const Settings& settings, const fs::path& rt) {
  LaunchPlan::ServingAccount serving{account.user, account.group, {}, {}};
  if (app.type == AppType::static_files) {
    serving.directories.push_back(app.directory);
    return serving;
  }
  serving.directories = {rt, python.home, settings.app_home, settings.src_root};
  if (app.module_dir) serving.directories.push_back(*app.module_dir);
  if (python.venv) serving.directories.push_back(settings.app_root);
  if (app.type == AppType::script && !app.default_page) serving.files.push_back(app.script);
  return serving;
}

std::string describe(const Application& app) {
  if (app.default_page) return "the built-in default page";
  if (app.type == AppType::module) return fmt::format("module {}:{}", app.module, app.callable);
  if (app.type == AppType::script) return fmt::format("script {}:{}", app.script.string(), app.callable);
  return fmt::format("static files from {}", app.directory.string());
}

}  // namespace

fs::path apache_runtime_dir(const Settings& settings) { return settings.app_root / "tmp" / "warpdrive" / "apache"; }

Result<LaunchPlan> plan_mod_wsgi_on(const ServerInput& input, const ApacheHost& host) {
  const Settings& settings = input.environment->settings;
  const EnvVars& env = input.environment->env;
  WD_ASSIGN(ExpressChoice express, choose_express(settings, env));
  if (express.use) {
    WD_ASSIGN(LaunchPlan xp, plan_express(input, express, host));
    apply_newrelic(xp, settings, env);
    return xp;
  }
  LaunchPlan plan;
  plan.mode = input.full_control ? "mod_wsgi" : "wsgi";
  plan.server = "mod_wsgi";
  plan.cwd = settings.app_home;
  if (!express.reason.empty())
    plan.notes.push_back("mod_wsgi: Debian's Apache with a generated configuration, because " + express.reason);

  // 1. Options: MOD_WSGI_* first, then server_args (later wins, as when the
  //    original appended server_args to the mod_wsgi-express command line).
  Options o;
  WD_TRY(options_from_env(o, env, plan.notes));
  WD_TRY(options_from_args(o, input.server_args));

  // 2. The application and its Python environment.
  WD_ASSIGN(Application app, resolve_application(input, o, settings.app_home));
  WD_ASSIGN(PythonSetup python, resolve_python(settings, host, o, app));

  // 3. Sizing: the daemon processes and Apache's MPM.
  WD_ASSIGN(DaemonSize size, daemon_size(input, o, host));
  MpmSizing mpm = size_mpm(o, size.processes, size.threads);

  // 4. Port and account.
  std::string port = o.port.value_or(settings.http_port_text());
  WD_TRY(parse_port(port, o.port ? "server_args --port" : "WARPDRIVE_HTTP_PORT"));
  std::optional<ApacheAccount> account;
  if (host.is_root) {
    WD_ASSIGN(account, apache_account(o, env, host, settings.builder_id));
  }

  // 5. The configuration and the scripts it loads.
  const fs::path rt = apache_runtime_dir(settings);
  ApacheSetup setup{input, host, o, app, python, size.processes, size.threads, mpm, port, account, rt};
  WD_ASSIGN(RenderedConfig conf, render_apache_config(setup, plan));

  plan.own_process_group = true;  // prefork stops its children with killpg(getpgrp())
  // One Apache per app root: a PID file left by one that was killed may
  // name a live process by now, and Apache would quit "already running".
  plan.stale_files.push_back(rt / "httpd.pid");
  plan.argv = {host.httpd.string(), "-f", conf.path.string(), "-DFOREGROUND"};
  if (app.type != AppType::static_files)
    plan.workers = WorkerSizing{size.processes, size.threads, size.user_set, size.reason};
  plan.notes.push_back(fmt::format("mod_wsgi: Apache ({} MPM, up to {} clients) on {}:{} serving {}", o.server_mpm,
                                   mpm.max_clients, conf.listen_host, port, describe(app)));
  if (app.type != AppType::static_files)
    plan.notes.push_back(fmt::format("mod_wsgi: {} daemon process{} x {} thread{} ({})", size.processes,
                                     size.processes == 1 ? "" : "es", size.threads, size.threads == 1 ? "" : "s",
                                     size.reason.empty() ? "default" : size.reason));
  if (account) {
    plan.notes.push_back(
        fmt::format("mod_wsgi: running as root, Apache serves as user {} group {} "
                    "(WARPDRIVE_APACHE_USER, WARPDRIVE_APACHE_GROUP)",
                    account->user, account->group));
    plan.serving_account = serving_account(*account, app, python, settings, rt);
  }
  plan.notes.push_back(fmt::format("mod_wsgi: configuration {}", conf.path.string()));
  apply_newrelic(plan, settings, env);
  return plan;
}

Result<LaunchPlan> plan_mod_wsgi(const ServerInput& input) {
  if (!input.environment) return make_error("plan_mod_wsgi: no environment");
  WD_ASSIGN(ApacheHost host, probe_apache_host(input.environment->settings, input.environment->env));
  WD_ASSIGN(LaunchPlan plan, plan_mod_wsgi_on(input, host));
  WD_TRY(mod_wsgi::check_serving_account(plan));
  return plan;
}

}  // namespace wd
