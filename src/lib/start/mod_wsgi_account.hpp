// The account Apache serves as when started as root (internal to
// start/mod_wsgi*): choosing it, and checking before anything starts that it
// can read the application.
#pragma once

#include <sys/types.h>

#include <string>

#include "env_vars.hpp"
#include "error.hpp"
#include "start/apache_host.hpp"
#include "start/launch_plan.hpp"
#include "start/mod_wsgi_options.hpp"

namespace wd::mod_wsgi {

// As Apache's User and Group directives take them: a name, or #uid / #gid.
struct ApacheAccount {
  std::string user;
  std::string group;
};

// The Apache account for a root start: WARPDRIVE_APACHE_USER / --user,
// else the image's build user (WARPDRIVE_BUILDER_ID), else www-data; the
// group WARPDRIVE_APACHE_GROUP / --group, else #0. Root is refused.
Result<ApacheAccount> apache_account(const Options& o, const EnvVars& env, const ApacheHost& host, uid_t builder_id);

// Started as root, Apache serves as plan.serving_account; an application
// that account cannot read answers 403 to every request. Refuses that,
// naming the account and the directory; hands the failure file to the
// account. Nothing to do without a serving account.
Status check_serving_account(LaunchPlan& plan);

}  // namespace wd::mod_wsgi
