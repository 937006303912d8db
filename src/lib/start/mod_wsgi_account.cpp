// The serving account: which one Apache switches to, and whether it can
// reach the application (by the permission bits, as the kernel will check
// them after Apache's initgroups()).
#include "start/mod_wsgi_account.hpp"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

namespace wd::mod_wsgi {

namespace {

// The account Apache switches to, as the kernel will see it: Apache calls
// initgroups(user, group), so the user's supplementary groups count too.
struct ServingIdentity {
  std::string user;
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

std::optional<ServingIdentity> serving_identity(const LaunchPlan::ServingAccount& account) {
  ServingIdentity who{account.user, 0, 0, {}};
  auto number = [](std::string_view text) -> std::optional<unsigned long> {
    if (text.size() < 2 || text[0] != '#') return std::nullopt;
    unsigned long v = 0;
    for (char c : text.substr(1)) {
      if (c < '0' || c > '9') return std::nullopt;
      v = v * 10 + static_cast<unsigned long>(c - '0');
    }
    return v;
  };
  const struct passwd* pw = nullptr;
  if (auto n = number(account.user)) {
    who.uid = static_cast<uid_t>(*n);
    pw = ::getpwuid(who.uid);
  } else {
    pw = ::getpwnam(account.user.c_str());
    if (!pw) return std::nullopt;
    who.uid = pw->pw_uid;
  }
  std::string name = pw ? pw->pw_name : "";
  if (auto n = number(account.group)) {
    who.gid = static_cast<gid_t>(*n);
  } else {
    const struct group* gr = ::getgrnam(account.group.c_str());
    if (!gr) return std::nullopt;
    who.gid = gr->gr_gid;
  }
  who.groups = {who.gid};
  if (!name.empty()) {
    int count = 64;
    std::vector<gid_t> list(static_cast<size_t>(count));
    if (::getgrouplist(name.c_str(), who.gid, list.data(), &count) < 0) {
      list.resize(static_cast<size_t>(count));
      if (::getgrouplist(name.c_str(), who.gid, list.data(), &count) < 0) count = 0;
    }
    list.resize(static_cast<size_t>(std::max(count, 0)));
    who.groups.insert(who.groups.end(), list.begin(), list.end());
  }
  return who;
}

// Whether `who` has `bits` (4 read, 1 search) on a file with status `st`,
// by the permission bits (ACLs are not consulted).
bool permitted(const struct stat& st, const ServingIdentity& who, unsigned bits) {
  unsigned mode = st.st_mode;
  if (st.st_uid == who.uid) return ((mode >> 6) & bits) == bits;
  if (std::find(who.groups.begin(), who.groups.end(), st.st_gid) != who.groups.end())
    return ((mode >> 3) & bits) == bits;
  return (mode & bits) == bits;
}

std::string describe_mode(const struct stat& st) {
  std::string text = S_ISDIR(st.st_mode) ? "d" : "-";
  const char* letters = "rwxrwxrwx";
  for (int i = 0; i < 9; ++i) text += (st.st_mode & (0400 >> i)) ? letters[i] : '-';
  const struct passwd* pw = ::getpwuid(st.st_uid);
  const struct group* gr = ::getgrgid(st.st_gid);
  return fmt::format("{} {}:{}", text, pw ? std::string(pw->pw_name) : std::to_string(st.st_uid),
                     gr ? std::string(gr->gr_name) : std::to_string(st.st_gid));
}

// The first path on the way to `target` (itself included) that `who` cannot
// enter (directories) or read (a file, when `read_file`), with its status.
// Paths that do not exist (yet) end the walk: nothing to refuse there.
std::optional<std::pair<fs::path, struct stat>> first_denied(const fs::path& target, const ServingIdentity& who,
                                                             bool read_file) {
  fs::path so_far = "/";
  fs::path normal = target.lexically_normal();
  for (auto it = normal.begin(); it != normal.end(); ++it) {
    if (*it == "/" || it->empty()) continue;
    so_far /= *it;
    struct stat st {};
    if (::stat(so_far.c_str(), &st) != 0) return std::nullopt;
    bool last = std::next(it) == normal.end();
    unsigned need = S_ISDIR(st.st_mode) ? 1u : (last && read_file ? 4u : 0u);
    if (need && !permitted(st, who, need)) return std::pair{so_far, st};
  }
  return std::nullopt;
}

}  // namespace

Result<ApacheAccount> apache_account(const Options& o, const EnvVars& env, const ApacheHost& host, uid_t builder_id) {
  auto numeric = [](std::string v) {
    if (!v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) return "#" + v;
    return v;
  };
  std::string user_source = o.user ? "server_args --user" : "WARPDRIVE_APACHE_USER";
  std::optional<std::string> user = o.user ? o.user : env.get("WARPDRIVE_APACHE_USER");
  if (user && user->empty()) user.reset();
  std::string user_value;
  if (user) {
    user_value = numeric(*user);
    if (user_value == "root" || user_value == "#0")
      return make_error(
          fmt::format("{}='{}': Apache refuses to serve requests as root; name an "
                      "unprivileged account",
                      user_source, *user));
  } else if (host.builder_user) {
    user_value = *host.builder_user;
  } else if (host.www_data_exists) {
    user_value = "www-data";
  } else {
    return make_error(
        fmt::format("running as root, Apache must switch to an unprivileged account, but neither the build "
                    "user (uid {}) nor www-data exists; set WARPDRIVE_APACHE_USER",
                    builder_id));
  }
  std::optional<std::string> group = o.group ? o.group : env.get("WARPDRIVE_APACHE_GROUP");
  std::string group_value = group && !group->empty() ? numeric(*group) : "#0";
  return ApacheAccount{user_value, group_value};
}

Status check_serving_account(LaunchPlan& plan) {
  if (!plan.serving_account) return {};
  const auto& account = *plan.serving_account;
  auto who = serving_identity(account);
  if (!who) return {};  // Apache itself reports an unknown account
  for (auto& f : plan.files)
    if (plan.failure_file && f.path == *plan.failure_file) f.owner = std::pair{who->uid, who->gid};
  auto refuse = [&](const fs::path& where, const struct stat& st, bool is_file) {
    return make_error(fmt::format(
        "started as root, Apache serves the application as user {} (uid {}, gid {}), which cannot {} {} ({}): "
        "every request would get 403 Forbidden. Let that user in (e.g. chmod {} '{}'), put the application "
        "where it can read it, or name an account that can with WARPDRIVE_APACHE_USER",
        account.user, who->uid, who->gid, is_file ? "read" : "enter", where.string(), describe_mode(st),
        is_file ? "o+r" : "o+x", where.string()));
  };
  for (const auto& dir : account.directories)
    if (auto denied = first_denied(dir, *who, false)) return refuse(denied->first, denied->second, false);
  for (const auto& file : account.files)
    if (auto denied = first_denied(file, *who, true))
      return refuse(denied->first, denied->second, !S_ISDIR(denied->second.st_mode));
  return {};
}

}  // namespace wd::mod_wsgi
