// Internal to the gunicorn, uWSGI and Waitress planners (start/servers.cpp).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "start/plan.hpp"
#include "start/python_site.hpp"

namespace wd {

// How the server reaches the application: "module:callable" directly, or the
// generated WhiteNoise wrapper when there are static mounts.
struct AppEntry {
  std::string spec;                                         // "mysite.wsgi:application"
  std::vector<GeneratedFile> files;                         // the wrapper module, when used
  std::vector<std::pair<std::string, std::string>> env;     // its settings and PYTHONPATH
};

// input.target must be set. `site`: the application's Python, to check that
// WhiteNoise is importable (an error naming the Debian package when not).
Result<AppEntry> app_entry(const ServerInput& input, const std::optional<PythonSite>& site);
void apply_entry(LaunchPlan& plan, AppEntry entry);

// "workers: <what>, sized from <reason>" or "workers: <what> (<reason>)" when the user chose.
std::string sizing_note(const WorkerSizing& workers, std::string_view what);

}  // namespace wd
