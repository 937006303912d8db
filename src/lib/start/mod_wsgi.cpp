// Placeholder until the Apache work implements it.
#include "start/mod_wsgi.hpp"

namespace wd {

Result<LaunchPlan> plan_mod_wsgi(const ServerInput&) {
  return make_error("the mod_wsgi server is not available in this build yet");
}

}  // namespace wd
