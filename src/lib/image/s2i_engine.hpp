// The container engine `warpdrive image` drives (podman, docker or buildah):
// which one, and what it says about an image. Internal to image/.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"
#include "error.hpp"
#include "fsutil.hpp"
#include "process.hpp"

namespace wd::image {

enum class Engine { podman, docker, buildah };
std::string_view engine_name(Engine engine);
std::optional<Engine> parse_engine(std::string_view name);

// An engine and the program that runs it.
struct FoundEngine {
  Engine engine = Engine::podman;
  fs::path path;
};
// `name` (--engine) when given, else the first of podman, docker, buildah on
// PATH; an unknown name is a usage error, none found an error saying what to install.
Result<FoundEngine> find_engine(const EnvVars& env, const std::string& name);

// The parts of an image's configuration the build needs (from `inspect`).
struct ImageConfig {
  std::string id;
  std::string user;
  std::optional<std::vector<std::string>> entrypoint;
  std::vector<std::string> env;  // NAME=VALUE
  std::map<std::string, std::string> labels;
};

// Parses `podman|docker image inspect` output (a JSON array) or, for
// buildah, `buildah inspect --type image` output (an object).
Result<ImageConfig> parse_inspect(Engine engine, std::string_view json);

// True when the image's environment sets `name`.
bool env_has(const ImageConfig& image, std::string_view name);

// /dev/null, open for as long as the object lives (-1 when it cannot be opened).
struct NullFd {
  int fd;
  NullFd();
  ~NullFd();
  NullFd(const NullFd&) = delete;
  NullFd& operator=(const NullFd&) = delete;
};

// Runs `program args...` with its standard error discarded, capturing stdout.
Result<Captured> quiet_query(const Context& ctx, const fs::path& program, std::vector<std::string> args);

// The configuration of `image` as the engine sees it; nullopt when the engine
// does not have it (nothing is pulled).
Result<std::optional<ImageConfig>> inspect_image(const Context& ctx, const FoundEngine& engine,
                                                 const std::string& image);

}  // namespace wd::image
