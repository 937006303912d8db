// The builder images warpdrive knows, one per Python version, and which one
// `warpdrive image` uses for an application (docs/image.md, "Which builder").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app_build/python_version.hpp"
#include "env_vars.hpp"
#include "error.hpp"
#include "fsutil.hpp"

namespace wd::image {

// A builder image made by image/build.sh from image/Containerfile.
struct KnownBuilder {
  std::string_view image;           // localhost/warpdrive-python3.13:latest
  std::string_view python;          // the Python minor version it runs: "3.13"
  std::string_view python_release;  // the release its Debian ships (specifier sets are checked against it)
  std::string_view debian;          // "Debian 13 (trixie)"
  std::string_view build_command;   // how to make it
};

// The table, in ascending Python order, the default first: image/build.sh
// also tags it kDefaultBuilderImage (s2i_build.hpp), used when the
// application asks for no version.
const std::vector<KnownBuilder>& known_builders();

struct BuilderChoice {
  std::string image;
  std::string origin;  // why: "--builder-image", ".warpdrive/builder_image", "default", "Python 3.13 (.python-version)"
  std::optional<PythonRequest> request;
  std::string build_command;  // how to make it when it is one of the known ones ("" otherwise)
};

// --builder-image, else SOURCE/.warpdrive/builder_image, else
// WARPDRIVE_BUILDER_IMAGE, else the known builder whose Python satisfies the
// version the application asks for (read as `warpdrive build` reads it: the
// default builder when it matches, else the highest that does; none: an error
// listing the builders and their Pythons), else the default.
Result<BuilderChoice> choose_builder(const EnvVars& env, const fs::path& source_root, const std::string& option);

}  // namespace wd::image
