// warpdrive wheels: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_wheels(Context&, const Args&) { return make_error("warpdrive wheels is not available in this build yet"); }

}  // namespace wd
