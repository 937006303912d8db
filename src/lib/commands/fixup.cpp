// warpdrive fixup: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_fixup(Context&, const Args&) { return make_error("warpdrive fixup is not available in this build yet"); }

}  // namespace wd
