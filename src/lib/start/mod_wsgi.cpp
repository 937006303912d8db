// The mod_wsgi server: Apache 2.4 in the foreground with mod_wsgi in daemon
// mode, configured from the MOD_WSGI_* variables the original warpdrive
// handed to mod_wsgi-express and from mod_wsgi-express style server_args.
// The defaults follow mod_wsgi-express's documented option defaults; the
// configuration text is our own. docs/mod_wsgi.md is the user's view.
#include "start/mod_wsgi.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string_view>

#include "embedded.hpp"

namespace wd {

namespace {

// ---------------------------------------------------------------------------
// Options: everything the user can set, with mod_wsgi-express's defaults.

struct Options {
  std::optional<int> processes;
  std::optional<int> threads;
  std::optional<int> max_clients;
  std::optional<double> initial_workers;
  std::optional<double> minimum_spare_workers;
  std::optional<double> maximum_spare_workers;
  long long limit_request_body = 10485760;
  int maximum_requests = 0;
  int inactivity_timeout = 0;
  int request_timeout = 60;
  int connect_timeout = 15;
  int socket_timeout = 60;
  int queue_timeout = 45;
  int header_timeout = 15;
  int header_max_timeout = 30;
  int header_min_rate = 500;
  int body_timeout = 15;
  int body_max_timeout = 0;
  int body_min_rate = 500;
  int server_backlog = 500;
  int daemon_backlog = 100;
  std::string server_mpm = "prefork";
  std::string log_level = "warn";
  bool reload_on_changes = false;
  bool access_log = false;
  bool server_status = false;
  std::optional<std::string> working_directory;
  std::optional<std::string> application_type;
  std::optional<std::string> entry_point;
  std::string entry_point_source;  // for messages: "MOD_WSGI_ENTRY_POINT", "server_args --entry-point"
  std::optional<std::string> callable_object;
  std::vector<StaticMount> url_aliases;
  std::vector<std::string> include_files;
  std::vector<std::string> trusted_proxy_headers;
  std::optional<std::string> port;
  std::optional<std::string> user;
  std::optional<std::string> group;
  // server_args only (mod_wsgi-express start-server options):
  int startup_timeout = 15;
  int deadlock_timeout = 60;
  int graceful_timeout = 15;
  int shutdown_timeout = 5;
  int eviction_timeout = 0;
  int restart_interval = 0;
  int cpu_time_limit = 0;
  long long memory_limit = 0;
  int send_buffer_size = 0;
  int receive_buffer_size = 0;
  int header_buffer_size = 0;
  int response_buffer_size = 0;
  int response_socket_timeout = 0;
  int keep_alive_timeout = 2;
  bool enable_sendfile = false;
  bool compress_responses = false;
  bool allow_localhost = false;
  bool error_override = false;
  bool chunked_request = false;
  bool disable_reloading = false;
  std::string mount_point = "/";
  std::optional<std::string> host;
  std::optional<std::string> server_name;
  std::vector<std::string> server_aliases;
  std::optional<std::string> directory_index;
  std::optional<std::string> locale;
  std::optional<std::string> lang;
  std::optional<std::string> map_head_to_get;
  std::vector<std::string> python_paths;
  std::vector<std::string> trusted_proxies;
  std::vector<std::string> passenv;
  std::vector<std::pair<std::string, std::string>> setenv;
  std::vector<std::pair<std::string, std::string>> error_documents;
};

enum class Kind {
  count,     // a whole number >= 1
  number,    // a whole number >= 0
  fraction,  // 0..1
  flag,      // on/off
  word,      // free text (validated where used)
};

struct OptionSpec {
  std::string_view name;  // the mod_wsgi-express option without "--"; env is MOD_WSGI_ + upper
  Kind kind;
  bool from_env;  // honoured as a MOD_WSGI_* variable (the original's list)
};

// The options warpdrive understands, as mod_wsgi-express spells them.
constexpr std::array kOptions = {
    OptionSpec{"processes", Kind::count, true},
    OptionSpec{"threads", Kind::count, true},
    OptionSpec{"max-clients", Kind::count, true},
    OptionSpec{"initial-workers", Kind::fraction, true},
    OptionSpec{"minimum-spare-workers", Kind::fraction, true},
    OptionSpec{"maximum-spare-workers", Kind::fraction, true},
    OptionSpec{"limit-request-body", Kind::number, true},
    OptionSpec{"maximum-requests", Kind::number, true},
    OptionSpec{"inactivity-timeout", Kind::number, true},
    OptionSpec{"request-timeout", Kind::number, true},
    OptionSpec{"connect-timeout", Kind::number, true},
    OptionSpec{"socket-timeout", Kind::count, true},
    OptionSpec{"queue-timeout", Kind::number, true},
    OptionSpec{"header-timeout", Kind::number, true},
    OptionSpec{"header-max-timeout", Kind::number, true},
    OptionSpec{"header-min-rate", Kind::number, true},
    OptionSpec{"body-timeout", Kind::number, true},
    OptionSpec{"body-max-timeout", Kind::number, true},
    OptionSpec{"body-min-rate", Kind::number, true},
    OptionSpec{"server-backlog", Kind::count, true},
    OptionSpec{"daemon-backlog", Kind::count, true},
    OptionSpec{"server-mpm", Kind::word, true},
    OptionSpec{"log-level", Kind::word, true},
    OptionSpec{"reload-on-changes", Kind::flag, true},
    OptionSpec{"access-log", Kind::flag, true},
    OptionSpec{"working-directory", Kind::word, true},
    OptionSpec{"application-type", Kind::word, true},
    OptionSpec{"entry-point", Kind::word, true},
    OptionSpec{"callable-object", Kind::word, true},
    OptionSpec{"server-status", Kind::flag, true},
    // server_args only:
    OptionSpec{"include-file", Kind::word, false},
    OptionSpec{"trust-proxy-header", Kind::word, false},
    OptionSpec{"port", Kind::word, false},
    OptionSpec{"user", Kind::word, false},
    OptionSpec{"group", Kind::word, false},
    OptionSpec{"startup-timeout", Kind::number, false},
    OptionSpec{"deadlock-timeout", Kind::number, false},
    OptionSpec{"graceful-timeout", Kind::number, false},
    OptionSpec{"shutdown-timeout", Kind::number, false},
    OptionSpec{"eviction-timeout", Kind::number, false},
    OptionSpec{"restart-interval", Kind::number, false},
    OptionSpec{"cpu-time-limit", Kind::number, false},
    OptionSpec{"memory-limit", Kind::number, false},
    OptionSpec{"send-buffer-size", Kind::number, false},
    OptionSpec{"receive-buffer-size", Kind::number, false},
    OptionSpec{"header-buffer-size", Kind::number, false},
    OptionSpec{"response-buffer-size", Kind::number, false},
    OptionSpec{"response-socket-timeout", Kind::number, false},
    OptionSpec{"keep-alive-timeout", Kind::number, false},
    OptionSpec{"enable-sendfile", Kind::flag, false},
    OptionSpec{"compress-responses", Kind::flag, false},
    OptionSpec{"allow-localhost", Kind::flag, false},
    OptionSpec{"error-override", Kind::flag, false},
    OptionSpec{"chunked-request", Kind::flag, false},
    OptionSpec{"disable-reloading", Kind::flag, false},
    OptionSpec{"mount-point", Kind::word, false},
    OptionSpec{"host", Kind::word, false},
    OptionSpec{"server-name", Kind::word, false},
    OptionSpec{"server-alias", Kind::word, false},
    OptionSpec{"directory-index", Kind::word, false},
    OptionSpec{"locale", Kind::word, false},
    OptionSpec{"lang", Kind::word, false},
    OptionSpec{"map-head-to-get", Kind::word, false},
    OptionSpec{"python-path", Kind::word, false},
    OptionSpec{"trust-proxy", Kind::word, false},
    OptionSpec{"passenv", Kind::word, false},
};

// mod_wsgi-express options the generated configuration cannot honour, and why.
struct Refusal {
  std::string_view name;
  std::string_view why;
};
constexpr std::string_view kOwnRoot =
    "warpdrive owns Apache's server root, runtime files and logs ($APP_ROOT/tmp/warpdrive/apache)";
constexpr std::string_view kTls =
    "warpdrive's Apache serves plain HTTP; terminate TLS (and HTTP/2) at the router or ingress in front of it";
constexpr std::string_view kExpressOnly =
    "it needs mod_wsgi-express itself; add mod_wsgi to the app's requirements and warpdrive runs "
    "`mod_wsgi-express start-server` with the same server_args";
constexpr std::array kRefused = {
    Refusal{"server-root", kOwnRoot},
    Refusal{"pid-file", kOwnRoot},
    Refusal{"log-directory", kOwnRoot},
    Refusal{"socket-prefix", kOwnRoot},
    Refusal{"httpd-executable", kOwnRoot},
    Refusal{"modules-directory", kOwnRoot},
    Refusal{"mime-types", kOwnRoot},
    Refusal{"error-log-name", kOwnRoot},
    Refusal{"access-log-name", kOwnRoot},
    Refusal{"startup-log-name", kOwnRoot},
    Refusal{"rotate-logs", kOwnRoot},
    Refusal{"max-log-size", kOwnRoot},
    Refusal{"rotatelogs-executable", kOwnRoot},
    Refusal{"envvars-script", kOwnRoot},
    Refusal{"setup-only", kOwnRoot},
    Refusal{"https-port", kTls},
    Refusal{"ssl-port", kTls},
    Refusal{"ssl-certificate-file", kTls},
    Refusal{"ssl-certificate-key-file", kTls},
    Refusal{"ssl-certificate", kTls},
    Refusal{"ssl-ca-certificate-file", kTls},
    Refusal{"ssl-verify-client", kTls},
    Refusal{"ssl-certificate-chain-file", kTls},
    Refusal{"ssl-environment", kTls},
    Refusal{"https-only", kTls},
    Refusal{"hsts-policy", kTls},
    Refusal{"http2", kTls},
    Refusal{"embedded-mode", kExpressOnly},
    Refusal{"debug-mode", kExpressOnly},
    Refusal{"enable-debugger", kExpressOnly},
    Refusal{"debugger-startup", kExpressOnly},
    Refusal{"enable-coverage", kExpressOnly},
    Refusal{"enable-profiler", kExpressOnly},
    Refusal{"enable-recorder", kExpressOnly},
    Refusal{"enable-gdb", kExpressOnly},
    Refusal{"enable-docs", kExpressOnly},
    Refusal{"proxy-mount-point", kExpressOnly},
    Refusal{"proxy-url-alias", kExpressOnly},
    Refusal{"proxy-virtual-host", kExpressOnly},
    Refusal{"with-cgi", kExpressOnly},
    Refusal{"with-php5", kExpressOnly},
    Refusal{"service-script", kExpressOnly},
    Refusal{"host-access-script", kExpressOnly},
    Refusal{"auth-user-script", kExpressOnly},
    Refusal{"auth-group-script", kExpressOnly},
    Refusal{"add-handler", kExpressOnly},
    Refusal{"application-group", kExpressOnly},
    Refusal{"process-group", kExpressOnly},
    Refusal{"server-metrics", kExpressOnly},
    Refusal{"enable-telemetry", kExpressOnly},
    Refusal{"telemetry-service", kExpressOnly},
    Refusal{"rewrite-rules", kExpressOnly},
    Refusal{"document-root",
            "the generated configuration serves static files with --url-alias; a document "
            "root that falls back to the application needs mod_wsgi-express (add mod_wsgi to "
            "the app's requirements)"},
};

// Accepted in server_args and ignored: warpdrive always does what they ask.
constexpr std::array<std::string_view, 2> kAlwaysOn = {"log-to-terminal", "startup-log"};

std::string env_name(std::string_view option) {
  std::string name = "MOD_WSGI_";
  for (char c : option) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

const OptionSpec* find_option(std::string_view name) {
  for (const auto& spec : kOptions)
    if (spec.name == name) return &spec;
  return nullptr;
}

// Where a value came from, for messages: "MOD_WSGI_PROCESSES='x'" or
// "server_args --processes 'x'".
struct Source {
  bool env;
  std::string_view option;
  std::string label() const { return env ? env_name(option) : fmt::format("server_args --{}", option); }
  std::string with(std::string_view value) const {
    return env ? fmt::format("{}='{}'", env_name(option), value) : fmt::format("server_args --{} '{}'", option, value);
  }
};

Result<long long> parse_whole(std::string_view value, long long minimum, const Source& src) {
  std::string what = minimum >= 1 ? "a whole number of at least 1" : "a whole number (0 or more)";
  if (value.empty() || value.size() > 10 ||
      !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return make_error(fmt::format("{}: expected {}", src.with(value), what));
  long long n = std::stoll(std::string(value));
  if (n < minimum) return make_error(fmt::format("{}: expected {}", src.with(value), what));
  if (n > std::numeric_limits<int>::max())
    return make_error(fmt::format("{}: too large (at most {})", src.with(value), std::numeric_limits<int>::max()));
  return n;
}

Result<double> parse_fraction(std::string_view value, const Source& src) {
  std::string text(value);
  size_t used = 0;
  double d = -1;
  bool ok = !text.empty() && text.find_first_not_of("0123456789.") == std::string::npos;
  if (ok) {
    try {
      d = std::stod(text, &used);
    } catch (...) {
      ok = false;
    }
  }
  if (!ok || used != text.size() || d < 0 || d > 1)
    return make_error(
        fmt::format("{}: expected a fraction between 0 and 1 (of the maximum number "
                    "of clients), e.g. 0.2",
                    src.with(value)));
  return d;
}

// A MOD_WSGI_* switch: unset or empty is off, as in the original's
// `test -n`; 0/false/no/off are off too (what a user writing them means).
bool env_flag(std::string_view value) {
  std::string v;
  for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return !(v.empty() || v == "0" || v == "false" || v == "no" || v == "off");
}

constexpr std::array<std::string_view, 3> kMpms = {"prefork", "event", "worker"};
constexpr std::array<std::string_view, 16> kLogLevels = {"emerg",  "alert",  "crit",   "error",  "warn",   "notice",
                                                         "info",   "debug",  "trace1", "trace2", "trace3", "trace4",
                                                         "trace5", "trace6", "trace7", "trace8"};

template <size_t N>
bool one_of(std::string_view v, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

template <size_t N>
std::string join_list(const std::array<std::string_view, N>& list) {
  std::string out;
  for (auto v : list) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

Status apply_option(Options& o, const OptionSpec& spec, const std::string& value, const Source& src) {
  std::string_view n = spec.name;
  if (spec.kind == Kind::count || spec.kind == Kind::number) {
    WD_ASSIGN(long long v, parse_whole(value, spec.kind == Kind::count ? 1 : 0, src));
    int i = static_cast<int>(v);
    if (n == "processes")
      o.processes = i;
    else if (n == "threads")
      o.threads = i;
    else if (n == "max-clients")
      o.max_clients = i;
    else if (n == "limit-request-body")
      o.limit_request_body = v;
    else if (n == "maximum-requests")
      o.maximum_requests = i;
    else if (n == "inactivity-timeout")
      o.inactivity_timeout = i;
    else if (n == "request-timeout")
      o.request_timeout = i;
    else if (n == "connect-timeout")
      o.connect_timeout = i;
    else if (n == "socket-timeout")
      o.socket_timeout = i;
    else if (n == "queue-timeout")
      o.queue_timeout = i;
    else if (n == "header-timeout")
      o.header_timeout = i;
    else if (n == "header-max-timeout")
      o.header_max_timeout = i;
    else if (n == "header-min-rate")
      o.header_min_rate = i;
    else if (n == "body-timeout")
      o.body_timeout = i;
    else if (n == "body-max-timeout")
      o.body_max_timeout = i;
    else if (n == "body-min-rate")
      o.body_min_rate = i;
    else if (n == "server-backlog")
      o.server_backlog = i;
    else if (n == "daemon-backlog")
      o.daemon_backlog = i;
    else if (n == "startup-timeout")
      o.startup_timeout = i;
    else if (n == "deadlock-timeout")
      o.deadlock_timeout = i;
    else if (n == "graceful-timeout")
      o.graceful_timeout = i;
    else if (n == "shutdown-timeout")
      o.shutdown_timeout = i;
    else if (n == "eviction-timeout")
      o.eviction_timeout = i;
    else if (n == "restart-interval")
      o.restart_interval = i;
    else if (n == "cpu-time-limit")
      o.cpu_time_limit = i;
    else if (n == "memory-limit")
      o.memory_limit = v;
    else if (n == "send-buffer-size")
      o.send_buffer_size = i;
    else if (n == "receive-buffer-size")
      o.receive_buffer_size = i;
    else if (n == "header-buffer-size")
      o.header_buffer_size = i;
    else if (n == "response-buffer-size")
      o.response_buffer_size = i;
    else if (n == "response-socket-timeout")
      o.response_socket_timeout = i;
    else if (n == "keep-alive-timeout")
      o.keep_alive_timeout = i;
    return {};
  }
  if (spec.kind == Kind::fraction) {
    WD_ASSIGN(double d, parse_fraction(value, src));
    if (n == "initial-workers")
      o.initial_workers = d;
    else if (n == "minimum-spare-workers")
      o.minimum_spare_workers = d;
    else if (n == "maximum-spare-workers")
      o.maximum_spare_workers = d;
    return {};
  }
  if (spec.kind == Kind::flag) {
    bool on = src.env ? env_flag(value) : true;
    if (n == "reload-on-changes")
      o.reload_on_changes = on;
    else if (n == "access-log")
      o.access_log = on;
    else if (n == "server-status")
      o.server_status = on;
    else if (n == "enable-sendfile")
      o.enable_sendfile = on;
    else if (n == "compress-responses")
      o.compress_responses = on;
    else if (n == "allow-localhost")
      o.allow_localhost = on;
    else if (n == "error-override")
      o.error_override = on;
    else if (n == "chunked-request")
      o.chunked_request = on;
    else if (n == "disable-reloading")
      o.disable_reloading = on;
    return {};
  }
  // Kind::word
  if (value.empty()) return make_error(fmt::format("{}: expected a value", src.with(value)));
  if (n == "server-mpm") {
    if (!one_of(value, kMpms))
      return make_error(fmt::format("{}: expected one of {}", src.with(value), join_list(kMpms)));
    o.server_mpm = value;
  } else if (n == "log-level") {
    if (!one_of(value, kLogLevels))
      return make_error(fmt::format("{}: expected one of {}", src.with(value), join_list(kLogLevels)));
    o.log_level = value;
  } else if (n == "application-type") {
    if (value == "paste")
      return make_error(
          fmt::format("{}: Paste Deploy configuration files are not supported (mod_wsgi-express loaded them "
                      "with the PasteDeploy package); write a WSGI module that calls "
                      "paste.deploy.loadapp() and point WARPDRIVE_WSGI_MODULE_NAME at it",
                      src.with(value)));
    if (value != "script" && value != "module" && value != "static")
      return make_error(fmt::format("{}: expected one of script, module, static", src.with(value)));
    o.application_type = value;
  } else if (n == "entry-point") {
    o.entry_point = value;
    o.entry_point_source = src.label();
  } else if (n == "working-directory") {
    o.working_directory = value;
  } else if (n == "callable-object") {
    o.callable_object = value;
  } else if (n == "include-file") {
    o.include_files.push_back(value);
  } else if (n == "trust-proxy-header") {
    o.trusted_proxy_headers.push_back(value);
  } else if (n == "port") {
    o.port = value;
  } else if (n == "user") {
    o.user = value;
  } else if (n == "group") {
    o.group = value;
  } else if (n == "mount-point") {
    std::string m = value[0] == '/' ? value : "/" + value;
    while (m.size() > 1 && m.back() == '/') m.pop_back();
    o.mount_point = m;
  } else if (n == "host") {
    o.host = value;
  } else if (n == "server-name") {
    o.server_name = value;
  } else if (n == "server-alias") {
    o.server_aliases.push_back(value);
  } else if (n == "directory-index") {
    o.directory_index = value;
  } else if (n == "locale") {
    o.locale = value;
  } else if (n == "lang") {
    o.lang = value;
  } else if (n == "map-head-to-get") {
    std::string v;
    for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (v != "on" && v != "off" && v != "auto")
      return make_error(fmt::format("{}: expected On, Off or Auto", src.with(value)));
    o.map_head_to_get = v == "on" ? "On" : v == "off" ? "Off" : "Auto";
  } else if (n == "python-path") {
    o.python_paths.push_back(value);
  } else if (n == "trust-proxy") {
    o.trusted_proxies.push_back(value);
  } else if (n == "passenv") {
    o.passenv.push_back(value);
  }
  return {};
}

// MOD_WSGI_* from the environment. A variable we do not know is noted, not
// fatal: the original ignored them too.
Status options_from_env(Options& o, const EnvVars& env, std::vector<std::string>& notes) {
  for (const auto& spec : kOptions) {
    if (!spec.from_env) continue;
    auto value = env.get(env_name(spec.name));
    if (!value || value->empty()) continue;
    WD_TRY(apply_option(o, spec, *value, Source{true, spec.name}));
  }
  if (env.is_set("MOD_WSGI_ENABLE_DEBUGGER"))
    return make_error(
        "MOD_WSGI_ENABLE_DEBUGGER: the post-mortem debugger is part of mod_wsgi-express, which "
        "Debian does not ship; add mod_wsgi to the app's requirements (warpdrive then runs "
        "mod_wsgi-express) or unset it (run the app under `warpdrive exec python -m pdb ...` "
        "to debug)");
  for (const auto& [name, value] : env.vars()) {
    if (name.rfind("MOD_WSGI_", 0) != 0 || value.empty() || name == "MOD_WSGI_ENABLE_DEBUGGER") continue;
    std::string option;
    for (char c : name.substr(9))
      option += c == '_' ? '-' : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const OptionSpec* spec = find_option(option);
    if (!spec || !spec->from_env)
      notes.push_back(fmt::format("{} is not a mod_wsgi setting warpdrive knows; ignored", name));
  }
  return {};
}

// mod_wsgi-express style options from .warpdrive/server_args: --name VALUE
// or --name=VALUE, flags without a value, --url-alias URL DIR, and at most
// one positional argument (the entry point, as mod_wsgi-express took it).
Status options_from_args(Options& o, const std::vector<std::string>& args) {
  std::optional<std::string> positional;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0 || arg == "--") {
      if (positional)
        return make_error(fmt::format("server_args: a second entry point '{}' (the first was '{}')", arg, *positional));
      positional = arg;
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name.resize(eq);
    }
    if (one_of(name, kAlwaysOn)) continue;
    auto take = [&](std::string_view what) -> Result<std::string> {
      if (inline_value) {
        std::string v = *inline_value;
        inline_value.reset();
        return v;
      }
      if (i + 1 >= args.size()) return make_error(fmt::format("server_args --{}: missing {}", name, what));
      return args[++i];
    };
    if (name == "url-alias") {
      WD_ASSIGN(std::string url, take("URL-PATH and DIRECTORY"));
      WD_ASSIGN(std::string dir, take("DIRECTORY after the URL path"));
      o.url_aliases.push_back(StaticMount{url, dir});
      continue;
    }
    if (name == "setenv") {
      WD_ASSIGN(std::string key, take("NAME and VALUE"));
      WD_ASSIGN(std::string value, take("VALUE after the name"));
      if (key.empty()) return make_error("server_args --setenv: the variable name is empty");
      o.setenv.emplace_back(key, value);
      continue;
    }
    if (name == "error-document") {
      WD_ASSIGN(std::string status, take("STATUS and URL-PATH"));
      WD_ASSIGN(std::string url, take("URL-PATH after the status"));
      bool digits =
          status.size() == 3 && std::all_of(status.begin(), status.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (!digits || status[0] < '4' || status[0] > '5')
        return make_error(
            fmt::format("server_args --error-document '{}': expected an HTTP error status (400-599)", status));
      if (url.empty() || url[0] != '/')
        return make_error(
            fmt::format("server_args --error-document {} '{}': expected a URL path starting with /", status, url));
      o.error_documents.emplace_back(status, url);
      continue;
    }
    for (const auto& r : kRefused)
      if (r.name == name)
        return make_error(
            fmt::format("server_args --{}: not supported with the generated Apache configuration: {}", name, r.why));
    const OptionSpec* spec = find_option(name);
    if (!spec) {
      std::string names;
      for (const auto& s : kOptions) names += fmt::format("--{}, ", s.name);
      return make_error(
          fmt::format("server_args: unknown mod_wsgi option '--{}'; warpdrive supports {}"
                      "--url-alias, --setenv, --error-document (and accepts --log-to-terminal, "
                      "--startup-log)",
                      name, names));
    }
    if (spec->kind == Kind::flag) {
      if (inline_value) return make_error(fmt::format("server_args --{}: takes no value", name));
      WD_TRY(apply_option(o, *spec, "", Source{false, spec->name}));
      continue;
    }
    WD_ASSIGN(std::string value, take("its value"));
    WD_TRY(apply_option(o, *spec, value, Source{false, spec->name}));
  }
  if (positional && !o.entry_point) {
    o.entry_point = *positional;
    o.entry_point_source = "server_args entry point";
  }
  return {};
}

// ---------------------------------------------------------------------------
// The application Apache serves.

enum class AppType { module, script, static_files };

struct Application {
  AppType type = AppType::module;
  std::string module;                  // module type: dotted name
  fs::path script;                     // script type: the file mod_wsgi loads
  std::string callable;                // script and module types
  fs::path directory;                  // static type
  std::optional<fs::path> module_dir;  // module type: where the module's file is, when known
  bool default_page = false;
};

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  auto first_ok = [](unsigned char c) { return std::isalpha(c) || c == '_' || c >= 0x80; };
  auto rest_ok = [](unsigned char c) { return std::isalnum(c) || c == '_' || c >= 0x80; };
  if (!first_ok(static_cast<unsigned char>(s[0]))) return false;
  return std::all_of(s.begin() + 1, s.end(), [&](char c) { return rest_ok(static_cast<unsigned char>(c)); });
}

bool is_module_name(std::string_view s) {
  if (s.empty()) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!is_identifier(s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start)))
      return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

fs::path absolute_from(const fs::path& base, const std::string& p) {
  fs::path path(p);
  return (path.is_absolute() ? path : base / path).lexically_normal();
}

// The directory a module is imported from, given its file: "a.b" in
// /x/a/b.py or /x/a/b/__init__.py is imported from /x. nullopt when the
// file does not match the name.
std::optional<fs::path> module_base(const std::string& module, const fs::path& script) {
  if (script.empty()) return std::nullopt;
  fs::path p = script.lexically_normal();
  if (p.filename() == "__init__.py")
    p = p.parent_path();
  else if (p.extension() == ".py")
    p.replace_extension();
  else
    return std::nullopt;
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t dot = module.find('.', start);
    parts.push_back(module.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  for (auto it = parts.rbegin(); it != parts.rend(); ++it) {
    if (p.filename() != *it) return std::nullopt;
    p = p.parent_path();
  }
  return p;
}

Result<Application> resolve_application(const ServerInput& input, const Options& o, const fs::path& app_home) {
  Application app;
  const std::optional<WsgiTarget> target = input.full_control ? std::nullopt : input.target;
  std::string type;
  if (o.application_type)
    type = *o.application_type;
  else if (o.entry_point)
    type = "script";  // mod_wsgi-express's default for an explicit entry point
  else
    type = "module";

  std::string callable_source = o.callable_object ? "MOD_WSGI_CALLABLE_OBJECT" : "WARPDRIVE_WSGI_CALLABLE_OBJECT";
  app.callable = o.callable_object.value_or(target ? target->callable : "application");
  if (!is_identifier(app.callable))
    return make_error(fmt::format("{} '{}' is not a Python name", callable_source, app.callable));

  if (type == "static") {
    app.type = AppType::static_files;
    app.directory = o.entry_point ? absolute_from(app_home, *o.entry_point) : app_home;
    if (!is_dir(app.directory))
      return make_error(fmt::format("{} '{}': no such directory to serve static files from",
                                    o.entry_point ? o.entry_point_source : "APP_HOME", app.directory.string()));
    return app;
  }
  if (!o.entry_point && !target) {
    // Nothing to serve: the built-in page (written next to httpd.conf).
    app.type = AppType::script;
    app.default_page = true;
    app.callable = "application";
    return app;
  }
  if (type == "module") {
    app.type = AppType::module;
    app.module = o.entry_point ? *o.entry_point : target->module;
    std::string source = o.entry_point ? o.entry_point_source : "WARPDRIVE_WSGI_MODULE_NAME";
    if (!is_module_name(app.module))
      return make_error(
          fmt::format("{} '{}' is not a Python module name (dotted names, e.g. mysite.wsgi)", source, app.module));
    if (!o.entry_point) app.module_dir = module_base(app.module, target->script);
    return app;
  }
  app.type = AppType::script;
  app.script = o.entry_point ? absolute_from(app_home, *o.entry_point) : target->script;
  if (!is_file(app.script))
    return make_error(fmt::format("{} '{}': no such WSGI script file",
                                  o.entry_point ? o.entry_point_source : "the WSGI module", app.script.string()));
  return app;
}

// ---------------------------------------------------------------------------
// Generated Python files.

constexpr std::string_view kDefaultPage =
    R"PY(# Generated by warpdrive: the page Apache serves when no application was found.
_BODY = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>warpdrive is running</title></head>
<body>
<h1>warpdrive is running</h1>
<p>Apache with mod_wsgi is up, but warpdrive found no application to serve.</p>
<p>To deploy one, put it in the source directory (WARPDRIVE_SRC_ROOT) as any of:</p>
<ul>
<li>a WSGI module <code>wsgi.py</code> with a callable named <code>application</code>
(or set WARPDRIVE_WSGI_MODULE_NAME and WARPDRIVE_WSGI_CALLABLE_OBJECT),</li>
<li>a Django project (<code>manage.py</code>),</li>
<li>an <code>app.py</code> or an executable <code>app.sh</code> that starts its own server,</li>
</ul>
<p>then run <code>warpdrive build</code> and <code>warpdrive start</code> again.</p>
</body></html>
"""


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(_BODY)))])
    return [_BODY]
)PY";

// Imports the module by its dotted name, as mod_wsgi-express's module type
// does, so packages (a/b/__init__.py) and relative imports work.
std::string handler_script(const Application& app) {
  return fmt::format(
      "# Generated by warpdrive: imports the application module by name for mod_wsgi.\n"
      "import importlib\n\n"
      "application = getattr(importlib.import_module(\"{}\"), \"{}\")\n",
      app.module, app.callable);
}

// MOD_WSGI_RELOAD_ON_CHANGES: a thread in the daemon process that restarts
// it (SIGINT, mod_wsgi's documented way to ask a daemon to restart) when a
// loaded module's file changes.
constexpr std::string_view kReloader =
    R"PY(# Generated by warpdrive: restarts this mod_wsgi daemon process when a loaded
# Python file changes (MOD_WSGI_RELOAD_ON_CHANGES).
import os
import signal
import sys
import threading
import time


def _warpdrive_watch():
    seen = {}
    while True:
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if not path:
                continue
            try:
                mtime = os.stat(path).st_mtime
            except OSError:
                continue
            if seen.setdefault(path, mtime) != mtime:
                print("warpdrive: %s changed, restarting the daemon process" % path, file=sys.stderr)
                os.kill(os.getpid(), signal.SIGINT)
                return
        time.sleep(1.0)


threading.Thread(target=_warpdrive_watch, name="warpdrive-reloader", daemon=True).start()
)PY";

// ---------------------------------------------------------------------------
// Apache's process model (the MPM), sized from the daemon's capacity the
// way mod_wsgi-express documents it: by default 1.5x the daemon threads plus
// headroom, with initial and spare workers as fractions of that.

struct MpmSizing {
  int max_clients = 0;
  std::vector<std::string> lines;
};

MpmSizing size_mpm(const Options& o, int processes, int threads) {
  MpmSizing s;
  int capacity = processes * threads;
  s.max_clients =
      o.max_clients ? std::max(*o.max_clients, capacity) : 10 + std::max(10, static_cast<int>(1.5 * capacity));
  if (o.server_mpm == "prefork") {
    // In daemon mode a prefork child only relays a connection (about 1 MiB
    // of its own memory), and each keep-alive client holds one, so start
    // half of them up front rather than mod_wsgi-express's 5%: Apache forks
    // at most a doubling per second, which a burst of clients would wait for.
    double initial = o.initial_workers.value_or(0.5);
    double min_spare = o.minimum_spare_workers.value_or(initial);
    double max_spare = o.maximum_spare_workers.value_or(0.75);
    int start = std::max(1, static_cast<int>(initial * s.max_clients));
    int min_s = std::max(1, static_cast<int>(min_spare * s.max_clients));
    int max_s = std::max(min_s + 1, static_cast<int>(max_spare * s.max_clients));
    s.lines = {fmt::format("ServerLimit {}", s.max_clients),
               fmt::format("MaxRequestWorkers {}", s.max_clients),
               fmt::format("StartServers {}", start),
               fmt::format("MinSpareServers {}", min_s),
               fmt::format("MaxSpareServers {}", max_s),
               "MaxConnectionsPerChild 0",
               "MaxKeepAliveRequests 500"};
    return s;
  }
  // event and worker: threads per child so that no child has more than ~20.
  int per_child = s.max_clients > 20 ? s.max_clients / (s.max_clients / 20 + 1) : 10;
  int children = (s.max_clients + per_child - 1) / per_child;
  s.max_clients = children * per_child;
  double initial = o.initial_workers.value_or(0.2);
  double min_spare = o.minimum_spare_workers.value_or(initial);
  double max_spare = o.maximum_spare_workers.value_or(0.6);
  int start = std::max(1, static_cast<int>(initial * children));
  int min_t = std::max(per_child, static_cast<int>(min_spare * children) * per_child);
  // Apache wants MaxSpareThreads >= MinSpareThreads + ThreadsPerChild.
  int max_t = std::max(min_t + per_child, static_cast<int>(max_spare * children) * per_child);
  s.lines = {fmt::format("ServerLimit {}", children),
             fmt::format("ThreadLimit {}", per_child),
             fmt::format("ThreadsPerChild {}", per_child),
             fmt::format("MaxRequestWorkers {}", s.max_clients),
             fmt::format("StartServers {}", start),
             fmt::format("MinSpareThreads {}", min_t),
             fmt::format("MaxSpareThreads {}", max_t),
             "MaxConnectionsPerChild 0",
             o.server_mpm == "event" ? "MaxKeepAliveRequests 0" : "MaxKeepAliveRequests 500"};
  return s;
}

// ---------------------------------------------------------------------------
// The configuration text.

// A directive line being built; each argument is quoted as it is added.
class Line {
 public:
  explicit Line(std::string directive) : text_(std::move(directive)) {}
  Line& raw(std::string_view arg) {
    text_ += ' ';
    text_ += arg;
    return *this;
  }
  std::string str() const { return text_; }

 private:
  std::string text_;
};

// The Apache account for a root start: WARPDRIVE_APACHE_USER / --user,
// else the image's build user (WARPDRIVE_BUILDER_ID), else www-data.
Result<std::pair<std::string, std::string>> apache_account(const Options& o, const EnvVars& env, const ApacheHost& host,
                                                           uid_t builder_id) {
  auto numeric = [](std::string v) {
    if (!v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) return "#" + v;
    return v;
  };
  std::string user_source = o.user ? "server_args --user" : "WARPDRIVE_APACHE_USER";
  std::optional<std::string> user = o.user ? o.user : env.get("WARPDRIVE_APACHE_USER");
  if (user && user->empty()) user.reset();
  std::string user_value;
  if (user) {
    user_value = numeric(*user);
    if (user_value == "root" || user_value == "#0")
      return make_error(
          fmt::format("{}='{}': Apache refuses to serve requests as root; name an "
                      "unprivileged account",
                      user_source, *user));
  } else if (host.builder_user) {
    user_value = *host.builder_user;
  } else if (host.www_data_exists) {
    user_value = "www-data";
  } else {
    return make_error(
        fmt::format("running as root, Apache must switch to an unprivileged account, but neither the build "
                    "user (uid {}) nor www-data exists; set WARPDRIVE_APACHE_USER",
                    builder_id));
  }
  std::optional<std::string> group = o.group ? o.group : env.get("WARPDRIVE_APACHE_GROUP");
  std::string group_value = group && !group->empty() ? numeric(*group) : "#0";
  return std::pair{user_value, group_value};
}

// ---------------------------------------------------------------------------
// mod_wsgi-express from the app's virtualenv, run as the original did.

struct ExpressChoice {
  bool use = false;
  fs::path program;    // $APP_ROOT/bin/mod_wsgi-express
  std::string reason;  // for the plan's notes
};

// WARPDRIVE_MOD_WSGI_EXPRESS: unset/empty/auto uses mod_wsgi-express when the
// virtualenv has it; on/1/yes/true requires it; off/0/no/false never uses it.
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

// The original's start-mod_wsgi: fixed options, then each MOD_WSGI_* that is
// set, then server_args, then what start found (module, callable, static).
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
    WD_ASSIGN(auto account, apache_account(none, env, host, settings.builder_id));
    std::string group = account.second == "#0" ? "root" : account.second;
    for (std::string* v : {&account.first, &group})
      if (v->rfind("#", 0) == 0)
        return make_error(fmt::format(
            "mod_wsgi-express needs account names for --user/--group, not '{}' (WARPDRIVE_APACHE_USER/GROUP)", *v));
    a.insert(a.end(), {"--user", account.first, "--group", group});
    plan.serving_account = LaunchPlan::ServingAccount{
        account.first, group, {settings.app_home, settings.src_root, settings.app_root / "mod_wsgi"}, {}};
    plan.notes.push_back(
        fmt::format("mod_wsgi: running as root, mod_wsgi-express serves as user {} group {} "
                    "(WARPDRIVE_APACHE_USER, WARPDRIVE_APACHE_GROUP, or --user/--group in server_args)",
                    account.first, group));
  }
  // The original's order: --access-log first, the debugger after reloading.
  std::optional<int> processes, threads;
  auto set = [&](std::string_view option) { return !env.get_or(env_name(option), "").empty(); };
  if (set("access-log")) a.push_back("--access-log");
  for (const auto& spec : kOptions) {
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
  if (!input.full_control && input.target) {
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

}  // namespace

fs::path apache_runtime_dir(const Settings& settings) { return settings.app_root / "tmp" / "warpdrive" / "apache"; }

Result<LaunchPlan> plan_mod_wsgi_on(const ServerInput& input, const ApacheHost& host) {
  const AppEnvironment& environment = *input.environment;
  const Settings& settings = environment.settings;
  const EnvVars& env = environment.env;
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
  fs::path home = o.working_directory ? absolute_from(settings.app_home, *o.working_directory) : settings.app_home;
  if (o.working_directory && !is_dir(home))
    return make_error(fmt::format("MOD_WSGI_WORKING_DIRECTORY '{}': no such directory", home.string()));
  std::vector<fs::path> python_path;
  // The detected module's own directory last, so a module found outside
  // APP_HOME and SRC_ROOT (start's default page) is importable too.
  std::vector<fs::path> candidates = {home};
  for (const auto& extra : o.python_paths) candidates.push_back(absolute_from(settings.app_home, extra));
  candidates.push_back(settings.app_home);
  candidates.push_back(settings.src_root);
  if (app.module_dir) candidates.push_back(*app.module_dir);
  for (const fs::path& p : candidates)
    if (std::find(python_path.begin(), python_path.end(), p) == python_path.end()) python_path.push_back(p);
  std::string python_path_text;
  for (const auto& p : python_path) {
    if (p.string().find(':') != std::string::npos)
      return make_error(
          fmt::format("the Python path entry '{}' contains ':', which mod_wsgi's "
                      "python-path cannot hold",
                      p.string()));
    python_path_text += (python_path_text.empty() ? "" : ":") + p.string();
  }
  bool venv = settings.has_virtualenv();
  if (venv && !host.mod_wsgi_python.empty() && !host.venv_python.empty() && host.venv_python != host.mod_wsgi_python)
    return make_error(
        fmt::format("the virtualenv {} is Python {}, but Apache's mod_wsgi embeds Python {}: recreate the "
                    "virtualenv with python{} (Debian's /usr/bin/python3), or use another server "
                    "(WARPDRIVE_SERVER_TYPE=gunicorn)",
                    settings.app_root.string(), host.venv_python, host.mod_wsgi_python, host.mod_wsgi_python));

  // 3. Sizing: MOD_WSGI_PROCESSES/THREADS (or server_args) win over start's.
  int processes = o.processes.value_or(input.workers.processes);
  int threads = o.threads.value_or(input.workers.threads);
  if (processes < 1 || threads < 1)
    return make_error(fmt::format("mod_wsgi needs at least 1 process and 1 thread (got {} x {})", processes, threads));
  std::string sizing_reason =
      o.processes || o.threads ? "set by MOD_WSGI_PROCESSES/MOD_WSGI_THREADS or server_args" : input.workers.reason;
  std::string mpm_module = fmt::format("mod_mpm_{}.so", o.server_mpm);
  if (!host.modules.count(mpm_module))
    return make_error(fmt::format("MOD_WSGI_SERVER_MPM='{}': Apache's {} is not installed in {}", o.server_mpm,
                                  mpm_module, host.modules_dir.string()));
  MpmSizing mpm = size_mpm(o, processes, threads);

  // 4. Port and account.
  std::string port = o.port.value_or(settings.http_port_text());
  WD_TRY(parse_port(port, o.port ? "server_args --port" : "WARPDRIVE_HTTP_PORT"));
  std::optional<std::pair<std::string, std::string>> account;
  if (host.is_root) {
    WD_ASSIGN(auto acc, apache_account(o, env, host, settings.builder_id));
    account = acc;
  }

  // 5. Paths, all quoted (or refused) for Apache's syntax.
  const fs::path rt = apache_runtime_dir(settings);
  const fs::path conf = rt / "httpd.conf";
  // mod_wsgi's daemon sockets are "<prefix>.<pid>.<generation>.<id>.sock",
  // and a UNIX socket path holds at most 107 bytes.
  std::string socket_prefix = (rt / "wsgi").string();
  if (socket_prefix.size() + 36 > 107)
    return make_error(
        fmt::format("the Apache runtime directory {} is too long for mod_wsgi's UNIX "
                    "sockets ({} characters, at most 71); use a shorter WARPDRIVE_APP_ROOT",
                    rt.string(), rt.string().size()));
  auto q = [](const fs::path& p, std::string_view what) { return apache_quote(p.string(), what); };
  WD_ASSIGN(std::string q_rt, apache_quote_literal_path(rt.string(), "the Apache runtime directory"));
  WD_ASSIGN(std::string q_conf_pid, q(rt / "httpd.pid", "the Apache PID file"));
  WD_ASSIGN(std::string q_socket, q(socket_prefix, "the mod_wsgi socket prefix"));
  WD_ASSIGN(std::string q_home, q(home, "the daemon's working directory"));
  WD_ASSIGN(std::string q_pypath, q(python_path_text, "the Python path"));
  std::string q_venv;
  if (venv) {
    WD_ASSIGN(q_venv, q(settings.app_root, "the virtualenv (WARPDRIVE_APP_ROOT)"));
  }
  auto module_line = [&](std::string_view name, std::string_view file) -> Result<std::string> {
    WD_ASSIGN(std::string path, q(host.modules_dir / std::string(file), "the Apache module"));
    return fmt::format("LoadModule {} {}", name, path);
  };

  std::vector<std::string> c;  // the configuration, line by line
  auto add = [&](std::string line) { c.push_back(std::move(line)); };
  add("# Generated by warpdrive for `warpdrive start` (server mod_wsgi); rewritten on every start.");
  add("# See docs/mod_wsgi.md for the MOD_WSGI_* settings that shape it.");
  add("ServerRoot " + q_rt);
  add("DefaultRuntimeDir " + q_rt);
  add("PidFile " + q_conf_pid);
  if (o.server_name) {
    WD_ASSIGN(std::string qn, apache_quote(*o.server_name, "server_args --server-name"));
    add("ServerName " + qn);
  } else {
    add("ServerName localhost");
  }
  add("ServerTokens ProductOnly");
  add("ServerSignature Off");
  add("HostnameLookups Off");
  add("");
  add("# Modules");
  WD_ASSIGN(std::string mpm_line, module_line(fmt::format("mpm_{}_module", o.server_mpm), mpm_module));
  add(mpm_line);
  std::vector<std::pair<std::string, std::string>> modules = {{"authz_core_module", "mod_authz_core.so"},
                                                              {"authz_host_module", "mod_authz_host.so"},
                                                              {"mime_module", "mod_mime.so"},
                                                              {"alias_module", "mod_alias.so"},
                                                              {"reqtimeout_module", "mod_reqtimeout.so"}};
  if (app.type == AppType::static_files) modules.emplace_back("dir_module", "mod_dir.so");
  if (o.server_status) modules.emplace_back("status_module", "mod_status.so");
  if (o.directory_index && app.type != AppType::static_files) modules.emplace_back("dir_module", "mod_dir.so");
  if (!o.setenv.empty() || !o.passenv.empty()) modules.emplace_back("env_module", "mod_env.so");
  if (o.compress_responses) {
    modules.emplace_back("filter_module", "mod_filter.so");
    modules.emplace_back("deflate_module", "mod_deflate.so");
  }
  if (app.type != AppType::static_files) modules.emplace_back("wsgi_module", "mod_wsgi.so");
  for (const auto& [name, file] : modules) {
    if (!host.modules.count(file))
      return make_error(fmt::format("Apache's {} is not installed in {}", file, host.modules_dir.string()));
    WD_ASSIGN(std::string line, module_line(name, file));
    add(line);
  }
  add("");
  add("# Process model: " + o.server_mpm + " MPM");
  if (account) {
    WD_ASSIGN(std::string qu, apache_quote(account->first, "the Apache user"));
    WD_ASSIGN(std::string qg, apache_quote(account->second, "the Apache group"));
    add("User " + qu);
    add("Group " + qg);
  }
  for (auto& l : mpm.lines) add(l);
  add("");
  add("# Network");
  std::string listen_host = o.host.value_or("0.0.0.0");
  if (listen_host.empty() || listen_host.find_first_not_of("0123456789abcdefABCDEF.:[]-") != std::string::npos ||
      listen_host.find("..") != std::string::npos)
    return make_error(
        fmt::format("server_args --host '{}': expected an IP address to listen on (e.g. 127.0.0.1)", listen_host));
  add(fmt::format("Listen {}:{}", listen_host, port));
  add(fmt::format("ListenBacklog {}", o.server_backlog));
  add(fmt::format("Timeout {}", o.socket_timeout));
  if (o.keep_alive_timeout > 0) {
    add("KeepAlive On");
    add(fmt::format("KeepAliveTimeout {}", o.keep_alive_timeout));
  } else {
    add("KeepAlive Off");
  }
  if (o.enable_sendfile) add("EnableSendfile On");
  {
    std::string rrt;
    if (o.header_timeout > 0) {
      rrt += fmt::format("header={}", o.header_timeout);
      if (o.header_max_timeout > 0) rrt += fmt::format("-{}", o.header_max_timeout);
      if (o.header_min_rate > 0) rrt += fmt::format(",MinRate={}", o.header_min_rate);
    } else {
      rrt += "header=0";
    }
    if (o.body_timeout > 0) {
      rrt += fmt::format(" body={}", o.body_timeout);
      if (o.body_max_timeout > 0) rrt += fmt::format("-{}", o.body_max_timeout);
      if (o.body_min_rate > 0) rrt += fmt::format(",MinRate={}", o.body_min_rate);
    } else {
      rrt += " body=0";
    }
    add("RequestReadTimeout " + rrt);
  }
  add(fmt::format("LimitRequestBody {}", o.limit_request_body));
  add("");
  add("# Logs: to the container's standard streams");
  const std::string error_log = host.stderr_openable ? "\"/dev/stderr\"" : "\"|/bin/cat\"";
  if (!host.stderr_openable)
    plan.notes.push_back(
        "Apache cannot reopen /dev/stderr (a pipe owned by another user); its error log goes "
        "through /bin/cat to standard output");
  add("ErrorLog " + error_log);
  add("LogLevel " + o.log_level);
  if (o.access_log) {
    const std::string access_log = host.stdout_openable ? "\"/dev/stdout\"" : "\"|/bin/cat\"";
    add(R"(LogFormat "%h %l %u %t \"%r\" %>s %b" common)");
    add("CustomLog " + access_log + " common");
  }
  add("");
  add("# Files: nothing is served unless granted below");
  if (host.mime_types) {
    WD_ASSIGN(std::string qt, q(*host.mime_types, "the MIME types file"));
    add("TypesConfig " + qt);
  } else {
    add("TypesConfig /dev/null");
    for (const char* t : {"text/css .css", "application/javascript .js", "text/html .html .htm", "image/png .png",
                          "image/jpeg .jpg .jpeg", "image/gif .gif", "image/svg+xml .svg", "application/json .json",
                          "font/woff .woff", "font/woff2 .woff2", "text/plain .txt"})
      add(fmt::format("AddType {}", t));
  }
  add("DocumentRoot " + q_rt);
  add("<Directory \"/\">");
  add("    AllowOverride None");
  add("    Require all denied");
  add("</Directory>");

  std::optional<std::string> q_index;
  if (o.directory_index) {
    if (o.directory_index->find('/') != std::string::npos)
      return make_error(fmt::format("server_args --directory-index '{}': expected a file name (e.g. index.html)",
                                    *o.directory_index));
    WD_ASSIGN(std::string qi, apache_quote_literal_path(*o.directory_index, "server_args --directory-index"));
    q_index = qi;
  }
  if (o.compress_responses) {
    add("");
    add("# Compression (--compress-responses)");
    for (const char* t : {"text/plain", "text/html", "text/xml", "text/css", "text/javascript", "application/xhtml+xml",
                          "application/javascript", "application/json"})
      add(fmt::format("AddOutputFilterByType DEFLATE {}", t));
  }
  if (!o.setenv.empty() || !o.passenv.empty()) {
    add("");
    add("# Request environment (--setenv, --passenv)");
    for (const auto& [name, value] : o.setenv) {
      if (name.find_first_of(" \t=") != std::string::npos)
        return make_error(fmt::format("server_args --setenv '{}': a variable name cannot contain spaces or '='", name));
      WD_ASSIGN(std::string qn, apache_quote(name, "server_args --setenv name"));
      WD_ASSIGN(std::string qv, apache_quote(value, "server_args --setenv value"));
      add(fmt::format("SetEnv {} {}", qn, qv));
    }
    for (const auto& name : o.passenv) {
      if (name.empty() || name.find_first_of(" \t=") != std::string::npos)
        return make_error(fmt::format("server_args --passenv '{}': expected an environment variable name", name));
      WD_ASSIGN(std::string qn, apache_quote(name, "server_args --passenv"));
      add("PassEnv " + qn);
    }
  }
  for (const auto& [status, url] : o.error_documents) {
    WD_ASSIGN(std::string qu, apache_quote(url, "server_args --error-document"));
    add(fmt::format("ErrorDocument {} {}", status, qu));
  }

  // Static files: input mounts (not under full control), then --url-alias.
  std::vector<StaticMount> statics;
  if (!input.full_control) statics = input.statics;
  for (const auto& m : o.url_aliases)
    statics.push_back(StaticMount{m.url, absolute_from(settings.app_home, m.directory.string())});
  for (const auto& m : statics) {
    std::string url = m.url;
    while (url.size() > 1 && url.back() == '/') url.pop_back();
    if (url.empty() || url[0] != '/' || url == "/")
      return make_error(fmt::format("the static URL '{}' must be a path below / (e.g. /static/)", m.url));
    std::string dir = m.directory.lexically_normal().string();
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    WD_ASSIGN(std::string qu, apache_quote(url, "the static URL"));
    WD_ASSIGN(std::string qd, apache_quote_literal_path(dir, "the static directory"));
    if (!is_dir(dir))
      plan.notes.push_back(fmt::format("static directory {} does not exist (yet); {} will answer 404", dir, url));
    add(fmt::format("Alias {} {}", qu, qd));
    add(fmt::format("<Directory {}>", qd));
    if (q_index) add("    DirectoryIndex " + *q_index);
    add("    Require all granted");
    add("</Directory>");
  }

  if (o.server_status) {
    add("ExtendedStatus On");
    add("<Location \"/server-status\">");
    add("    SetHandler server-status");
    add("    Require local");
    add("</Location>");
  }

  // The application.
  add("");
  if (app.type == AppType::static_files) {
    WD_ASSIGN(std::string qd, apache_quote_literal_path(app.directory.string(), "the static site directory"));
    c.erase(std::remove(c.begin(), c.end(), "DocumentRoot " + q_rt), c.end());
    add("# Application: static files only (MOD_WSGI_APPLICATION_TYPE=static)");
    add("DocumentRoot " + qd);
    add(fmt::format("<Directory {}>", qd));
    add("    DirectoryIndex " + q_index.value_or("index.html"));
    add("    Require all granted");
    add("</Directory>");
  } else {
    fs::path script;
    if (app.default_page) {
      script = rt / "default.wsgi";
      plan.files.push_back(GeneratedFile{script, std::string(kDefaultPage), 0644});
    } else if (app.type == AppType::module) {
      script = rt / "handler.wsgi";
      plan.files.push_back(GeneratedFile{script, handler_script(app), 0644});
    } else {
      script = app.script;
    }
    WD_ASSIGN(std::string q_script, q(script, "the WSGI script"));
    WD_ASSIGN(std::string q_script_dir,
              apache_quote_literal_path(script.parent_path().string(), "the WSGI script's directory"));
    WD_ASSIGN(std::string q_script_name,
              apache_quote_literal_path(script.filename().string(), "the WSGI script's name"));
    add("# Application: mod_wsgi daemon mode");
    add("WSGIRestrictEmbedded On");
    add("WSGISocketPrefix " + q_socket);
    add("WSGIPassAuthorization On");
    Line daemon("WSGIDaemonProcess warpdrive");
    daemon.raw("display-name=\"(wsgi:warpdrive)\"")
        .raw("home=" + q_home)
        .raw(fmt::format("processes={}", processes))
        .raw(fmt::format("threads={}", threads));
    if (venv) daemon.raw("python-home=" + q_venv);
    daemon.raw("python-path=" + q_pypath);
    std::string locale = o.locale.value_or(env.get_or("LC_ALL", env.get_or("LANG", "C.UTF-8")));
    std::string lang = o.lang.value_or(locale);
    WD_ASSIGN(std::string q_locale,
              apache_quote(locale, o.locale ? "server_args --locale" : "the locale (LC_ALL/LANG)"));
    WD_ASSIGN(std::string q_lang, apache_quote(lang, o.lang ? "server_args --lang" : "the locale (LC_ALL/LANG)"));
    daemon.raw("lang=" + q_lang).raw("locale=" + q_locale);
    daemon.raw(fmt::format("listen-backlog={}", o.daemon_backlog))
        .raw(fmt::format("queue-timeout={}", o.queue_timeout))
        .raw(fmt::format("socket-timeout={}", o.socket_timeout))
        .raw(fmt::format("connect-timeout={}", o.connect_timeout))
        .raw(fmt::format("request-timeout={}", o.request_timeout))
        .raw(fmt::format("inactivity-timeout={}", o.inactivity_timeout))
        .raw(fmt::format("maximum-requests={}", o.maximum_requests))
        .raw(fmt::format("startup-timeout={}", o.startup_timeout))
        .raw(fmt::format("deadlock-timeout={}", o.deadlock_timeout))
        .raw(fmt::format("graceful-timeout={}", o.graceful_timeout))
        .raw(fmt::format("shutdown-timeout={}", o.shutdown_timeout));
    // mod_wsgi's defaults when 0: written only when set, so Debian's mod_wsgi
    // sees the directive exactly as mod_wsgi-express would write it.
    if (o.eviction_timeout > 0) daemon.raw(fmt::format("eviction-timeout={}", o.eviction_timeout));
    if (o.restart_interval > 0) daemon.raw(fmt::format("restart-interval={}", o.restart_interval));
    if (o.cpu_time_limit > 0) daemon.raw(fmt::format("cpu-time-limit={}", o.cpu_time_limit));
    if (o.memory_limit > 0) daemon.raw(fmt::format("memory-limit={}", o.memory_limit));
    if (o.send_buffer_size > 0) daemon.raw(fmt::format("send-buffer-size={}", o.send_buffer_size));
    if (o.receive_buffer_size > 0) daemon.raw(fmt::format("receive-buffer-size={}", o.receive_buffer_size));
    if (o.header_buffer_size > 0) daemon.raw(fmt::format("header-buffer-size={}", o.header_buffer_size));
    if (o.response_buffer_size > 0) daemon.raw(fmt::format("response-buffer-size={}", o.response_buffer_size));
    if (o.response_socket_timeout > 0) daemon.raw(fmt::format("response-socket-timeout={}", o.response_socket_timeout));
    add(daemon.str());
    if (o.enable_sendfile) add("WSGIEnableSendfile On");
    if (o.map_head_to_get) add("WSGIMapHEADToGET " + *o.map_head_to_get);
    if (o.error_override) add("WSGIErrorOverride On");
    if (o.chunked_request) add("WSGIChunkedRequest On");
    if (o.disable_reloading) add("WSGIScriptReloading Off");
    if (app.type == AppType::script && !app.default_page) {
      WD_ASSIGN(std::string qc, apache_quote(app.callable, "the callable"));
      add("WSGICallableObject " + qc);
    }
    for (const auto& h : o.trusted_proxy_headers) {
      WD_ASSIGN(std::string qh, apache_quote(h, "server_args --trust-proxy-header"));
      add("WSGITrustedProxyHeaders " + qh);
    }
    if (!o.trusted_proxies.empty()) {
      std::string list;
      for (const auto& t : o.trusted_proxies) {
        if (t.empty() || t.find_first_not_of("0123456789abcdefABCDEF.:/") != std::string::npos)
          return make_error(
              fmt::format("server_args --trust-proxy '{}': expected an IP address or subnet "
                          "(e.g. 10.0.0.0/8)",
                          t));
        list += " " + t;
      }
      add("WSGITrustedProxies" + list);
    }
    WD_ASSIGN(std::string q_mount, apache_quote(o.mount_point, "server_args --mount-point"));
    add(fmt::format("WSGIScriptAlias {} {} process-group=warpdrive application-group=%{{GLOBAL}}",
                    o.mount_point == "/" ? "/" : q_mount, q_script));
    // Load the application when the daemon starts, not on the first request.
    add(fmt::format("WSGIImportScript {} process-group=warpdrive application-group=%{{GLOBAL}}", q_script));
    // mod_wsgi logs a script that fails to import and keeps its daemon
    // running, answering 500 to everything: the next import script notices
    // and tells start (which stops Apache and exits non-zero) and the probes.
    {
      auto check_text = embedded_file("warpdrive_mod_wsgi_check.py");
      if (!check_text) return make_error("warpdrive_mod_wsgi_check.py is missing from this build");
      auto hex = [](const std::string& text) {
        std::string out;
        for (unsigned char ch : text) out += fmt::format("{:02x}", ch);
        return out;
      };
      fs::path check = rt / "import-check.wsgi";
      fs::path status = rt / "import-failed";
      plan.files.push_back(GeneratedFile{check,
                                         fmt::format("WARPDRIVE_SCRIPT = \"{}\"\nWARPDRIVE_STATUS = \"{}\"\n{}",
                                                     hex(script.string()), hex(status.string()), *check_text),
                                         0644});
      plan.files.push_back(GeneratedFile{status, "", 0664});
      plan.failure_file = status;
      WD_ASSIGN(std::string qc, q(check, "the import check script"));
      add(fmt::format("WSGIImportScript {} process-group=warpdrive application-group=%{{GLOBAL}}", qc));
    }
    if (o.reload_on_changes) {
      fs::path reloader = rt / "reloader.wsgi";
      plan.files.push_back(GeneratedFile{reloader, std::string(kReloader), 0644});
      WD_ASSIGN(std::string qr, q(reloader, "the reloader script"));
      add(fmt::format("WSGIImportScript {} process-group=warpdrive application-group=%{{GLOBAL}}", qr));
    }
    add(fmt::format("<Directory {}>", q_script_dir));
    add(fmt::format("    <Files {}>", q_script_name));
    add("        Require all granted");
    add("    </Files>");
    add("</Directory>");
  }
  if (o.server_name) {
    // As mod_wsgi-express: the first virtual host answers requests for any
    // other host name and refuses them (or lets local clients through with
    // --allow-localhost); the named one serves the site.
    add("");
    add("# Name-based hosting (--server-name)");
    add(fmt::format("<VirtualHost *:{}>", port));
    add("    ServerName unknown-host.invalid");
    add("    <Location \"/\">");
    add(o.allow_localhost ? "        Require local" : "        Require all denied");
    add("    </Location>");
    add("</VirtualHost>");
    add(fmt::format("<VirtualHost *:{}>", port));
    WD_ASSIGN(std::string qn, apache_quote(*o.server_name, "server_args --server-name"));
    add("    ServerName " + qn);
    for (const auto& a : o.server_aliases) {
      WD_ASSIGN(std::string qa, apache_quote(a, "server_args --server-alias"));
      add("    ServerAlias " + qa);
    }
    add("</VirtualHost>");
  } else if (!o.server_aliases.empty() || o.allow_localhost) {
    plan.notes.push_back("mod_wsgi: --server-alias and --allow-localhost only matter with --server-name; ignored");
  }
  for (const auto& f : o.include_files) {
    fs::path p = absolute_from(settings.app_home, f);
    if (!is_file(p)) return make_error(fmt::format("server_args --include-file '{}': no such file", p.string()));
    WD_ASSIGN(std::string qi, q(p, "server_args --include-file"));
    add("Include " + qi);
  }

  std::string text;
  for (const auto& l : c) text += l + "\n";
  plan.own_process_group = true;  // prefork stops its children with killpg(getpgrp())
  // One Apache per app root: a PID file left by one that was killed may
  // name a live process by now, and Apache would quit "already running".
  plan.stale_files.push_back(rt / "httpd.pid");
  plan.files.insert(plan.files.begin(), GeneratedFile{conf, text, 0644});

  plan.argv = {host.httpd.string(), "-f", conf.string(), "-DFOREGROUND"};
  if (app.type != AppType::static_files)
    plan.workers = WorkerSizing{processes, threads, input.workers.user_set || o.processes || o.threads, sizing_reason};
  std::string what = app.default_page              ? "the built-in default page"
                     : app.type == AppType::module ? fmt::format("module {}:{}", app.module, app.callable)
                     : app.type == AppType::script ? fmt::format("script {}:{}", app.script.string(), app.callable)
                                                   : fmt::format("static files from {}", app.directory.string());
  plan.notes.push_back(fmt::format("mod_wsgi: Apache ({} MPM, up to {} clients) on {}:{} serving {}", o.server_mpm,
                                   mpm.max_clients, listen_host, port, what));
  if (app.type != AppType::static_files)
    plan.notes.push_back(fmt::format("mod_wsgi: {} daemon process{} x {} thread{} ({})", processes,
                                     processes == 1 ? "" : "es", threads, threads == 1 ? "" : "s",
                                     sizing_reason.empty() ? "default" : sizing_reason));
  if (account) {
    plan.notes.push_back(
        fmt::format("mod_wsgi: running as root, Apache serves as user {} group {} "
                    "(WARPDRIVE_APACHE_USER, WARPDRIVE_APACHE_GROUP)",
                    account->first, account->second));
    LaunchPlan::ServingAccount serving{account->first, account->second, {}, {}};
    if (app.type == AppType::static_files) {
      serving.directories.push_back(app.directory);
    } else {
      serving.directories = {rt, home, settings.app_home, settings.src_root};
      if (app.module_dir) serving.directories.push_back(*app.module_dir);
      if (venv) serving.directories.push_back(settings.app_root);
      if (app.type == AppType::script && !app.default_page) serving.files.push_back(app.script);
    }
    plan.serving_account = std::move(serving);
  }
  plan.notes.push_back(fmt::format("mod_wsgi: configuration {}", conf.string()));
  apply_newrelic(plan, settings, env);
  return plan;
}

namespace {

// The account Apache switches to, as the kernel will see it: Apache calls
// initgroups(user, group), so the user's supplementary groups count too.
struct ServingIdentity {
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

std::optional<ServingIdentity> serving_identity(const LaunchPlan::ServingAccount& account) {
  ServingIdentity who{account.user, 0, 0, {}};
  auto number = [](std::string_view text) -> std::optional<unsigned long> {
    if (text.size() < 2 || text[0] != '#') return std::nullopt;
    unsigned long v = 0;
    for (char c : text.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    return v;
  };
  const struct passwd* pw = nullptr;
  if (auto n = number(account.user)) {
    who.uid = static_cast<uid_t>(*n);
    pw = ::getpwuid(who.uid);
  } else {
    pw = ::getpwnam(account.user.c_str());
    if (!pw) return std::nullopt;
    who.uid = pw->pw_uid;
  }
  std::string name = pw ? pw->pw_name : "";
  if (auto n = number(account.group)) {
    who.gid = static_cast<gid_t>(*n);
  } else {
    const struct group* gr = ::getgrnam(account.group.c_str());
    if (!gr) return std::nullopt;
    who.gid = gr->gr_gid;
  }
  who.groups = {who.gid};
  if (!name.empty()) {
    int count = 64;
    std::vector<gid_t> list(static_cast<size_t>(count));
    if (::getgrouplist(name.c_str(), who.gid, list.data(), &count) < 0) {
      list.resize(static_cast<size_t>(count));
      if (::getgrouplist(name.c_str(), who.gid, list.data(), &count) < 0) count = 0;
    }
    list.resize(static_cast<size_t>(std::max(count, 0)));
    who.groups.insert(who.groups.end(), list.begin(), list.end());
  }
  return who;
}

// Whether `who` has `bits` (4 read, 1 search) on a file with status `st`,
// by the permission bits (ACLs are not consulted).
bool permitted(const struct stat& st, const ServingIdentity& who, unsigned bits) {
  unsigned mode = st.st_mode;
  if (st.st_uid == who.uid) return ((mode >> 6) & bits) == bits;
  if (std::find(who.groups.begin(), who.groups.end(), st.st_gid) != who.groups.end())
    return ((mode >> 3) & bits) == bits;
  return (mode & bits) == bits;
}

std::string describe_mode(const struct stat& st) {
  std::string text = S_ISDIR(st.st_mode) ? "d" : "-";
  const char* letters = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) text += (st.st_mode & (0400 >> i)) ? letters[i] : '-';
  const struct passwd* pw = ::getpwuid(st.st_uid);
  const struct group* gr = ::getgrgid(st.st_gid);
  return fmt::format("{} {}:{}", text, pw ? std::string(pw->pw_name) : std::to_string(st.st_uid),
                     gr ? std::string(gr->gr_name) : std::to_string(st.st_gid));
}

// The first path on the way to `target` (itself included) that `who` cannot
// enter (directories) or read (a file, when `read_file`), with its status.
// Paths that do not exist (yet) end the walk: nothing to refuse there.
std::optional<std::pair<fs::path, struct stat>> first_denied(const fs::path& target, const ServingIdentity& who,
                                                             bool read_file) {
  fs::path so_far = "/";
  fs::path normal = target.lexically_normal();
  for (auto it = normal.begin(); it != normal.end(); ++it) {
    if (*it == "/" || it->empty()) continue;
    so_far /= *it;
    struct stat st {};
    if (::stat(so_far.c_str(), &st) != 0) return std::nullopt;
    bool last = std::next(it) == normal.end();
    unsigned need = S_ISDIR(st.st_mode) ? 1u : (last && read_file ? 4u : 0u);
    if (need && !permitted(st, who, need)) return std::pair{so_far, st};
  }
  return std::nullopt;
}

// Started as root, Apache serves as another account; an application that
// account cannot read answers 403 to every request. Refuse that before
// anything starts, naming the account and the directory.
Status check_serving_account(LaunchPlan& plan) {
  if (!plan.serving_account) return {};
  const auto& account = *plan.serving_account;
  auto who = serving_identity(account);
  if (!who) return {};  // Apache itself reports an unknown account
  for (auto& f : plan.files)
    if (plan.failure_file && f.path == *plan.failure_file) f.owner = std::pair{who->uid, who->gid};
  auto refuse = [&](const fs::path& where, const struct stat& st, bool is_file) {
    return make_error(fmt::format(
        "started as root, Apache serves the application as user {} (uid {}, gid {}), which cannot {} {} ({}): "
        "every request would get 403 Forbidden. Let that user in (e.g. chmod {} '{}'), put the application "
        "where it can read it, or name an account that can with WARPDRIVE_APACHE_USER",
        account.user, who->uid, who->gid, is_file ? "read" : "enter", where.string(), describe_mode(st),
        is_file ? "o+r" : "o+x", where.string()));
  };
  for (const auto& dir : account.directories)
    if (auto denied = first_denied(dir, *who, false)) return refuse(denied->first, denied->second, false);
  for (const auto& file : account.files)
    if (auto denied = first_denied(file, *who, true))
      return refuse(denied->first, denied->second, !S_ISDIR(denied->second.st_mode));
  return {};
}

}  // namespace

Result<LaunchPlan> plan_mod_wsgi(const ServerInput& input) {
  if (!input.environment) return make_error("plan_mod_wsgi: no environment");
  WD_ASSIGN(ApacheHost host, probe_apache_host(input.environment->settings, input.environment->env));
  WD_ASSIGN(LaunchPlan plan, plan_mod_wsgi_on(input, host));
  WD_TRY(check_serving_account(plan));
  return plan;
}

}  // namespace wd
