#include "context.hpp"

#include <unistd.h>
#include <climits>

namespace wd {

Context Context::capture(int argc, char** argv, char** envp) {
  Context ctx;
  std::string arg0 = argc > 0 ? argv[0] : "warpdrive";
  auto slash = arg0.rfind('/');
  ctx.invoked_as = slash == std::string::npos ? arg0 : arg0.substr(slash + 1);
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  ctx.self = n > 0 ? std::string(buf, static_cast<size_t>(n)) : arg0;
  if (::getcwd(buf, sizeof buf)) ctx.cwd = buf;
  ctx.inherited = EnvVars::from_envp(envp);
  ctx.uid = ::getuid();
  ctx.gid = ::getgid();
  ctx.is_pid1 = ::getpid() == 1;
  return ctx;
}

}  // namespace wd
