// warpdrive image [NAME]: build a container image of the application with an
// S2I builder image, the way `s2i build` does, with podman, docker or buildah.
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "image/s2i_build.hpp"
#include "log.hpp"

namespace wd {

Result<int> cmd_image(Context& ctx, const Args& args) {
  CLI::App app{
      "Build a container image of the application with an S2I builder image, as `s2i build` does:\n"
      "the working tree as it is (.git excluded, .s2iignore honoured) is streamed as a tar into a\n"
      "container of the builder, its assemble script runs as the builder's user, and the container\n"
      "is committed as NAME with the run script as its command, the environment from .s2i/environment\n"
      "and -e, and the io.openshift.s2i.build.* labels. A failed assemble tags nothing.\n"
      "NAME defaults to the source directory's name. The builder is --builder-image, else the one\n"
      "named in .warpdrive/builder_image, else WARPDRIVE_BUILDER_IMAGE, else the builder of the Python\n"
      "version the application asks for (.python-version, runtime.txt, ..., as build reads it):\n"
      "localhost/warpdrive-python3.11:latest or localhost/warpdrive-python3.13:latest, made by\n"
      "image/build.sh --python 3.X; asking for none: " +
          std::string(image::kDefaultBuilderImage) + ".",
      "warpdrive image"};
  image::ImageOptions options;
  bool dry_run = false, json = false;
  app.add_option("name", options.name, "the output image (NAME or NAME:TAG)");
  app.add_option("--source", options.source, "the application's working tree (default: the current directory)");
  app.add_option("--context-dir", options.context_dir, "the subdirectory of the source that holds the application");
  app.add_option("--builder-image,-b", options.builder_image, "the S2I builder image to build with");
  app.add_option("--engine", options.engine, "podman, docker or buildah (default: the first of them on PATH)");
  app.add_flag("--incremental", options.incremental,
               "reuse the artifacts (the wheelhouse) that save-artifacts keeps in the previous image of NAME");
  app.add_option("--wheelhouse", options.wheelhouse_image,
                 "take the artifacts (the wheelhouse) from IMAGE, for example one built with --build-target "
                 "wheelhouse, instead of the previous image of NAME (the original's option; implies --incremental)");
  app.add_option("-e,--env", options.env_args,
                 "NAME=VALUE for assemble and the output image (repeatable; wins over .s2i/environment)")
      ->allow_extra_args(false);
  app.add_option("--scripts-url", options.scripts_url,
                 "where the S2I scripts are, as S2I's option: image:///DIR (in the builder image), file:///DIR or a "
                 "directory (injected), http(s)://URL (downloaded with curl, injected); they win over .s2i/bin");
  app.add_option("--network", options.network,
                 "the network of the assemble container, as S2I's option (host: it reaches services on the "
                 "machine's 127.0.0.1, such as a local package index)");
  std::string build_target;
  bool no_index = false;
  app.add_option("--build-target", build_target,
                 "application (default) or wheelhouse: an image of the requirements' wheels (WARPDRIVE_BUILD_TARGET "
                 "for assemble), as the original's option");
  app.add_flag("--no-index", no_index,
               "pip installs without the package index (WARPDRIVE_PIP_NO_INDEX=1 for assemble)");
  app.add_flag("--dry-run", dry_run,
               "print the plan (engine, builder, files, environment, labels, steps) and build nothing; it "
               "reads the images with the engine (inspect) and pulls nothing");
  app.add_flag("--json", json, "with --dry-run: print the plan as JSON");
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;
  // The original's options, given to assemble as the variables they stand for
  // (after -e, so an option wins over the same -e).
  if (!build_target.empty()) {
    if (build_target != "application" && build_target != "wheelhouse")
      return make_error(fmt::format("--build-target '{}': expected application or wheelhouse", build_target),
                        kExitUsage);
    options.env_args.push_back("WARPDRIVE_BUILD_TARGET=" + build_target);
  }
  if (no_index) options.env_args.push_back("WARPDRIVE_PIP_NO_INDEX=1");

  options.pull_builder = !dry_run && !json;
  // Compute the plan: engine, builder, source files, environment, labels, steps.
  WD_ASSIGN(image::ImagePlan plan, image::plan_image(ctx, options));
  for (const auto& s : plan.skipped_env_lines)
    warn(fmt::format(".s2i/environment line {}: '{}' skipped: {}", s.line, s.text, s.reason));
  if (dry_run) {
    std::cout << (json ? image::plan_json(plan) : image::describe_plan(plan)) << std::flush;
    return 0;
  }
  if (json) return make_error("--json is only for --dry-run", kExitUsage);

  // Run it, saying which builder and why.
  phase_line(fmt::format("Builder image {} ({})", plan.builder_image, plan.builder_origin));
  WD_TRY(image::execute_plan(ctx, plan));
  return 0;
}

}  // namespace wd
