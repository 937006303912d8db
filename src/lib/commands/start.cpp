// warpdrive start [--dry-run] [--json]: detect the application and serve it.
#include <csignal>

#include <algorithm>
#include <iostream>
#include <optional>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "hooks.hpp"
#include "init.hpp"
#include "log.hpp"
#include "run_state.hpp"
#include "settings.hpp"
#include "start/planner.hpp"

namespace wd {

namespace {

constexpr int kFailureCheckMs = 100;  // how often start looks at the failure file

// What start chose, before the server's own output.
void announce(const LaunchPlan& plan) {
  if (plan.server.empty())
    phase_line(fmt::format("Starting the application ({} mode)", plan.mode));
  else
    phase_line(fmt::format("Starting {} ({} mode)", plan.server, plan.mode));
  for (const auto& note : plan.notes) info_line("        " + note);
  for (const auto& w : plan.warnings) warn(w);
}

}  // namespace

Result<int> cmd_start(Context& ctx, const Args& args) {
  CLI::App app{
      "Detect the application and start it under a production server, in this order: the deploy\n"
      "environment (WARPDRIVE_ACTION=start), the deploy-cfg hook once per container, the deploy hook,\n"
      "then from APP_HOME: a gunicorn.conf.py naming wsgi_app, app.sh, app.py, APP_MODULE, FastAPI's\n"
      "[tool.fastapi] entrypoint, a Procfile web: line, a Django project, the ASGI module (asgi.py), the\n"
      "WSGI module (wsgi.py), the files `fastapi run` looks for (main.py, api.py, app/main.py, ...)\n"
      "holding an ASGI application, else warpdrive's default page. ASGI or WSGI is decided by importing\n"
      "the module. WSGI applications run under WARPDRIVE_SERVER_TYPE (mod_wsgi, gunicorn, uwsgi,\n"
      "waitress), ASGI ones under granian (the default), uvicorn, hypercorn or daphne, on\n"
      "0.0.0.0:$WARPDRIVE_HTTP_PORT.\n"
      "The server replaces warpdrive, or runs under warpdrive's init when warpdrive is process 1 or the\n"
      "server needs a process group of its own (Apache, which signals its whole group when it stops).",
      "warpdrive start"};
  bool dry_run = false, json = false;
  app.add_flag("--dry-run", dry_run,
               "print the plan (mode, server, argv, working directory, environment additions, notes) "
               "and start nothing: no hooks run and no generated file is written. What computing the plan "
               "still does: the deploy environment (.warpdrive/environment and the deploy-env hook are sourced; "
               "an arbitrary UID gets its passwd entry, as for any command); the application module is imported "
               "in its interpreter to tell ASGI from WSGI, and a Django project's manage.py is run to learn its "
               "settings, unless a cached answer for the same files exists");
  app.add_flag("--json", json, "like --dry-run, as a JSON object");
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;
  if (json) dry_run = true;

  // The deploy environment, as `warpdrive env` computes it.
  WD_ASSIGN(AppEnvironment e, deploy_environment(ctx, "start"));

  // The hooks that prepare the container, unless this is only a look at the plan.
  if (!dry_run) {
    WD_TRY(run_deploy_cfg_once(e));
    WD_TRY(run_hook(e, "deploy"));
  }

  // Detect the application and plan the launch, as data.
  WD_ASSIGN(LaunchPlan plan, plan_start(e));
  if (dry_run) {
    std::cout << (json ? render_plan_json(plan) : render_plan_text(plan)) << std::flush;
    return 0;
  }

  // Write the generated files and hand over to the server.
  announce(plan);
  WD_TRY(write_generated_files(plan));
  // Under supervision, record what runs (and the ports it listens on) for
  // the probes; when the server replaces warpdrive nothing can, and the
  // probes fall back to the original's checks.
  Handover how = plan.own_process_group ? Handover::own_process_group : Handover::supervise;
  remove_run_state(e.settings.app_root);
  if (!runs_under_init(ctx, e.settings, how)) return hand_over(ctx, e.settings, launch_spec(e, plan), how);
  RunStateWatch watch(e.settings.app_root, plan.server, plan.failure_file.value_or(fs::path()));
  // A server that keeps running when the application failed to import
  // (mod_wsgi) is stopped, as the other servers stop by themselves, and
  // start fails: the same stop as a SIGTERM from outside, then an error.
  std::optional<std::string> failed;
  auto check = [&]() -> int {
    if (!plan.failure_file || failed) return -1;
    auto text = read_file_if_exists(*plan.failure_file);
    if (text && *text && !(*text)->empty()) {
      failed = (*text)->substr(0, (*text)->find('\n'));
      (void)::raise(SIGTERM);
      return -1;
    }
    return kFailureCheckMs;
  };
  bool watching = true;
  WD_ASSIGN(int status, hand_over(ctx, e.settings, launch_spec(e, plan), how, [&](pid_t child) {
              int next = watching ? watch.tick(child) : -1;
              if (next < 0) watching = false;
              int more = check();
              if (more < 0) return next;
              return next < 0 ? more : std::min(next, more);
            }));
  if (failed)
    return make_error(
        fmt::format("{} stopped: the application failed to import ({}); its traceback is in the "
                    "server's log above",
                    plan.server, *failed));
  return status;
}

}  // namespace wd
