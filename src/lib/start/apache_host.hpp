// Writing values into Apache's configuration syntax safely, and the facts
// about the installed Apache that the mod_wsgi planner needs (gathered once,
// so the planner itself is a pure function that unit tests can drive).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "env_vars.hpp"
#include "error.hpp"
#include "fsutil.hpp"
#include "settings.hpp"

namespace wd {

// `value` as one argument of an Apache directive, quoted. Apache's parser
// reads "..." and '...' words; mod_wsgi's option parser (name="value") does
// not understand backslash escapes, so instead of escaping we pick the quote
// character the value does not contain. Refused, with an error naming `what`:
// control characters (a newline would end the directive and let the rest
// inject new ones), backslashes (escapes differ between Apache and mod_wsgi),
// "${" (Apache would substitute an environment variable) and values holding
// both quote characters.
Result<std::string> apache_quote(std::string_view value, std::string_view what);

// As apache_quote, and also refuses the wildcard characters * ? [ ] that
// <Directory> and <Files> would read as a pattern instead of a literal name.
Result<std::string> apache_quote_literal_path(std::string_view value, std::string_view what);

// What the planner needs to know about this machine.
struct ApacheHost {
  fs::path httpd;                      // the apache2/httpd binary
  fs::path modules_dir;                // where mod_*.so live
  std::set<std::string> modules;       // file names present in modules_dir
  std::optional<fs::path> mime_types;  // /etc/mime.types when it exists
  bool is_root = false;                // euid 0: Apache must switch to a User/Group
  bool stderr_openable = true;         // open("/dev/stderr", O_WRONLY) works for us
  bool stdout_openable = true;
  std::optional<std::string> builder_user;  // passwd name of WARPDRIVE_BUILDER_ID, if any
  bool www_data_exists = false;             // Debian's web server account
  std::string mod_wsgi_python;              // "3.11": the Python mod_wsgi.so links, "" unknown
  std::string venv_python;                  // "3.11": from $APP_ROOT/pyvenv.cfg, "" none/unknown
};

// Looks at the real machine: the Apache binary (apache2 on PATH, then
// /usr/sbin/apache2), its modules, /etc/mime.types, accounts, the standard
// streams, and the Python versions of mod_wsgi and the virtualenv.
// Missing Apache or mod_wsgi is an error naming the Debian package.
Result<ApacheHost> probe_apache_host(const Settings& settings, const EnvVars& env);

}  // namespace wd
