// The whole of `warpdrive start` as data: validate the mode and server,
// detect the application, size the workers, read server_args, and ask the
// server's planner for its LaunchPlan. Then print it (--dry-run, --json) or
// execute it (write the generated files, hand over to the server).
#pragma once

#include <string>

#include "error.hpp"
#include "process.hpp"
#include "start/launch_plan.hpp"

namespace wd {

// The plan for the deploy environment `environment` (WARPDRIVE_ACTION=start),
// with cwd APP_HOME. Runs nothing (but Django introspection when there is no
// build record).
Result<LaunchPlan> plan_start(const AppEnvironment& environment);

// The workers for `server` when the user set nothing: WEB_CONCURRENCY (and
// MOD_WSGI_PROCESSES / MOD_WSGI_THREADS for mod_wsgi) mark them user-set;
// otherwise sized from the cgroup limits.
Result<WorkerSizing> choose_workers(const AppEnvironment& environment, const std::string& server);

// `start --dry-run`: one "key: value" line each (argv and values shell-quoted).
std::string render_plan_text(const LaunchPlan& plan);
// `start --json`.
std::string render_plan_json(const LaunchPlan& plan);

// Writes plan.files atomically (creating their directories).
Status write_generated_files(const LaunchPlan& plan);

// The child: plan.argv in plan.cwd with the environment plus the additions.
ProcessSpec launch_spec(const AppEnvironment& environment, const LaunchPlan& plan);

}  // namespace wd
