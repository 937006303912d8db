#include "fsutil.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include <fmt/format.h>

namespace wd {

std::string errno_text(int err) { return std::strerror(err); }

Result<std::string> read_file(const fs::path& path) {
  WD_ASSIGN(auto contents, read_file_if_exists(path));
  if (!contents) return make_error(fmt::format("{}: {}", path.string(), errno_text(ENOENT)));
  return std::move(*contents);
}

Result<std::optional<std::string>> read_file_if_exists(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>{};
    return make_error(fmt::format("{}: {}", path.string(), errno_text(errno)));
  }
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return make_error(fmt::format("{}: {}", path.string(), errno_text(err)));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(out));
}

Result<std::optional<std::string>> read_value_file(const fs::path& path) {
  WD_ASSIGN(auto contents, read_file_if_exists(path));
  if (!contents) return std::optional<std::string>{};
  std::string_view text = *contents;
  auto nl = text.find('\n');
  return std::optional<std::string>(trim(text.substr(0, nl)));
}

Status write_file_atomic(const fs::path& path, std::string_view contents, mode_t mode) {
  std::random_device rd;
  fs::path tmp = path;
  tmp += fmt::format(".tmp{}.{:x}", ::getpid(), rd());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) return make_error(fmt::format("cannot write {}: {}", path.string(), errno_text(errno)));
  const char* p = contents.data();
  size_t left = contents.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return make_error(fmt::format("cannot write {}: {}", path.string(), errno_text(err)));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  // The umask may have narrowed `mode`; set it exactly.
  ::fchmod(fd, mode);
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return make_error(fmt::format("cannot write {}: {}", path.string(), errno_text(err)));
  }
  return {};
}

std::optional<std::string> not_a_regular_file(const fs::path& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return std::nullopt;
  if (S_ISLNK(st.st_mode)) {
    std::error_code ec;
    fs::path target = fs::read_symlink(path, ec);
    if (::stat(path.c_str(), &st) != 0)
      return fmt::format("is a symbolic link to {}, which does not exist", target.string());
  }
  if (S_ISREG(st.st_mode)) return std::nullopt;
  if (S_ISDIR(st.st_mode)) return "is a directory";
  if (S_ISFIFO(st.st_mode)) return "is a FIFO (named pipe), not a regular file";
  if (S_ISSOCK(st.st_mode)) return "is a socket, not a regular file";
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return "is a device, not a regular file";
  return "is not a regular file";
}

Status make_dirs(const fs::path& dir, mode_t mode) {
  if (dir.empty() || is_dir(dir)) return {};
  if (dir.has_parent_path() && dir.parent_path() != dir) WD_TRY(make_dirs(dir.parent_path(), mode));
  if (::mkdir(dir.c_str(), mode) == 0) {
    // Exactly `mode`, whatever the umask: directories under APP_ROOT are
    // group-writable so that a later arbitrary UID in group 0 can use them.
    ::chmod(dir.c_str(), mode);
  } else if (errno != EEXIST) {
    return make_error(fmt::format("cannot create directory {}: {}", dir.string(), errno_text(errno)));
  }
  if (!is_dir(dir))
    return make_error(fmt::format("cannot create directory {}: a file of that name exists", dir.string()));
  return {};
}

bool path_exists(const fs::path& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool is_dir(const fs::path& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool is_file(const fs::path& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_executable_file(const fs::path& path) { return is_file(path) && ::access(path.c_str(), X_OK) == 0; }

bool is_writable_dir(const fs::path& path) { return is_dir(path) && ::access(path.c_str(), W_OK) == 0; }

std::vector<std::string_view> split_words(std::string_view text) {
  const char* ws = " \t\r\n\v\f";
  std::vector<std::string_view> words;
  for (size_t b = text.find_first_not_of(ws); b != std::string_view::npos; b = text.find_first_not_of(ws, b)) {
    size_t e = std::min(text.find_first_of(ws, b), text.size());
    words.push_back(text.substr(b, e - b));
    b = e;
  }
  return words;
}

std::string trim(std::string_view s) {
  const char* ws = " \t\r\n\v\f";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return std::string(s.substr(b, e - b + 1));
}

}  // namespace wd
