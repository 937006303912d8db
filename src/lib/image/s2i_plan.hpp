// The plan of `warpdrive image` as data: what s2i_build.cpp computes, the
// steps s2i_steps.cpp adds to it, what s2i_execute.cpp runs and what
// s2i_render.cpp prints. Internal to image/; s2i_build.hpp is the interface.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fsutil.hpp"
#include "s2i_engine.hpp"
#include "s2i_scripts.hpp"
#include "s2i_source.hpp"

namespace wd::image {

// The work directory's files that steps name.
inline constexpr std::string_view kInjectTar = "inject.tar";
inline constexpr std::string_view kArtifactsTar = "artifacts.tar";
inline constexpr std::string_view kWorkPrefix = "@work/";  // argv words naming a file of the work directory
inline constexpr std::string_view kDiscard = "@null";      // stdout_to: thrown away
// The file of the injection tar that carries the build-only variables.
inline constexpr std::string_view kBuildEnvFile = ".warpdrive-build-env";

// One environment variable of the build and where it came from.
// A value holding a credential (a URL with a password or token, as
// mask_credentials finds them: PIP_INDEX_URL=https://user:pw@host/..., or a
// variable secret_variable names, such as POETRY_HTTP_BASIC_X_PASSWORD) is
// given to assemble only, in a file of the injection tar that is read and
// removed before assemble starts: never in the output image's environment,
// its layers, the engine's command lines, or what warpdrive prints.
struct PlannedEnv {
  std::string name, value, origin;  // origin: ".s2i/environment line N" or "-e"
  bool build_only = false;          // holds a credential: for assemble only
};

// One step of the plan: an engine command, or work warpdrive does itself.
struct Step {
  enum class Kind {
    command,            // an engine command that must succeed
    save_artifacts,     // save-artifacts in the previous image (and its working container)
    extract_artifacts,  // warpdrive's own: unpack what save-artifacts wrote
    write_tar,          // warpdrive's own: the tar assemble reads on stdin
    download,           // curl fetches a --scripts-url script
    assemble,           // the container that runs assemble
    cleanup,            // removes a container; runs even after an earlier step failed
  };
  Kind kind = Kind::command;
  std::string what;               // one line for people
  std::vector<std::string> argv;  // empty for warpdrive's own work
  std::string stdin_from;         // a work file name fed to stdin ("" = none)
  std::string stdout_to;          // a work file name stdout goes to ("" = the terminal)
  bool optional = false;          // a failure is a warning, not an error (save-artifacts)
  bool cleanup() const { return kind == Kind::cleanup; }
};

// "command", "save-artifacts", ...: the kind as `--dry-run --json` shows it.
std::string_view step_kind_name(Step::Kind kind);

// The argv as a shell would read it, work files shown as WORKDIR/NAME.
std::string display_argv(const std::vector<std::string>& argv);

struct ImagePlan {
  Engine engine = Engine::podman;
  fs::path engine_path;
  std::string builder_image, builder_origin;
  ImageConfig builder;
  std::string output_image;
  fs::path source_root;  // the application: source + context dir
  std::string context_dir;
  std::string scripts_url, scripts_dir, destination, assemble_user;
  std::vector<std::string> app_scripts;           // names from the source's .s2i/bin, injected as scripts/
  std::optional<ScriptsLocation> scripts_option;  // --scripts-url, when given
  std::vector<std::string> url_scripts;           // names injected as scripts/ from --scripts-url (local or downloaded)
  std::string assemble_command, run_command;
  std::string network;  // --network of the assemble container ("" = the engine's default)
  std::vector<PlannedEnv> env;
  std::vector<SkippedLine> skipped_env_lines;
  std::map<std::string, std::string> labels;      // all labels of the output image
  std::map<std::string, std::string> new_labels;  // the generated ones the engine is told to set
  bool incremental = false;
  std::optional<ImageConfig> previous;  // the image whose save-artifacts run: the output name's, or --wheelhouse's
  std::string previous_image;           // its name
  std::string previous_scripts_dir;
  SourceSelection selection;
  std::string container;  // name of the build container
  std::vector<Step> steps;

  FoundEngine found_engine() const { return {engine, engine_path}; }
  // --scripts-url was given and is of this kind.
  bool scripts_option_is(ScriptsLocation::Kind kind) const { return scripts_option && scripts_option->kind == kind; }
  // The source's .s2i/bin has `script`; --scripts-url provides it (a local directory or a download).
  bool app_script(std::string_view script) const { return contains(app_scripts, script); }
  bool url_script(std::string_view script) const { return contains(url_scripts, script); }
  // Some variable holds a credential: it goes to assemble in the injection tar.
  bool has_build_only() const {
    return std::any_of(env.begin(), env.end(), [](const PlannedEnv& e) { return e.build_only; });
  }

 private:
  static bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  }
};

}  // namespace wd::image
