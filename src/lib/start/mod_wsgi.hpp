// The Apache + mod_wsgi server planner: Debian has the module but no
// mod_wsgi-express, so warpdrive writes Apache's configuration itself.
// Owned by the Apache work (issue 4). User documentation: docs/mod_wsgi.md.
#pragma once

#include "error.hpp"
#include "start/apache_host.hpp"
#include "start/launch_plan.hpp"

namespace wd {

// The launch plan for Apache in the foreground serving input.target (always
// set: start passes the built-in default page when no app was found), its
// static mounts and the MOD_WSGI_* settings from the environment. An
// unsupported MOD_WSGI_* value is an error saying why.
Result<LaunchPlan> plan_mod_wsgi(const ServerInput& input);

// The same for a given machine: no file system or account lookups beyond
// checking that named directories exist, so unit tests pin the output.
Result<LaunchPlan> plan_mod_wsgi_on(const ServerInput& input, const ApacheHost& host);

// Where the generated configuration lives: $APP_ROOT/tmp/warpdrive/apache.
fs::path apache_runtime_dir(const Settings& settings);

}  // namespace wd
