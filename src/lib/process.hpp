// Child processes, built explicitly: argv and envp are computed by the caller
// and handed to execve; the signal mask is reset in the child before exec.
#pragma once

#include <sys/types.h>
#include <chrono>
#include <functional>
#include <string>
#include <string_view>
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
  // Signal the child gets when this process dies, even of SIGKILL (0: none).
  int parent_death_signal = 0;
};

// Finds `name` on the PATH of `env` (or takes it as a path when it has a '/').
// Not found: exit status 127; found but not executable: 126; both name it.
Result<fs::path> find_program(const std::string& name, const EnvVars& env);

// Starts the child and returns its pid. An exec failure in the child (the
// program vanished, ENOEXEC, ...) is reported here, not as an exit status.
Result<pid_t> spawn(const ProcessSpec& spec);

// Waits for `pid`; returns its exit status, or 128+N when it died of signal N.
// A stop signal (below) that arrives meanwhile is passed on to the child, and
// once the child is gone wait_exit_status stops its descendants too and
// returns stop_error(): warpdrive stops instead of going on.
Result<int> wait_exit_status(pid_t pid);

// spawn + wait.
Result<int> run(const ProcessSpec& spec);

// --- Stop requests ----------------------------------------------------------
// SIGTERM, SIGINT, SIGHUP and SIGQUIT ask warpdrive to stop. main_entry blocks
// them before anything else, so that none is lost (process 1 drops a signal
// it neither handles nor blocks) and none kills warpdrive while a child it
// started runs on; warpdrive takes them where it waits (for a child, for a
// lock) and before it starts or execs a program. It is also the "child
// subreaper" of what it starts, so that the orphans of a child come back to
// it and can be stopped with it (exec_replace gives that up again).
void prepare_stop_handling();

// A stop signal that arrived and was not acted on yet, taken from the pending
// set; 0 when there is none.
int take_pending_stop();

// "stopped by SIGTERM", exit status 128+N.
Error stop_error(int sig);

// How long a child has to go after warpdrive passed a stop signal on (the
// signal is repeated every second meanwhile, for programs that ignore it while
// they start, as uWSGI does while it loads the application); then SIGKILL.
inline constexpr std::chrono::milliseconds kStopGrace{3000};

// How a supervised child is watched (wait_exit_status; the init loop).
struct Supervision {
  std::vector<int> stop_signals;       // passed on, repeated, SIGKILL after kStopGrace
  std::vector<int> other_signals;      // passed on only (the init loop: SIGHUP, SIGUSR1, ...)
  bool child_is_group_leader = false;  // SIGKILL goes to its whole process group
  bool stop_tree_on_exit = false;      // when the child ends, stop its descendants (start: nothing outlives the server)
  // Called while the child runs and no stop is under way; returns the
  // milliseconds until its next call, or -1 for no further call.
  std::function<int(pid_t child)> watch;
};
struct ChildEnd {
  int exit_status = 0;  // as a shell reports it
  int stop_signal = 0;  // the first stop signal passed on, 0 when none came
};
// Waits for `child`, passing signals on as `how` says, reaping every other
// child (re-parented orphans) on the way; with capture_fd >= 0 it also reads
// that descriptor to its end into *captured.
Result<ChildEnd> supervise(pid_t child, const Supervision& how, int capture_fd = -1, std::string* captured = nullptr);

// Stops every descendant of this process: SIGTERM now, SIGKILL at `kill_at`
// to whatever is left, reaping them; returns once none is left (or 2 s after
// kill_at, for a process the kernel cannot kill).
void stop_descendants(std::chrono::steady_clock::time_point kill_at);

// `root` and its live descendants.
std::vector<pid_t> process_tree(pid_t root);

// An exclusive flock on `path`, created (mode 0664) when missing and never
// opened through a symbolic link. When another process holds it, prints
// `waiting` once and waits; a stop signal meanwhile ends the wait with
// stop_error(). Returns the descriptor: closing it releases the lock.
Result<int> lock_exclusive(const fs::path& path, std::string_view waiting);

// The name of a signal ("SIGTERM"), or "signal N".
std::string signal_name(int sig);

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
