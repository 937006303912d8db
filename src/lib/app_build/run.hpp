// Executing a build: the steps of docs/build.md "What build does, in order", with the
// build cache. The plan (app_build/plan.hpp) is computed first; this runs it.
#pragma once

#include "app_build/plan.hpp"
#include "context.hpp"
#include "error.hpp"

namespace wd {

// warpdrive build. Returns the exit status (0) or the first error; a failed
// build never writes the build record (and an install removes the old one first).
Result<int> run_build(const Context& ctx, const BuildOptions& options);

// Creates the virtualenv at APP_ROOT when there is none (the `create` plan),
// then recomputes the base environment so PATH and VIRTUAL_ENV apply.
Status create_virtualenv(AppEnvironment& environment, const Context& ctx, const VenvPlan& venv);

// Creates $APP_ROOT/tmp and $APP_ROOT/data, group-writable for group 0.
Status make_runtime_dirs(const Context& ctx, const Settings& settings);

// Runs the hook with a " -----> Running <hook>" line when it is runnable;
// returns whether it ran. A failing hook is an error carrying its status.
Result<bool> run_build_hook(const AppEnvironment& environment, std::string_view name);

}  // namespace wd
