// Where the S2I scripts of `warpdrive image` come from: the builder image's
// labels, the source's .s2i/bin, or --scripts-url. Internal to image/.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include "error.hpp"
#include "fsutil.hpp"
#include "s2i_engine.hpp"

namespace wd::image {

struct ImagePlan;

// The scripts S2I knows, in the order they are looked for and injected.
inline constexpr std::array<std::string_view, 4> kS2iScripts = {"assemble", "run", "save-artifacts", "usage"};

// The S2I scripts URL of an image: io.openshift.s2i.scripts-url, else the
// older io.s2i.scripts-url, else STI_SCRIPTS_URL from its environment.
std::string scripts_url(const ImageConfig& image);
// The directory inside the image of an image:// URL; an error names the
// URL when it is not an image:// one (warpdrive does not download scripts).
Result<std::string> image_scripts_dir(const std::string& url);

// Where `--scripts-url` (S2I's option) says the S2I scripts are: already
// in the builder image (image:///DIR), in a local directory (file:///DIR or
// a plain path, relative to the current directory) whose scripts are
// injected as scripts/, or on a web server (http:// or https://: each script
// is downloaded with curl, then injected). Scripts it provides win over the
// source's .s2i/bin, as in S2I.
struct ScriptsLocation {
  enum class Kind { image, local, http };
  Kind kind = Kind::image;
  std::string where;  // the directory in the image, the local directory, or the base URL
};
Result<ScriptsLocation> parse_scripts_url(const std::string& url, const fs::path& cwd);

// Fills the plan's scripts part from its builder and source: scripts_url,
// scripts_option (from `option`, --scripts-url, relative to `cwd`),
// destination, assemble_user, app_scripts, url_scripts, scripts_dir and the
// assemble and run commands. An error when no assemble and run can be found,
// or a user name has white space in it.
Status plan_scripts(const fs::path& cwd, const std::string& option, ImagePlan& plan);

// Where the previous image's save-artifacts is: its image:// scripts
// directory, unless the same --scripts-url provides it ("" when neither does).
std::string previous_scripts_dir(const ImagePlan& plan, const ImageConfig& previous);

}  // namespace wd::image
