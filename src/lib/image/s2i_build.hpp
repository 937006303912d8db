// `warpdrive image`: an S2I build done by warpdrive itself with whichever
// container engine is present. First a plan is computed as data (engine,
// builder, source files, environment, labels, the engine commands to run);
// `--dry-run` prints it; then the plan is executed step by step.
//
// The parts: s2i_engine (the engine and its inspect output), s2i_scripts
// (where the S2I scripts are), s2i_labels (the output's name and labels),
// s2i_plan (the plan's data), s2i_steps (the engine commands), s2i_execute
// (running them), s2i_render (the plan as text and JSON).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "context.hpp"
#include "error.hpp"
#include "fsutil.hpp"
#include "s2i_plan.hpp"

namespace wd::image {

// The builder image's name when nothing else names one.
inline constexpr std::string_view kDefaultBuilderImage = "localhost/warpdrive-python3:latest";

// What the command line asks for.
struct ImageOptions {
  std::string name;                   // output image; empty = from the source directory's name
  fs::path source;                    // the working tree (default: the current directory)
  std::string context_dir;            // subdirectory of `source` holding the application
  std::string builder_image;          // --builder-image; empty = .warpdrive/builder_image or default
  std::string engine;                 // --engine; empty = the first of podman, docker, buildah on PATH
  bool incremental = false;           // --incremental
  std::string wheelhouse_image;       // --wheelhouse: take the artifacts from this image instead
  std::vector<std::string> env_args;  // -e NAME=VALUE, in order
  bool pull_builder = true;           // pull a builder image that is not here (not for --dry-run)
  std::string scripts_url;            // --scripts-url; empty = the builder's label
  std::string network;                // --network for the assemble container; empty = the engine's default
};

// Computes the plan: reads the source tree and .s2i/, asks the engine about
// the builder (and the previous image when incremental). Runs no build.
Result<ImagePlan> plan_image(const Context& ctx, const ImageOptions& options);

// The plan as text (what --dry-run prints) and as JSON.
std::string describe_plan(const ImagePlan& plan);
std::string plan_json(const ImagePlan& plan);

// Runs the plan. A failing assemble tags nothing; the error says so and the
// builder's output has already been shown.
Status execute_plan(const Context& ctx, const ImagePlan& plan);

}  // namespace wd::image
