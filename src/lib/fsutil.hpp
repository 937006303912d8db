// Small filesystem helpers that report failures as wd::Error naming the path.
#pragma once

#include <sys/types.h>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.hpp"

namespace wd {

namespace fs = std::filesystem;

// strerror(errno) as a std::string.
std::string errno_text(int err);

// Whole file contents; an error names the path and the errno text.
Result<std::string> read_file(const fs::path& path);
// The contents when the file exists, nullopt when it does not; other
// failures (a directory, no permission) are errors.
Result<std::optional<std::string>> read_file_if_exists(const fs::path& path);
// The first line of a one-value file (.warpdrive/home etc.), trimmed.
Result<std::optional<std::string>> read_value_file(const fs::path& path);

// Writes through a temporary file in the same directory and rename(2), so a
// reader sees the old contents or the new, never a part.
Status write_file_atomic(const fs::path& path, std::string_view contents, mode_t mode = 0644);

// mkdir -p; the directories it creates get exactly `mode` (not narrowed by
// the umask); an error names the directory.
Status make_dirs(const fs::path& dir, mode_t mode = 0775);

bool path_exists(const fs::path& path);  // lstat succeeds or the target exists
bool is_dir(const fs::path& path);
bool is_file(const fs::path& path);
// access(X_OK) for a regular file.
bool is_executable_file(const fs::path& path);
// access(W_OK) on an existing directory.
bool is_writable_dir(const fs::path& path);

// Why `path`, which must be a regular file to read or run, is not one: "is a
// FIFO", "is a socket", "is a symbolic link to X, which does not exist", ...
// nullopt for a regular file (or a link to one) and for no file at all. A
// FIFO would make whoever opens it wait for a writer forever.
std::optional<std::string> not_a_regular_file(const fs::path& path);

// Strips leading and trailing white space.
std::string trim(std::string_view s);

// The words of `text` split at runs of white space (spaces, tabs, newlines);
// views into `text`.
std::vector<std::string_view> split_words(std::string_view text);

}  // namespace wd
