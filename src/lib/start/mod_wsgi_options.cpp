// The mod_wsgi options: one table row per option (its kind, whether the
// original honoured it as MOD_WSGI_*, the field it sets and the check of a
// word's value), the options mod_wsgi-express has that warpdrive refuses,
// and the readers of the environment and of server_args.
#include "start/mod_wsgi_options.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <limits>

namespace wd::mod_wsgi {

namespace {

constexpr std::array<std::string_view, 3> kMpms = {"prefork", "event", "worker"};
constexpr std::array<std::string_view, 16> kLogLevels = {"emerg",  "alert",  "crit",   "error",  "warn",   "notice",
                                                         "info",   "debug",  "trace1", "trace2", "trace3", "trace4",
                                                         "trace5", "trace6", "trace7", "trace8"};

template <size_t N>
bool one_of(std::string_view v, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), v) != list.end();
}

std::string lower(std::string_view value) {
  std::string v;
  for (char c : value) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v;
}

// The checks of word options, in table order.

Result<std::string> check_mpm(const std::string& value, const Source& src) {
  if (!one_of(value, kMpms))
    return make_error(fmt::format("{}: expected one of {}", src.with(value), fmt::join(kMpms, ", ")));
  return value;
}

Result<std::string> check_log_level(const std::string& value, const Source& src) {
  if (!one_of(value, kLogLevels))
    return make_error(fmt::format("{}: expected one of {}", src.with(value), fmt::join(kLogLevels, ", ")));
  return value;
}

Result<std::string> check_application_type(const std::string& value, const Source& src) {
  if (value == "paste")
    return make_error(
        fmt::format("{}: Paste Deploy configuration files are not supported (mod_wsgi-express loaded them "
                    "with the PasteDeploy package); write a WSGI module that calls "
                    "paste.deploy.loadapp() and point WARPDRIVE_WSGI_MODULE_NAME at it",
                    src.with(value)));
  if (value != "script" && value != "module" && value != "static")
    return make_error(fmt::format("{}: expected one of script, module, static", src.with(value)));
  return value;
}

// "app/" and "/app" are both "/app"; "/" stays "/".
Result<std::string> normalize_mount_point(const std::string& value, const Source& /*src*/) {
  std::string m = value[0] == '/' ? value : "/" + value;
  while (m.size() > 1 && m.back() == '/') m.pop_back();
  return m;
}

// Apache's spelling of On, Off and Auto, whatever case the user wrote.
Result<std::string> check_map_head_to_get(const std::string& value, const Source& src) {
  std::string v = lower(value);
  if (v != "on" && v != "off" && v != "auto")
    return make_error(fmt::format("{}: expected On, Off or Auto", src.with(value)));
  return std::string(v == "on" ? "On" : v == "off" ? "Off" : "Auto");
}

using O = Options;
constexpr auto count = Kind::count;
constexpr auto number = Kind::number;
constexpr auto fraction = Kind::fraction;
constexpr auto flag = Kind::flag;
constexpr auto word = Kind::word;

// The options warpdrive understands, as mod_wsgi-express spells them, and
// where each one's value goes.
constexpr std::array kOptions = {
    OptionSpec{"processes", count, true, &O::processes},
    OptionSpec{"threads", count, true, &O::threads},
    OptionSpec{"max-clients", count, true, &O::max_clients},
    OptionSpec{"initial-workers", fraction, true, &O::initial_workers},
    OptionSpec{"minimum-spare-workers", fraction, true, &O::minimum_spare_workers},
    OptionSpec{"maximum-spare-workers", fraction, true, &O::maximum_spare_workers},
    OptionSpec{"limit-request-body", number, true, &O::limit_request_body},
    OptionSpec{"maximum-requests", number, true, &O::maximum_requests},
    OptionSpec{"inactivity-timeout", number, true, &O::inactivity_timeout},
    OptionSpec{"request-timeout", number, true, &O::request_timeout},
    OptionSpec{"connect-timeout", number, true, &O::connect_timeout},
    OptionSpec{"socket-timeout", count, true, &O::socket_timeout},
    OptionSpec{"queue-timeout", number, true, &O::queue_timeout},
    OptionSpec{"header-timeout", number, true, &O::header_timeout},
    OptionSpec{"header-max-timeout", number, true, &O::header_max_timeout},
    OptionSpec{"header-min-rate", number, true, &O::header_min_rate},
    OptionSpec{"body-timeout", number, true, &O::body_timeout},
    OptionSpec{"body-max-timeout", number, true, &O::body_max_timeout},
    OptionSpec{"body-min-rate", number, true, &O::body_min_rate},
    OptionSpec{"server-backlog", count, true, &O::server_backlog},
    OptionSpec{"daemon-backlog", count, true, &O::daemon_backlog},
    OptionSpec{"server-mpm", word, true, &O::server_mpm, check_mpm},
    OptionSpec{"log-level", word, true, &O::log_level, check_log_level},
    OptionSpec{"reload-on-changes", flag, true, &O::reload_on_changes},
    OptionSpec{"access-log", flag, true, &O::access_log},
    OptionSpec{"working-directory", word, true, &O::working_directory},
    OptionSpec{"application-type", word, true, &O::application_type, check_application_type},
    OptionSpec{"entry-point", word, true, &O::entry_point, nullptr, &O::entry_point_source},
    OptionSpec{"callable-object", word, true, &O::callable_object},
    OptionSpec{"server-status", flag, true, &O::server_status},
    // server_args only:
    OptionSpec{"include-file", word, false, &O::include_files},
    OptionSpec{"trust-proxy-header", word, false, &O::trusted_proxy_headers},
    OptionSpec{"port", word, false, &O::port},
    OptionSpec{"user", word, false, &O::user},
    OptionSpec{"group", word, false, &O::group},
    OptionSpec{"startup-timeout", number, false, &O::startup_timeout},
    OptionSpec{"deadlock-timeout", number, false, &O::deadlock_timeout},
    OptionSpec{"graceful-timeout", number, false, &O::graceful_timeout},
    OptionSpec{"shutdown-timeout", number, false, &O::shutdown_timeout},
    OptionSpec{"eviction-timeout", number, false, &O::eviction_timeout},
    OptionSpec{"restart-interval", number, false, &O::restart_interval},
    OptionSpec{"cpu-time-limit", number, false, &O::cpu_time_limit},
    OptionSpec{"memory-limit", number, false, &O::memory_limit},
    OptionSpec{"send-buffer-size", number, false, &O::send_buffer_size},
    OptionSpec{"receive-buffer-size", number, false, &O::receive_buffer_size},
    OptionSpec{"header-buffer-size", number, false, &O::header_buffer_size},
    OptionSpec{"response-buffer-size", number, false, &O::response_buffer_size},
    OptionSpec{"response-socket-timeout", number, false, &O::response_socket_timeout},
    OptionSpec{"keep-alive-timeout", number, false, &O::keep_alive_timeout},
    OptionSpec{"enable-sendfile", flag, false, &O::enable_sendfile},
    OptionSpec{"compress-responses", flag, false, &O::compress_responses},
    OptionSpec{"allow-localhost", flag, false, &O::allow_localhost},
    OptionSpec{"error-override", flag, false, &O::error_override},
    OptionSpec{"chunked-request", flag, false, &O::chunked_request},
    OptionSpec{"disable-reloading", flag, false, &O::disable_reloading},
    OptionSpec{"mount-point", word, false, &O::mount_point, normalize_mount_point},
    OptionSpec{"host", word, false, &O::host},
    OptionSpec{"server-name", word, false, &O::server_name},
    OptionSpec{"server-alias", word, false, &O::server_aliases},
    OptionSpec{"directory-index", word, false, &O::directory_index},
    OptionSpec{"locale", word, false, &O::locale},
    OptionSpec{"lang", word, false, &O::lang},
    OptionSpec{"map-head-to-get", word, false, &O::map_head_to_get, check_map_head_to_get},
    OptionSpec{"python-path", word, false, &O::python_paths},
    OptionSpec{"trust-proxy", word, false, &O::trusted_proxies},
    OptionSpec{"passenv", word, false, &O::passenv},
};

// Each kind sets a field of the matching type; checked when compiling.
constexpr bool field_fits(const OptionSpec& spec) {
  const Field& f = spec.field;
  switch (spec.kind) {
    case Kind::count:
    case Kind::number:
      return std::holds_alternative<int O::*>(f) || std::holds_alternative<long long O::*>(f) ||
             std::holds_alternative<std::optional<int> O::*>(f);
    case Kind::fraction:
      return std::holds_alternative<std::optional<double> O::*>(f);
    case Kind::flag:
      return std::holds_alternative<bool O::*>(f);
    case Kind::word:
      return std::holds_alternative<std::string O::*>(f) ||
             std::holds_alternative<std::optional<std::string> O::*>(f) ||
             std::holds_alternative<std::vector<std::string> O::*>(f);
  }
  return false;
}
static_assert(std::all_of(kOptions.begin(), kOptions.end(), field_fits), "an option's field does not fit its kind");

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

const OptionSpec* find_option(std::string_view name) {
  for (const auto& spec : kOptions)
    if (spec.name == name) return &spec;
  return nullptr;
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
  std::string v = lower(value);
  return !(v.empty() || v == "0" || v == "false" || v == "no" || v == "off");
}

// Parses `value` as the option's kind and stores it in its field.
Status apply_option(Options& o, const OptionSpec& spec, const std::string& value, const Source& src) {
  switch (spec.kind) {
    case Kind::count:
    case Kind::number: {
      WD_ASSIGN(long long v, parse_whole(value, spec.kind == Kind::count ? 1 : 0, src));
      if (auto* f = std::get_if<long long O::*>(&spec.field))
        o.** f = v;
      else if (auto* i = std::get_if<int O::*>(&spec.field))
        o.** i = static_cast<int>(v);
      else
        o.*std::get<std::optional<int> O::*>(spec.field) = static_cast<int>(v);
      return {};
    }
    case Kind::fraction: {
      WD_ASSIGN(double d, parse_fraction(value, src));
      o.*std::get<std::optional<double> O::*>(spec.field) = d;
      return {};
    }
    case Kind::flag:
      o.*std::get<bool O::*>(spec.field) = src.env ? env_flag(value) : true;
      return {};
    case Kind::word:
      break;
  }
  if (value.empty()) return make_error(fmt::format("{}: expected a value", src.with(value)));
  std::string v = value;
  if (spec.check) {
    WD_ASSIGN(v, spec.check(value, src));
  }
  if (auto* s = std::get_if<std::string O::*>(&spec.field))
    o.** s = v;
  else if (auto* opt = std::get_if<std::optional<std::string> O::*>(&spec.field))
    o.** opt = v;
  else
    (o.*std::get<std::vector<std::string> O::*>(spec.field)).push_back(v);
  if (spec.source) o.*spec.source = src.label();
  return {};
}

// Reads a server_args option that takes two values (--url-alias URL DIR,
// --setenv NAME VALUE, --error-document STATUS URL) into `o`.
using TakeValue = std::function<Result<std::string>(std::string_view what)>;

Status take_pair(Options& o, std::string_view name, const TakeValue& take) {
  if (name == "url-alias") {
    WD_ASSIGN(std::string url, take("URL-PATH and DIRECTORY"));
    WD_ASSIGN(std::string dir, take("DIRECTORY after the URL path"));
    o.url_aliases.push_back(StaticMount{url, dir});
    return {};
  }
  if (name == "setenv") {
    WD_ASSIGN(std::string key, take("NAME and VALUE"));
    WD_ASSIGN(std::string value, take("VALUE after the name"));
    if (key.empty()) return make_error("server_args --setenv: the variable name is empty");
    o.setenv.emplace_back(key, value);
    return {};
  }
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
  return {};
}

// The message for an option warpdrive does not know: what it supports.
Error unknown_option(std::string_view name) {
  std::vector<std::string_view> names;
  for (const auto& spec : kOptions) names.push_back(spec.name);
  return make_error(
      fmt::format("server_args: unknown mod_wsgi option '--{}'; warpdrive supports --{}, "
                  "--url-alias, --setenv, --error-document (and accepts --log-to-terminal, "
                  "--startup-log)",
                  name, fmt::join(names, ", --")));
}

}  // namespace

std::string Source::label() const { return env ? env_name(option) : fmt::format("server_args --{}", option); }

std::string Source::with(std::string_view value) const {
  return env ? fmt::format("{}='{}'", env_name(option), value) : fmt::format("server_args --{} '{}'", option, value);
}

std::span<const OptionSpec> option_table() { return kOptions; }

std::string env_name(std::string_view option) {
  std::string name = "MOD_WSGI_";
  for (char c : option) name += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

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
    if (name == "url-alias" || name == "setenv" || name == "error-document") {
      WD_TRY(take_pair(o, name, take));
      continue;
    }
    for (const auto& r : kRefused)
      if (r.name == name)
        return make_error(
            fmt::format("server_args --{}: not supported with the generated Apache configuration: {}", name, r.why));
    const OptionSpec* spec = find_option(name);
    if (!spec) return unknown_option(name);
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

}  // namespace wd::mod_wsgi
