#include "start/detect.hpp"

#include <algorithm>
#include <regex>
#include <sstream>

#include <fmt/format.h>

#include <toml++/toml.h>

#include "build_record.hpp"
#include "introspect/app_inspect.hpp"
#include "introspect/django.hpp"
#include "introspect/python_site.hpp"
#include "log.hpp"
#include "process.hpp"

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

// The script, file or module the app names explicitly: the OpenShift
// builder's APP_SCRIPT / APP_FILE / APP_MODULE, or warpdrive's own
// WARPDRIVE_SHELL_FILE / _PYTHON_FILE when changed from their defaults.
// Only when none is named do app.sh and app.py apply as defaults (sclorg's rule 3).
struct NamedEntry {
  std::optional<std::string> script, file, module;
  std::string script_origin, file_origin;
  bool any() const { return script || file || module; }
};
NamedEntry named_entry(const AppEnvironment& e) {
  const Settings& s = e.settings;
  NamedEntry n;
  if (s.shell_file != "app.sh")
    n.script = s.shell_file, n.script_origin = "WARPDRIVE_SHELL_FILE";
  else if (e.env.is_set("APP_SCRIPT") && !e.env.get("APP_SCRIPT")->empty())
    n.script = *e.env.get("APP_SCRIPT"), n.script_origin = "APP_SCRIPT";
  if (s.python_file != "app.py")
    n.file = s.python_file, n.file_origin = "WARPDRIVE_PYTHON_FILE";
  else if (e.env.is_set("APP_FILE") && !e.env.get("APP_FILE")->empty())
    n.file = *e.env.get("APP_FILE"), n.file_origin = "APP_FILE";
  if (e.env.is_set("APP_MODULE") && !e.env.get("APP_MODULE")->empty() && s.wsgi_module == "wsgi" &&
      s.wsgi_callable == "application")
    n.module = *e.env.get("APP_MODULE");
  return n;
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

// `callable` may be a factory call, "create_app(...)" (split_app_spec checked its shape).
Result<WsgiTarget> target_for(const Settings& s, const std::string& module, const std::string& callable,
                              std::string_view what) {
  auto script = find_module_file(module_search_dirs(s), module);
  if (!script)
    return make_error(fmt::format("{} names module '{}', which was not found: no {} (nor installed in the virtualenv)",
                                  what, module, module_files_text(s.app_home, module)));
  WsgiTarget t{module, callable, *script, false, ""};
  if (size_t open = callable.find('('); open != std::string::npos) {
    t.callable = callable.substr(0, open);
    t.factory_args = callable.substr(open + 1, callable.size() - open - 2);
  }
  return t;
}

// The statics named by WARPDRIVE_WSGI_STATIC_URL / _ROOT.
Status add_configured_static(const Settings& s, Detection& d) {
  if (s.static_url.empty() && s.static_root.empty()) return {};
  if (s.static_url.empty() || s.static_root.empty())
    return make_error(fmt::format("{} is set but {} is not: a static mount needs both",
                                  s.static_url.empty() ? s.static_root_name : s.static_url_name,
                                  s.static_url.empty() ? s.static_url_name : s.static_root_name));
  fs::path root = s.static_root;
  if (root.is_relative()) root = (s.app_home / root).lexically_normal();
  if (!is_dir(root))
    return make_error(fmt::format("{} names {}, which is not a directory", s.static_root_name, root.string()));
  std::string url = s.static_url;
  if (url.front() != '/') url.insert(url.begin(), '/');
  if (url.back() != '/') url.push_back('/');
  d.statics.push_back({url, root});
  d.notes.push_back(
      fmt::format("static files: {} from {} ({}/{})", url, root.string(), s.static_url_name, s.static_root_name));
  return {};
}

std::string source_text(const fs::path& file) {
  auto text = read_file_if_exists(file);
  return text && *text ? **text : std::string();
}

// ASGI or WSGI for d.target, by inspection (depth full) or from the source
// (depth files: build, before anything can be imported). `find`: the callable
// is not named; look for the module-level ASGI application object, else the
// one named `preferred`. False: `find` found no application (depth full only).
Result<bool> decide_protocol(const AppEnvironment& e, Detection& d, DetectDepth depth, bool find,
                             const std::string& preferred) {
  WsgiTarget& t = *d.target;
  if (depth == DetectDepth::files) {
    t.asgi = source_suggests_asgi(source_text(t.script));
    if (find && t.callable.empty()) t.callable = preferred.empty() ? "app" : preferred;
    d.notes.push_back(fmt::format("{} looks like {} application from its source (start decides by importing it)",
                                  t.script.string(), t.asgi ? "an ASGI" : "a WSGI"));
    return true;
  }
  WD_ASSIGN(AppInspection a, inspect_app(e, t.module, t.script, find ? "" : callable_spec(t), preferred));
  if (a.protocol.empty()) {
    if (find) return false;
    return make_error(
        fmt::format("{} ({}) is neither a WSGI nor an ASGI application: {}", target_spec(t), t.script.string(), a.why));
  }
  t.callable = a.callable;
  t.asgi = a.protocol == "asgi";
  t.kind = a.kind;
  d.notes.push_back(fmt::format("{} is {} application: {}, {}{}", target_spec(t), t.asgi ? "an ASGI" : "a WSGI", a.kind,
                                a.why, a.cached ? " (inspected by an earlier start; the file is unchanged)" : ""));
  return true;
}

// True when the server type was chosen (variable or file), not defaulted.
bool server_chosen(const Settings& s) { return s.server_type_origin.kind != SettingOrigin::fallback; }

// The Django settings module named by manage.py's setdefault line (or
// DJANGO_SETTINGS_MODULE), and whether its file mentions ASGI_APPLICATION:
// the file-only answer build needs (start reads the real setting).
bool django_settings_mention_asgi(const AppEnvironment& e) {
  const Settings& s = e.settings;
  std::string module = e.env.get_or("DJANGO_SETTINGS_MODULE", "");
  if (module.empty() || module == "warpdrive_django_settings") {
    static const std::regex setdefault(R"(DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)['"])");
    std::string manage = source_text(s.app_home / "manage.py");
    std::smatch m;
    if (!std::regex_search(manage, m, setdefault)) return false;
    module = m[1];
  }
  auto file = find_module_file({s.app_home, s.src_root}, module);
  return file && source_text(*file).find("ASGI_APPLICATION") != std::string::npos;
}

// The Django facts: from the build record, else by booting Django.
Result<DjangoFacts> django_facts(const AppEnvironment& e, Detection& d) {
  WD_ASSIGN(auto record, load_build_record(e.settings.app_root));
  if (record && record->django) {
    d.notes.push_back(
        fmt::format("Django settings from the build record {}", build_record_path(e.settings.app_root).string()));
    return *record->django;
  }
  d.notes.push_back(
      "no build record with Django's settings: read them by importing the project "
      "(warpdrive build records them, so start does not have to)");
  return introspect_django(e);
}

// A Django project is served through ASGI when its settings set
// ASGI_APPLICATION (Channels needs it) and the server chosen is not a
// WSGI-only one, or when the server chosen serves ASGI (then the project's
// asgi.py, next to its wsgi.py). Every startproject has an asgi.py, so its
// mere presence does not move an existing project off WSGI.
bool django_wants_asgi(const Settings& s, bool sets_asgi_application) {
  const ServerInfo& chosen = server_info(s.server_type);
  if (server_chosen(s)) return chosen.serves_asgi || (sets_asgi_application && !chosen.serves_wsgi);
  return sets_asgi_application;
}

Status detect_django(const AppEnvironment& e, Detection& d, DetectDepth depth) {
  const Settings& s = e.settings;
  if (depth == DetectDepth::files) {
    d.kind = AppKind::django;
    d.notes.push_back(fmt::format("Django project ({})", (s.app_home / "manage.py").string()));
    if (django_wants_asgi(s, django_settings_mention_asgi(e))) {
      d.target = WsgiTarget{"", "", {}, true, "Django ASGI"};
      d.notes.push_back("served through ASGI (its settings set ASGI_APPLICATION, or an ASGI server is chosen)");
    }
    return {};
  }
  WD_ASSIGN(DjangoFacts facts, django_facts(e, d));
  std::string_view wsgi = facts.wsgi_application;
  size_t dot = wsgi.rfind('.');
  if (dot == std::string_view::npos || !is_dotted_name(wsgi))
    return make_error(
        fmt::format("Django's WSGI_APPLICATION is '{}', not a dotted path such as mysite.wsgi.application", wsgi));
  d.kind = AppKind::django;
  if (django_wants_asgi(s, !facts.asgi_application.empty())) {
    std::string spec = facts.asgi_application;
    std::string origin = "Django's ASGI_APPLICATION";
    if (spec.empty()) {
      // The asgi.py next to the project's wsgi.py (mysite.wsgi -> mysite.asgi).
      std::string package(wsgi.substr(0, dot));
      size_t last = package.rfind('.');
      spec = (last == std::string::npos ? std::string() : package.substr(0, last + 1)) + "asgi.application";
      origin = fmt::format("the asgi.py next to WSGI_APPLICATION {}", facts.wsgi_application);
    }
    size_t adot = spec.rfind('.');
    if (adot == std::string::npos || !is_dotted_name(spec))
      return make_error(fmt::format("{} is '{}', not a dotted path such as mysite.asgi.application", origin, spec));
    WD_ASSIGN(d.target, target_for(s, spec.substr(0, adot), spec.substr(adot + 1), origin));
    d.target->asgi = true;
    d.target->kind = facts.asgi_application.empty() ? "Django ASGIHandler" : "Django ASGI_APPLICATION";
    d.notes.push_back(fmt::format("Django project {}: ASGI application {} ({})", facts.settings_module, spec, origin));
  } else {
    WD_ASSIGN(d.target, target_for(s, std::string(wsgi.substr(0, dot)), std::string(wsgi.substr(dot + 1)),
                                   "Django's WSGI_APPLICATION"));
    d.notes.push_back(
        fmt::format("Django project {}: WSGI_APPLICATION {}", facts.settings_module, facts.wsgi_application));
    if (!facts.asgi_application.empty())
      d.notes.push_back(fmt::format("ASGI_APPLICATION {} is not used: {} serves only WSGI", facts.asgi_application,
                                    server_name(s.server_type)));
  }
  // The server imports the WSGI or ASGI module, not manage.py: give it the
  // settings manage.py chose, however manage.py chose them.
  if (!e.env.is_set("DJANGO_SETTINGS_MODULE") && !facts.settings_module.empty())
    d.env.emplace_back("DJANGO_SETTINGS_MODULE", facts.settings_module);

  std::string url = facts.static_url;
  if (url.empty()) {
    d.notes.push_back("Django sets no STATIC_URL: no static files served");
  } else if (url.find("://") != std::string::npos || url.rfind("//", 0) == 0) {
    d.notes.push_back(fmt::format("STATIC_URL {} is on another host: no static files served here", url));
  } else if (facts.static_root.empty()) {
    d.notes.push_back("Django sets no STATIC_ROOT: no static files served");
  } else if (!is_dir(facts.static_root)) {
    d.warnings.push_back(
        fmt::format("Django's STATIC_ROOT {} does not exist (collectstatic has not run; warpdrive "
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

// APP_MODULE (the OpenShift builder's "module:callable"): WSGI or ASGI by
// inspection. Without ":callable", the module's ASGI application object
// (whatever its name), else its `application`.
// `origin` says where spec_text came from, for messages: "APP_MODULE", or
// FastAPI's entrypoint in pyproject.toml.
Status detect_app_module(const AppEnvironment& e, const std::string& spec_text, std::string_view origin, Detection& d,
                         DetectDepth depth) {
  const Settings& s = e.settings;
  WD_ASSIGN(auto spec, split_app_spec(spec_text, origin));
  WD_ASSIGN(d.target, target_for(s, spec.first, spec.second, origin));
  bool named = spec_text.find(':') != std::string::npos;
  if (!named) d.target->callable.clear();
  WD_ASSIGN(bool found, decide_protocol(e, d, depth, !named, "application"));
  if (!found)
    return make_error(
        fmt::format("{} names module {} ({}), which holds no ASGI application object and no "
                    "WSGI `application`: name it as {}:NAME",
                    origin, spec.first, d.target->script.string(), spec.first));
  d.kind = d.target->asgi ? AppKind::asgi : AppKind::wsgi;
  d.notes.push_back(
      fmt::format("{} application {} ({})", d.target->asgi ? "ASGI" : "WSGI", target_spec(*d.target), origin));
  return add_configured_static(s, d);
}

Result<toml::table> parse_toml_file(const fs::path& path) {
  WD_ASSIGN(std::string text, read_file(path));
  try {
    return toml::parse(text, path.string());
  } catch (const toml::parse_error& err) {
    return make_error(fmt::format("{} is not valid TOML: {}", path.string(), err.description()));
  }
}

constexpr std::string_view kFastapiEntrypoint = "entrypoint in [tool.fastapi] of pyproject.toml";

// FastAPI's own setting for `fastapi run`: `entrypoint = "module:attribute"`
// in the [tool.fastapi] table of pyproject.toml (APP_HOME's, else SRC_ROOT's).
Result<std::optional<std::string>> fastapi_entrypoint(const Settings& s) {
  auto pyproject = find_app_file(s, "pyproject.toml");
  if (!pyproject || !is_file(*pyproject) || source_text(*pyproject).find("fastapi") == std::string::npos)
    return std::optional<std::string>();  // not parsed at every start of an app that never mentions it
  WD_ASSIGN(toml::table t, parse_toml_file(*pyproject));
  auto node = t["tool"]["fastapi"]["entrypoint"];
  if (!node) return std::optional<std::string>();
  auto value = node.value<std::string>();
  if (!value || value->empty())
    return make_error(
        fmt::format("{}: [tool.fastapi] entrypoint must be a string \"module:attribute\"", pyproject->string()));
  return std::optional<std::string>(*value);
}

// The ASGI module (WARPDRIVE_ASGI_MODULE_NAME, default asgi: asgi.py in
// APP_HOME). WARPDRIVE_ASGI_CALLABLE_OBJECT set: that object; at its default:
// the module's ASGI application object, whatever its name.
Result<bool> detect_asgi_module(const AppEnvironment& e, Detection& d, DetectDepth depth) {
  const Settings& s = e.settings;
  if (!is_dotted_name(s.asgi_module))
    return make_error(fmt::format("WARPDRIVE_ASGI_MODULE_NAME is '{}', not a dotted module name", s.asgi_module));
  if (!is_dotted_name(s.asgi_callable))
    return make_error(fmt::format("WARPDRIVE_ASGI_CALLABLE_OBJECT is '{}', not a Python name", s.asgi_callable));
  auto script = find_module_file({s.app_home}, s.asgi_module);
  if (!script) {
    if (s.asgi_module != "asgi")
      return make_error(
          fmt::format("the ASGI module '{}' was not found: no {} (set WARPDRIVE_ASGI_MODULE_NAME or "
                      "APP_MODULE=module:callable)",
                      s.asgi_module, module_files_text(s.app_home, s.asgi_module)));
    return false;
  }
  bool named = s.asgi_callable != "application";
  d.target = WsgiTarget{s.asgi_module, named ? s.asgi_callable : "", *script, false, ""};
  WD_ASSIGN(bool found, decide_protocol(e, d, depth, !named, s.asgi_callable));
  if (depth == DetectDepth::files) d.target->asgi = true;  // the module named for ASGI
  if (!found)
    return make_error(
        fmt::format("{} holds no ASGI application object (and no `{}`): define one at module level, or "
                    "set WARPDRIVE_ASGI_CALLABLE_OBJECT",
                    script->string(), s.asgi_callable));
  d.kind = d.target->asgi ? AppKind::asgi : AppKind::wsgi;
  WD_TRY(add_configured_static(s, d));
  return true;
}

// A module (main.py and the other files `fastapi run` looks for, or app.py
// without a __main__ block) whose source imports
// an ASGI framework: served when importing it shows a module-level ASGI
// application object. False (and no target) otherwise.
Result<bool> detect_asgi_candidate(const AppEnvironment& e, Detection& d, DetectDepth depth, const fs::path& script,
                                   const std::string& module) {
  if (!source_suggests_asgi(source_text(script))) return false;
  d.target = WsgiTarget{module, "", script, false, ""};
  WD_ASSIGN(bool found, decide_protocol(e, d, depth, true, ""));
  if (!found || !d.target->asgi) {
    d.target.reset();
    d.notes.push_back(
        fmt::format("{} imports an ASGI framework but holds no module-level ASGI application object", script.string()));
    return false;
  }
  d.kind = AppKind::asgi;
  WD_TRY(add_configured_static(e.settings, d));
  return true;
}

// app.py without a __main__ block whose source imports a WSGI framework:
// served when importing it shows a WSGI application object named `app` (or
// `application`). Run as a program it would only define the object and exit.
Result<bool> detect_wsgi_candidate(const AppEnvironment& e, Detection& d, DetectDepth depth, const fs::path& script,
                                   const std::string& module) {
  if (!source_suggests_wsgi_framework(source_text(script))) return false;
  d.target = WsgiTarget{module, "", script, false, ""};
  WD_ASSIGN(bool found, decide_protocol(e, d, depth, true, "app"));
  if (!found || d.target->asgi) {
    d.target.reset();
    d.notes.push_back(
        fmt::format("{} imports a WSGI framework but holds no application object named app", script.string()));
    return false;
  }
  d.kind = AppKind::wsgi;
  d.notes.push_back(
      fmt::format("{} has no `if __name__ == \"__main__\":` block: served as a WSGI application, not run "
                  "as a program (which would define it and exit)",
                  script.string()));
  WD_TRY(add_configured_static(e.settings, d));
  return true;
}

// The gunicorn.conf.py the OpenShift builder looks at: in the source root,
// else (warpdrive's own rule) in APP_HOME, where gunicorn finds it itself.
std::optional<fs::path> gunicorn_config_file(const Settings& s) {
  for (const fs::path& dir : {s.src_root, s.app_home})
    if (is_file(dir / "gunicorn.conf.py")) return dir / "gunicorn.conf.py";
  return std::nullopt;
}

// The server is gunicorn when the user chose it, or chose nothing and the app
// is configured the OpenShift builder's way (which always runs gunicorn).
bool gunicorn_by_default(const Settings& s) {
  return s.server_type == ServerId::gunicorn || s.server_type_origin.kind == SettingOrigin::fallback;
}

// A gunicorn.conf.py that sets wsgi_app (sclorg's rule 1: gunicorn runs with
// that configuration and nothing else; its bind decides the port).
Result<bool> detect_gunicorn_config(const AppEnvironment& e, Detection& d) {
  const Settings& s = e.settings;
  auto config = gunicorn_config_file(s);
  if (!config) return false;
  WD_ASSIGN(auto text, read_file_if_exists(*config));
  if (!text) return false;
  ConfigWsgiApp app = gunicorn_config_wsgi_app(*text);
  if (!app.sets) return false;
  if (gunicorn_by_default(s)) {
    d.kind = AppKind::wsgi;
    d.app_in_server_config = true;
    d.server_config = *config;
    d.notes.push_back(fmt::format("WSGI application from wsgi_app in {} (gunicorn loads it)", config->string()));
    WD_TRY(add_configured_static(s, d));
    if (!d.statics.empty())
      d.warnings.push_back("WARPDRIVE_WSGI_STATIC_URL is not served when gunicorn.conf.py names the application");
    return true;
  }
  std::string server(server_name(s.server_type));
  if (!app.literal) {
    d.warnings.push_back(
        fmt::format("{} sets wsgi_app to an expression only gunicorn can evaluate; the server is {}, "
                    "so it is not used",
                    config->string(), server));
    return false;
  }
  WD_ASSIGN(auto spec, split_app_spec(*app.literal, fmt::format("wsgi_app in {}", config->string())));
  WD_ASSIGN(d.target, target_for(s, spec.first, spec.second, fmt::format("wsgi_app in {}", config->string())));
  d.kind = AppKind::wsgi;
  d.notes.push_back(fmt::format("WSGI application {}:{} (wsgi_app in {}, served by {})", spec.first, spec.second,
                                config->string(), server));
  WD_TRY(add_configured_static(s, d));
  return true;
}

// d.target names a module whose callable nobody named. Its source mentions
// `application`: that, and the module is not imported. Otherwise its
// application object whatever its name (`app` first), else a factory
// create_app() or make_app() called without arguments, as `flask run` finds
// one. False: none of these.
Result<bool> find_unnamed_application(const AppEnvironment& e, Detection& d, DetectDepth depth) {
  WsgiTarget& t = *d.target;
  std::string source = source_text(t.script);
  static const std::regex application_word(R"(\bapplication\b)");
  if (std::regex_search(source, application_word)) {
    t.callable = "application";
    return true;
  }
  t.callable.clear();
  WD_ASSIGN(bool found, decide_protocol(e, d, depth, true, "app"));
  if (found) return true;
  static const std::regex factory(R"((^|\n)def\s+(create_app|make_app)\s*\()");
  std::smatch m;
  if (!std::regex_search(source, m, factory)) return false;
  t.callable = m[2];
  t.factory_args = "";
  WD_TRY(decide_protocol(e, d, depth, false, ""));
  return true;
}

// The module named like the project (sclorg's rule 5, when there is no wsgi.py).
Result<bool> detect_project_module(const AppEnvironment& e, Detection& d, DetectDepth depth) {
  WD_ASSIGN(auto name, project_module_name(e));
  if (!name || !is_dotted_name(*name)) return false;
  auto script = find_module_file(module_search_dirs(e.settings), *name);
  if (!script) {
    d.notes.push_back(fmt::format("the project is named {}, but there is no module {} to serve", *name, *name));
    return false;
  }
  d.target = WsgiTarget{*name, "", *script, false, ""};
  WD_ASSIGN(bool found, find_unnamed_application(e, d, depth));
  if (!found) {
    d.target.reset();
    d.notes.push_back(
        fmt::format("the project is named {}, but its module {} holds no application", *name, script->string()));
    return false;
  }
  d.kind = d.target->asgi ? AppKind::asgi : AppKind::wsgi;
  d.notes.push_back(
      fmt::format("{} application {}: the module named like the project (as the OpenShift Python "
                  "builder serves it)",
                  d.target->asgi ? "ASGI" : "WSGI", target_spec(*d.target)));
  WD_TRY(add_configured_static(e.settings, d));
  return true;
}

// The WSGI module file (WARPDRIVE_WSGI_MODULE_NAME) in APP_HOME.
Result<bool> detect_wsgi_module(const AppEnvironment& e, Detection& d, bool required, DetectDepth depth) {
  const Settings& s = e.settings;
  if (!is_dotted_name(s.wsgi_module))
    return make_error(fmt::format("WARPDRIVE_WSGI_MODULE_NAME is '{}', not a dotted module name", s.wsgi_module));
  if (!is_dotted_name(s.wsgi_callable) || s.wsgi_callable.find('.') != std::string::npos)
    return make_error(fmt::format("WARPDRIVE_WSGI_CALLABLE_OBJECT is '{}', not a Python name", s.wsgi_callable));
  auto script = find_module_file({s.app_home}, s.wsgi_module);
  if (!script) {
    // Naming a module explicitly and not having it is an error even in auto mode.
    if (required || s.wsgi_module != "wsgi")
      return make_error(
          fmt::format("the WSGI module '{}' was not found: no {} (set WARPDRIVE_WSGI_MODULE_NAME or "
                      "APP_MODULE=module:callable)",
                      s.wsgi_module, module_files_text(s.app_home, s.wsgi_module)));
    return false;
  }
  d.target = WsgiTarget{s.wsgi_module, s.wsgi_callable, *script, false, ""};
  d.kind = AppKind::wsgi;
  // A wsgi.py is not imported to check it (that would slow every start),
  // unless its source imports an ASGI framework (then inspection decides),
  // or never names the default callable `application` (Flask's wsgi.py
  // often holds `app`): then its application is found whatever its name.
  if (source_suggests_asgi(source_text(*script))) {
    WD_TRY(decide_protocol(e, d, depth, false, s.wsgi_callable));
    if (d.target->asgi) d.kind = AppKind::asgi;
  } else if (s.wsgi_callable == "application") {
    WD_ASSIGN(bool found, find_unnamed_application(e, d, depth));
    if (!found)
      return make_error(
          fmt::format("{} holds no `application`, no other application object and no create_app() or "
                      "make_app() factory: define one, or name it with WARPDRIVE_WSGI_CALLABLE_OBJECT or "
                      "APP_MODULE={}:NAME",
                      script->string(), s.wsgi_module));
    if (d.target->asgi) d.kind = AppKind::asgi;
  }
  d.notes.push_back(fmt::format("{} application {} from {}", d.target->asgi ? "ASGI" : "WSGI", target_spec(*d.target),
                                script->string()));
  WD_TRY(add_configured_static(s, d));
  return true;
}

// `required`: why a missing script is an error ("deploy mode shell", "APP_SCRIPT"); empty: it is not.
Result<bool> detect_shell(const AppEnvironment& e, Detection& d, const std::string& name, const std::string& required) {
  auto path = find_app_file(e.settings, name);
  if (!path) {
    if (!required.empty())
      return make_error(fmt::format("{}: no {} in {}", required, name, e.settings.app_home.string()));
    return false;
  }
  if (!is_executable_file(*path)) {
    std::string why = fmt::format("{} is not executable (chmod +x {} to run it)", path->string(), path->string());
    if (!required.empty()) return make_error(required + ": " + why);
    d.warnings.push_back(why + "; looking for another application");
    return false;
  }
  d.kind = AppKind::shell;
  d.file = *path;
  d.notes.push_back(fmt::format("running {}", path->string()));
  return true;
}

Result<bool> detect_python(const AppEnvironment& e, Detection& d, const std::string& name,
                           const std::string& required) {
  auto path = find_app_file(e.settings, name);
  if (!path || !is_file(*path)) {
    if (!required.empty())
      return make_error(fmt::format("{}: no {} in {}", required, name, e.settings.app_home.string()));
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
  // An application factory, as gunicorn reads one: create_app(...) with literal
  // arguments (checked when start inspects it, by Python's own parser).
  std::string name = callable.substr(0, callable.find('('));
  bool factory = name.size() < callable.size();
  if (!is_dotted_name(module) || !is_dotted_name(name) || (factory && callable.back() != ')'))
    return make_error(
        fmt::format("{} is '{}', not module:callable (for example mysite.wsgi:application, or "
                    "app:create_app() for an application factory)",
                    what, spec));
  return std::make_pair(module, callable);
}

namespace {

// Which server runs what was detected, and why. An ASGI application with a
// WSGI-only server chosen (or a WSGI one with an ASGI-only server) is refused
// here, before anything runs.
Status choose_server(const AppEnvironment& e, const NamedEntry& named, Detection& d) {
  const Settings& s = e.settings;
  switch (d.kind) {
    case AppKind::shell:
    case AppKind::python:
    case AppKind::procfile:
      d.server_reason = fmt::format("none: the application runs itself ({})", d.file.string());
      return {};
    case AppKind::full_control:
      d.server = s.full_control_server;
      d.server_reason = fmt::format("{}: deploy mode {} ({}) takes full control", server_name(*d.server),
                                    s.deploy_mode_name(), s.deploy_mode_origin.text());
      return {};
    default:
      break;
  }
  const ServerInfo& chosen = server_info(s.server_type);
  if (d.target && d.target->asgi) {
    std::string what = d.target->module.empty() ? std::string("the application")
                                                : fmt::format("{}:{}", d.target->module, d.target->callable);
    std::string kind = d.target->kind.empty() ? "ASGI" : d.target->kind;
    if (!server_chosen(s)) {
      d.server = kDefaultAsgiServer;
      d.server_reason = fmt::format("{}: {} is an ASGI application ({}) and no server type is set: the ASGI default",
                                    server_name(kDefaultAsgiServer), what, kind);
      return {};
    }
    if (!chosen.serves_asgi)
      return make_error(
          fmt::format("{} is an ASGI application ({}), which {} cannot serve ({}: {}); set "
                      "WARPDRIVE_SERVER_TYPE or .warpdrive/server_type to an ASGI server: {}",
                      what, kind, chosen.name, s.server_type_origin.text(), "it speaks only WSGI",
                      server_names(ServerFilter::asgi)));
    d.server = s.server_type;
    d.server_reason =
        fmt::format("{} (server type from the {}), serving ASGI", chosen.name, s.server_type_origin.text());
    return {};
  }
  if (d.target && !chosen.serves_wsgi && server_chosen(s))
    return make_error(
        fmt::format("{}:{} is a WSGI application, which {} cannot serve ({}: it speaks only ASGI); "
                    "set WARPDRIVE_SERVER_TYPE or .warpdrive/server_type to a WSGI server: {}",
                    d.target->module, d.target->callable, chosen.name, s.server_type_origin.text(),
                    server_names(ServerFilter::wsgi)));
  // Configured the OpenShift builder's way: it always runs gunicorn.
  std::string sclorg;
  if (d.app_in_server_config)
    sclorg = "wsgi_app in " + d.server_config.string();
  else if (named.module)
    sclorg = "APP_MODULE";
  else if (e.env.is_set("APP_CONFIG"))
    sclorg = "APP_CONFIG";
  else if (e.env.is_set("GUNICORN_CMD_ARGS"))
    sclorg = "GUNICORN_CMD_ARGS";
  if (!sclorg.empty() && s.server_type_origin.kind == SettingOrigin::fallback) {
    d.server = ServerId::gunicorn;
    d.server_reason = fmt::format(
        "gunicorn: the application is set up for the OpenShift Python builder ({}), "
        "which runs gunicorn, and no server type is set",
        sclorg);
    return {};
  }
  d.server = s.server_type;
  d.server_reason =
      fmt::format("{} (server type from the {})", server_name(s.server_type), s.server_type_origin.text());
  return {};
}

Result<Detection> detect_kind(const AppEnvironment& e, const NamedEntry& named, DetectDepth depth) {
  const Settings& s = e.settings;
  Detection d;
  switch (s.deploy_mode) {
    case DeployMode::full_control:
      d.kind = AppKind::full_control;
      d.notes.push_back(
          fmt::format("deploy mode {}: full control; warpdrive adds only the bind and log options, the "
                      "rest comes from .warpdrive/server_args",
                      s.deploy_mode_name()));
      return d;
    case DeployMode::shell:
      WD_TRY(detect_shell(e, d, named.script.value_or("app.sh"), "deploy mode shell"));
      return d;
    case DeployMode::python:
      WD_TRY(detect_python(e, d, named.file.value_or("app.py"), "deploy mode python"));
      return d;
    case DeployMode::django:
      if (!is_django_project(s))
        return make_error(
            fmt::format("deploy mode django: no Django project in {} (no manage.py that mentions "
                        "DJANGO_SETTINGS_MODULE)",
                        s.app_home.string()));
      WD_TRY(detect_django(e, d, depth));
      return d;
    case DeployMode::automatic:
    case DeployMode::wsgi:
      break;
  }
  bool automatic = s.deploy_mode == DeployMode::automatic;
  WD_ASSIGN(bool config, detect_gunicorn_config(e, d));
  if (config) return d;
  if (automatic) {
    if (named.script) {
      WD_ASSIGN(bool found, detect_shell(e, d, *named.script, named.script_origin));
      if (found) return d;
    } else if (named.file) {
      WD_ASSIGN(bool found, detect_python(e, d, *named.file, named.file_origin));
      if (found) return d;
    } else if (!named.any()) {
      WD_ASSIGN(bool shell, detect_shell(e, d, "app.sh", ""));
      if (shell) return d;
      // app.py is run as a program (the original's python mode) unless it
      // is only a module: no __main__ block and no server started at import
      // (app.run(...) at module level), holding a module-level ASGI
      // application, or a WSGI one of a framework (Flask, Bottle, Falcon,
      // Pyramid) that run as a program would define and exit.
      auto app_py = find_app_file(s, "app.py");
      if (app_py && is_file(*app_py)) {
        std::string source = source_text(*app_py);
        if (source_has_main_block(source) || source_starts_a_server(source)) {
          if (source_suggests_asgi(source) || source_suggests_wsgi_framework(source))
            d.notes.push_back(
                fmt::format("{} has an `if __name__ == \"__main__\":` block or starts a server when imported: run "
                            "as a program, not served as an application (remove that part, or set APP_MODULE, to "
                            "serve it)",
                            app_py->string()));
        } else {
          WD_ASSIGN(bool asgi, detect_asgi_candidate(e, d, depth, *app_py, "app"));
          if (asgi) return d;
          WD_ASSIGN(bool wsgi, detect_wsgi_candidate(e, d, depth, *app_py, "app"));
          if (wsgi) return d;
        }
      }
      WD_ASSIGN(bool python, detect_python(e, d, "app.py", ""));
      if (python) return d;
    }
  }
  if (named.module) {
    WD_TRY(detect_app_module(e, *named.module, "APP_MODULE", d, depth));
    return d;
  }
  WD_ASSIGN(auto entrypoint, fastapi_entrypoint(s));
  if (entrypoint) {
    WD_TRY(detect_app_module(e, *entrypoint, kFastapiEntrypoint, d, depth));
    return d;
  }
  if (automatic) {
    WD_ASSIGN(bool procfile, detect_procfile(e, d));
    if (procfile) return d;
  }
  if (is_django_project(s)) {
    WD_TRY(detect_django(e, d, depth));
    return d;
  }
  WD_ASSIGN(bool asgi_module, detect_asgi_module(e, d, depth));
  if (asgi_module) return d;
  WD_ASSIGN(bool wsgi, detect_wsgi_module(e, d, false, depth));
  if (wsgi) return d;
  // The files `fastapi run` looks for, in its order (app.py was decided above).
  for (const char* module : {"main", "api", "app.main", "app.app", "app.api"}) {
    auto file = find_module_file({s.app_home}, module);
    if (!file) continue;
    WD_ASSIGN(bool asgi, detect_asgi_candidate(e, d, depth, *file, module));
    if (asgi) return d;
  }
  WD_ASSIGN(bool project, detect_project_module(e, d, depth));
  if (project) return d;
  if (!automatic) WD_TRY(detect_wsgi_module(e, d, true, depth));  // the error naming the missing module
  d.kind = AppKind::default_page;
  return d;
}

}  // namespace

Result<Detection> detect_app(const AppEnvironment& e, DetectDepth depth) {
  NamedEntry named = named_entry(e);
  WD_ASSIGN(Detection d, detect_kind(e, named, depth));
  WD_TRY(choose_server(e, named, d));
  d.notes.insert(d.notes.begin(), fmt::format("deploy mode {} (from the {})", e.settings.deploy_mode_name(),
                                              e.settings.deploy_mode_origin.text()));
  d.notes.insert(d.notes.begin() + 1, "server: " + d.server_reason);
  return d;
}

Result<std::optional<std::string>> project_module_name(const AppEnvironment& e) {
  const Settings& s = e.settings;
  auto normal = [](std::string name) {
    std::replace(name.begin(), name.end(), '-', '_');
    std::replace(name.begin(), name.end(), '.', '_');
    return std::optional<std::string>(name);
  };
  fs::path pyproject = s.src_root / "pyproject.toml";
  if (is_file(pyproject)) {
    WD_ASSIGN(toml::table t, parse_toml_file(pyproject));
    if (auto n = t["project"]["name"].value<std::string>()) return normal(*n);
    if (auto n = t["tool"]["poetry"]["name"].value<std::string>()) return normal(*n);
  }
  fs::path setup_cfg = s.src_root / "setup.cfg";
  if (is_file(setup_cfg)) {
    WD_ASSIGN(std::string text, read_file(setup_cfg));
    std::istringstream in(text);
    bool metadata = false;
    for (std::string line; std::getline(in, line);) {
      std::string t = trim(line);
      if (!t.empty() && t.front() == '[')
        metadata = t == "[metadata]";
      else if (metadata && t.rfind("name", 0) == 0) {
        std::string rest = trim(std::string_view(t).substr(4));
        if (!rest.empty() && (rest[0] == '=' || rest[0] == ':')) {
          std::string value = trim(std::string_view(rest).substr(1));
          if (!value.empty()) return normal(value);
        }
      }
    }
  }
  fs::path setup_py = s.src_root / "setup.py";
  if (is_file(setup_py)) {
    // setup.py is the user's own program: run it as the OpenShift builder does.
    fs::path python = s.has_virtualenv() ? s.app_root / "bin" / "python" : fs::path("python3");
    ProcessSpec spec{{python.string(), "setup.py", "--name"}, e.env, s.src_root, {}, s.debug};
    auto out = run_capture(spec);
    if (out && out->exit_status == 0) {
      std::string last;
      std::istringstream in(out->out);
      for (std::string line; std::getline(in, line);)
        if (!trim(line).empty()) last = trim(line);
      if (!last.empty() && last != "UNKNOWN") return normal(last);
    }
  }
  return std::optional<std::string>{};
}

}  // namespace wd
