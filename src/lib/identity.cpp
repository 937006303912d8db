#include "identity.hpp"

#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include "log.hpp"

namespace wd {

std::string passwd_with_entry(std::string_view system, uid_t uid, gid_t gid, const fs::path& home,
                              const fs::path& shell) {
  std::string out(system);
  if (!out.empty() && out.back() != '\n') out += '\n';
  out += fmt::format("warpdrive:x:{}:{}:warpdrive:{}:{}\n", uid, gid, home.string(), shell.string());
  return out;
}

std::optional<fs::path> find_nss_wrapper() {
  for (const char* dir : {"/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib/arm-linux-gnueabihf",
                          "/usr/lib/powerpc64le-linux-gnu", "/usr/lib/s390x-linux-gnu", "/lib64", "/usr/lib64",
                          "/usr/local/nss_wrapper/lib64", "/usr/lib"}) {
    fs::path p = fs::path(dir) / "libnss_wrapper.so";
    if (is_file(p)) return p;
  }
  return std::nullopt;
}

namespace {

bool home_usable(const EnvVars& env) {
  auto home = env.get("HOME");
  return home && !home->empty() && is_writable_dir(*home);
}

}  // namespace

Status setup_identity(const Context& ctx, const fs::path& app_root, EnvVars& env) {
  if (!home_usable(env)) env.set("HOME", app_root.string());
  if (ctx.uid == 0 || ::getpwuid(ctx.uid) != nullptr) return {};
  std::string builder = env.get_or("WARPDRIVE_BUILDER_ID", "1001");
  if (std::to_string(ctx.uid) == builder) return {};

  // A UID with no name: give it one. (getpwuid already sees nss_wrapper's
  // file when we were started with it preloaded, so this runs once per process tree.)
  WD_ASSIGN(std::string system, read_file("/etc/passwd"));
  fs::path shell = is_executable_file("/bin/bash") ? "/bin/bash" : "/bin/sh";
  std::string contents = passwd_with_entry(system, ctx.uid, ctx.gid, env.get_or("HOME", app_root.string()), shell);

  if (::access("/etc/passwd", W_OK) == 0) {
    // The image made /etc/passwd group-writable for exactly this.
    WD_TRY(make_dirs(app_root / "tmp"));
    WD_TRY(write_file_atomic(app_root / "tmp" / "passwd", contents));
    if (::access("/etc", W_OK) == 0) return write_file_atomic("/etc/passwd", contents);
    // Only the file is writable: rewrite it in place.
    FILE* f = std::fopen("/etc/passwd", "w");
    if (!f) return make_error(fmt::format("cannot write /etc/passwd: {}", errno_text(errno)));
    bool written = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size();
    int write_errno = errno;
    if (std::fclose(f) != 0 || !written)
      return make_error(fmt::format("cannot write /etc/passwd: {}", errno_text(written ? errno : write_errno)));
    return {};
  }

  auto lib = find_nss_wrapper();
  if (!lib) {
    warn(
        fmt::format("user ID {} has no passwd entry and libnss_wrapper.so was not found: "
                    "install the libnss-wrapper package so that the user gets a name",
                    ctx.uid));
    return {};
  }
  auto made = make_dirs(app_root / "tmp");
  if (made) made = write_file_atomic(app_root / "tmp" / "passwd", contents);
  if (!made) {
    warn(fmt::format("user ID {} has no passwd entry and {}", ctx.uid, made.error().message));
    return {};
  }
  std::string preload = env.get_or("LD_PRELOAD", "");
  if (preload.find(lib->string()) == std::string::npos)
    env.set("LD_PRELOAD", preload.empty() ? lib->string() : preload + " " + lib->string());
  env.set("NSS_WRAPPER_PASSWD", (app_root / "tmp" / "passwd").string());
  env.set("NSS_WRAPPER_GROUP", "/etc/group");
  return {};
}

}  // namespace wd
