// The start plan: what `warpdrive start` decided, as plain data, computed
// before anything runs. `start --dry-run` prints it; unit tests check it
// without forking; executing it is writing `files` and handing over to argv.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "env_vars.hpp"
#include "fsutil.hpp"
#include "settings.hpp"

namespace wd {

// The application to serve (WSGI, or ASGI when `asgi`).
struct WsgiTarget {
  std::string module;    // dotted module name, e.g. "mysite.wsgi" or "wsgi"
  std::string callable;  // e.g. "application"
  fs::path script;       // the module's file (a/b.py or a/b/__init__.py)
  bool asgi = false;     // speaks ASGI: decided by inspection (start), or guessed from the source (build)
  std::string kind;      // what inspection found, e.g. "FastAPI"; empty when not inspected
  // Set: `callable` is an application factory (APP_MODULE=pkg:create_app()),
  // called with these literal arguments ("" for none); what it returns is served.
  std::optional<std::string> factory_args = std::nullopt;
};

// "callable", or "callable(arguments)" for a factory.
inline std::string callable_spec(const WsgiTarget& t) {
  return t.factory_args ? t.callable + "(" + *t.factory_args + ")" : t.callable;
}

// "module:callable", or "module:callable(arguments)" for a factory: what a
// server or warpdrive_app_loader.py is given.
inline std::string target_spec(const WsgiTarget& t) { return t.module + ":" + callable_spec(t); }

// A URL prefix served from a directory, e.g. "/static/" -> $APP_ROOT/tmp/django/static.
struct StaticMount {
  std::string url;
  fs::path directory;
};

// How many processes and threads a server gets, and why (printed by start).
struct WorkerSizing {
  int processes = 1;
  int threads = 1;
  bool user_set = false;  // the user chose (WEB_CONCURRENCY, MOD_WSGI_PROCESSES, server_args ...)
  std::string reason;     // e.g. "2 CPUs (cgroup v2 cpu.max 200000/100000), 512 MiB limit"
};

// A file start writes before handing over (Apache configuration, the
// WhiteNoise wrapper module, the default page).
struct GeneratedFile {
  GeneratedFile() = default;
  GeneratedFile(fs::path p, std::string text, mode_t m = 0644)
      : path(std::move(p)), contents(std::move(text)), mode(m) {}
  fs::path path;
  std::string contents;
  mode_t mode = 0644;
  // When set (a root start), the file is rewritten on every start and given
  // to this account: the status file Apache's serving user writes.
  std::optional<std::pair<uid_t, gid_t>> owner;
};

// What a server planner gets.
struct ServerInput {
  const AppEnvironment* environment = nullptr;  // settings and the full environment
  std::string server;                           // mod_wsgi, gunicorn, ..., granian
  bool full_control = false;                    // deploy mode named the server: bind/log + server_args only
  std::optional<WsgiTarget> target;             // none: serve the built-in default page
  std::vector<StaticMount> statics;
  std::vector<std::string> server_args;  // .warpdrive/server_args, variables expanded
  WorkerSizing workers;
  bool app_in_server_config = false;  // gunicorn.conf.py sets wsgi_app: gunicorn loads the app itself
  fs::path server_config;             // that gunicorn.conf.py
};

// The launch: exec argv in cwd with env (= the deploy environment plus additions).
struct LaunchPlan {
  std::string mode;    // shell, python, wsgi, django, or the server name (full control)
  std::string server;  // empty for shell and python modes
  std::vector<std::string> argv;
  fs::path cwd;
  EnvVars env_additions;             // set on top of the deploy environment
  std::vector<GeneratedFile> files;  // written (atomically) before the hand-over
  // Left over from an earlier run and harmful (Apache's PID file: a stale
  // one naming a live process makes Apache quit "already running").
  std::vector<fs::path> stale_files;  // removed before the hand-over
  // The server signals its whole process group when it stops (Apache's
  // prefork MPM does): run it in a process group of its own under warpdrive's
  // init loop, so that it cannot signal the shell or script that started it.
  bool own_process_group = false;
  std::vector<std::string> notes;       // what was chosen and why, one line each
  std::vector<std::string> warnings;    // printed as warnings (e.g. a $(...) in server_args that is not run)
  std::optional<WorkerSizing> workers;  // the sizing the server got, when it runs one
  // A file the server's processes write to when the application failed to
  // import but the server keeps running (mod_wsgi's daemon processes answer
  // 500 to everything then). start watches it: once it is not empty, start
  // stops the server and exits non-zero; `ready` and `alive` fail.
  std::optional<fs::path> failure_file;
  // Started as root, the server serves as another account (Apache's User
  // and Group, "#N" for a number): the directories it must be able to enter
  // and the files it must read, checked before anything starts.
  struct ServingAccount {
    std::string user;
    std::string group;
    std::vector<fs::path> directories;
    std::vector<fs::path> files;
  };
  std::optional<ServingAccount> serving_account;
};

}  // namespace wd
