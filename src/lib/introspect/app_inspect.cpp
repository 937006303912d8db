#include "introspect/app_inspect.hpp"

#include <sys/stat.h>
#include <regex>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "embedded.hpp"
#include "introspect/django.hpp"
#include "process.hpp"

namespace wd {

namespace {

constexpr std::string_view kHelper = "warpdrive_app_inspect.py";
constexpr std::string_view kLoader = "warpdrive_app_loader.py";

fs::path helper_dir(const Settings& s) { return s.app_root / "tmp" / "warpdrive"; }
fs::path cache_path(const Settings& s) { return helper_dir(s) / "app-inspect.json"; }

// What makes a cached answer valid: the module's file as it is now and the
// interpreter that imported it. Empty when the file cannot be stat'ed.
std::string cache_key(const std::string& python, const std::string& module, const fs::path& script,
                      const std::string& callable, const std::string& preferred) {
  struct stat st {};
  if (::stat(script.c_str(), &st) != 0) return "";
  return fmt::format("{}|{}|{}|{}|{}|{}|{}.{}", python, module, callable, preferred, script.string(),
                     static_cast<long long>(st.st_size), static_cast<long long>(st.st_mtim.tv_sec),
                     static_cast<long long>(st.st_mtim.tv_nsec));
}

nlohmann::json load_cache(const Settings& s) {
  auto text = read_file_if_exists(cache_path(s));
  if (!text || !*text) return nlohmann::json::object();
  auto j = nlohmann::json::parse(**text, nullptr, false);
  return j.is_object() ? j : nlohmann::json::object();
}

// Best effort: a tree another user prepared may be read-only for this UID,
// and then start simply inspects again next time.
void save_cache(const Settings& s, const std::string& key, const std::string& answer) {
  if (key.empty()) return;
  nlohmann::json cache = load_cache(s);
  if (cache.size() > 64) cache = nlohmann::json::object();
  cache[key] = answer;
  if (!make_dirs(helper_dir(s))) return;
  (void)write_file_atomic(cache_path(s), cache.dump(1) + "\n", 0664);
}

// The helper and the target loader it imports (warpdrive_app_loader.py, for
// factory calls), written beside each other when they differ from this binary's.
Result<fs::path> install_helper(const Settings& s) {
  for (std::string_view name : {kLoader, kHelper}) {
    auto text = embedded_file(name);
    if (!text) return make_error(fmt::format("internal error: {} is not embedded in this binary", name));
    fs::path path = helper_dir(s) / std::string(name);
    auto current = read_file_if_exists(path);
    if (current && *current && **current == *text) continue;
    WD_TRY(make_dirs(helper_dir(s)));
    WD_TRY(write_file_atomic(path, *text, 0664));
  }
  return helper_dir(s) / std::string(kHelper);
}

}  // namespace

Result<AppInspection> parse_app_inspection(const std::string& json_text) {
  try {
    auto j = nlohmann::json::parse(json_text);
    AppInspection a;
    a.callable = j.at("callable").get<std::string>();
    a.protocol = j.at("protocol").get<std::string>();
    a.kind = j.at("kind").get<std::string>();
    a.why = j.at("why").get<std::string>();
    if (a.protocol != "" && a.protocol != "asgi" && a.protocol != "wsgi")
      return make_error(fmt::format("the inspector reported protocol '{}'", a.protocol));
    return a;
  } catch (const nlohmann::json::exception& e) {
    return make_error(fmt::format("the inspector reported no usable answer ({})", e.what()));
  }
}

Result<AppInspection> inspect_app(const AppEnvironment& e, const std::string& module, const fs::path& script,
                                  const std::string& callable, const std::string& preferred) {
  const Settings& s = e.settings;
  std::string python = app_python(e);
  std::string key = cache_key(python, module, script, callable, preferred);
  if (!key.empty()) {
    nlohmann::json cache = load_cache(s);
    if (cache.contains(key) && cache[key].is_string()) {
      auto cached = parse_app_inspection(cache[key].get<std::string>());
      if (cached) {
        cached->cached = true;
        return cached;
      }
    }
  }
  WD_ASSIGN(fs::path helper, install_helper(s));
  ProcessSpec spec;
  spec.argv = {python, helper.string(), module, callable, preferred};
  spec.env = e.env;
  spec.cwd = s.app_home;
  spec.trace = s.debug;
  WD_ASSIGN(Captured captured, run_capture(spec, 3));
  if (captured.exit_status == 1)
    return make_error(
        fmt::format("importing {} ({}) failed: the traceback is above (start serves nothing rather "
                    "than a server that answers 500)",
                    module, script.string()));
  if (captured.exit_status != 0)
    return make_error(
        fmt::format("cannot tell which application {} ({}) holds (Python's message is above; exit "
                    "status {})",
                    module, script.string(), captured.exit_status));
  auto answer = parse_app_inspection(captured.out);
  if (!answer) return std::move(answer).error().context(fmt::format("inspecting {}", module));
  save_cache(s, key, captured.out);
  return answer;
}

bool source_suggests_asgi(std::string_view source) {
  static const std::regex framework(
      R"((^|\n)\s*(from|import)\s+(fastapi|starlette|quart|litestar|sanic|blacksheep|channels|django\.core\.asgi|falcon\.asgi)\b)");
  static const std::regex raw(R"(async\s+def\s+\w+\s*\(\s*(self\s*,\s*)?scope\s*,\s*receive\s*,\s*send\s*\))");
  std::string text(source);
  return std::regex_search(text, framework) || std::regex_search(text, raw);
}

bool source_suggests_wsgi_framework(std::string_view source) {
  static const std::regex framework(R"((^|\n)\s*(from|import)\s+(flask|bottle|falcon|pyramid)\b)");
  return std::regex_search(std::string(source), framework);
}

bool source_starts_a_server(std::string_view source) {
  // Unindented, so at module level: app.run(...), uvicorn.run(...),
  // web.run_app(...), serve(app), run_simple(...), make_server(...).
  static const std::regex call(
      R"((^|\n)([A-Za-z_][\w.]*\.(run|run_app|serve_forever)|serve|run_simple|make_server)\s*\()");
  return std::regex_search(std::string(source), call);
}

bool source_has_main_block(std::string_view source) {
  static const std::regex main_block(R"((^|\n)if\s+__name__\s*==\s*['"]__main__['"]\s*:)");
  return std::regex_search(std::string(source), main_block);
}

}  // namespace wd
