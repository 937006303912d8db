// gunicorn: bind 0.0.0.0:PORT, access log to stdout, error log to stderr,
// workers and threads from the sizing; the options the user gives (server_args,
// GUNICORN_CMD_ARGS, a config file) win over warpdrive's.
#include <sstream>

#include <fmt/format.h>

#include "embedded.hpp"

#include "start/python_server.hpp"
#include "start/server_args.hpp"

namespace wd {

namespace {

std::vector<std::string> split_blanks(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

}  // namespace

Result<LaunchPlan> plan_gunicorn(const ServerInput& input) {
  const AppEnvironment& e = *input.environment;
  const Settings& s = e.settings;
  WD_ASSIGN(ServerProgram program, locate_python_server(e, "gunicorn", "gunicorn", "gunicorn", "gunicorn"));
  LaunchPlan plan;
  plan.server = "gunicorn";
  plan.cwd = s.app_home;
  plan.argv = program.argv;
  plan.notes = program.notes;

  // Options the user gave: gunicorn reads GUNICORN_CMD_ARGS itself, and the
  // command line would override it, so warpdrive leaves out what it names.
  std::vector<std::string> user = input.server_args;
  for (auto& w : split_blanks(e.env.get_or("GUNICORN_CMD_ARGS", ""))) user.push_back(w);

  // A configuration file: APP_CONFIG (the OpenShift builder's), or the
  // gunicorn.conf.py gunicorn loads from its working directory by itself.
  // Its settings rank below the command line, so warpdrive passes its own
  // defaults through the environment variables gunicorn takes them from
  // (PORT for the bind, WEB_CONCURRENCY for the workers), which rank below it.
  bool config_mode = false;
  if (e.env.is_set("APP_CONFIG")) {
    fs::path config = *e.env.get("APP_CONFIG");
    if (config.is_relative()) config = s.app_home / config;
    if (!is_file(config)) return make_error(fmt::format("APP_CONFIG names {}, which is not a file", config.string()));
    plan.argv.push_back("--config");
    plan.argv.push_back(config.string());
    plan.notes.push_back(fmt::format("gunicorn configuration: {} (APP_CONFIG)", config.string()));
    config_mode = true;
  } else if (!input.server_config.empty() && input.server_config.parent_path() != s.app_home) {
    // The source root's gunicorn.conf.py (the OpenShift builder's), with APP_HOME elsewhere.
    plan.argv.push_back("--config");
    plan.argv.push_back(input.server_config.string());
    plan.notes.push_back(fmt::format("gunicorn configuration: {}", input.server_config.string()));
    config_mode = true;
  } else if (is_file(s.app_home / "gunicorn.conf.py")) {
    plan.notes.push_back(fmt::format("gunicorn configuration: {} (gunicorn loads it itself)",
                                     (s.app_home / "gunicorn.conf.py").string()));
    config_mode = true;
  }

  const WorkerSizing& w = input.workers;
  if (config_mode) {
    plan.env_additions.set("PORT", s.http_port_text());
    if (!input.full_control) plan.env_additions.set("WEB_CONCURRENCY", std::to_string(w.processes));
    plan.notes.push_back(
        fmt::format("the configuration file's settings win; warpdrive's defaults apply through "
                    "PORT={} (bind 0.0.0.0:{}) and WEB_CONCURRENCY={} (workers)",
                    s.http_port, s.http_port, w.processes));
  } else {
    // nss_wrapper (an arbitrary UID whose /etc/passwd is read-only) makes
    // gunicorn's workers die in os.initgroups(); a tiny config file of
    // ours maps its error back to glibc's (see warpdrive_gunicorn_nss.py).
    if (e.env.is_set("NSS_WRAPPER_PASSWD") && !has_option(user, {"--config", "-c"})) {
      auto text = embedded_file("warpdrive_gunicorn_nss.py");
      if (!text) return make_error("warpdrive_gunicorn_nss.py is missing from this build");
      fs::path conf = generated_dir(s) / "warpdrive_gunicorn_nss.py";
      plan.files.push_back({conf, std::string(*text), 0644});
      plan.argv.push_back("--config");
      plan.argv.push_back(conf.string());
      plan.notes.push_back("nss_wrapper gives this UID its name: gunicorn gets " + conf.string() +
                           " so that its workers accept nss_wrapper's initgroups() error");
    }
    default_option(plan.argv, user, {"--bind", "-b"}, "--bind", fmt::format("0.0.0.0:{}", s.http_port));
    default_option(plan.argv, user, {"--access-logfile"}, "--access-logfile", "-");
    default_option(plan.argv, user, {"--error-logfile", "--log-file"}, "--error-logfile", "-");
    if (!input.full_control) {
      add_processes_and_threads(plan, user, w, {"--workers", {"--workers", "-w"}},
                                {"--threads", {"--threads", "--worker-class", "-k"}});
      // The workers' heartbeat files: on an overlay file system they can stall workers.
      if (!has_option(user, {"--worker-tmp-dir"}) && is_dir("/dev/shm")) {
        plan.argv.push_back("--worker-tmp-dir");
        plan.argv.push_back("/dev/shm");
      }
    }
  }
  for (const auto& a : input.server_args) plan.argv.push_back(a);

  if (!input.full_control && !input.app_in_server_config) {
    WD_ASSIGN(AppEntry entry, app_entry(input, program.site));
    plan.argv.push_back(entry.spec);
    apply_entry(plan, std::move(entry));
  }
  return plan;
}

}  // namespace wd
