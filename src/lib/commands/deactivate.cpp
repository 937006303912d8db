// warpdrive deactivate: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_deactivate(Context&, const Args&) { return make_error("warpdrive deactivate is not available in this build yet"); }

}  // namespace wd
