#include "s2i_engine.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace wd::image {

namespace {

// The engines by name, in the order they are looked for on PATH.
constexpr std::pair<Engine, std::string_view> kEngines[] = {
    {Engine::podman, "podman"},
    {Engine::docker, "docker"},
    {Engine::buildah, "buildah"},
};

// The "Config" object of the inspect output, read into `out`.
void read_config(const nlohmann::json& config, ImageConfig& out) {
  auto str = [&](const char* key) {
    auto it = config.find(key);
    return it != config.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto strings = [&](const char* key) -> std::optional<std::vector<std::string>> {
    auto it = config.find(key);
    if (it == config.end() || !it->is_array()) return std::nullopt;
    std::vector<std::string> v;
    for (const auto& s : *it)
      if (s.is_string()) v.push_back(s.get<std::string>());
    return v;
  };
  out.user = str("User");
  out.entrypoint = strings("Entrypoint");
  out.env = strings("Env").value_or(std::vector<std::string>{});
  auto labels = config.find("Labels");
  if (labels != config.end() && labels->is_object())
    for (const auto& [k, v] : labels->items())
      if (v.is_string()) out.labels[k] = v.get<std::string>();
}

}  // namespace

std::string_view engine_name(Engine engine) {
  for (const auto& [e, name] : kEngines)
    if (e == engine) return name;
  return "podman";
}

std::optional<Engine> parse_engine(std::string_view name) {
  for (const auto& [e, n] : kEngines)
    if (n == name) return e;
  return std::nullopt;
}

Result<FoundEngine> find_engine(const EnvVars& env, const std::string& name) {
  if (!name.empty()) {
    auto engine = parse_engine(name);
    if (!engine)
      return make_error(fmt::format("--engine '{}': unknown engine; choose podman, docker or buildah", name),
                        kExitUsage);
    WD_ASSIGN(fs::path path, find_program(name, env));
    return FoundEngine{*engine, path};
  }
  for (const auto& [e, n] : kEngines)
    if (auto path = find_program(std::string(n), env)) return FoundEngine{e, *path};
  return make_error("no container engine found: install podman, docker or buildah (or name one with --engine)");
}

Result<ImageConfig> parse_inspect(Engine engine, std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded()) return make_error("the engine's inspect output is not JSON");
  ImageConfig out;
  const nlohmann::json* config = nullptr;
  if (engine == Engine::buildah) {
    if (!doc.is_object()) return make_error("buildah inspect: expected a JSON object");
    out.id = doc.value("FromImageID", "");
    if (doc.contains("OCIv1") && doc["OCIv1"].contains("config")) config = &doc["OCIv1"]["config"];
  } else {
    if (!doc.is_array() || doc.empty() || !doc[0].is_object())
      return make_error(fmt::format("{} image inspect: expected a JSON array of images", engine_name(engine)));
    out.id = doc[0].value("Id", "");
    if (doc[0].contains("Config")) config = &doc[0]["Config"];
  }
  if (config && config->is_object()) read_config(*config, out);
  if (out.id.empty()) return make_error("the engine's inspect output has no image ID");
  return out;
}

bool env_has(const ImageConfig& image, std::string_view name) {
  for (const auto& e : image.env)
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') return true;
  return false;
}

NullFd::NullFd() : fd(::open("/dev/null", O_RDWR | O_CLOEXEC)) {}
NullFd::~NullFd() {
  if (fd >= 0) ::close(fd);
}

Result<Captured> quiet_query(const Context& ctx, const fs::path& program, std::vector<std::string> args) {
  NullFd null;
  ProcessSpec spec;
  spec.argv.push_back(program.string());
  for (auto& a : args) spec.argv.push_back(std::move(a));
  spec.env = ctx.inherited;
  spec.redirects.push_back({STDERR_FILENO, null.fd});
  return run_capture(spec);
}

Result<std::optional<ImageConfig>> inspect_image(const Context& ctx, const FoundEngine& engine,
                                                 const std::string& image) {
  std::vector<std::string> args = engine.engine == Engine::buildah
                                      ? std::vector<std::string>{"inspect", "--type", "image", image}
                                      : std::vector<std::string>{"image", "inspect", image};
  WD_ASSIGN(Captured out, quiet_query(ctx, engine.path, std::move(args)));
  if (out.exit_status != 0) return std::optional<ImageConfig>{};
  WD_ASSIGN(ImageConfig config, parse_inspect(engine.engine, out.out));
  return std::optional<ImageConfig>(std::move(config));
}

}  // namespace wd::image
