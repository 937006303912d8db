#include "app_build/fixup.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

namespace wd {

namespace {

void fix_one(const fs::path& path, uid_t uid, FixupResult& r) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return;  // a dangling link: nothing to change
  if (uid != 0 && st.st_uid != uid) return;
  bool changed = false;
  if (st.st_gid != 0) {
    if (::chown(path.c_str(), static_cast<uid_t>(-1), 0) != 0) {
      r.failures.push_back(fmt::format("{}: cannot change the group to 0: {}", path.string(), errno_text(errno)));
      return;
    }
    changed = true;
  }
  mode_t mode = st.st_mode & 07777;
  mode_t want = mode | S_IRGRP | S_IWGRP;
  if (S_ISDIR(st.st_mode) || (mode & S_IXUSR)) want |= S_IXGRP;
  // chown may clear set-user/group-ID bits; reapply the mode we mean.
  if (want != mode || changed) {
    if (::chmod(path.c_str(), want) != 0) {
      r.failures.push_back(fmt::format("{}: cannot change the mode: {}", path.string(), errno_text(errno)));
      return;
    }
    changed = changed || want != mode;
  }
  if (changed) ++r.changed;
}

void walk(const fs::path& dir, uid_t uid, FixupResult& r) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    r.failures.push_back(fmt::format("{}: cannot read the directory: {}", dir.string(), errno_text(errno)));
    return;
  }
  std::vector<std::string> names;
  while (dirent* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    fs::path path = dir / name;
    struct stat lst;
    if (::lstat(path.c_str(), &lst) != 0) continue;
    fix_one(path, uid, r);
    if (S_ISDIR(lst.st_mode)) walk(path, uid, r);  // links are not descended into
  }
}

}  // namespace

FixupResult fixup_tree(const fs::path& root, uid_t uid) {
  FixupResult r;
  struct stat lst;
  if (::lstat(root.c_str(), &lst) != 0) {
    r.missing = true;
    return r;
  }
  fix_one(root, uid, r);
  // The root itself is followed when it is a link, as `find DIR` would with DIR/.
  struct stat st;
  if (::stat(root.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) walk(root, uid, r);
  return r;
}

}  // namespace wd
