// The build record: what `build` learned about the application and what
// `start` needs, so that start does not have to boot Django to find it.
// Stored as JSON at $APP_ROOT/markers/build.json, written atomically, and only
// after a successful build.
#pragma once

#include <optional>
#include <string>

#include "error.hpp"
#include "fsutil.hpp"

namespace wd {

struct DjangoFacts {
  std::string settings_module;   // DJANGO_SETTINGS_MODULE, e.g. "mysite.settings"
  std::string wsgi_application;  // settings.WSGI_APPLICATION, e.g. "mysite.wsgi.application"
  std::string static_url;        // settings.STATIC_URL, e.g. "/static/"
  std::string static_root;       // the resolved STATIC_ROOT collectstatic wrote to (absolute)
  std::string asgi_application;  // settings.ASGI_APPLICATION (Channels sets it), "" when unset
};

struct BuildRecord {
  int version = 1;
  std::string dependency_digest;  // digest of every dependency input (see build)
  std::string source_digest;      // digest of the source tree (see build)
  std::string server_type;        // WARPDRIVE_SERVER_TYPE at build time
  std::string deploy_mode;        // WARPDRIVE_DEPLOY_MODE at build time
  fs::path app_home;              // WARPDRIVE_APP_HOME at build time
  std::optional<DjangoFacts> django;
};

fs::path build_record_path(const fs::path& app_root);

// nullopt when there is no record (never built); an unreadable or malformed
// record is an error naming the file.
Result<std::optional<BuildRecord>> load_build_record(const fs::path& app_root);
Status save_build_record(const fs::path& app_root, const BuildRecord& record);

}  // namespace wd
