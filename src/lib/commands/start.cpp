// warpdrive start: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_start(Context&, const Args&) { return make_error("warpdrive start is not available in this build yet"); }

}  // namespace wd
