#include "introspect/python_site.hpp"

#include <algorithm>
#include <sstream>

#include <fmt/format.h>

namespace wd {

namespace {

// "3.11" from "3.11.2".
std::string major_minor(std::string_view version) {
  size_t dot = version.find('.');
  if (dot == std::string_view::npos) return std::string(version);
  size_t dot2 = version.find('.', dot + 1);
  return std::string(version.substr(0, dot2));
}

// Version from an interpreter's resolved name: /usr/bin/python3.11 -> "3.11".
std::string version_from_name(const fs::path& interpreter) {
  std::error_code ec;
  fs::path real = fs::canonical(interpreter, ec);
  std::string name = (ec ? interpreter : real).filename().string();
  if (name.rfind("python", 0) == 0 && name.size() > 6) return major_minor(name.substr(6));
  return "";
}

void add_dir(std::vector<fs::path>& dirs, const fs::path& dir) {
  if (is_dir(dir) && std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
}

// The directories of an installation under `prefix` (/usr, /root/.pyenv/versions/3.11.7).
void add_base_dirs(std::vector<fs::path>& dirs, const fs::path& prefix, const std::string& version) {
  std::vector<std::string> versions;
  if (!version.empty()) {
    versions.push_back("python" + version);
  } else {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(prefix / "lib", ec))
      if (e.path().filename().string().rfind("python3.", 0) == 0) versions.push_back(e.path().filename().string());
  }
  for (const auto& v : versions) {
    add_dir(dirs, prefix / "local" / "lib" / v / "dist-packages");
    add_dir(dirs, prefix / "lib" / v / "site-packages");
    add_dir(dirs, prefix / "lib" / v / "dist-packages");
  }
  add_dir(dirs, prefix / "lib" / "python3" / "dist-packages");
}

// Directories named by the .pth files of a site-packages directory (editable installs).
void add_pth_dirs(std::vector<fs::path>& dirs, const fs::path& site) {
  std::error_code ec;
  std::vector<fs::path> pths;
  for (const auto& e : fs::directory_iterator(site, ec))
    if (e.path().extension() == ".pth") pths.push_back(e.path());
  std::sort(pths.begin(), pths.end());
  for (const auto& pth : pths) {
    auto text = read_file_if_exists(pth);
    if (!text || !*text) continue;
    std::istringstream in(**text);
    for (std::string line; std::getline(in, line);) {
      line = trim(line);
      if (line.empty() || line[0] == '#' || line.rfind("import", 0) == 0) continue;
      fs::path p = line;
      add_dir(dirs, p.is_absolute() ? p : site / p);
    }
  }
}

}  // namespace

std::optional<PythonSite> virtualenv_site(const fs::path& app_root) {
  auto cfg = read_file_if_exists(app_root / "pyvenv.cfg");
  if (!cfg || !*cfg) return std::nullopt;
  std::string home, version;
  bool system_site = false;
  std::istringstream in(**cfg);
  for (std::string line; std::getline(in, line);) {
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(line.substr(0, eq)), value = trim(line.substr(eq + 1));
    if (key == "home") home = value;
    if (key == "version" || key == "version_info") version = major_minor(value);
    if (key == "include-system-site-packages") system_site = value == "true";
  }
  PythonSite site;
  site.interpreter = app_root / "bin" / "python";
  std::vector<fs::path> venv_sites;
  if (!version.empty()) {
    venv_sites.push_back(app_root / "lib" / ("python" + version) / "site-packages");
  } else {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(app_root / "lib", ec)) venv_sites.push_back(e.path() / "site-packages");
  }
  for (const auto& s : venv_sites) {
    add_dir(site.module_dirs, s);
    add_pth_dirs(site.module_dirs, s);
  }
  if (system_site && !home.empty()) {
    if (version.empty()) version = version_from_name(fs::path(home) / "python3");
    add_base_dirs(site.module_dirs, fs::path(home).parent_path(), version);
  }
  return site;
}

std::optional<PythonSite> script_site(const fs::path& script) {
  auto text = read_file_if_exists(script);
  if (!text || !*text || (*text)->rfind("#!", 0) != 0) return std::nullopt;
  std::string_view first = std::string_view(**text).substr(2);
  first = first.substr(0, first.find('\n'));
  std::string line = trim(first);
  std::string interpreter = line.substr(0, line.find_first_of(" \t"));
  if (interpreter.empty() || interpreter[0] != '/') return std::nullopt;
  if (fs::path(interpreter).filename() == "env") return std::nullopt;  // #!/usr/bin/env python3: unknown
  PythonSite site;
  site.interpreter = interpreter;
  add_base_dirs(site.module_dirs, fs::path(interpreter).parent_path().parent_path(), version_from_name(interpreter));
  return site;
}

bool has_module(const PythonSite& site, std::string_view name) {
  std::string n(name);
  for (const auto& dir : site.module_dirs) {
    if (is_file(dir / n / "__init__.py") || is_file(dir / (n + ".py")) || is_dir(dir / n)) return true;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) {
      std::string f = e.path().filename().string();
      if (f.size() > n.size() + 1 && f.compare(0, n.size() + 1, n + ".") == 0 && e.path().extension() == ".so")
        return true;
    }
  }
  return false;
}

std::optional<fs::path> find_module_file(const std::vector<fs::path>& dirs, std::string_view name) {
  std::string rel(name);
  std::replace(rel.begin(), rel.end(), '.', '/');
  for (const auto& dir : dirs) {
    if (is_file(dir / (rel + ".py"))) return dir / (rel + ".py");
    if (is_file(dir / rel / "__init__.py")) return dir / rel / "__init__.py";
  }
  return std::nullopt;
}

bool is_dotted_name(std::string_view name) {
  if (name.empty()) return false;
  bool start = true;
  for (char c : name) {
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (c == '.') {
      if (start) return false;
      start = true;
    } else if (alpha || (digit && !start)) {
      start = false;
    } else {
      return false;
    }
  }
  return !start;
}

}  // namespace wd
