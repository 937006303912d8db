#include "start/detect.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

#include "introspect/django.hpp"
#include "build_record.hpp"
#include "log.hpp"
#include "introspect/python_site.hpp"

namespace wd {

namespace {

// A file named relative to APP_HOME, then SRC_ROOT (absolute: as is).
std::optional<fs::path> find_app_file(const Settings& s, const std::string& name) {
  fs::path p = name;
  if (p.is_absolute()) return path_exists(p) ? std::optional<fs::path>(p) : std::nullopt;
  for (const fs::path& dir : {s.app_home, s.src_root})
    if (path_exists(dir / p)) return (dir / p).lexically_normal();
  return std::nullopt;
}

// APP_SCRIPT / APP_FILE (the OpenShift builder's names) stand in for the
// WARPDRIVE_* settings when those are left at their defaults.
std::string shell_file(const AppEnvironment& e) {
  if (e.settings.shell_file == "app.sh" && e.env.is_set("APP_SCRIPT")) return *e.env.get("APP_SCRIPT");
  return e.settings.shell_file;
}
std::string python_file(const AppEnvironment& e) {
  if (e.settings.python_file == "app.py" && e.env.is_set("APP_FILE")) return *e.env.get("APP_FILE");
  return e.settings.python_file;
}

// Where the application's modules are looked for: APP_HOME, SRC_ROOT, then
// what the virtualenv has installed.
std::vector<fs::path> module_search_dirs(const Settings& s) {
  std::vector<fs::path> dirs = {s.app_home};
  if (s.src_root != s.app_home) dirs.push_back(s.src_root);
  if (auto venv = virtualenv_site(s.app_root))
    for (const auto& d : venv->module_dirs) dirs.push_back(d);
  return dirs;
}

std::string module_files_text(const fs::path& dir, const std::string& module) {
  std::string rel = module;
  std::replace(rel.begin(), rel.end(), '.', '/');
  return fmt::format("{}/{}.py or {}/{}/__init__.py", dir.string(), rel, dir.string(), rel);
}

Result<WsgiTarget> target_for(const Settings& s, const std::string& module, const std::string& callable,
                              std::string_view what) {
  auto script = find_module_file(module_search_dirs(s), module);
  if (!script)
    return make_error(fmt::format("{} names module '{}', which was not found: no {} (nor installed in the virtualenv)",
                                  what, module, module_files_text(s.app_home, module)));
  return WsgiTarget{module, callable, *script};
}

// The statics named by WARPDRIVE_WSGI_STATIC_URL / _ROOT.
Status add_configured_static(const Settings& s, Detection& d) {
  if (s.static_url.empty() && s.static_root.empty()) return {};
  if (s.static_url.empty() || s.static_root.empty())
    return make_error(fmt::format("{} is set but {} is not: a static mount needs both",
                                  s.static_url.empty() ? "WARPDRIVE_WSGI_STATIC_ROOT" : "WARPDRIVE_WSGI_STATIC_URL",
                                  s.static_url.empty() ? "WARPDRIVE_WSGI_STATIC_URL" : "WARPDRIVE_WSGI_STATIC_ROOT"));
  fs::path root = s.static_root;
  if (root.is_relative()) root = (s.app_home / root).lexically_normal();
  if (!is_dir(root))
    return make_error(fmt::format("WARPDRIVE_WSGI_STATIC_ROOT names {}, which is not a directory", root.string()));
  std::string url = s.static_url;
  if (url.front() != '/') url.insert(url.begin(), '/');
  if (url.back() != '/') url.push_back('/');
  d.statics.push_back({url, root});
  d.notes.push_back(fmt::format("static files: {} from {} (WARPDRIVE_WSGI_STATIC_URL/ROOT)", url, root.string()));
  return {};
}

// The Django facts: from the build record, else by booting Django.
Result<DjangoFacts> django_facts(const AppEnvironment& e, Detection& d) {
  WD_ASSIGN(auto record, load_build_record(e.settings.app_root));
  if (record && record->django) {
    d.notes.push_back(fmt::format("Django settings from the build record {}",
                                  build_record_path(e.settings.app_root).string()));
    return *record->django;
  }
  d.notes.push_back("no build record with Django's settings: read them by importing the project "
                    "(warpdrive build records them, so start does not have to)");
  return introspect_django(e);
}

Status detect_django(const AppEnvironment& e, Detection& d) {
  const Settings& s = e.settings;
  WD_ASSIGN(DjangoFacts facts, django_facts(e, d));
  std::string_view wsgi = facts.wsgi_application;
  size_t dot = wsgi.rfind('.');
  if (dot == std::string_view::npos || !is_dotted_name(wsgi))
    return make_error(fmt::format("Django's WSGI_APPLICATION is '{}', not a dotted path such as mysite.wsgi.application",
                                  wsgi));
  WD_ASSIGN(d.target, target_for(s, std::string(wsgi.substr(0, dot)), std::string(wsgi.substr(dot + 1)),
                                 "Django's WSGI_APPLICATION"));
  d.kind = AppKind::django;
  d.notes.push_back(fmt::format("Django project {}: WSGI_APPLICATION {}", facts.settings_module, facts.wsgi_application));

  std::string url = facts.static_url;
  if (url.empty()) {
    d.notes.push_back("Django sets no STATIC_URL: no static files served");
  } else if (url.find("://") != std::string::npos || url.rfind("//", 0) == 0) {
    d.notes.push_back(fmt::format("STATIC_URL {} is on another host: no static files served here", url));
  } else if (facts.static_root.empty()) {
    d.notes.push_back("Django sets no STATIC_ROOT: no static files served");
  } else if (!is_dir(facts.static_root)) {
    d.warnings.push_back(fmt::format("Django's STATIC_ROOT {} does not exist (collectstatic has not run; warpdrive "
                                     "build runs it): static files are not served",
                                     facts.static_root));
  } else {
    if (url.front() != '/') url.insert(url.begin(), '/');
    if (url.back() != '/') url.push_back('/');
    d.statics.push_back({url, facts.static_root});
    d.notes.push_back(fmt::format("static files: {} from {}", url, facts.static_root));
  }
  return add_configured_static(s, d);
}

// APP_MODULE, when set and WARPDRIVE_WSGI_MODULE_NAME is left at its default.
Result<bool> detect_app_module(const AppEnvironment& e, Detection& d) {
  const Settings& s = e.settings;
  if (!e.env.is_set("APP_MODULE") || s.wsgi_module != "wsgi" || s.wsgi_callable != "application") return false;
  WD_ASSIGN(auto spec, split_app_spec(*e.env.get("APP_MODULE"), "APP_MODULE"));
  WD_ASSIGN(d.target, target_for(s, spec.first, spec.second, "APP_MODULE"));
  d.kind = AppKind::wsgi;
  d.notes.push_back(fmt::format("WSGI application {}:{} (APP_MODULE)", spec.first, spec.second));
  WD_TRY(add_configured_static(s, d));
  return true;
}

// A gunicorn.conf.py that sets wsgi_app (the OpenShift builder starts plain gunicorn then).
Result<bool> detect_gunicorn_config(const AppEnvironment& e, const std::string& server, Detection& d) {
  const Settings& s = e.settings;
  fs::path config = s.app_home / "gunicorn.conf.py";
  WD_ASSIGN(auto text, read_file_if_exists(config));
  if (!text) return false;
  ConfigWsgiApp app = gunicorn_config_wsgi_app(*text);
  if (!app.sets) return false;
  if (server == "gunicorn") {
    d.kind = AppKind::wsgi;
    d.app_in_server_config = true;
    d.notes.push_back(fmt::format("WSGI application from wsgi_app in {} (gunicorn loads it)", config.string()));
    WD_TRY(add_configured_static(s, d));
    if (!d.statics.empty())
      d.warnings.push_back("WARPDRIVE_WSGI_STATIC_URL is not served when gunicorn.conf.py names the application");
    return true;
  }
  if (!app.literal) {
    d.warnings.push_back(fmt::format("{} sets wsgi_app to an expression only gunicorn can evaluate; the server is {}, "
                                     "so it is not used",
                                     config.string(), server));
    return false;
  }
  WD_ASSIGN(auto spec, split_app_spec(*app.literal, fmt::format("wsgi_app in {}", config.string())));
  WD_ASSIGN(d.target, target_for(s, spec.first, spec.second, fmt::format("wsgi_app in {}", config.string())));
  d.kind = AppKind::wsgi;
  d.notes.push_back(fmt::format("WSGI application {}:{} (wsgi_app in {})", spec.first, spec.second, config.string()));
  WD_TRY(add_configured_static(s, d));
  return true;
}

// The WSGI module file (WARPDRIVE_WSGI_MODULE_NAME) in APP_HOME.
Result<bool> detect_wsgi_module(const AppEnvironment& e, Detection& d, bool required) {
  const Settings& s = e.settings;
  if (!is_dotted_name(s.wsgi_module))
    return make_error(fmt::format("WARPDRIVE_WSGI_MODULE_NAME is '{}', not a dotted module name", s.wsgi_module));
  if (!is_dotted_name(s.wsgi_callable) || s.wsgi_callable.find('.') != std::string::npos)
    return make_error(fmt::format("WARPDRIVE_WSGI_CALLABLE_OBJECT is '{}', not a Python name", s.wsgi_callable));
  auto script = find_module_file({s.app_home}, s.wsgi_module);
  if (!script) {
    // Naming a module explicitly and not having it is an error even in auto mode.
    if (required || s.wsgi_module != "wsgi")
      return make_error(fmt::format("the WSGI module '{}' was not found: no {} (set WARPDRIVE_WSGI_MODULE_NAME or "
                                    "APP_MODULE=module:callable)",
                                    s.wsgi_module, module_files_text(s.app_home, s.wsgi_module)));
    return false;
  }
  d.target = WsgiTarget{s.wsgi_module, s.wsgi_callable, *script};
  d.kind = AppKind::wsgi;
  d.notes.push_back(fmt::format("WSGI application {}:{} from {}", s.wsgi_module, s.wsgi_callable, script->string()));
  WD_TRY(add_configured_static(s, d));
  return true;
}

Result<bool> detect_shell(const AppEnvironment& e, Detection& d, bool required) {
  std::string name = shell_file(e);
  auto path = find_app_file(e.settings, name);
  if (!path) {
    if (required)
      return make_error(fmt::format("deploy mode shell: no {} in {}", name, e.settings.app_home.string()));
    return false;
  }
  if (!is_executable_file(*path)) {
    std::string why = fmt::format("{} is not executable (chmod +x {} to run it)", path->string(), path->string());
    if (required) return make_error("deploy mode shell: " + why);
    d.warnings.push_back(why + "; looking for another application");
    return false;
  }
  d.kind = AppKind::shell;
  d.file = *path;
  d.notes.push_back(fmt::format("running {}", path->string()));
  return true;
}

Result<bool> detect_python(const AppEnvironment& e, Detection& d, bool required) {
  std::string name = python_file(e);
  auto path = find_app_file(e.settings, name);
  if (!path || !is_file(*path)) {
    if (required)
      return make_error(fmt::format("deploy mode python: no {} in {}", name, e.settings.app_home.string()));
    return false;
  }
  d.kind = AppKind::python;
  d.file = *path;
  d.notes.push_back(fmt::format("running {} with python", path->string()));
  return true;
}

Result<bool> detect_procfile(const AppEnvironment& e, Detection& d) {
  auto path = find_app_file(e.settings, "Procfile");
  if (!path || !is_file(*path)) return false;
  WD_ASSIGN(std::string text, read_file(*path));
  auto command = procfile_web_command(text);
  if (!command) return false;
  if (command->empty()) return make_error(fmt::format("{}: the web: line has no command", path->string()));
  d.kind = AppKind::procfile;
  d.file = *path;
  d.command = *command;
  d.notes.push_back(fmt::format("running the web: command of {} with /bin/sh", path->string()));
  return true;
}

}  // namespace

std::optional<std::string> procfile_web_command(std::string_view procfile) {
  std::istringstream in{std::string(procfile)};
  for (std::string line; std::getline(in, line);) {
    std::string t = trim(line);
    if (t.rfind("web:", 0) == 0) return trim(std::string_view(t).substr(4));
  }
  return std::nullopt;
}

ConfigWsgiApp gunicorn_config_wsgi_app(std::string_view config) {
  ConfigWsgiApp out;
  std::istringstream in{std::string(config)};
  for (std::string line; std::getline(in, line);) {
    // Only a top-level assignment counts: "wsgi_app = ..." at the start of a line.
    if (line.rfind("wsgi_app", 0) != 0) continue;
    std::string_view rest = std::string_view(line).substr(8);
    size_t i = rest.find_first_not_of(" \t");
    if (i == std::string_view::npos || rest[i] != '=' || (i + 1 < rest.size() && rest[i + 1] == '=')) continue;
    out.sets = true;
    out.literal.reset();
    std::string value = trim(rest.substr(i + 1));
    if (value.size() >= 2 && (value[0] == '"' || value[0] == '\'')) {
      size_t close = value.find(value[0], 1);
      if (close != std::string::npos) {
        std::string after = trim(std::string_view(value).substr(close + 1));
        if (after.empty() || after[0] == '#') out.literal = value.substr(1, close - 1);
      }
    }
  }
  return out;
}

Result<std::pair<std::string, std::string>> split_app_spec(std::string_view spec, std::string_view what) {
  size_t colon = spec.find(':');
  std::string module(spec.substr(0, colon));
  std::string callable = colon == std::string_view::npos ? "application" : std::string(spec.substr(colon + 1));
  if (!is_dotted_name(module) || !is_dotted_name(callable))
    return make_error(fmt::format("{} is '{}', not module:callable (for example mysite.wsgi:application)", what, spec));
  return std::make_pair(module, callable);
}

Result<Detection> detect_app(const AppEnvironment& e, const std::string& server) {
  const std::string& mode = e.settings.deploy_mode;
  Detection d;
  if (mode == "shell") {
    WD_TRY(detect_shell(e, d, true));
    return d;
  }
  if (mode == "python") {
    WD_TRY(detect_python(e, d, true));
    return d;
  }
  if (mode == "django") {
    if (!is_django_project(e.settings))
      return make_error(fmt::format("deploy mode django: no Django project in {} (no manage.py that mentions "
                                    "DJANGO_SETTINGS_MODULE)",
                                    e.settings.app_home.string()));
    WD_TRY(detect_django(e, d));
    return d;
  }
  if (mode == "auto") {
    WD_ASSIGN(bool shell, detect_shell(e, d, false));
    if (shell) return d;
    WD_ASSIGN(bool python, detect_python(e, d, false));
    if (python) return d;
    WD_ASSIGN(bool procfile, detect_procfile(e, d));
    if (procfile) return d;
  }
  if (mode == "auto" || mode == "wsgi") {
    WD_ASSIGN(bool app_module, detect_app_module(e, d));
    if (app_module) return d;
    WD_ASSIGN(bool config, detect_gunicorn_config(e, server, d));
    if (config) return d;
    if (is_django_project(e.settings)) {
      WD_TRY(detect_django(e, d));
      return d;
    }
    WD_ASSIGN(bool wsgi, detect_wsgi_module(e, d, mode == "wsgi"));
    if (wsgi) return d;
  }
  d.kind = AppKind::default_page;
  return d;
}

}  // namespace wd
