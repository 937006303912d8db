#include "init.hpp"

#include <cerrno>
#include <csignal>
#include <ctime>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>

namespace wd {

namespace {

// The signals passed on to the child; SIGCHLD is waited for too.
constexpr int kForwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH};

// Reaps every exited child; records the main child's status when it is among them.
void reap_zombies(pid_t child, bool& child_done, int& child_status) {
  for (;;) {
    int status;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;  // 0: children remain but none exited; -1: ECHILD
    if (pid == child) {
      child_done = true;
      child_status = shell_exit_status(status);
    }
  }
}

}  // namespace

Result<int> run_as_init(const ProcessSpec& spec) {
  // Block the signals we handle so they queue for sigtimedwait. Blocked
  // signals reach PID 1 even though it has no handlers (the kernel drops
  // unhandled signals to init only when they are not blocked).
  sigset_t set, old;
  sigemptyset(&set);
  for (int sig : kForwarded) sigaddset(&set, sig);
  sigaddset(&set, SIGCHLD);
  if (::sigprocmask(SIG_BLOCK, &set, &old) != 0)
    return make_error(fmt::format("sigprocmask: {}", errno_text(errno)));

  // When the child takes the terminal (it becomes the foreground process
  // group), take it back afterwards for whoever runs after us.
  bool had_terminal = ::isatty(STDIN_FILENO) && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
  ProcessSpec child_spec = spec;
  child_spec.new_process_group = true;
  auto started = spawn(child_spec);  // the child starts with an empty mask
  if (!started) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return std::move(started).error();
  }
  pid_t child = *started;

  bool child_done = false;
  int child_status = 0;
  while (!child_done) {
    siginfo_t info;
    timespec timeout{1, 0};  // wake now and then to reap even if a SIGCHLD was coalesced
    int sig = ::sigtimedwait(&set, &info, &timeout);
    if (sig < 0 && errno != EAGAIN && errno != EINTR)
      return make_error(fmt::format("sigtimedwait: {}", errno_text(errno)));
    if (sig > 0 && sig != SIGCHLD) ::kill(child, sig);
    reap_zombies(child, child_done, child_status);
  }
  if (had_terminal) {
    ::signal(SIGTTOU, SIG_IGN);
    ::tcsetpgrp(STDIN_FILENO, ::getpgrp());
    ::signal(SIGTTOU, SIG_DFL);
  }
  return child_status;
}

Result<int> hand_over(const Context& ctx, const Settings& settings, const ProcessSpec& spec,
                      bool own_process_group) {
  if ((ctx.is_pid1 && !settings.run_as_pid1) || own_process_group) return run_as_init(spec);
  return exec_replace(spec);
}

}  // namespace wd
