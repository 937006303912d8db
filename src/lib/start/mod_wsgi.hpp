// The Apache + mod_wsgi server planner: Debian has the module but no
// mod_wsgi-express, so warpdrive writes Apache's configuration itself.
// Owned by the Apache work (issue 4).
#pragma once

#include "error.hpp"
#include "start/plan.hpp"

namespace wd {

// The launch plan for Apache in the foreground serving input.target (always
// set: start passes the built-in default page when no app was found), its
// static mounts and the MOD_WSGI_* settings from the environment. An
// unsupported MOD_WSGI_* value is an error saying why.
Result<LaunchPlan> plan_mod_wsgi(const ServerInput& input);

}  // namespace wd
