// The WARPDRIVE_* settings (docs/runtime.md and docs/migrating.md) and the
// environment every child of warpdrive gets, computed once as data.
#pragma once

#include <sys/types.h>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"
#include "env_vars.hpp"
#include "error.hpp"
#include "fsutil.hpp"
#include "server_registry.hpp"

namespace wd {

enum class Phase { build, deploy };
std::string_view phase_name(Phase phase);

// How start chooses what to run (docs/start.md, "Deploy modes"): detect
// (automatic), a fixed kind of application, or full control by the server
// named in the mode (warpdrive adds only the bind and log options).
enum class DeployMode { automatic, shell, python, wsgi, django, full_control };

// Where a setting's value came from, for `start --dry-run` and error messages.
struct SettingOrigin {
  enum Kind { fallback, variable, file } kind = fallback;
  std::string where;         // the variable's name or the file's path; empty for the default
  std::string text() const;  // "file /src/.warpdrive/deploy_mode", "variable WARPDRIVE_SERVER_TYPE", "default"
};

struct Settings {
  fs::path app_root;          // WARPDRIVE_APP_ROOT: the virtualenv, tmp/, data/, markers/
  fs::path src_root;          // WARPDRIVE_SRC_ROOT: the application source
  fs::path app_home;          // WARPDRIVE_APP_HOME: .warpdrive/home, APP_HOME, or src_root
  uint16_t http_port = 8080;  // WARPDRIVE_HTTP_PORT, PORT, 8080
  // .warpdrive/deploy_mode, WARPDRIVE_DEPLOY_MODE, auto: the app's file wins.
  DeployMode deploy_mode = DeployMode::automatic;
  ServerId full_control_server = ServerId::mod_wsgi;  // the server a full-control mode names
  SettingOrigin deploy_mode_origin;
  // .warpdrive/server_type, WARPDRIVE_SERVER_TYPE, mod_wsgi: the app's file wins.
  ServerId server_type = ServerId::mod_wsgi;
  SettingOrigin server_type_origin;
  std::string shell_file;                                     // WARPDRIVE_SHELL_FILE, app.sh
  std::string python_file;                                    // WARPDRIVE_PYTHON_FILE, app.py
  std::string wsgi_module;                                    // WARPDRIVE_WSGI_MODULE_NAME, wsgi
  std::string wsgi_callable;                                  // WARPDRIVE_WSGI_CALLABLE_OBJECT, application
  std::string asgi_module;                                    // WARPDRIVE_ASGI_MODULE_NAME, asgi
  std::string asgi_callable;                                  // WARPDRIVE_ASGI_CALLABLE_OBJECT, application
  std::string static_url;                                     // WARPDRIVE_STATIC_URL, else WARPDRIVE_WSGI_STATIC_URL
  std::string static_root;                                    // WARPDRIVE_STATIC_ROOT, else WARPDRIVE_WSGI_STATIC_ROOT
  std::string static_url_name = "WARPDRIVE_WSGI_STATIC_URL";  // the variable static_url came from
  std::string static_root_name = "WARPDRIVE_WSGI_STATIC_ROOT";  // the variable static_root came from
  std::vector<std::string> pip_packages;                        // WARPDRIVE_PIP_PACKAGES, requirements.txt
  std::vector<std::string> pip_wheels;  // WARPDRIVE_PIP_WHEELS, else pip_packages (warpdrive wheels)
  bool pip_no_index = false;            // WARPDRIVE_PIP_NO_INDEX non-empty
  uid_t builder_id = 1001;              // WARPDRIVE_BUILDER_ID
  bool debug = false;                   // WARPDRIVE_DEBUG non-empty
  bool run_as_pid1 = false;             // WARPDRIVE_RUN_AS_PID1 non-empty
  std::string build_target;             // WARPDRIVE_BUILD_TARGET, application

  std::string deploy_mode_name() const;  // auto, shell, ..., or the full-control server's name
  std::string http_port_text() const { return std::to_string(http_port); }
  fs::path warpdrive_dir() const { return src_root / ".warpdrive"; }
  fs::path hooks_dir() const { return warpdrive_dir() / "action_hooks"; }
  fs::path hook(std::string_view name) const { return hooks_dir() / std::string(name); }
  bool has_virtualenv() const;
};

// "auto", "shell", ... as written in WARPDRIVE_DEPLOY_MODE; full_control has no name of its own.
std::string_view deploy_mode_word(DeployMode mode);
// The deploy mode named `word` (a server name means full control by it), or an error listing the valid ones.
Result<std::pair<DeployMode, ServerId>> parse_deploy_mode(std::string_view word, std::string_view origin);
// A port number from 1 to 65535, or an error naming `what`.
Result<uint16_t> parse_port(std::string_view text, std::string_view what);

// The computed environment: the settings and the full environment for children.
struct AppEnvironment {
  Settings settings;
  EnvVars env;
  Phase phase = Phase::deploy;
};

// Steps before any application shell file runs: the roots and APP_HOME, the
// phase and action, PYTHONPATH, the virtualenv's PATH, HOME and the passwd
// entry for an arbitrary UID. Settings are resolved from this environment.
Result<AppEnvironment> base_environment(const Context& ctx, Phase phase, std::string_view action);

// Sources `files` (those that exist) into the environment with auto-export,
// then resolves the settings again, since the files may set WARPDRIVE_*.
Status apply_shell_files(AppEnvironment& environment, const std::vector<fs::path>& files);

// base_environment + .warpdrive/environment + the deploy-env hook: what
// `env`, `exec`, `shell`, `start` and the runtime hooks use.
Result<AppEnvironment> deploy_environment(const Context& ctx, std::string_view action);

// The names `warpdrive env` prints: every WARPDRIVE_* variable plus every
// variable whose value differs from `inherited`; `removed` gets the names the
// shell files unset.
struct EnvDelta {
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::string> removed;
};
EnvDelta environment_delta(const EnvVars& inherited, const EnvVars& env);

}  // namespace wd
