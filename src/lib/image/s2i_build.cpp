// plan_image: what `warpdrive image` will do, computed as data from the
// options, the source tree and what the engine says about the images.
#include "s2i_build.hpp"

#include <unistd.h>
#include <random>

#include <fmt/format.h>

#include "builders.hpp"
#include "log.hpp"
#include "process.hpp"
#include "s2i_labels.hpp"
#include "s2i_steps.hpp"

namespace wd::image {

namespace {

// The application: the source at --context-dir; returns the source (the working tree).
Result<fs::path> plan_source(const Context& ctx, const ImageOptions& options, ImagePlan& plan) {
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
  return source;
}

// The builder image: --builder-image, .warpdrive/builder_image,
// WARPDRIVE_BUILDER_IMAGE, the one for the Python the app asks for, the
// default; pulled when it is not here, as S2I does (not for --dry-run).
Status plan_builder(const Context& ctx, const ImageOptions& options, ImagePlan& plan) {
  WD_ASSIGN(BuilderChoice choice, choose_builder(ctx.inherited, plan.source_root, options.builder_image));
  plan.builder_image = choice.image;
  plan.builder_origin = choice.origin;
  const std::string build_command = choice.build_command.empty() ? std::string("image/build.sh") : choice.build_command;
  WD_ASSIGN(auto builder, inspect_image(ctx, plan.found_engine(), plan.builder_image));
  if (!builder && !options.pull_builder)
    return make_error(
        fmt::format("builder image '{}' (from {}) is not here; warpdrive image would try to pull it, "
                    "which --dry-run does not do (pull it, or build it with {})",
                    plan.builder_image, plan.builder_origin, build_command));
  if (!builder) {
    ProcessSpec pull;
    pull.argv = {plan.engine_path.string(), "pull", plan.builder_image};
    pull.env = ctx.inherited;
    pull.redirects.push_back({STDOUT_FILENO, STDERR_FILENO});
    WD_ASSIGN(int status, run(pull));
    if (status == 0) {
      WD_ASSIGN(builder, inspect_image(ctx, plan.found_engine(), plan.builder_image));
    }
    if (!builder)
      return make_error(
          fmt::format("builder image '{}' (from {}) not found by {} and could not be pulled; build it with {} "
                      "or name another with --builder-image",
                      plan.builder_image, plan.builder_origin, engine_name(plan.engine), build_command));
  }
  plan.builder = std::move(*builder);
  return {};
}

// The environment: .s2i/environment, then -e (a later value wins); which
// values hold a credential and go to assemble only.
Status plan_environment(const ImageOptions& options, ImagePlan& plan) {
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
  return {};
}

// Incremental: the previous image of the same name, and its save-artifacts;
// --wheelhouse IMAGE (the original's option) takes them from IMAGE instead,
// typically one built with --build-target wheelhouse.
Status plan_incremental(const Context& ctx, const ImageOptions& options, ImagePlan& plan) {
  plan.incremental = options.incremental || !options.wheelhouse_image.empty();
  plan.previous_image = options.wheelhouse_image.empty() ? plan.output_image : options.wheelhouse_image;
  if (!plan.incremental) return {};
  WD_ASSIGN(plan.previous, inspect_image(ctx, plan.found_engine(), plan.previous_image));
  if (!plan.previous && !options.wheelhouse_image.empty())
    return make_error(
        fmt::format("--wheelhouse {0}: there is no image {0} (build it first, for example with "
                    "warpdrive image {0} --build-target wheelhouse)",
                    options.wheelhouse_image));
  if (!plan.previous) return {};
  plan.previous_scripts_dir = previous_scripts_dir(plan, *plan.previous);
  if (plan.previous_scripts_dir.empty() && !options.wheelhouse_image.empty())
    return make_error(
        fmt::format("--wheelhouse {}: the image names no S2I scripts (no image:// "
                    "io.openshift.s2i.scripts-url label), so it has no save-artifacts to run",
                    options.wheelhouse_image));
  return {};
}

std::string random_suffix() {
  std::random_device rd;
  return fmt::format("{:08x}", rd());
}

}  // namespace

Result<ImagePlan> plan_image(const Context& ctx, const ImageOptions& options) {
  ImagePlan plan;

  // The engine: --engine, else the first found on PATH.
  WD_ASSIGN(FoundEngine engine, find_engine(ctx.inherited, options.engine));
  plan.engine = engine.engine;
  plan.engine_path = engine.path;

  // The source: the working tree as it is, at the context directory.
  WD_ASSIGN(fs::path source, plan_source(ctx, options, plan));

  WD_TRY(plan_builder(ctx, options, plan));

  // Where the scripts are and where the tar goes, from the builder's labels.
  WD_TRY(plan_scripts(ctx.cwd, options.scripts_url, plan));

  WD_TRY(plan_environment(options, plan));

  // Names and labels.
  plan.output_image = options.name.empty() ? default_output_name(plan.source_root) : options.name;
  SourceInfo info = source_info(ctx, source, plan.context_dir.empty() ? "" : clean_relative(plan.context_dir));
  plan.new_labels = generated_labels(info, plan.builder_image, plan.output_image);
  plan.labels = plan.builder.labels;
  for (const auto& [k, v] : plan.new_labels) plan.labels[k] = v;

  WD_TRY(plan_incremental(ctx, options, plan));

  plan.network = options.network;
  if (plan.network.find_first_of(" \t\n") != std::string::npos || plan.network.starts_with('-'))
    return make_error(fmt::format("--network '{}': expected a network mode such as host or none", plan.network),
                      kExitUsage);
  plan.container = fmt::format("warpdrive-image-{}-{}", ::getpid(), random_suffix());

  // The steps: the --scripts-url downloads, then the engine's commands.
  if (plan.scripts_option_is(ScriptsLocation::Kind::http)) {
    auto curl = find_program("curl", ctx.inherited);
    if (!curl)
      return make_error(fmt::format("--scripts-url '{}': downloading the scripts needs curl, which is not on PATH",
                                    options.scripts_url));
    add_download_steps(plan, *curl);
  }
  add_engine_steps(plan);
  return plan;
}

}  // namespace wd::image
