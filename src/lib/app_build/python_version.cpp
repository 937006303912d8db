#include "app_build/python_version.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <toml++/toml.h>
#include <nlohmann/json.hpp>

#include "process.hpp"

namespace wd {

namespace {

// The release numbers of a version: "3.12.1rc1" -> {3, 12, 1}. Empty when it
// does not start with a number.
std::vector<int> release(std::string_view v) {
  std::vector<int> out;
  size_t i = 0;
  while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) {
    int n = 0;
    while (i < v.size() && std::isdigit(static_cast<unsigned char>(v[i]))) n = n * 10 + (v[i++] - '0');
    out.push_back(n);
    if (i + 1 < v.size() && v[i] == '.' && std::isdigit(static_cast<unsigned char>(v[i + 1])))
      ++i;
    else
      break;
  }
  return out;
}

bool is_plain_version(std::string_view v) {
  if (v.empty() || !std::isdigit(static_cast<unsigned char>(v[0]))) return false;
  return std::all_of(v.begin(), v.end(),
                     [](char c) { return std::isdigit(static_cast<unsigned char>(c)) || c == '.'; }) &&
         v.back() != '.';
}

int compare(std::vector<int> a, std::vector<int> b) {
  size_t n = std::max(a.size(), b.size());
  a.resize(n, 0);
  b.resize(n, 0);
  return a < b ? -1 : (a == b ? 0 : 1);
}

bool prefix_equal(const std::vector<int>& version, const std::vector<int>& prefix) {
  for (size_t i = 0; i < prefix.size(); ++i)
    if ((i < version.size() ? version[i] : 0) != prefix[i]) return false;
  return true;
}

// One PEP 440 clause ("<3.13", "==3.12.*", "~=3.10") against a version.
std::optional<bool> clause_satisfied(std::string clause, const std::vector<int>& v) {
  clause.erase(std::remove_if(clause.begin(), clause.end(), [](char c) { return c == ' ' || c == '\t'; }),
               clause.end());
  static const std::string_view kOps[] = {"===", "~=", "==", "!=", "<=", ">=", "<", ">"};
  std::string_view op;
  for (auto o : kOps)
    if (clause.rfind(o, 0) == 0) {
      op = o;
      break;
    }
  if (op.empty()) return std::nullopt;
  std::string rest = clause.substr(op.size());
  bool wildcard = rest.size() > 2 && rest.compare(rest.size() - 2, 2, ".*") == 0;
  if (wildcard) rest.resize(rest.size() - 2);
  if (!is_plain_version(rest)) return std::nullopt;
  std::vector<int> target = release(rest);
  if (wildcard) {
    if (op == "==") return prefix_equal(v, target);
    if (op == "!=") return !prefix_equal(v, target);
    return std::nullopt;
  }
  int c = compare(v, target);
  if (op == "==" || op == "===") return c == 0;
  if (op == "!=") return c != 0;
  if (op == "<=") return c <= 0;
  if (op == ">=") return c >= 0;
  if (op == "<") return c < 0;
  if (op == ">") return c > 0;
  // ~=X.Y.Z: >= X.Y.Z and == X.Y.*
  if (target.size() < 2) return std::nullopt;
  std::vector<int> prefix(target.begin(), target.end() - 1);
  return c >= 0 && prefix_equal(v, prefix);
}

// The first line of a file that is neither empty nor a comment.
std::string first_line(const std::string& text) {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    std::string t = trim(line);
    if (!t.empty() && t[0] != '#') return t;
  }
  return "";
}

// "python-3.12.1", "cpython-3.12", "python3.12", "3.12" -> "3.12..."; other text as is.
std::string strip_python_prefix(std::string v) {
  for (std::string_view p : {"python-", "cpython-", "cpython@", "python@", "python"})
    if (v.rfind(p, 0) == 0 && v.size() > p.size() && std::isdigit(static_cast<unsigned char>(v[p.size()])))
      return v.substr(p.size());
  return v;
}

Result<PythonRequest> version_request(std::string value, std::string origin, const fs::path& file) {
  std::string v = strip_python_prefix(trim(value));
  if (!is_plain_version(v))
    return make_error(
        fmt::format("{}: '{}' is not a Python version (expected one like 3.12 or 3.12.1)", file.string(), trim(value)));
  return PythonRequest{v, std::move(origin)};
}

// version_request, as the answer of read_python_request.
Result<std::optional<PythonRequest>> found_request(std::string value, std::string origin, const fs::path& file) {
  WD_ASSIGN(PythonRequest r, version_request(std::move(value), std::move(origin), file));
  return std::optional<PythonRequest>{std::move(r)};
}

// The first line of `file` that is neither empty nor a comment; "" without the file.
Result<std::string> first_line_of(const fs::path& file) {
  WD_ASSIGN(auto text, read_file_if_exists(file));
  return text ? first_line(*text) : std::string();
}

struct Probe {
  std::string version;     // "3.11.2"
  std::string executable;  // sys.executable: the interpreter itself, not a shim
};

// Asks an interpreter for its version and its real path; nullopt when it does
// not run (a pyenv shim for a version that is not selected fails, for
// example). A pyenv shim picks its version from the working directory's
// .python-version, so the real path is what the virtualenv is made with.
std::optional<Probe> probe(const std::string& program, const EnvVars& env) {
  int devnull = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
  ProcessSpec spec{{program, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3]); print(sys.executable)"},
                   env,
                   {},
                   {},
                   false};
  if (devnull >= 0) spec.redirects.push_back({2, devnull});
  spec.env.unset("PYTHONHOME");
  auto out = run_capture(spec);
  if (devnull >= 0) ::close(devnull);
  if (!out || out->exit_status != 0) return std::nullopt;
  std::string text = trim(out->out);
  auto nl = text.find('\n');
  if (nl == std::string::npos) return std::nullopt;
  Probe p{trim(text.substr(0, nl)), trim(text.substr(nl + 1))};
  if (release(p.version).size() != 3 || p.executable.empty()) return std::nullopt;
  return p;
}

std::optional<std::string> probe_version(const std::string& program, const EnvVars& env) {
  auto p = probe(program, env);
  if (!p) return std::nullopt;
  return p->version;
}

std::vector<fs::path> path_dirs(const EnvVars& env) {
  std::vector<fs::path> out;
  std::string path = env.get_or("PATH", "/usr/local/bin:/usr/bin:/bin");
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    if (end > start) out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

struct Candidate {
  std::string program;  // as found
  std::string version;
  std::string executable;  // its sys.executable
};

// Every interpreter on PATH (python3, python3.N) and under pyenv's versions
// directory, each once (by its resolved file), with its version.
std::vector<Candidate> candidates(const EnvVars& env) {
  std::vector<std::string> programs;
  auto add_executables = [&](const fs::path& dir) {
    std::vector<std::string> names;
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    while (dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n == "python3" || (n.rfind("python3.", 0) == 0 && is_plain_version(n.substr(6)))) names.push_back(n);
    }
    ::closedir(d);
    std::sort(names.begin(), names.end());
    for (const auto& n : names)
      if (is_executable_file(dir / n)) programs.push_back((dir / n).string());
  };
  for (const auto& dir : path_dirs(env)) add_executables(dir);
  fs::path pyenv =
      env.has("PYENV_ROOT") ? fs::path(env.get_or("PYENV_ROOT", "")) : fs::path(env.get_or("HOME", "/root")) / ".pyenv";
  std::vector<std::string> versions;
  if (DIR* d = ::opendir((pyenv / "versions").c_str())) {
    while (dirent* e = ::readdir(d))
      if (e->d_name[0] != '.') versions.emplace_back(e->d_name);
    ::closedir(d);
  }
  std::sort(versions.begin(), versions.end());
  for (const auto& v : versions) {
    fs::path p = pyenv / "versions" / v / "bin" / "python3";
    if (is_executable_file(p)) programs.push_back(p.string());
  }
  std::vector<Candidate> out;
  std::set<std::string> seen;
  for (const auto& p : programs) {
    std::error_code ec;
    fs::path real = fs::canonical(p, ec);
    // pyenv shims are one script for every version: tell them apart by name.
    std::string key = (ec ? fs::path(p) : real).string();
    if (real.filename() != fs::path(p).filename() && real.string().find("/shims/") != std::string::npos) key = p;
    if (!seen.insert(key).second) continue;
    if (auto v = probe(p, env)) out.push_back({p, v->version, v->executable});
  }
  return out;
}

}  // namespace

Result<std::optional<PythonRequest>> read_python_request(const fs::path& src_root) {
  // .python-version: pyenv's and uv's file; "system" asks for nothing in particular.
  fs::path pv = src_root / ".python-version";
  WD_ASSIGN(std::string line, first_line_of(pv));
  if (line == "system") return std::optional<PythonRequest>{};
  if (!line.empty()) return found_request(line, ".python-version", pv);
  // runtime.txt: Heroku's "python-3.12.1".
  fs::path rt = src_root / "runtime.txt";
  WD_ASSIGN(line, first_line_of(rt));
  if (!line.empty()) return found_request(line, "runtime.txt", rt);
  // .tool-versions: asdf/mise, "python 3.12.1 [more versions]".
  fs::path tv = src_root / ".tool-versions";
  WD_ASSIGN(auto text, read_file_if_exists(tv));
  if (text) {
    std::istringstream in(*text);
    for (std::string entry; std::getline(in, entry);) {
      std::istringstream words(entry.substr(0, entry.find('#')));
      std::string tool, version;
      if (words >> tool >> version && tool == "python") {
        if (version == "system") break;
        return found_request(version, ".tool-versions", tv);
      }
    }
  }
  // Pipfile.lock: {"_meta": {"requires": {"python_version": "3.12"}}}.
  fs::path pl = src_root / "Pipfile.lock";
  WD_ASSIGN(text, read_file_if_exists(pl));
  if (text) {
    auto json = nlohmann::json::parse(*text, nullptr, false);
    if (json.is_discarded()) return make_error(fmt::format("{}: not valid JSON", pl.string()));
    const auto* requires_ =
        json.is_object() && json.contains("_meta") && json["_meta"].is_object() && json["_meta"].contains("requires")
            ? &json["_meta"]["requires"]
            : nullptr;
    if (requires_ && requires_->is_object()) {
      for (const char* key : {"python_full_version", "python_version"})
        if (requires_->contains(key) && (*requires_)[key].is_string()) {
          std::string value = (*requires_)[key].get<std::string>();
          std::string where = fmt::format("Pipfile.lock {}", key);
          return found_request(value, where, pl);
        }
    }
  }
  // pyproject.toml: [project] requires-python, a specifier set.
  fs::path pp = src_root / "pyproject.toml";
  WD_ASSIGN(text, read_file_if_exists(pp));
  if (text) {
    try {
      toml::table table = toml::parse(*text, pp.string());
      if (auto rp = table["project"]["requires-python"].value<std::string>()) {
        PythonRequest r{trim(*rp), "pyproject.toml requires-python"};
        if (!r.spec.empty()) {
          WD_TRY(python_satisfies(r, "3.0.0"));  // an unreadable specifier is an error now
          return std::optional<PythonRequest>{r};
        }
      }
    } catch (const toml::parse_error& e) {
      return make_error(fmt::format("{}:{}:{}: not valid TOML: {}", pp.string(), e.source().begin.line,
                                    e.source().begin.column, e.description()));
    }
  }
  return std::optional<PythonRequest>{};
}

Result<bool> python_satisfies(const PythonRequest& request, std::string_view version) {
  std::vector<int> v = release(version);
  if (is_plain_version(request.spec)) return prefix_equal(v, release(request.spec));
  std::string clause;
  std::istringstream in(request.spec);
  bool all = true;
  while (std::getline(in, clause, ',')) {
    auto ok = clause_satisfied(clause, v);
    if (!ok)
      return make_error(fmt::format("{}: '{}' is not a version specifier this build understands (like >=3.10,<3.13)",
                                    request.origin, trim(clause)));
    all = all && *ok;
  }
  return all;
}

std::string pyvenv_version(std::string_view cfg) {
  std::istringstream in{std::string(cfg)};
  for (std::string line; std::getline(in, line);) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string key = trim(std::string_view(line).substr(0, eq));
    if (key == "version" || key == "version_info") return trim(std::string_view(line).substr(eq + 1));
  }
  return "";
}

Result<PythonChoice> choose_python(const EnvVars& env, const std::optional<PythonRequest>& request) {
  if (!request) {
    if (env.is_set("WARPDRIVE_PYTHON")) return PythonChoice{env.get_or("WARPDRIVE_PYTHON", ""), "", "WARPDRIVE_PYTHON"};
    return PythonChoice{"python3", "", "the default python3 (the application asks for no version)"};
  }
  if (env.is_set("WARPDRIVE_PYTHON")) {
    std::string python = env.get_or("WARPDRIVE_PYTHON", "");
    auto v = probe_version(python, env);
    if (!v)
      return make_error(fmt::format("WARPDRIVE_PYTHON is '{}', which does not run as a Python interpreter", python));
    WD_ASSIGN(bool ok, python_satisfies(*request, *v));
    if (!ok)
      return make_error(
          fmt::format("the application asks for Python {}, and WARPDRIVE_PYTHON={} is Python {}; "
                      "point WARPDRIVE_PYTHON at a matching interpreter, or unset it to let "
                      "warpdrive look for one",
                      request->text(), python, *v));
    return PythonChoice{python, *v, fmt::format("WARPDRIVE_PYTHON, Python {} for {}", *v, request->text())};
  }
  // The default first: when it matches, nothing else is asked.
  if (auto v = probe("python3", env)) {
    WD_ASSIGN(bool ok, python_satisfies(*request, v->version));
    if (ok)
      return PythonChoice{v->executable, v->version,
                          fmt::format("python3 ({}) is Python {}, for {}", v->executable, v->version, request->text())};
  }
  std::vector<Candidate> found = candidates(env);
  const Candidate* best = nullptr;
  for (const auto& c : found) {
    WD_ASSIGN(bool ok, python_satisfies(*request, c.version));
    if (ok && (!best || compare(release(c.version), release(best->version)) > 0)) best = &c;
  }
  if (best)
    return PythonChoice{
        best->executable, best->version,
        fmt::format("{} ({}) is Python {}, for {}", best->program, best->executable, best->version, request->text())};
  std::vector<std::string> available;
  for (const auto& c : found) available.push_back(fmt::format("{} ({})", c.program, c.version));
  return make_error(
      fmt::format("the application asks for Python {}, and no interpreter here matches; found: {}; "
                  "install a matching Python, or set WARPDRIVE_PYTHON to one",
                  request->text(), available.empty() ? "none" : fmt::format("{}", fmt::join(available, ", "))));
}

}  // namespace wd
