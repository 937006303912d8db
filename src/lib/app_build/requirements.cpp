#include "app_build/requirements.hpp"

#include <algorithm>
#include <optional>
#include <sstream>

namespace wd {

namespace {

// The value after -r/-c style options on one requirements line, if any.
std::optional<std::string> include_target(const std::string& line) {
  static const std::string_view kShort[] = {"-r", "-c"};
  static const std::string_view kLong[] = {"--requirement", "--constraint"};
  std::string s = trim(line);
  for (auto opt : kLong) {
    if (s.rfind(opt, 0) == 0) {
      std::string rest = s.substr(opt.size());
      if (!rest.empty() && (rest[0] == '=' || rest[0] == ' ' || rest[0] == '\t')) return trim(rest.substr(1));
    }
  }
  for (auto opt : kShort) {
    if (s.rfind(opt, 0) == 0) {
      std::string rest = trim(s.substr(opt.size()));
      if (!rest.empty() && rest[0] == '=') rest = trim(rest.substr(1));
      if (!rest.empty()) return rest;
    }
  }
  return std::nullopt;
}

bool is_url(const std::string& s) { return s.find("://") != std::string::npos; }

}  // namespace

std::vector<std::string> requirement_lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string pending;
  for (std::string raw; std::getline(in, raw);) {
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    if (!raw.empty() && raw.back() == '\\') {
      pending += raw.substr(0, raw.size() - 1);
      continue;
    }
    std::string line = pending + raw;
    pending.clear();
    // pip: a # at the start or after white space starts a comment.
    for (size_t i = 0; i < line.size(); ++i) {
      if (line[i] == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) {
        line.resize(i);
        break;
      }
    }
    lines.push_back(line);
  }
  if (!pending.empty()) lines.push_back(pending);
  return lines;
}

std::vector<fs::path> requirement_closure(const fs::path& file) {
  std::vector<fs::path> out;
  std::vector<fs::path> todo = {file.lexically_normal()};
  while (!todo.empty()) {
    fs::path f = todo.front();
    todo.erase(todo.begin());
    if (std::find(out.begin(), out.end(), f) != out.end()) continue;
    out.push_back(f);
    auto text = read_file_if_exists(f);
    if (!text || !*text) continue;
    for (const auto& line : requirement_lines(**text)) {
      auto target = include_target(line);
      if (!target || target->empty() || is_url(*target)) continue;
      fs::path t(*target);
      todo.push_back((t.is_absolute() ? t : f.parent_path() / t).lexically_normal());
    }
  }
  return out;
}

fs::path requirement_file(const fs::path& src_root, const std::string& name) {
  return fs::path(name).is_absolute() ? fs::path(name) : src_root / name;
}

std::string display_path(const fs::path& src_root, const fs::path& path) {
  auto rel = path.lexically_relative(src_root);
  if (!rel.empty() && *rel.begin() != "..") return rel.string();
  return path.string();
}

}  // namespace wd
