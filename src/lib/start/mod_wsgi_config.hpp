// The Apache configuration the mod_wsgi planner writes (internal to
// start/mod_wsgi*): httpd.conf, section by section, from decisions already
// made (options, application, sizing, account), and the scripts it loads.
#pragma once

#include <optional>
#include <string>

#include "error.hpp"
#include "start/apache_host.hpp"
#include "start/launch_plan.hpp"
#include "start/mod_wsgi_account.hpp"
#include "start/mod_wsgi_app.hpp"
#include "start/mod_wsgi_mpm.hpp"
#include "start/mod_wsgi_options.hpp"

namespace wd::mod_wsgi {

// Everything the configuration text depends on.
struct ApacheSetup {
  const ServerInput& input;
  const ApacheHost& host;
  const Options& o;
  const Application& app;
  const PythonSetup& python;
  int processes = 1;
  int threads = 1;
  const MpmSizing& mpm;
  std::string port;
  std::optional<ApacheAccount> account;  // set when started as root
  fs::path runtime_dir;                  // $APP_ROOT/tmp/warpdrive/apache
};

struct RenderedConfig {
  fs::path path;            // runtime_dir/httpd.conf
  std::string listen_host;  // the address Apache listens on
};

// Writes httpd.conf (first in plan.files) and the scripts it loads (the WSGI
// handler or default page, the import check, the reloader) into `plan`, with
// notes on what Apache will not serve. Values that Apache's syntax cannot
// hold safely are refused, naming the setting.
Result<RenderedConfig> render_apache_config(const ApacheSetup& setup, LaunchPlan& plan);

}  // namespace wd::mod_wsgi
