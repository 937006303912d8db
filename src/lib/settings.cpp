#include "settings.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "fsutil.hpp"
#include "identity.hpp"
#include "shell.hpp"

namespace wd {

std::string_view phase_name(Phase phase) { return phase == Phase::build ? "build" : "deploy"; }

bool Settings::has_virtualenv() const { return is_file(app_root / "bin" / "activate"); }

std::string SettingOrigin::text() const {
  switch (kind) {
    case file:
      return "file " + where;
    case variable:
      return "variable " + where;
    case fallback:
      break;
  }
  return "default";
}

namespace {
constexpr std::pair<DeployMode, std::string_view> kModeWords[] = {{DeployMode::automatic, "auto"},
                                                                  {DeployMode::shell, "shell"},
                                                                  {DeployMode::python, "python"},
                                                                  {DeployMode::wsgi, "wsgi"},
                                                                  {DeployMode::django, "django"}};
}  // namespace

std::string_view deploy_mode_word(DeployMode mode) {
  for (const auto& [m, word] : kModeWords)
    if (m == mode) return word;
  return "";
}

std::string Settings::deploy_mode_name() const {
  if (deploy_mode == DeployMode::full_control) return std::string(server_name(full_control_server));
  return std::string(deploy_mode_word(deploy_mode));
}

Result<std::pair<DeployMode, ServerId>> parse_deploy_mode(std::string_view word, std::string_view origin) {
  for (const auto& [m, w] : kModeWords)
    if (w == word) return std::make_pair(m, ServerId::mod_wsgi);
  if (auto server = find_server(word)) return std::make_pair(DeployMode::full_control, *server);
  return make_error(
      fmt::format("unknown deploy mode '{}' ({}); valid modes: auto, shell, python, wsgi, django, "
                  "or a server name for full control ({})",
                  word, origin, server_names()));
}

Result<uint16_t> parse_port(std::string_view text, std::string_view what) {
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || port < 1 || port > 65535)
    return make_error(fmt::format("{} is '{}', not a port number from 1 to 65535", what, text));
  return static_cast<uint16_t>(port);
}

namespace {

fs::path absolute_from(const fs::path& base, const fs::path& p) {
  return (p.is_absolute() ? p : base / p).lexically_normal();
}

// A path without a trailing slash ("/opt/app-root/" -> "/opt/app-root").
fs::path clean(fs::path p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  for (auto w : split_words(text)) words.emplace_back(w);
  return words;
}

// .warpdrive/<file> > the variable > fallback: the app's source is
// authoritative (the original's OpenShift templates set the variables by
// default). `exported` is what warpdrive itself exported for the variable at
// the previous resolution with the origin it had: a value that is still
// exactly that keeps its origin, so a default stays a default.
struct Valued {
  std::string value;
  SettingOrigin origin;
};
Result<Valued> file_or_env(const EnvVars& env, std::string_view name, const fs::path& file, std::string_view fallback,
                           const std::optional<Valued>& exported) {
  WD_ASSIGN(auto from_file, read_value_file(file));
  if (from_file && !from_file->empty()) return Valued{*from_file, {SettingOrigin::file, file.string()}};
  if (env.is_set(name)) {
    std::string value = *env.get(name);
    if (exported && exported->value == value && exported->origin.kind == SettingOrigin::fallback) return *exported;
    // A parent warpdrive (`warpdrive exec warpdrive start`, the image's
    // entry point) exported its default: still a default here, so that an
    // ASGI application gets the ASGI default rather than mod_wsgi "chosen".
    if (value == fallback) {
      std::string defaulted = " " + env.get_or("WARPDRIVE_DEFAULTED", "") + " ";
      if (defaulted.find(" " + std::string(name) + " ") != std::string::npos) return Valued{value, {}};
    }
    return Valued{value, {SettingOrigin::variable, std::string(name)}};
  }
  return Valued{std::string(fallback), {}};
}

// Roots and APP_HOME come from the inherited environment and .warpdrive/home.
Status resolve_roots(const Context& ctx, const EnvVars& env, Settings& s) {
  s.app_root = clean(absolute_from(ctx.cwd, env.get_or("WARPDRIVE_APP_ROOT", "/opt/app-root")));
  if (env.is_set("WARPDRIVE_SRC_ROOT"))
    s.src_root = clean(absolute_from(ctx.cwd, *env.get("WARPDRIVE_SRC_ROOT")));
  else
    s.src_root = s.app_root / "src";
  if (!is_dir(s.src_root))
    return make_error(
        fmt::format("the application source directory {} does not exist "
                    "(set WARPDRIVE_SRC_ROOT, or WARPDRIVE_APP_ROOT whose src/ it defaults to)",
                    s.src_root.string()));

  fs::path home_file = s.warpdrive_dir() / "home";
  WD_ASSIGN(auto home, read_value_file(home_file));
  if (home && !home->empty()) {
    s.app_home = clean(absolute_from(s.src_root, *home));
    if (!is_dir(s.app_home))
      return make_error(fmt::format("{} names {}, which is not a directory", home_file.string(), s.app_home.string()));
  } else if (env.is_set("WARPDRIVE_APP_HOME")) {
    s.app_home = clean(absolute_from(s.src_root, *env.get("WARPDRIVE_APP_HOME")));
    if (!is_dir(s.app_home))
      return make_error(fmt::format("WARPDRIVE_APP_HOME names {}, which is not a directory", s.app_home.string()));
  } else if (env.is_set("APP_HOME")) {
    // The default OpenShift Python builder's variable, relative to the source.
    s.app_home = clean(absolute_from(s.src_root, *env.get("APP_HOME")));
    if (!is_dir(s.app_home))
      return make_error(fmt::format("APP_HOME names {}, which is not a directory", s.app_home.string()));
  } else {
    s.app_home = s.src_root;
  }
  return {};
}

// Every other setting comes from the environment (after the shell files ran).
// `resolved_before`: s holds the previous resolution (apply_shell_files), whose origins carry over.
Status resolve_rest(const EnvVars& env, Settings& s, bool resolved_before) {
  std::string port_name = env.is_set("WARPDRIVE_HTTP_PORT") ? "WARPDRIVE_HTTP_PORT" : "PORT";
  WD_ASSIGN(s.http_port, parse_port(env.get_or(port_name, "8080"), port_name));

  std::optional<Valued> mode_before, server_before;
  if (resolved_before) {
    mode_before = Valued{s.deploy_mode_name(), s.deploy_mode_origin};
    server_before = Valued{std::string(server_name(s.server_type)), s.server_type_origin};
  }
  WD_ASSIGN(Valued mode,
            file_or_env(env, "WARPDRIVE_DEPLOY_MODE", s.warpdrive_dir() / "deploy_mode", "auto", mode_before));
  WD_ASSIGN(auto parsed_mode, parse_deploy_mode(mode.value, mode.origin.text()));
  s.deploy_mode = parsed_mode.first;
  s.full_control_server = parsed_mode.second;
  s.deploy_mode_origin = mode.origin;
  WD_ASSIGN(Valued server,
            file_or_env(env, "WARPDRIVE_SERVER_TYPE", s.warpdrive_dir() / "server_type", "mod_wsgi", server_before));
  auto server_id = find_server(server.value);
  if (!server_id)
    return make_error(fmt::format("unknown server type '{}' ({}); valid types: {}", server.value, server.origin.text(),
                                  server_names()));
  s.server_type = *server_id;
  s.server_type_origin = server.origin;
  s.shell_file = env.get_or("WARPDRIVE_SHELL_FILE", "app.sh");
  s.python_file = env.get_or("WARPDRIVE_PYTHON_FILE", "app.py");
  s.wsgi_module = env.get_or("WARPDRIVE_WSGI_MODULE_NAME", "wsgi");
  s.wsgi_callable = env.get_or("WARPDRIVE_WSGI_CALLABLE_OBJECT", "application");
  s.asgi_module = env.get_or("WARPDRIVE_ASGI_MODULE_NAME", "asgi");
  s.asgi_callable = env.get_or("WARPDRIVE_ASGI_CALLABLE_OBJECT", "application");
  // WARPDRIVE_STATIC_URL / _ROOT name a static mount for WSGI and ASGI alike;
  // the original's WARPDRIVE_WSGI_STATIC_* names still work when they are unset.
  s.static_url_name = env.is_set("WARPDRIVE_STATIC_URL") ? "WARPDRIVE_STATIC_URL" : "WARPDRIVE_WSGI_STATIC_URL";
  s.static_root_name = env.is_set("WARPDRIVE_STATIC_ROOT") ? "WARPDRIVE_STATIC_ROOT" : "WARPDRIVE_WSGI_STATIC_ROOT";
  s.static_url = env.get_or(s.static_url_name, "");
  s.static_root = env.get_or(s.static_root_name, "");
  s.pip_packages = words_of(env.get_or("WARPDRIVE_PIP_PACKAGES", "requirements.txt"));
  s.pip_wheels = env.is_set("WARPDRIVE_PIP_WHEELS") ? words_of(*env.get("WARPDRIVE_PIP_WHEELS")) : s.pip_packages;
  s.pip_no_index = env.is_set("WARPDRIVE_PIP_NO_INDEX");
  std::string builder = env.get_or("WARPDRIVE_BUILDER_ID", "1001");
  unsigned long id = 0;
  auto [p2, ec2] = std::from_chars(builder.data(), builder.data() + builder.size(), id);
  if (ec2 != std::errc() || p2 != builder.data() + builder.size())
    return make_error(fmt::format("WARPDRIVE_BUILDER_ID is '{}', not a numeric user ID", builder));
  s.builder_id = static_cast<uid_t>(id);
  s.debug = env.is_set("WARPDRIVE_DEBUG");
  s.run_as_pid1 = env.is_set("WARPDRIVE_RUN_AS_PID1");
  s.build_target = env.get_or("WARPDRIVE_BUILD_TARGET", "application");
  return {};
}

// Writes the resolved settings back, so children see every default.
void export_settings(const Settings& s, EnvVars& env) {
  env.set("WARPDRIVE_APP_ROOT", s.app_root.string());
  env.set("WARPDRIVE_SRC_ROOT", s.src_root.string());
  env.set("WARPDRIVE_APP_HOME", s.app_home.string());
  env.set("WARPDRIVE_HTTP_PORT", s.http_port_text());
  env.set("WARPDRIVE_DEPLOY_MODE", s.deploy_mode_name());
  env.set("WARPDRIVE_SERVER_TYPE", std::string(server_name(s.server_type)));
  // Which of the exported values are warpdrive's defaults, not the user's choice (see file_or_env).
  if (s.server_type_origin.kind == SettingOrigin::fallback)
    env.set("WARPDRIVE_DEFAULTED", "WARPDRIVE_SERVER_TYPE");
  else
    env.unset("WARPDRIVE_DEFAULTED");
  env.set("WARPDRIVE_SHELL_FILE", s.shell_file);
  env.set("WARPDRIVE_PYTHON_FILE", s.python_file);
  env.set("WARPDRIVE_WSGI_MODULE_NAME", s.wsgi_module);
  env.set("WARPDRIVE_WSGI_CALLABLE_OBJECT", s.wsgi_callable);
  env.set("WARPDRIVE_ASGI_MODULE_NAME", s.asgi_module);
  env.set("WARPDRIVE_ASGI_CALLABLE_OBJECT", s.asgi_callable);
  env.set("WARPDRIVE_WSGI_STATIC_URL", s.static_url);
  env.set("WARPDRIVE_WSGI_STATIC_ROOT", s.static_root);
  env.set("WARPDRIVE_PIP_PACKAGES", fmt::format("{}", fmt::join(s.pip_packages, " ")));
  env.set("WARPDRIVE_BUILDER_ID", std::to_string(s.builder_id));
  env.set("WARPDRIVE_BUILD_TARGET", s.build_target);
}

// "a:b" with each of `front` moved to the front, once.
std::string prepend_path_list(const std::vector<std::string>& front, const std::string& existing) {
  std::vector<std::string> items = front;
  size_t start = 0;
  while (!existing.empty() && start <= existing.size()) {
    size_t end = existing.find(':', start);
    if (end == std::string::npos) end = existing.size();
    std::string item = existing.substr(start, end - start);
    if (!item.empty() && std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
    start = end + 1;
  }
  return fmt::format("{}", fmt::join(items, ":"));
}

}  // namespace

Result<AppEnvironment> base_environment(const Context& ctx, Phase phase, std::string_view action) {
  AppEnvironment e;
  e.phase = phase;
  e.env = ctx.inherited;
  WD_TRY(resolve_roots(ctx, e.env, e.settings));
  e.env.set("WARPDRIVE_PHASE", std::string(phase_name(phase)));
  e.env.set("WARPDRIVE_ACTION", std::string(action));
  // The original's: where the build runs (S2I's assemble sets docker).
  if (phase == Phase::build && !e.env.is_set("WARPDRIVE_BUILD_SYSTEM")) e.env.set("WARPDRIVE_BUILD_SYSTEM", "local");

  std::vector<std::string> python_front = {e.settings.app_home.string()};
  if (e.settings.src_root != e.settings.app_home) python_front.push_back(e.settings.src_root.string());
  e.env.set("PYTHONPATH", prepend_path_list(python_front, e.env.get_or("PYTHONPATH", "")));

  if (e.settings.has_virtualenv()) {
    e.env.set("VIRTUAL_ENV", e.settings.app_root.string());
    e.env.set("PATH", prepend_path_list({(e.settings.app_root / "bin").string()},
                                        e.env.get_or("PATH", "/usr/local/bin:/usr/bin:/bin")));
    e.env.unset("PYTHONHOME");
  }

  WD_TRY(setup_identity(ctx, e.settings.app_root, e.env));
  WD_TRY(resolve_rest(e.env, e.settings, false));
  export_settings(e.settings, e.env);
  return e;
}

Status apply_shell_files(AppEnvironment& e, const std::vector<fs::path>& files) {
  WD_ASSIGN(e.env, source_shell_files(e.env, files, e.settings.src_root, e.settings.debug));
  WD_TRY(resolve_rest(e.env, e.settings, true));
  export_settings(e.settings, e.env);
  return {};
}

Result<AppEnvironment> deploy_environment(const Context& ctx, std::string_view action) {
  WD_ASSIGN(auto e, base_environment(ctx, Phase::deploy, action));
  WD_TRY(apply_shell_files(e, {e.settings.warpdrive_dir() / "environment", e.settings.hook("deploy-env")}));
  return e;
}

EnvDelta environment_delta(const EnvVars& inherited, const EnvVars& env) {
  EnvDelta d;
  for (const auto& [name, value] : env.vars()) {
    auto old = inherited.get(name);
    if (name.rfind("WARPDRIVE_", 0) == 0 || !old || *old != value) d.set.emplace_back(name, value);
  }
  for (const auto& [name, value] : inherited.vars())
    if (!env.has(name)) d.removed.push_back(name);
  return d;
}

}  // namespace wd
