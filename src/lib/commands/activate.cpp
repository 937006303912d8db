// warpdrive activate: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_activate(Context&, const Args&) { return make_error("warpdrive activate is not available in this build yet"); }

}  // namespace wd
