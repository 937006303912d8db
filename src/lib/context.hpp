// What warpdrive knows about its own invocation, captured once in main and
// passed down explicitly (there is no global mutable state).
#pragma once

#include <sys/types.h>
#include <string>

#include "env_vars.hpp"
#include "fsutil.hpp"

namespace wd {

struct Context {
  std::string invoked_as;  // basename of argv[0]: warpdrive, warpdrive-exec, warpdrive-shell
  fs::path self;           // absolute path of this binary (/proc/self/exe)
  fs::path cwd;            // working directory at start
  EnvVars inherited;       // the environment warpdrive was started with
  uid_t uid = 0;
  gid_t gid = 0;
  bool is_pid1 = false;

  static Context capture(int argc, char** argv, char** envp);
};

}  // namespace wd
