// warpdrive as process 1 of a container: a minimal init in the manner of
// tini. It runs the program as a child, forwards signals to it, reaps every
// zombie (re-parented orphans included) and exits with the child's status.
#pragma once

#include "error.hpp"
#include "process.hpp"
#include "settings.hpp"

namespace wd {

// Runs `spec` as a child under the init loop; returns the child's exit
// status, or 128+N when it died of signal N.
Result<int> run_as_init(const ProcessSpec& spec);

// The one way warpdrive hands over to a program (exec, shell, start, runtime
// hooks): exec() it, or run it under the init loop when this process is PID 1
// (and WARPDRIVE_RUN_AS_PID1 is unset) or when the program needs a process
// group of its own. Returns only an exit status to pass on.
Result<int> hand_over(const Context& ctx, const Settings& settings, const ProcessSpec& spec,
                      bool own_process_group = false);

}  // namespace wd
