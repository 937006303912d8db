#include "build_record.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace wd {

fs::path build_record_path(const fs::path& app_root) { return app_root / "markers" / "build.json"; }

Result<std::optional<BuildRecord>> load_build_record(const fs::path& app_root) {
  fs::path path = build_record_path(app_root);
  WD_ASSIGN(auto text, read_file_if_exists(path));
  if (!text) return std::optional<BuildRecord>{};
  try {
    auto j = nlohmann::json::parse(*text);
    BuildRecord r;
    r.version = j.value("version", 1);
    r.dependency_digest = j.value("dependency_digest", "");
    r.source_digest = j.value("source_digest", "");
    r.server_type = j.value("server_type", "");
    r.deploy_mode = j.value("deploy_mode", "");
    r.app_home = j.value("app_home", "");
    if (j.contains("django") && j["django"].is_object()) {
      const auto& d = j["django"];
      r.django = DjangoFacts{d.value("settings_module", ""), d.value("wsgi_application", ""), d.value("static_url", ""),
                             d.value("static_root", ""), d.value("asgi_application", "")};
    }
    return std::optional<BuildRecord>(std::move(r));
  } catch (const nlohmann::json::exception& e) {
    return make_error(
        fmt::format("{}: malformed build record ({}); run warpdrive build again", path.string(), e.what()));
  }
}

Status save_build_record(const fs::path& app_root, const BuildRecord& r) {
  nlohmann::ordered_json j;
  j["version"] = r.version;
  j["dependency_digest"] = r.dependency_digest;
  j["source_digest"] = r.source_digest;
  j["server_type"] = r.server_type;
  j["deploy_mode"] = r.deploy_mode;
  j["app_home"] = r.app_home.string();
  if (r.django) {
    j["django"] = {{"settings_module", r.django->settings_module},
                   {"wsgi_application", r.django->wsgi_application},
                   {"static_url", r.django->static_url},
                   {"static_root", r.django->static_root},
                   {"asgi_application", r.django->asgi_application}};
  } else {
    j["django"] = nullptr;
  }
  WD_TRY(make_dirs(app_root / "markers"));
  std::string text;
  try {
    text = j.dump(2) + "\n";
  } catch (const nlohmann::json::type_error&) {
    // JSON holds only UTF-8; a path in another encoding cannot be recorded faithfully.
    return make_error(fmt::format("cannot write {}: a path or setting in it is not valid UTF-8 (APP_HOME {})",
                                  build_record_path(app_root).string(), r.app_home.string()));
  }
  return write_file_atomic(build_record_path(app_root), text);
}

}  // namespace wd
