// The virtualenv step of the build plan: whether APP_ROOT's virtualenv is
// made (or made again for another Python), and with which interpreter.
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "app_build/plan.hpp"

namespace wd {

namespace {

// PATH without the virtualenv's bin directory: the virtualenv being replaced is no candidate.
std::string path_without(const EnvVars& env, const fs::path& dir) {
  std::vector<std::string> kept;
  std::istringstream dirs(env.get_or("PATH", ""));
  for (std::string d; std::getline(dirs, d, ':');)
    if (d != dir.string()) kept.push_back(d);
  return fmt::format("{}", fmt::join(kept, ":"));
}

}  // namespace

Result<VenvPlan> plan_virtualenv(const AppEnvironment& e) {
  VenvPlan v;
  const Settings& s = e.settings;
  WD_ASSIGN(v.request, read_python_request(s.src_root));
  v.create = !s.has_virtualenv();
  if (!v.create && v.request) {
    // An existing virtualenv of another Python than the one asked for is made again.
    WD_ASSIGN(auto cfg, read_file_if_exists(s.app_root / "pyvenv.cfg"));
    std::string version = cfg ? pyvenv_version(*cfg) : "";
    if (!version.empty()) {
      WD_ASSIGN(bool ok, python_satisfies(*v.request, version));
      if (!ok) {
        v.create = v.recreate = true;
        v.recreate_reason = fmt::format("its Python {} does not match {}", version, v.request->text());
      }
    }
  }
  std::string python = e.env.get_or("WARPDRIVE_PYTHON", "python3");
  if (v.create) {
    EnvVars search = e.env;
    search.set("PATH", path_without(e.env, s.app_root / "bin"));
    WD_ASSIGN(PythonChoice choice, choose_python(search, v.request));
    python = choice.python;
    v.python_why = choice.why;
  }
  v.argv = {python, "-m", "venv"};
  if (e.env.is_set("WARPDRIVE_SYSTEM_SITE_PACKAGES")) v.argv.push_back("--system-site-packages");
  v.argv.push_back(s.app_root.string());
  return v;
}

}  // namespace wd
