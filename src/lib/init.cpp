#include "init.hpp"

#include <unistd.h>
#include <cerrno>
#include <csignal>

#include <fmt/format.h>

namespace wd {

Result<int> run_as_init(const ProcessSpec& spec, std::function<int(pid_t)> watch) {
  if (int sig = take_pending_stop()) return stop_error(sig);
  // SIGHUP is passed on but is no stop here: servers take it as "reload".
  Supervision how;
  how.stop_signals = {SIGTERM, SIGINT, SIGQUIT};
  how.other_signals = {SIGHUP, SIGUSR1, SIGUSR2, SIGWINCH};
  how.child_is_group_leader = true;
  how.stop_tree_on_exit = true;
  how.watch = std::move(watch);

  // Block what the loop takes before the child exists, so nothing arriving
  // meanwhile is lost (blocked signals reach PID 1 even without handlers);
  // supervise() keeps them blocked while it runs.
  sigset_t set, old;
  sigemptyset(&set);
  for (int sig : how.stop_signals) sigaddset(&set, sig);
  for (int sig : how.other_signals) sigaddset(&set, sig);
  sigaddset(&set, SIGCHLD);
  if (::sigprocmask(SIG_BLOCK, &set, &old) != 0) return make_error(fmt::format("sigprocmask: {}", errno_text(errno)));

  // When the child takes the terminal (it becomes the foreground process
  // group), take it back afterwards for whoever runs after us.
  bool had_terminal = ::isatty(STDIN_FILENO) && ::tcgetpgrp(STDIN_FILENO) == ::getpgrp();
  ProcessSpec child_spec = spec;
  child_spec.new_process_group = true;
  // Killed outright, warpdrive cannot stop the program: the kernel asks it
  // to stop instead, so no server is left running without its supervisor.
  child_spec.parent_death_signal = SIGTERM;
  auto started = spawn(child_spec);  // the child starts with an empty mask
  if (!started) {
    ::sigprocmask(SIG_SETMASK, &old, nullptr);
    return std::move(started).error();
  }
  auto end = supervise(*started, how);
  if (had_terminal) {
    (void)::signal(SIGTTOU, SIG_IGN);
    ::tcsetpgrp(STDIN_FILENO, ::getpgrp());
    (void)::signal(SIGTTOU, SIG_DFL);
  }
  ::sigprocmask(SIG_SETMASK, &old, nullptr);
  if (!end) return std::move(end).error();
  return end->exit_status;
}

bool runs_under_init(const Context& ctx, const Settings& settings, Handover how) {
  return how == Handover::own_process_group || (!settings.run_as_pid1 && (ctx.is_pid1 || how == Handover::supervise));
}

Result<int> hand_over(const Context& ctx, const Settings& settings, const ProcessSpec& spec, Handover how,
                      std::function<int(pid_t)> watch) {
  if (runs_under_init(ctx, settings, how)) return run_as_init(spec, std::move(watch));
  return exec_replace(spec);
}

}  // namespace wd
