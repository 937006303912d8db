#include "s2i_build.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <ctime>
#include <random>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "builders.hpp"
#include "log.hpp"
#include "process.hpp"
#include "shell.hpp"
#include "tar_writer.hpp"

namespace wd::image {

namespace {

constexpr std::string_view kInjectTar = "inject.tar";
constexpr std::string_view kArtifactsTar = "artifacts.tar";
constexpr std::string_view kWorkPrefix = "@work/";  // argv words naming a file of the work directory
constexpr std::string_view kDiscard = "@null";      // stdout_to: thrown away

// Internal steps are told apart by these `what` texts' first word.
constexpr std::string_view kExtractStep = "extract the saved artifacts";
constexpr std::string_view kWriteTarStep = "write the injection tar";
// The file of the injection tar that carries the build-only variables.
constexpr std::string_view kBuildEnvFile = ".warpdrive-build-env";

struct NullFd {
  int fd = ::open("/dev/null", O_RDWR | O_CLOEXEC);
  ~NullFd() {
    if (fd >= 0) ::close(fd);
  }
};

// Runs an engine command with its standard error discarded, capturing stdout.
Result<Captured> engine_query(const Context& ctx, const fs::path& engine, std::vector<std::string> args) {
  NullFd null;
  ProcessSpec spec;
  spec.argv.push_back(engine.string());
  for (auto& a : args) spec.argv.push_back(std::move(a));
  spec.env = ctx.inherited;
  spec.redirects.push_back({STDERR_FILENO, null.fd});
  return run_capture(spec);
}

Result<std::optional<ImageConfig>> inspect_image(const Context& ctx, Engine engine, const fs::path& path,
                                                 const std::string& image) {
  std::vector<std::string> args = engine == Engine::buildah
                                      ? std::vector<std::string>{"inspect", "--type", "image", image}
                                      : std::vector<std::string>{"image", "inspect", image};
  WD_ASSIGN(Captured out, engine_query(ctx, path, std::move(args)));
  if (out.exit_status != 0) return std::optional<ImageConfig>{};
  WD_ASSIGN(ImageConfig config, parse_inspect(engine, out.out));
  return std::optional<ImageConfig>(std::move(config));
}

std::string default_output_name(const fs::path& root) {
  std::string base = root.filename().string();
  if (base.empty()) base = root.parent_path().filename().string();
  std::string out;
  for (char c : base) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' || l == '_' || l == '-';
    out += ok ? l : '-';
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(out.begin());
  return out.empty() ? "app" : out;
}

std::string git_value(const Context& ctx, const fs::path& git, const fs::path& dir, std::vector<std::string> args) {
  std::vector<std::string> full{"-C", dir.string()};
  for (auto& a : args) full.push_back(std::move(a));
  auto out = engine_query(ctx, git, std::move(full));
  if (!out || out->exit_status != 0) return {};
  return trim(out->out);
}

SourceInfo source_info(const Context& ctx, const fs::path& source, const std::string& context_dir) {
  SourceInfo info;
  info.location = source.string();
  info.context_dir = context_dir;
  auto git = find_program("git", ctx.inherited);
  if (!git || git_value(ctx, *git, source, {"rev-parse", "--is-inside-work-tree"}) != "true") return info;
  std::string origin = git_value(ctx, *git, source, {"config", "--get", "remote.origin.url"});
  if (!origin.empty()) info.location = origin;
  info.ref = git_value(ctx, *git, source, {"rev-parse", "--abbrev-ref", "HEAD"});
  info.commit_id = git_value(ctx, *git, source, {"rev-parse", "--verify", "HEAD"});
  std::string name = git_value(ctx, *git, source, {"--no-pager", "show", "-s", "--format=%an", "HEAD"});
  std::string email = git_value(ctx, *git, source, {"--no-pager", "show", "-s", "--format=%ae", "HEAD"});
  if (!name.empty()) info.author = fmt::format("{} <{}>", name, email);
  info.date = git_value(ctx, *git, source, {"--no-pager", "show", "-s", "--format=%ad", "HEAD"});
  info.message = git_value(ctx, *git, source, {"--no-pager", "show", "-s", "--format=%<(80,trunc)%s", "HEAD"});
  return info;
}

bool env_has(const ImageConfig& image, std::string_view name) {
  for (const auto& e : image.env)
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=') return true;
  return false;
}

std::string json_array(const std::vector<std::string>& words) { return nlohmann::json(words).dump(); }

bool has_build_only(const ImagePlan& plan) {
  return std::any_of(plan.env.begin(), plan.env.end(), [](const PlannedEnv& e) { return e.build_only; });
}

// What the container runs: the tar from stdin extracted into the destination,
// the build-only variables read from it and the file removed (so that it is
// in no layer), then assemble.
std::string assemble_shell(const ImagePlan& plan) {
  std::string out = "tar -C " + shell_quote(plan.destination) + " -xf - && ";
  if (has_build_only(plan)) {
    std::string file = shell_quote(plan.destination + "/" + std::string(kBuildEnvFile));
    out += ". " + file + " && rm -f " + file + " && ";
  }
  return out + "exec " + shell_quote(plan.assemble_command);
}

// The steps for podman and docker: save-artifacts in the previous image,
// then one `run -i` container fed the tar on stdin, committed, removed.
void container_engine_steps(ImagePlan& plan) {
  const std::string engine = std::string(engine_name(plan.engine));
  const bool podman = plan.engine == Engine::podman;
  if (plan.previous && !plan.previous_scripts_dir.empty()) {
    std::string script = plan.previous_scripts_dir + "/save-artifacts";
    plan.steps.push_back(
        {Step::Kind::save_artifacts,
         "run save-artifacts in the previous image " + plan.previous_image,
         {engine, "run", "--rm", "--entrypoint", "/bin/sh", plan.previous->id, "-c", "exec " + shell_quote(script)},
         "",
         std::string(kArtifactsTar),
         true});
    plan.steps.push_back({Step::Kind::extract_artifacts, std::string(kExtractStep), {}, "", "", true});
  }
  plan.steps.push_back({Step::Kind::write_tar, std::string(kWriteTarStep), {}, "", "", false});

  std::vector<std::string> run{engine, "run", "-i", "--name", plan.container, "--entrypoint", "/bin/sh"};
  if (podman) run.insert(run.begin() + 2, "--pull=never");
  if (!plan.assemble_user.empty()) {
    run.push_back("--user");
    run.push_back(plan.assemble_user);
  }
  if (!plan.network.empty()) run.push_back("--network=" + plan.network);
  if (podman) {
    // podman adds these to every container; S2I's output image has neither.
    for (const char* name : {"TERM", "container"})
      if (!env_has(plan.builder, name)) {
        run.push_back("--unsetenv");
        run.push_back(name);
      }
  }
  for (const auto& e : plan.env) {
    if (e.build_only) continue;
    run.push_back("-e");
    run.push_back(e.name + "=" + e.value);
  }
  for (const auto& [k, v] : plan.new_labels) {
    run.push_back("--label");
    run.push_back(k + "=" + v);
  }
  run.push_back(plan.builder.id);
  run.push_back("-c");
  run.push_back(assemble_shell(plan));
  plan.steps.push_back({Step::Kind::assemble, "run assemble in a container of " + plan.builder_image, run,
                        std::string(kInjectTar), "", false});

  std::vector<std::string> commit{engine, "commit"};
  if (podman) commit.push_back("-q");
  commit.push_back("--change");
  commit.push_back("CMD " + json_array({plan.run_command}));
  commit.push_back("--change");
  commit.push_back("ENTRYPOINT " + json_array(plan.builder.entrypoint.value_or(std::vector<std::string>{})));
  if (!plan.builder.user.empty()) {
    commit.push_back("--change");
    commit.push_back("USER " + plan.builder.user);
  }
  commit.push_back(plan.container);
  commit.push_back(plan.output_image);
  plan.steps.push_back(
      {Step::Kind::command, "commit the container as " + plan.output_image, commit, "", std::string(kDiscard), false});
  plan.steps.push_back({Step::Kind::cleanup,
                        "remove the build container",
                        {engine, "rm", "-f", plan.container},
                        "",
                        std::string(kDiscard),
                        false});
}

// The steps for buildah: working containers configured with `buildah config`
// (values passed as arguments, never parsed), and assemble run by `buildah
// run` fed the tar on stdin, as with podman (the builder's user extracts it).
void buildah_steps(ImagePlan& plan) {
  if (plan.previous && !plan.previous_scripts_dir.empty()) {
    std::string saver = plan.container + "-previous";
    plan.steps.push_back({Step::Kind::save_artifacts,
                          "start a working container of the previous image " + plan.previous_image,
                          {"buildah", "from", "--pull-never", "--name", saver, plan.previous->id},
                          "",
                          std::string(kDiscard),
                          true});
    plan.steps.push_back({Step::Kind::save_artifacts,
                          "run save-artifacts in the previous image",
                          {"buildah", "run", saver, "--", plan.previous_scripts_dir + "/save-artifacts"},
                          "",
                          std::string(kArtifactsTar),
                          true});
    plan.steps.push_back({Step::Kind::cleanup,
                          "remove the previous image's working container",
                          {"buildah", "rm", saver},
                          "",
                          std::string(kDiscard),
                          true});
    plan.steps.push_back({Step::Kind::extract_artifacts, std::string(kExtractStep), {}, "", "", true});
  }
  plan.steps.push_back({Step::Kind::write_tar, std::string(kWriteTarStep), {}, "", "", false});
  plan.steps.push_back({Step::Kind::command,
                        "start a working container of " + plan.builder_image,
                        {"buildah", "from", "--pull-never", "--name", plan.container, plan.builder.id},
                        "",
                        std::string(kDiscard),
                        false});
  std::vector<std::string> config{"buildah", "config"};
  for (const auto& e : plan.env) {
    if (e.build_only) continue;
    config.push_back("--env");
    config.push_back(e.name + "=" + e.value);
  }
  for (const auto& [k, v] : plan.new_labels) {
    config.push_back("--label");
    config.push_back(k + "=" + v);
  }
  config.push_back(plan.container);
  plan.steps.push_back({Step::Kind::command, "set the environment and labels", config, "", "", false});
  std::vector<std::string> run{"buildah", "run"};
  if (!plan.assemble_user.empty()) {
    run.push_back("--user");
    run.push_back(plan.assemble_user);
  }
  if (!plan.network.empty()) run.push_back("--network=" + plan.network);
  run.push_back(plan.container);
  run.push_back("--");
  run.push_back("/bin/sh");
  run.push_back("-c");
  run.push_back(assemble_shell(plan));
  plan.steps.push_back({Step::Kind::assemble, "run assemble in a container of " + plan.builder_image, run,
                        std::string(kInjectTar), "", false});
  plan.steps.push_back({Step::Kind::command,
                        "set the run script as the command",
                        {"buildah", "config", "--cmd", json_array({plan.run_command}), plan.container},
                        "",
                        "",
                        false});
  plan.steps.push_back({Step::Kind::command,
                        "commit the container as " + plan.output_image,
                        {"buildah", "commit", "-q", plan.container, plan.output_image},
                        "",
                        std::string(kDiscard),
                        false});
  plan.steps.push_back({Step::Kind::cleanup,
                        "remove the working container",
                        {"buildah", "rm", plan.container},
                        "",
                        std::string(kDiscard),
                        false});
}

std::string random_suffix() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

}  // namespace

std::string_view engine_name(Engine engine) {
  switch (engine) {
    case Engine::podman:
      return "podman";
    case Engine::docker:
      return "docker";
    case Engine::buildah:
      return "buildah";
  }
  return "podman";
}

std::optional<Engine> parse_engine(std::string_view name) {
  for (Engine e : {Engine::podman, Engine::docker, Engine::buildah})
    if (engine_name(e) == name) return e;
  return std::nullopt;
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
  if (config && config->is_object()) {
    auto str = [&](const char* key) {
      auto it = config->find(key);
      return it != config->end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto strings = [&](const char* key) -> std::optional<std::vector<std::string>> {
      auto it = config->find(key);
      if (it == config->end() || !it->is_array()) return std::nullopt;
      std::vector<std::string> v;
      for (const auto& s : *it)
        if (s.is_string()) v.push_back(s.get<std::string>());
      return v;
    };
    out.user = str("User");
    out.entrypoint = strings("Entrypoint");
    out.env = strings("Env").value_or(std::vector<std::string>{});
    auto labels = config->find("Labels");
    if (labels != config->end() && labels->is_object())
      for (const auto& [k, v] : labels->items())
        if (v.is_string()) out.labels[k] = v.get<std::string>();
  }
  if (out.id.empty()) return make_error("the engine's inspect output has no image ID");
  return out;
}

std::map<std::string, std::string> generated_labels(const SourceInfo& info, const std::string& builder_image,
                                                    const std::string& output_image) {
  std::map<std::string, std::string> labels;
  auto add = [&](const std::string& key, const std::string& value) {
    if (!value.empty()) labels[key] = value;
  };
  add("io.k8s.display-name", output_image);
  const std::string ns = "io.openshift.s2i.build.";
  add(ns + "image", builder_image);
  add(ns + "commit.author", info.author);
  add(ns + "commit.date", info.date);
  add(ns + "commit.id", info.commit_id);
  add(ns + "commit.ref", info.ref);
  add(ns + "commit.message", info.message);
  add(ns + "source-location", mask_credentials(info.location));  // a remote URL may hold a token
  add(ns + "source-context-dir", info.context_dir);
  return labels;
}

std::string scripts_url(const ImageConfig& image) {
  for (const char* key : {"io.openshift.s2i.scripts-url", "io.s2i.scripts-url"}) {
    auto it = image.labels.find(key);
    if (it != image.labels.end() && !it->second.empty()) return it->second;
  }
  for (const auto& e : image.env)
    if (e.starts_with("STI_SCRIPTS_URL=")) return e.substr(16);
  return {};
}

Result<std::string> image_scripts_dir(const std::string& url) {
  constexpr std::string_view scheme = "image://";
  if (!url.starts_with(scheme))
    return make_error(fmt::format(
        "scripts URL '{}' is not an image:// URL; warpdrive image runs only scripts inside the builder image "
        "or the application's .s2i/bin",
        url));
  std::string dir = url.substr(scheme.size());
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty() || dir[0] != '/') return make_error(fmt::format("scripts URL '{}' names no absolute directory", url));
  return dir;
}

Result<ScriptsLocation> parse_scripts_url(const std::string& url, const fs::path& cwd) {
  if (url.empty())
    return make_error("--scripts-url '': expected image:///DIR, file:///DIR, a directory or an http(s):// URL",
                      kExitUsage);
  if (url.starts_with("image://")) {
    WD_ASSIGN(std::string dir, image_scripts_dir(url));
    return ScriptsLocation{ScriptsLocation::Kind::image, dir};
  }
  if (url.starts_with("http://") || url.starts_with("https://")) {
    const size_t host = url.find("://") + 3;
    std::string base = url;
    while (base.size() > host && base.ends_with('/')) base.pop_back();
    if (base.size() <= host || base[host] == '/')
      return make_error(fmt::format("--scripts-url '{}': the URL names no host", url), kExitUsage);
    return ScriptsLocation{ScriptsLocation::Kind::http, base};
  }
  std::string path = url;
  if (url.starts_with("file://")) {
    path = url.substr(7);
    if (!path.starts_with('/'))
      return make_error(fmt::format("--scripts-url '{}': a file:// URL names an absolute directory (file:///DIR)", url),
                        kExitUsage);
  } else if (auto colon = url.find("://"); colon != std::string::npos) {
    return make_error(
        fmt::format("--scripts-url '{}': unsupported scheme '{}' (image://, file://, http:// or https://)", url,
                    url.substr(0, colon)),
        kExitUsage);
  }
  fs::path dir = fs::path(path).is_absolute() ? fs::path(path) : cwd / path;
  dir = dir.lexically_normal();
  if (!is_dir(dir)) return make_error(fmt::format("--scripts-url '{}': no directory {}", url, dir.string()));
  std::string where = dir.string();
  while (where.size() > 1 && where.ends_with('/')) where.pop_back();
  return ScriptsLocation{ScriptsLocation::Kind::local, where};
}

Result<ImagePlan> plan_image(const Context& ctx, const ImageOptions& options) {
  ImagePlan plan;

  // The engine: --engine, else the first found on PATH.
  if (!options.engine.empty()) {
    auto engine = parse_engine(options.engine);
    if (!engine)
      return make_error(fmt::format("--engine '{}': unknown engine; choose podman, docker or buildah", options.engine),
                        kExitUsage);
    plan.engine = *engine;
    WD_ASSIGN(plan.engine_path, find_program(std::string(engine_name(*engine)), ctx.inherited));
  } else {
    bool found = false;
    for (Engine e : {Engine::podman, Engine::docker, Engine::buildah}) {
      auto path = find_program(std::string(engine_name(e)), ctx.inherited);
      if (path) {
        plan.engine = e;
        plan.engine_path = *path;
        found = true;
        break;
      }
    }
    if (!found)
      return make_error("no container engine found: install podman, docker or buildah (or name one with --engine)");
  }

  // The source: the working tree as it is, at the context directory.
  fs::path source = options.source.empty() ? ctx.cwd : fs::absolute(options.source);
  if (!is_dir(source)) return make_error(fmt::format("source directory {} does not exist", source.string()));
  plan.context_dir = options.context_dir;
  plan.source_root = source;
  if (!options.context_dir.empty()) {
    std::string cleaned = clean_relative(options.context_dir);
    if (options.context_dir.starts_with('/') || cleaned.empty() || cleaned.starts_with(".."))
      return make_error(fmt::format("--context-dir '{}': must be a subdirectory of the source {}", options.context_dir,
                                    source.string()),
                        kExitUsage);
    plan.source_root = source / cleaned;
    if (!is_dir(plan.source_root))
      return make_error(
          fmt::format("--context-dir '{}': no such directory in {}", options.context_dir, source.string()));
  }
  WD_ASSIGN(plan.selection, select_source(plan.source_root));

  // The builder image: --builder-image, .warpdrive/builder_image,
  // WARPDRIVE_BUILDER_IMAGE, the one for the Python the app asks for, the default.
  WD_ASSIGN(BuilderChoice choice, choose_builder(ctx.inherited, plan.source_root, options.builder_image));
  plan.builder_image = choice.image;
  plan.builder_origin = choice.origin;
  WD_ASSIGN(auto builder, inspect_image(ctx, plan.engine, plan.engine_path, plan.builder_image));
  if (!builder && !options.pull_builder)
    return make_error(
        fmt::format("builder image '{}' (from {}) is not here; warpdrive image would try to pull it, "
                    "which --dry-run does not do (pull it, or build it with {})",
                    plan.builder_image, plan.builder_origin,
                    choice.build_command.empty() ? std::string("image/build.sh") : choice.build_command));
  if (!builder) {
    // As S2I does, pull a builder that is not there yet.
    ProcessSpec pull;
    pull.argv = {plan.engine_path.string(), "pull", plan.builder_image};
    pull.env = ctx.inherited;
    pull.redirects.push_back({STDOUT_FILENO, STDERR_FILENO});
    WD_ASSIGN(int status, run(pull));
    if (status == 0) {
      WD_ASSIGN(builder, inspect_image(ctx, plan.engine, plan.engine_path, plan.builder_image));
    }
    if (!builder)
      return make_error(
          fmt::format("builder image '{}' (from {}) not found by {} and could not be pulled; build it with {} "
                      "or name another with --builder-image",
                      plan.builder_image, plan.builder_origin, engine_name(plan.engine),
                      choice.build_command.empty() ? std::string("image/build.sh") : choice.build_command));
  }
  plan.builder = std::move(*builder);

  // Where the scripts are and where the tar goes, from the builder's labels.
  plan.scripts_url = scripts_url(plan.builder);
  if (!options.scripts_url.empty()) {
    WD_ASSIGN(plan.scripts_option, parse_scripts_url(options.scripts_url, ctx.cwd));
    plan.scripts_url = options.scripts_url;
  }
  auto dest = plan.builder.labels.find("io.openshift.s2i.destination");
  plan.destination = dest != plan.builder.labels.end() && !dest->second.empty() ? dest->second : "/tmp";
  auto assemble_user = plan.builder.labels.find("io.openshift.s2i.assemble-user");
  plan.assemble_user = assemble_user != plan.builder.labels.end() && !assemble_user->second.empty()
                           ? assemble_user->second
                           : plan.builder.user;
  for (const char* script : {"assemble", "run", "save-artifacts", "usage"})
    if (is_executable_file(plan.source_root / ".s2i" / "bin" / script)) plan.app_scripts.push_back(script);
  auto from_app = [&](const char* script) {
    return std::find(plan.app_scripts.begin(), plan.app_scripts.end(), script) != plan.app_scripts.end();
  };
  // --scripts-url's scripts come first (S2I's order), then the source's
  // .s2i/bin, then the builder's. Injected ones are run from DEST/scripts.
  using Kind = ScriptsLocation::Kind;
  const auto& option = plan.scripts_option;
  if (option && option->kind == Kind::local) {
    for (const char* script : {"assemble", "run", "save-artifacts", "usage"})
      if (is_executable_file(fs::path(option->where) / script)) plan.url_scripts.push_back(script);
    if (plan.url_scripts.empty())
      return make_error(fmt::format("--scripts-url '{}': {} has no executable assemble, run, save-artifacts or usage",
                                    options.scripts_url, option->where));
  } else if (option && option->kind == Kind::http) {
    plan.url_scripts = {"assemble", "run", "save-artifacts", "usage"};
  }
  auto injected = [&](const char* script) {
    return from_app(script) ||
           std::find(plan.url_scripts.begin(), plan.url_scripts.end(), script) != plan.url_scripts.end();
  };
  if (option && option->kind == Kind::image) {
    plan.scripts_dir = option->where;
  } else if (!(injected("assemble") && injected("run"))) {
    if (plan.scripts_url.empty() || option)
      return make_error(fmt::format(
          "builder image '{}' has no io.openshift.s2i.scripts-url label and neither {} has an assemble and a run "
          "script: it is not an S2I builder",
          plan.builder_image,
          option ? "--scripts-url '" + options.scripts_url + "' nor the source's .s2i/bin"
                 : std::string("the source's .s2i/bin")));
    WD_ASSIGN(plan.scripts_dir, image_scripts_dir(plan.scripts_url));
  }
  auto command = [&](const char* script) {
    bool image_url = option && option->kind == Kind::image;
    return !image_url && injected(script) ? plan.destination + "/scripts/" + script : plan.scripts_dir + "/" + script;
  };
  plan.assemble_command = command("assemble");
  plan.run_command = command("run");
  for (const auto& word : {plan.assemble_user, plan.builder.user})
    if (word.find_first_of(" \t\n") != std::string::npos)
      return make_error(fmt::format("builder image '{}': user '{}' has white space in it", plan.builder_image, word));

  // The environment: .s2i/environment, then -e (a later value wins).
  auto add_env = [&](const std::string& name, const std::string& value, const std::string& origin) {
    for (auto& e : plan.env)
      if (e.name == name) {
        e.value = value;
        e.origin = origin;
        return;
      }
    plan.env.push_back({name, value, origin, false});
  };
  WD_ASSIGN(auto env_text, read_file_if_exists(plan.source_root / ".s2i" / "environment"));
  if (env_text) {
    S2iEnvironment parsed = parse_s2i_environment(*env_text);
    for (const auto& v : parsed.vars) add_env(v.name, v.value, fmt::format(".s2i/environment line {}", v.line));
    plan.skipped_env_lines = parsed.skipped;
  }
  for (const auto& arg : options.env_args) {
    WD_ASSIGN(EnvVar v, parse_env_argument(arg));
    add_env(v.name, v.value, "-e");
  }

  for (auto& e : plan.env) e.build_only = secret_variable(e.name) || mask_credentials(e.value) != e.value;

  // buildah config expands $VAR in --env values (and rejects "$$"), so a
  // value with '$' cannot reach a buildah-built image as it was written.
  if (plan.engine == Engine::buildah)
    for (const auto& e : plan.env)
      if (!e.build_only && e.value.find('$') != std::string::npos)
        return make_error(
            fmt::format("{} ({}): the value '{}' has a '$', which buildah config would expand; "
                        "build with --engine podman or docker",
                        e.name, e.origin, e.value));

  // Names and labels.
  plan.output_image = options.name.empty() ? default_output_name(plan.source_root) : options.name;
  SourceInfo info = source_info(ctx, source, plan.context_dir.empty() ? "" : clean_relative(plan.context_dir));
  plan.new_labels = generated_labels(info, plan.builder_image, plan.output_image);
  plan.labels = plan.builder.labels;
  for (const auto& [k, v] : plan.new_labels) plan.labels[k] = v;

  // Incremental: the previous image of the same name, and its save-artifacts;
  // --wheelhouse IMAGE (the original's option) takes them from IMAGE instead,
  // typically one built with --build-target wheelhouse.
  plan.incremental = options.incremental || !options.wheelhouse_image.empty();
  plan.previous_image = options.wheelhouse_image.empty() ? plan.output_image : options.wheelhouse_image;
  if (plan.incremental) {
    WD_ASSIGN(plan.previous, inspect_image(ctx, plan.engine, plan.engine_path, plan.previous_image));
    if (!plan.previous && !options.wheelhouse_image.empty())
      return make_error(
          fmt::format("--wheelhouse {0}: there is no image {0} (build it first, for example with "
                      "warpdrive image {0} --build-target wheelhouse)",
                      options.wheelhouse_image));
    if (plan.previous) {
      auto dir = image_scripts_dir(scripts_url(*plan.previous));
      if (dir) plan.previous_scripts_dir = *dir;
      // The previous image was built with the same --scripts-url: its
      // save-artifacts is in the image's scripts directory, or where it was injected.
      if (option && option->kind == Kind::image) plan.previous_scripts_dir = option->where;
      if (option && option->kind != Kind::image &&
          std::find(plan.url_scripts.begin(), plan.url_scripts.end(), "save-artifacts") != plan.url_scripts.end())
        plan.previous_scripts_dir = plan.destination + "/scripts";
      if (plan.previous_scripts_dir.empty() && !options.wheelhouse_image.empty())
        return make_error(
            fmt::format("--wheelhouse {}: the image names no S2I scripts (no image:// "
                        "io.openshift.s2i.scripts-url label), so it has no save-artifacts to run",
                        options.wheelhouse_image));
    }
  }

  plan.network = options.network;
  if (plan.network.find_first_of(" \t\n") != std::string::npos || plan.network.starts_with('-'))
    return make_error(fmt::format("--network '{}': expected a network mode such as host or none", plan.network),
                      kExitUsage);
  plan.container = fmt::format("warpdrive-image-{}-{}", ::getpid(), random_suffix());
  if (option && option->kind == Kind::http) {
    // Each script downloaded by curl (argv, no shell) into WORKDIR/scripts;
    // one the source also has, and save-artifacts and usage, may be missing.
    auto curl = find_program("curl", ctx.inherited);
    if (!curl)
      return make_error(fmt::format("--scripts-url '{}': downloading the scripts needs curl, which is not on PATH",
                                    options.scripts_url));
    for (const auto& script : plan.url_scripts) {
      bool required = (script == "assemble" || script == "run") && !from_app(script.c_str());
      plan.steps.push_back(
          {Step::Kind::download,
           fmt::format("download {} from {}", script, option->where),
           {curl->string(), "--fail", "--silent", "--show-error", "--location", "--proto", "=http,https",
            "--create-dirs", "--output", std::string(kWorkPrefix) + "scripts/" + script, option->where + "/" + script},
           "",
           "",
           !required});
    }
  }
  if (plan.engine == Engine::buildah)
    buildah_steps(plan);
  else
    container_engine_steps(plan);
  return plan;
}

namespace {

std::string display_argv(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    if (a.starts_with(kWorkPrefix))
      out += "WORKDIR/" + a.substr(kWorkPrefix.size());
    else
      out += shell_quote(a);
  }
  return out;
}

}  // namespace

std::string describe_plan(const ImagePlan& plan) {
  std::string out;
  out += fmt::format("engine: {} ({})\n", engine_name(plan.engine), plan.engine_path.string());
  out += fmt::format("builder image: {} (from {}; id {})\n", plan.builder_image, plan.builder_origin,
                     plan.builder.id.substr(0, 12));
  out += fmt::format("output image: {}\n", plan.output_image);
  out += fmt::format("source: {}\n", plan.source_root.string());
  size_t files = 0;
  for (const auto& e : plan.selection.entries)
    if (e.kind != SourceEntry::Kind::directory) ++files;
  out += fmt::format("files: {} ({} entries; .git excluded: {}; .s2iignore excluded: {})\n", files,
                     plan.selection.entries.size(), plan.selection.git_excluded,
                     plan.selection.ignored.empty() ? std::string("none")
                                                    : fmt::format("{}", fmt::join(plan.selection.ignored, ", ")));
  out +=
      fmt::format("scripts: {}{}\n", plan.scripts_url.empty() ? std::string("(none in the image)") : plan.scripts_url,
                  plan.scripts_option ? " (--scripts-url)" : "");
  if (plan.scripts_option) {
    switch (plan.scripts_option->kind) {
      case ScriptsLocation::Kind::image:
        out += fmt::format("scripts from --scripts-url: in the builder image, {}\n", plan.scripts_option->where);
        break;
      case ScriptsLocation::Kind::local:
        out += fmt::format("scripts from --scripts-url: injected as scripts/ from {}: {}\n", plan.scripts_option->where,
                           fmt::join(plan.url_scripts, ", "));
        break;
      case ScriptsLocation::Kind::http:
        out += fmt::format("scripts from --scripts-url: downloaded from {}/ and injected as scripts/: {}\n",
                           plan.scripts_option->where, fmt::join(plan.url_scripts, ", "));
        break;
    }
  }
  if (!plan.app_scripts.empty())
    out += fmt::format("application scripts (.s2i/bin): {}\n", fmt::join(plan.app_scripts, ", "));
  out += fmt::format("assemble: {} (as user {})\n", plan.assemble_command,
                     plan.assemble_user.empty() ? std::string("of the image") : plan.assemble_user);
  out += fmt::format("run: {}\n", plan.run_command);
  if (!plan.network.empty()) out += fmt::format("network of the assemble container: {}\n", plan.network);
  out += fmt::format(
      "incremental: {}\n",
      !plan.incremental ? std::string("no")
      : plan.previous ? fmt::format("yes, artifacts from {} ({})", plan.previous_image, plan.previous->id.substr(0, 12))
                      : std::string("yes, but there is no previous image yet"));
  out += "environment:\n";
  if (plan.env.empty()) out += "  (none)\n";
  for (const auto& e : plan.env)
    out += fmt::format("  {}={}  ({}{})\n", e.name,
                       secret_variable(e.name) ? std::string("****") : shell_quote(mask_credentials(e.value)), e.origin,
                       e.build_only ? "; holds a credential: for assemble only, not kept in the image" : "");
  out += "labels:\n";
  for (const auto& [k, v] : plan.labels) out += fmt::format("  {}={}\n", k, shell_quote(v));
  out += "steps:\n";
  int n = 0;
  for (const auto& s : plan.steps) {
    out += fmt::format("  {}. {}{}\n", ++n, s.what, s.optional ? " (may fail)" : "");
    if (!s.argv.empty()) {
      out += "     " + display_argv(s.argv);
      if (!s.stdin_from.empty()) out += " < WORKDIR/" + s.stdin_from;
      if (!s.stdout_to.empty() && s.stdout_to != kDiscard) out += " > WORKDIR/" + s.stdout_to;
      out += "\n";
    }
  }
  return out;
}

std::string_view step_kind_name(Step::Kind kind) {
  switch (kind) {
    case Step::Kind::command:
      return "command";
    case Step::Kind::save_artifacts:
      return "save-artifacts";
    case Step::Kind::extract_artifacts:
      return "extract-artifacts";
    case Step::Kind::write_tar:
      return "write-tar";
    case Step::Kind::download:
      return "download";
    case Step::Kind::assemble:
      return "assemble";
    case Step::Kind::cleanup:
      return "cleanup";
  }
  return "command";
}

std::string plan_json(const ImagePlan& plan) {
  nlohmann::ordered_json j;
  j["engine"] = engine_name(plan.engine);
  j["engine_path"] = plan.engine_path.string();
  j["builder_image"] = plan.builder_image;
  j["builder_origin"] = plan.builder_origin;
  j["builder_id"] = plan.builder.id;
  j["output_image"] = plan.output_image;
  j["source"] = plan.source_root.string();
  j["context_dir"] = plan.context_dir;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& e : plan.selection.entries) files.push_back(e.relpath);
  j["files"] = files;
  j["ignored"] = plan.selection.ignored;
  j["scripts_url"] = plan.scripts_url;
  j["application_scripts"] = plan.app_scripts;
  if (plan.scripts_option) {
    constexpr std::array<const char*, 3> kinds{"image", "local", "http"};
    j["scripts_url_option"] = {{"kind", kinds[static_cast<size_t>(plan.scripts_option->kind)]},
                               {"where", plan.scripts_option->where},
                               {"scripts", plan.url_scripts}};
  }
  j["assemble"] = plan.assemble_command;
  j["assemble_user"] = plan.assemble_user;
  j["run"] = plan.run_command;
  j["destination"] = plan.destination;
  j["network"] = plan.network;
  j["incremental"] = plan.incremental;
  j["previous_image"] = plan.previous_image;
  j["previous_image_id"] = plan.previous ? plan.previous->id : "";
  nlohmann::ordered_json env = nlohmann::ordered_json::array();
  for (const auto& e : plan.env)
    env.push_back({{"name", e.name},
                   {"value", secret_variable(e.name) ? std::string("****") : mask_credentials(e.value)},
                   {"origin", e.origin},
                   {"build_only", e.build_only}});
  j["env"] = env;
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  for (const auto& s : plan.skipped_env_lines)
    skipped.push_back({{"line", s.line}, {"text", s.text}, {"reason", s.reason}});
  j["skipped_environment_lines"] = skipped;
  j["labels"] = plan.labels;
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& s : plan.steps)
    steps.push_back({{"kind", step_kind_name(s.kind)},
                     {"what", s.what},
                     {"argv", s.argv},
                     {"stdin", s.stdin_from},
                     {"stdout", s.stdout_to},
                     {"optional", s.optional},
                     {"cleanup", s.cleanup()}});
  j["steps"] = steps;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

namespace {

// A temporary directory removed with everything in it when the owner goes.
struct WorkDir {
  fs::path path;
  explicit WorkDir(fs::path p) : path(std::move(p)) {}
  WorkDir(const WorkDir&) = delete;
  WorkDir& operator=(const WorkDir&) = delete;
  WorkDir(WorkDir&& other) noexcept : path(std::exchange(other.path, {})) {}
  WorkDir& operator=(WorkDir&&) = delete;
  ~WorkDir() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

Result<WorkDir> make_work_dir(const Context& ctx) {
  std::string base = ctx.inherited.get_or("TMPDIR", "/var/tmp");
  std::string templ = (fs::path(base) / "warpdrive-image.XXXXXX").string();
  if (!::mkdtemp(templ.data()))
    return make_error(fmt::format("cannot make a work directory in {}: {}", base, errno_text(errno)));
  return WorkDir(fs::path(templ));
}

// Extracts what save-artifacts wrote into WORKDIR/artifacts, with GNU tar's
// defaults against absolute names and "..", and no ownership kept.
Status extract_artifacts(const Context& ctx, const fs::path& work) {
  fs::path tarball = work / kArtifactsTar;
  fs::path dir = work / "artifacts";
  WD_TRY(make_dirs(dir, 0755));
  std::error_code ec;
  if (fs::file_size(tarball, ec) == 0 || ec) return {};
  ProcessSpec spec;
  spec.argv = {"tar", "-x", "--no-same-owner", "--no-same-permissions", "-C", dir.string(), "-f", tarball.string()};
  spec.env = ctx.inherited;
  WD_ASSIGN(int status, run(spec));
  if (status != 0)
    return make_error(
        fmt::format("the artifacts tar from save-artifacts could not be read (tar exit status {})", status));
  return {};
}

Status write_injection(const ImagePlan& plan, const fs::path& work, bool with_artifacts) {
  fs::path tarball = work / kInjectTar;
  int fd = ::open(tarball.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return make_error(fmt::format("cannot write {}: {}", tarball.string(), errno_text(errno)));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  TarWriter tar(fd, tarball.string());
  WD_TRY(tar.add_tree("src", plan.source_root, plan.selection.entries));
  if (has_build_only(plan)) {
    std::string text;
    for (const auto& e : plan.env)
      if (e.build_only) text += "export " + e.name + "=" + shell_quote(e.value) + "\n";
    WD_TRY(tar.add_data(kBuildEnvFile, text, 0600, ::time(nullptr)));
  }
  // scripts/: each from --scripts-url (a local directory, or downloaded into
  // WORKDIR/scripts) when it has it, else from the source's .s2i/bin.
  std::vector<std::pair<std::string, fs::path>> scripts;
  for (const char* name : {"assemble", "run", "save-artifacts", "usage"}) {
    std::string script = name;
    bool from_url = std::find(plan.url_scripts.begin(), plan.url_scripts.end(), script) != plan.url_scripts.end();
    fs::path url_file = !from_url || !plan.scripts_option ? fs::path()
                        : plan.scripts_option->kind == ScriptsLocation::Kind::local
                            ? fs::path(plan.scripts_option->where) / script
                            : work / "scripts" / script;
    // (An empty download is a failed one: a script has at least a #! line.)
    std::error_code ec;
    if (!url_file.empty() && fs::is_regular_file(url_file, ec) && fs::file_size(url_file, ec) > 0 && !ec) {
      // What curl wrote is not executable yet (a local directory's scripts are).
      if (plan.scripts_option->kind == ScriptsLocation::Kind::http && ::chmod(url_file.c_str(), 0755) != 0)
        return make_error(fmt::format("cannot make {} executable: {}", url_file.string(), errno_text(errno)));
      scripts.emplace_back(script, url_file);
    } else if (std::find(plan.app_scripts.begin(), plan.app_scripts.end(), script) != plan.app_scripts.end()) {
      scripts.emplace_back(script, plan.source_root / ".s2i" / "bin" / script);
    }
  }
  if (!scripts.empty()) {
    struct stat st {};
    time_t mtime = ::stat(scripts.front().second.c_str(), &st) == 0 ? st.st_mtime : 0;
    WD_TRY(tar.add_directory("scripts", 0755, mtime));
    for (const auto& [name, path] : scripts) WD_TRY(tar.add_file("scripts/" + name, path));
  }
  if (!with_artifacts && plan.incremental) {
    // No previous image (or nothing saved): an empty /tmp/artifacts still
    // tells assemble that incremental builds are wanted, so it builds the
    // wheelhouse that save-artifacts keeps for the next build.
    WD_TRY(tar.add_directory("artifacts", 0755, 0));
  } else if (with_artifacts && is_dir(work / "artifacts")) {
    WD_ASSIGN(SourceSelection artifacts, select_source(work / "artifacts", false));
    WD_TRY(tar.add_tree("artifacts", work / "artifacts", artifacts.entries));
    size_t files = 0;
    for (const auto& e : artifacts.entries)
      if (e.kind == SourceEntry::Kind::file) ++files;
    info_line(fmt::format("       {} file(s) of artifacts from the previous image", files));
  }
  return tar.finish();
}

}  // namespace

Status execute_plan(const Context& ctx, const ImagePlan& plan) {
  WD_ASSIGN(WorkDir work, make_work_dir(ctx));
  const bool trace = ctx.inherited.is_set("WARPDRIVE_DEBUG");
  NullFd null;
  std::optional<Error> failure;
  bool have_artifacts = false;

  for (const auto& step : plan.steps) {
    using Kind = Step::Kind;
    if (failure && !step.cleanup()) continue;
    if (step.kind == Kind::extract_artifacts && !have_artifacts) continue;
    if (!step.cleanup()) phase_line(step.what);
    if (step.kind == Kind::extract_artifacts) {
      auto st = extract_artifacts(ctx, work.path);
      if (!st) {
        warn(st.error().message + "; building without artifacts");
        have_artifacts = false;
      }
      continue;
    }
    if (step.kind == Kind::write_tar) {
      auto st = write_injection(plan, work.path, have_artifacts);
      if (!st) failure = std::move(st).error();
      continue;
    }
    ProcessSpec spec;
    spec.env = ctx.inherited;
    spec.trace = trace;
    for (const auto& a : step.argv)
      spec.argv.push_back(a.starts_with(kWorkPrefix) ? (work.path / a.substr(kWorkPrefix.size())).string() : a);
    if (spec.argv[0] == engine_name(plan.engine)) spec.argv[0] = plan.engine_path.string();
    // A work file that cannot be opened fails the step like a failed command,
    // so the cleanup steps after it still run.
    int in_fd = -1, out_fd = -1;
    if (!step.stdin_from.empty()) {
      in_fd = ::open((work.path / step.stdin_from).c_str(), O_RDONLY | O_CLOEXEC);
      if (in_fd < 0) {
        failure =
            make_error(fmt::format("cannot read {}: {}", (work.path / step.stdin_from).string(), errno_text(errno)));
        continue;
      }
      spec.redirects.push_back({STDIN_FILENO, in_fd});
    }
    if (step.stdout_to == kDiscard) {
      spec.redirects.push_back({STDOUT_FILENO, null.fd});
    } else if (!step.stdout_to.empty()) {
      out_fd = ::open((work.path / step.stdout_to).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
      if (out_fd < 0) {
        if (in_fd >= 0) ::close(in_fd);
        failure =
            make_error(fmt::format("cannot write {}: {}", (work.path / step.stdout_to).string(), errno_text(errno)));
        continue;
      }
      spec.redirects.push_back({STDOUT_FILENO, out_fd});
    }
    auto status = run(spec);
    if (in_fd >= 0) ::close(in_fd);
    if (out_fd >= 0) ::close(out_fd);
    int code = status ? *status : -1;
    if (step.stdout_to == kArtifactsTar) have_artifacts = code == 0;
    if (code == 0) continue;
    std::string why = status ? fmt::format("exit status {}", code) : status.error().message;
    if (step.cleanup()) {
      warn(fmt::format("{} failed ({})", step.what, why));
    } else if (step.optional && step.kind == Kind::download) {
      warn(fmt::format("{} failed ({}); building without it", step.what, why));
    } else if (step.optional) {
      warn(fmt::format("{} failed ({}); building without artifacts", step.what, why));
    } else if (step.kind == Kind::assemble) {
      failure = make_error(fmt::format("assemble failed in a container of builder image '{}' ({}); no image was tagged",
                                       plan.builder_image, why),
                           code > 0 ? code : kExitFailure);
    } else {
      failure = make_error(fmt::format("{}: {} failed ({}); no image was tagged", step.what,
                                       display_argv({step.argv[0], step.argv[1]}), why));
    }
  }
  if (failure) return std::move(*failure);
  phase_line(fmt::format("Built image {}", plan.output_image));
  return {};
}

}  // namespace wd::image
