#include "s2i_source.hpp"

#include <sys/stat.h>
#include <algorithm>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "log.hpp"

namespace wd::image {

namespace {

// Go's strings.TrimSpace on ASCII: the white space S2I trims names and values of.
std::string trim_space(std::string_view s) { return trim(s); }

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);  // as Go's bufio.ScanLines
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return lines;
}

// Matches one character class starting after '['; advances `p`. Sets ok=false
// for a malformed class.
bool match_class(std::string_view pattern, size_t& p, char c, bool& ok) {
  bool negated = false;
  if (p < pattern.size() && pattern[p] == '^') {
    negated = true;
    ++p;
  }
  bool matched = false;
  size_t count = 0;
  while (true) {
    if (p >= pattern.size()) {
      ok = false;
      return false;
    }
    if (pattern[p] == ']' && count > 0) {
      ++p;
      break;
    }
    auto take = [&](char& out) {
      if (p >= pattern.size()) return false;
      char ch = pattern[p];
      if (ch == '-' || ch == ']') return false;
      if (ch == '\\') {
        ++p;
        if (p >= pattern.size()) return false;
        ch = pattern[p];
      }
      out = ch;
      ++p;
      return true;
    };
    char lo = 0, hi = 0;
    if (!take(lo)) {
      ok = false;
      return false;
    }
    hi = lo;
    if (p < pattern.size() && pattern[p] == '-') {
      ++p;
      if (!take(hi)) {
        ok = false;
        return false;
      }
    }
    if (lo <= c && c <= hi) matched = true;
    ++count;
  }
  return matched != negated;
}

// Recursive matcher over pattern[p..] and name[n..]; `ok` turns false on a
// malformed pattern (then nothing matches, as Go returns ErrBadPattern).
bool match_from(std::string_view pattern, size_t p, std::string_view name, size_t n, bool& ok) {
  while (p < pattern.size()) {
    char pc = pattern[p];
    if (pc == '*') {
      while (p < pattern.size() && pattern[p] == '*') ++p;
      if (p == pattern.size()) return name.find('/', n) == std::string_view::npos;
      for (size_t k = n; k <= name.size(); ++k) {
        if (match_from(pattern, p, name, k, ok)) return true;
        if (!ok) return false;
        if (k < name.size() && name[k] == '/') break;
      }
      return false;
    }
    if (n >= name.size()) {
      // Still validate the rest of the pattern, so a malformed one never matches.
      return false;
    }
    char c = name[n];
    if (pc == '?') {
      if (c == '/') return false;
      ++p;
      ++n;
      continue;
    }
    if (pc == '[') {
      ++p;
      if (c == '/') return false;
      if (!match_class(pattern, p, c, ok)) return false;
      ++n;
      continue;
    }
    if (pc == '\\') {
      ++p;
      if (p >= pattern.size()) {
        ok = false;
        return false;
      }
      pc = pattern[p];
    }
    if (pc != c) return false;
    ++p;
    ++n;
  }
  return n == name.size();
}

// A pattern Go would reject: an unterminated class or a trailing backslash.
bool well_formed(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\') {
      if (++i >= pattern.size()) return false;
    } else if (pattern[i] == '[') {
      size_t j = i + 1;
      if (j < pattern.size() && pattern[j] == '^') ++j;
      size_t count = 0;
      while (true) {
        if (j >= pattern.size()) return false;
        if (pattern[j] == ']' && count > 0) break;
        if (pattern[j] == '-' || pattern[j] == ']') return false;
        if (pattern[j] == '\\' && ++j >= pattern.size()) return false;
        ++j;
        if (j < pattern.size() && pattern[j] == '-') {
          ++j;
          if (j >= pattern.size() || pattern[j] == '-' || pattern[j] == ']') return false;
          if (pattern[j] == '\\' && ++j >= pattern.size()) return false;
          ++j;
        }
        ++count;
      }
      i = j;
    }
  }
  return true;
}

}  // namespace

S2iEnvironment parse_s2i_environment(std::string_view text) {
  S2iEnvironment out;
  int number = 0;
  for (std::string_view line : split_lines(text)) {
    ++number;
    if (!line.empty() && line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      if (!trim_space(line).empty())
        out.skipped.push_back({number, std::string(line), eq == 0 ? "nothing before '='" : "no '=' in it"});
      continue;
    }
    std::string name = trim_space(line.substr(0, eq));
    if (name.empty()) {
      out.skipped.push_back({number, std::string(line), "the name is blank"});
      continue;
    }
    out.vars.push_back({std::move(name), trim_space(line.substr(eq + 1)), number});
  }
  return out;
}

Result<EnvVar> parse_env_argument(std::string_view arg) {
  size_t eq = arg.find('=');
  if (eq == std::string_view::npos) return make_error(fmt::format("-e '{}': expected NAME=VALUE", arg), kExitUsage);
  std::string name = trim_space(arg.substr(0, eq));
  if (name.empty()) return make_error(fmt::format("-e '{}': the name is empty", arg), kExitUsage);
  return EnvVar{std::move(name), trim_space(arg.substr(eq + 1)), 0};
}

bool glob_match(std::string_view pattern, std::string_view name) {
  if (!well_formed(pattern)) return false;
  bool ok = true;
  bool matched = match_from(pattern, 0, name, 0, ok);
  return ok && matched;
}

std::string clean_relative(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..")
        parts.pop_back();
      else
        parts.push_back(part);
    } else if (!part.empty() && part != ".") {
      parts.push_back(part);
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  std::string out;
  for (auto part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

IgnoreRules IgnoreRules::parse(std::string_view text) {
  IgnoreRules rules;
  for (std::string_view line : split_lines(text)) {
    // S2I trims spaces only (not tabs).
    size_t b = line.find_first_not_of(' ');
    if (b == std::string_view::npos) continue;
    size_t e = line.find_last_not_of(' ');
    std::string_view spec = line.substr(b, e - b + 1);
    if (spec[0] == '#') continue;
    Rule rule;
    if (spec[0] == '!') {
      rule.negate = true;
      spec.remove_prefix(1);
    }
    rule.pattern = clean_relative(spec);
    rules.rules_.push_back(std::move(rule));
  }
  return rules;
}

std::vector<std::string> IgnoreRules::excluded_roots(const std::vector<std::string>& paths) const {
  std::set<std::string> excluded;
  for (const auto& rule : rules_) {
    // A pattern naming the root itself, or climbing out of it, matches
    // nothing inside the tree.
    if (rule.pattern.empty() || rule.pattern.starts_with("..")) continue;
    if (rule.negate) {
      std::erase_if(excluded, [&](const std::string& p) { return glob_match(rule.pattern, p); });
    } else {
      for (const auto& p : paths)
        if (glob_match(rule.pattern, p)) excluded.insert(p);
    }
  }
  return {excluded.begin(), excluded.end()};
}

Result<SourceSelection> select_source(const fs::path& root, bool use_s2iignore) {
  SourceSelection selection;
  struct Walked {
    std::string rel;
    SourceEntry::Kind kind;
  };
  std::vector<Walked> walked;

  // Not following symlinks; never descending into a .git component.
  std::error_code ec;
  fs::recursive_directory_iterator it(root, fs::directory_options::none, ec), end;
  if (ec) return make_error(fmt::format("cannot read directory {}: {}", root.string(), ec.message()));
  for (; it != end; it.increment(ec)) {
    if (ec) break;
    const fs::path& path = it->path();
    if (path.filename() == ".git") {
      ++selection.git_excluded;
      it.disable_recursion_pending();
      continue;
    }
    std::string rel = path.lexically_relative(root).generic_string();
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0)
      return make_error(fmt::format("cannot stat {}: {}", path.string(), errno_text(errno)));
    if (S_ISDIR(st.st_mode))
      walked.push_back({rel, SourceEntry::Kind::directory});
    else if (S_ISREG(st.st_mode))
      walked.push_back({rel, SourceEntry::Kind::file});
    else if (S_ISLNK(st.st_mode))
      walked.push_back({rel, SourceEntry::Kind::symlink});
    else  // sockets, FIFOs and devices cannot go into the image: say so
      warn(fmt::format("leaving {} out of the image: it is a {}", path.string(),
                       S_ISFIFO(st.st_mode)   ? "FIFO"
                       : S_ISSOCK(st.st_mode) ? "socket"
                                              : "device file"));
  }
  if (ec) return make_error(fmt::format("cannot read directory {}: {}", root.string(), ec.message()));
  // Sorted by path: a directory comes before everything under it.
  std::sort(walked.begin(), walked.end(), [](const Walked& a, const Walked& b) { return a.rel < b.rel; });

  std::optional<std::string> ignore_text;
  if (use_s2iignore) {
    WD_ASSIGN(ignore_text, read_file_if_exists(root / ".s2iignore"));
  }
  std::set<std::string> ignored;
  if (ignore_text) {
    std::vector<std::string> all;
    all.reserve(walked.size());
    for (const auto& w : walked) all.push_back(w.rel);
    selection.ignored = IgnoreRules::parse(*ignore_text).excluded_roots(all);
    ignored.insert(selection.ignored.begin(), selection.ignored.end());
  }
  // A path is left out when it, or a directory above it, was excluded.
  auto is_ignored = [&](const std::string& rel) {
    for (size_t slash = rel.find('/'); slash != std::string::npos; slash = rel.find('/', slash + 1))
      if (ignored.count(rel.substr(0, slash))) return true;
    return ignored.count(rel) != 0;
  };
  for (const auto& w : walked)
    if (!is_ignored(w.rel)) selection.entries.push_back({w.rel, w.kind});
  return selection;
}

}  // namespace wd::image
