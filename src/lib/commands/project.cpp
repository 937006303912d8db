// warpdrive project: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_project(Context&, const Args&) { return make_error("warpdrive project is not available in this build yet"); }

}  // namespace wd
