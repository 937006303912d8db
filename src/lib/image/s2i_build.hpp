// `warpdrive image`: an S2I build done by warpdrive itself with whichever
// container engine is present. First a plan is computed as data (engine,
// builder, source files, environment, labels, the engine commands to run);
// `--dry-run` prints it; then the plan is executed step by step.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "context.hpp"
#include "error.hpp"
#include "fsutil.hpp"
#include "s2i_source.hpp"

namespace wd::image {

enum class Engine { podman, docker, buildah };
std::string_view engine_name(Engine engine);
std::optional<Engine> parse_engine(std::string_view name);

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

// What git says about the source, for the io.openshift.s2i.build.* labels.
struct SourceInfo {
  std::string location;  // remote.origin.url, or the local path
  std::string context_dir;
  std::string ref, commit_id, author, date, message;
};

// The output image's labels, as S2I computes them: the builder's labels,
// then io.k8s.display-name = the output name and the build labels
// (image, source-location, source-context-dir, commit.*), empty ones left out.
std::map<std::string, std::string> generated_labels(const SourceInfo& info, const std::string& builder_image,
                                                    const std::string& output_image);

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
