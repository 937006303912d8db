#include "devenv/remove_tree.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cerrno>

#include <fmt/format.h>

namespace wd::devenv {

namespace {

// Owns a descriptor.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Error failure(const fs::path& path, std::string_view what, int err) {
  return make_error(fmt::format("cannot {} {}: {}", what, path.string(), errno_text(err)));
}

Status remove_entry(int parent_fd, const fs::path& parent_path, const std::string& name);

// Empties the directory open as `dir_fd` (at `path`, for messages).
Status remove_contents(int dir_fd, const fs::path& path) {
  int walk_fd = ::dup(dir_fd);  // fdopendir takes ownership of its descriptor
  if (walk_fd < 0) return failure(path, "read directory", errno);
  DIR* dir = ::fdopendir(walk_fd);
  if (!dir) {
    int err = errno;
    ::close(walk_fd);
    return failure(path, "read directory", err);
  }
  std::vector<std::string> names;
  errno = 0;
  while (dirent* entry = ::readdir(dir)) {
    std::string_view n = entry->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  int err = errno;
  ::closedir(dir);
  if (err != 0) return failure(path, "read directory", err);
  for (const auto& n : names) WD_TRY(remove_entry(dir_fd, path, n));
  return {};
}

Status remove_entry(int parent_fd, const fs::path& parent_path, const std::string& name) {
  fs::path path = parent_path / name;
  struct stat st {};
  if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return {};  // already gone
    return failure(path, "inspect", errno);
  }
  if (!S_ISDIR(st.st_mode)) {
    if (::unlinkat(parent_fd, name.c_str(), 0) != 0 && errno != ENOENT) return failure(path, "remove", errno);
    return {};
  }
  // O_NOFOLLOW: if the directory was swapped for a link since fstatat, this
  // fails instead of descending into the link's target.
  Fd dir_fd(::openat(parent_fd, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (dir_fd.get() < 0) return failure(path, "open directory", errno);
  WD_TRY(remove_contents(dir_fd.get(), path));
  if (::unlinkat(parent_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT)
    return failure(path, "remove directory", errno);
  return {};
}

}  // namespace

Status remove_tree_at(const fs::path& parent, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos)
    return make_error(
        fmt::format("refusing to remove '{}' in {}: not a single directory entry", name, parent.string()));
  Fd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (parent_fd.get() < 0) return failure(parent, "open directory", errno);
  return remove_entry(parent_fd.get(), parent, name);
}

}  // namespace wd::devenv
