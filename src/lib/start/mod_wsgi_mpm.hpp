// Apache's process model (the MPM) for the mod_wsgi planner (internal to
// start/mod_wsgi*), sized from the daemon's capacity the way
// mod_wsgi-express documents it.
#pragma once

#include <string>
#include <vector>

#include "start/mod_wsgi_options.hpp"

namespace wd::mod_wsgi {

struct MpmSizing {
  int max_clients = 0;             // the clients Apache accepts at once
  std::vector<std::string> lines;  // the MPM's directives, in order
};

// By default 1.5x the daemon threads (processes x threads) plus headroom,
// or MOD_WSGI_MAX_CLIENTS; initial and spare workers as fractions of that,
// for o.server_mpm (prefork, event or worker).
MpmSizing size_mpm(const Options& o, int processes, int threads);

}  // namespace wd::mod_wsgi
