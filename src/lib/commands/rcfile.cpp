// warpdrive rcfile: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_rcfile(Context&, const Args&) { return make_error("warpdrive rcfile is not available in this build yet"); }

}  // namespace wd
