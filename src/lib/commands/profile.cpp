// warpdrive profile: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_profile(Context&, const Args&) { return make_error("warpdrive profile is not available in this build yet"); }

}  // namespace wd
