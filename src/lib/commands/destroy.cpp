// warpdrive destroy: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_destroy(Context&, const Args&) { return make_error("warpdrive destroy is not available in this build yet"); }

}  // namespace wd
