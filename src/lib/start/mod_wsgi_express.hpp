// mod_wsgi-express from the app's virtualenv, run as the original warpdrive
// did (internal to start/mod_wsgi*): whether to use it, and its command line.
#pragma once

#include <string>

#include "error.hpp"
#include "start/apache_host.hpp"
#include "start/launch_plan.hpp"

namespace wd::mod_wsgi {

struct ExpressChoice {
  bool use = false;
  fs::path program;    // $APP_ROOT/bin/mod_wsgi-express
  std::string reason;  // for the plan's notes
};

// WARPDRIVE_MOD_WSGI_EXPRESS: unset/empty/auto uses mod_wsgi-express when the
// virtualenv has it; on/1/yes/true requires it; off/0/no/false never uses it.
Result<ExpressChoice> choose_express(const Settings& settings, const EnvVars& env);

// The original's start-mod_wsgi: fixed options, then each MOD_WSGI_* that is
// set, then server_args, then what start found (module, callable, static).
Result<LaunchPlan> plan_express(const ServerInput& input, const ExpressChoice& choice, const ApacheHost& host);

}  // namespace wd::mod_wsgi
