// Arbitrary user IDs (OpenShift): a UID with no passwd entry gets one, written
// to $APP_ROOT/tmp/passwd and installed over /etc/passwd or through nss_wrapper.
#pragma once

#include <optional>
#include <string>

#include "context.hpp"
#include "env_vars.hpp"
#include "error.hpp"

namespace wd {

// Chooses HOME (kept when set and writable, else app_root), and when the UID
// is not 0, not WARPDRIVE_BUILDER_ID and has no passwd entry, writes the
// passwd file and sets LD_PRELOAD/NSS_WRAPPER_* in `env` when needed.
Status setup_identity(const Context& ctx, const fs::path& app_root, EnvVars& env);

// The passwd text: `system` plus the warpdrive entry for uid/gid.
std::string passwd_with_entry(std::string_view system, uid_t uid, gid_t gid, const fs::path& home,
                              const fs::path& shell);

// The first libnss_wrapper.so among the known places, if any.
std::optional<fs::path> find_nss_wrapper();

}  // namespace wd
