// warpdrive as the parent of the program it hands over to: a minimal init in
// the manner of tini. It runs the program as a child in a process group of its
// own, passes signals on, reaps every zombie (re-parented orphans included),
// bounds a stop (the stop signal is repeated each second, then SIGKILL after
// kStopGrace), lets nothing the program started outlive it, and exits with
// the program's status.
#pragma once

#include "error.hpp"
#include "process.hpp"
#include "settings.hpp"

namespace wd {

// Runs `spec` as a child under the init loop; returns the child's exit
// status, or 128+N when it died of signal N.
// `watch`, when given, is called while the child runs (see Supervision::watch).
Result<int> run_as_init(const ProcessSpec& spec, std::function<int(pid_t)> watch = {});

// How a command hands over to its program.
enum class Handover {
  // exec() it; or, when this process is PID 1 (and WARPDRIVE_RUN_AS_PID1 is
  // unset), run it under the init loop (exec, shell, the runtime hooks).
  exec,
  // Always under the init loop unless WARPDRIVE_RUN_AS_PID1 is set (start: a
  // server's stop is bounded and nothing it starts outlives it).
  supervise,
  // Always under the init loop (a server that signals its own process group).
  own_process_group,
};

// The one way warpdrive hands over to a program (exec, shell, start, runtime
// hooks). Returns only an exit status to pass on.
// `watch` applies only when it runs under the init loop.
Result<int> hand_over(const Context& ctx, const Settings& settings, const ProcessSpec& spec,
                      Handover how = Handover::exec, std::function<int(pid_t)> watch = {});

// True when hand_over(ctx, settings, _, how) runs the program under the init loop.
bool runs_under_init(const Context& ctx, const Settings& settings, Handover how);

}  // namespace wd
