#include "introspect/django.hpp"

#include <unistd.h>
#include <cerrno>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "embedded.hpp"
#include "process.hpp"

namespace wd {

namespace {

constexpr std::string_view kHelper = "warpdrive_django.py";
constexpr std::string_view kSettingsWrapper = "warpdrive_django_settings.py";

// Writes the embedded helper and settings wrapper into $APP_ROOT/tmp/warpdrive
// and returns the helper's path.
Result<fs::path> install_helpers(const Settings& s) {
  fs::path dir = s.app_root / "tmp" / "warpdrive";
  WD_TRY(make_dirs(dir));
  for (std::string_view name : {kHelper, kSettingsWrapper}) {
    auto text = embedded_file(name);
    if (!text) return make_error(fmt::format("internal error: {} is not embedded in this binary", name));
    fs::path path = dir / std::string(name);
    // Rewrite only when different, so a read-only or shared tmp/ is left alone.
    auto current = read_file_if_exists(path);
    if (current && *current && **current == *text) continue;
    WD_TRY(write_file_atomic(path, *text, 0664));
  }
  return dir / std::string(kHelper);
}

// Runs the helper in `mode`; its facts come back on descriptor 3.
Result<DjangoFacts> run_helper(const AppEnvironment& environment, std::string_view mode) {
  const Settings& s = environment.settings;
  WD_ASSIGN(fs::path helper, install_helpers(s));
  ProcessSpec spec;
  spec.argv = {app_python(environment), helper.string(), std::string(mode)};
  spec.env = environment.env;
  spec.cwd = s.app_home;
  spec.trace = s.debug;
  WD_ASSIGN(Captured captured, run_capture(spec, 3));
  const std::string& out = captured.out;
  int status = captured.exit_status;
  fs::path manage = s.app_home / "manage.py";
  if (status != 0) {
    if (mode == "collectstatic")
      return make_error(
          fmt::format("Django collectstatic for {} failed with exit status {} (Django's message is "
                      "above; set DISABLE_COLLECTSTATIC=1 to skip it)",
                      manage.string(), status));
    return make_error(
        fmt::format("cannot read the Django settings of {}: Python exited with status {} "
                    "(Django's message is above)",
                    manage.string(), status));
  }
  auto facts = parse_django_facts(out);
  if (!facts)
    return std::move(facts).error().context(fmt::format("reading the Django settings of {}", manage.string()));
  return facts;
}

}  // namespace

bool is_django_project(const Settings& settings) {
  auto text = read_file_if_exists(settings.app_home / "manage.py");
  return text && *text && (*text)->find("DJANGO_SETTINGS_MODULE") != std::string::npos;
}

std::string app_python(const AppEnvironment& environment) {
  const Settings& s = environment.settings;
  if (s.has_virtualenv() && is_executable_file(s.app_root / "bin" / "python"))
    return (s.app_root / "bin" / "python").string();
  return environment.env.get_or("WARPDRIVE_PYTHON", "python3");
}

Result<DjangoFacts> parse_django_facts(const std::string& json_text) {
  try {
    auto j = nlohmann::json::parse(json_text);
    if (!j.is_object()) return make_error("the helper did not report a JSON object");
    DjangoFacts f;
    f.settings_module = j.at("settings_module").get<std::string>();
    f.wsgi_application = j.at("wsgi_application").get<std::string>();
    f.static_url = j.at("static_url").get<std::string>();
    f.static_root = j.at("static_root").get<std::string>();
    f.asgi_application = j.value("asgi_application", "");
    return f;
  } catch (const nlohmann::json::exception& e) {
    return make_error(fmt::format("the helper reported no usable facts ({})", e.what()));
  }
}

Result<DjangoFacts> introspect_django(const AppEnvironment& environment) { return run_helper(environment, "facts"); }

Result<DjangoFacts> collect_static(const AppEnvironment& environment) {
  return run_helper(environment, "collectstatic");
}

}  // namespace wd
