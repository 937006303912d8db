// The application source as S2I sees it: the `.s2i/environment` file, the
// `.s2iignore` rules and the list of files that go into the injection tar.
// Pure functions of text and of a directory tree; no container engine here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"
#include "fsutil.hpp"

namespace wd::image {

struct EnvVar {
  std::string name;
  std::string value;
  int line = 0;  // line number in .s2i/environment; 0 for -e
};

// One line of `.s2i/environment` that was skipped, for a warning.
struct SkippedLine {
  int line = 0;
  std::string text;
  std::string reason;
};

struct S2iEnvironment {
  std::vector<EnvVar> vars;  // in file order; a later line for a name wins
  std::vector<SkippedLine> skipped;
};

// Parses `.s2i/environment` text with S2I's rules: lines end at "\n" (a "\r"
// before it is dropped); a line starting with '#' is a comment; the rest is
// split at the first '='; a line without '=' or with nothing before it is
// skipped; name and value are trimmed of white space and nothing else (no
// quote removal, no $ expansion). Beyond S2I, a name that trims to empty is
// skipped too (no engine can set it) and reported.
S2iEnvironment parse_s2i_environment(std::string_view text);

// Parses one `-e NAME=VALUE` argument the same way (trimmed name and value);
// an argument without '=' or with an empty name is an error naming it.
Result<EnvVar> parse_env_argument(std::string_view arg);

// Go's filepath.Match on '/'-separated paths, which `.s2iignore` patterns
// follow: '*' any run of non-'/' characters, '?' one non-'/' character,
// '[...]' a class ('^' negates, ranges with '-'), '\' escapes the next
// character. A malformed pattern matches nothing.
bool glob_match(std::string_view pattern, std::string_view name);

// `.s2iignore` as S2I applies it. Each line is trimmed of spaces; empty and
// '#' lines are skipped. A pattern is joined to the source root and cleaned
// (so "/x", "./x" and "x/" all mean "x") and every existing path matching
// it, at exactly that depth, is excluded with everything under it. A line
// "!pattern" takes back earlier exclusions whose path matches the pattern
// exactly; it cannot re-include a file under an excluded directory.
class IgnoreRules {
 public:
  static IgnoreRules parse(std::string_view text);
  // Given every relative path of the tree (files and directories, '/'
  // separated, parents before children), the paths excluded by the rules
  // themselves (not their descendants).
  std::vector<std::string> excluded_roots(const std::vector<std::string>& paths) const;
  bool empty() const { return rules_.empty(); }

 private:
  struct Rule {
    bool negate = false;
    std::string pattern;  // cleaned, relative; "." = the root itself
  };
  std::vector<Rule> rules_;
};

// Cleans a '/'-separated relative path as Go's filepath.Clean would after
// joining it to a root: empty and "." components dropped, ".." resolved;
// "" for the root itself, and nullopt-like "../" prefix kept when it climbs
// out of the root (such a pattern matches nothing inside).
std::string clean_relative(std::string_view path);

// One entry of the source tree that goes into the tar.
struct SourceEntry {
  std::string relpath;  // '/'-separated, relative to the source root
  enum class Kind { directory, file, symlink } kind = Kind::file;
};

struct SourceSelection {
  std::vector<SourceEntry> entries;  // parents before children, sorted
  std::vector<std::string> ignored;  // what .s2iignore excluded (roots)
  size_t git_excluded = 0;           // paths under a .git component
};

// Walks `root` (not following symlinks), leaving out every path with a
// component named ".git" (S2I's default exclusion) and, when `use_s2iignore`,
// what `.s2iignore` at the root excludes. Sockets, FIFOs and devices are skipped.
Result<SourceSelection> select_source(const fs::path& root, bool use_s2iignore = true);

}  // namespace wd::image
