// warpdrive image: placeholder until its issue lands.
#include "commands.hpp"

namespace wd {

Result<int> cmd_image(Context&, const Args&) { return make_error("warpdrive image is not available in this build yet"); }

}  // namespace wd
