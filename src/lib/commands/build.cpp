// warpdrive build: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_build(Context&, const Args&) { return make_error("warpdrive build is not available in this build yet"); }

}  // namespace wd
