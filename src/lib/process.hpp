// Child processes, built explicitly: argv and envp are computed by the caller
// and handed to execve; the signal mask is reset in the child before exec.
#pragma once

#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

#include "env_vars.hpp"
#include "error.hpp"
#include "fsutil.hpp"

namespace wd {

struct Redirect {
  int child_fd;   // the descriptor number the child sees
  int parent_fd;  // the descriptor it is a copy of
};

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is searched on env's PATH unless it has a '/'
  EnvVars env;
  fs::path cwd;                     // empty = inherit
  std::vector<Redirect> redirects;  // applied in order, in the child
  bool trace = false;               // print "+ argv" to stderr first (WARPDRIVE_DEBUG)
  // Start the child as the leader of a new process group, and give it the
  // terminal when stdin is one (the PID 1 init does this, as tini does, so a
  // server that signals its whole process group does not signal the init).
  bool new_process_group = false;
};

// Finds `name` on the PATH of `env` (or takes it as a path when it has a '/').
// Not found: exit status 127; found but not executable: 126; both name it.
Result<fs::path> find_program(const std::string& name, const EnvVars& env);

// Starts the child and returns its pid. An exec failure in the child (the
// program vanished, ENOEXEC, ...) is reported here, not as an exit status.
Result<pid_t> spawn(const ProcessSpec& spec);

// Waits for `pid`; returns its exit status, or 128+N when it died of signal N.
Result<int> wait_exit_status(pid_t pid);

// spawn + wait.
Result<int> run(const ProcessSpec& spec);

// spawn + wait, with what the child writes to descriptor `child_fd` (its
// standard output by default) captured; everything else passes through.
struct Captured {
  int exit_status = 0;
  std::string out;
};
Result<Captured> run_capture(const ProcessSpec& spec, int child_fd = 1);

// Replaces the current process with the program (execve). Returns only on failure.
Error exec_replace(const ProcessSpec& spec);

// Exit status as a shell reports it, from a waitpid status word.
int shell_exit_status(int wait_status);

// Prints "+ arg arg ..." (shell-quoted) to stderr: the WARPDRIVE_DEBUG trace.
void trace_command(const std::vector<std::string>& argv);

}  // namespace wd
