#include "s2i_steps.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "shell.hpp"

namespace wd::image {

namespace {

// Internal steps, shown by these texts.
constexpr std::string_view kExtractStep = "extract the saved artifacts";
constexpr std::string_view kWriteTarStep = "write the injection tar";

std::string json_array(const std::vector<std::string>& words) { return nlohmann::json(words).dump(); }

// What the container runs: the tar from stdin extracted into the destination,
// the build-only variables read from it and the file removed (so that it is
// in no layer), then assemble.
std::string assemble_shell(const ImagePlan& plan) {
  std::string out = "tar -C " + shell_quote(plan.destination) + " -xf - && ";
  if (plan.has_build_only()) {
    std::string file = shell_quote(plan.destination + "/" + std::string(kBuildEnvFile));
    out += ". " + file + " && rm -f " + file + " && ";
  }
  return out + "exec " + shell_quote(plan.assemble_command);
}

// The assemble container's user and network, as podman, docker and buildah run take them.
void add_user_and_network(std::vector<std::string>& argv, const ImagePlan& plan) {
  if (!plan.assemble_user.empty()) {
    argv.push_back("--user");
    argv.push_back(plan.assemble_user);
  }
  if (!plan.network.empty()) argv.push_back("--network=" + plan.network);
}

// The output image's environment (the build-only variables left out) and
// generated labels: `env_option` NAME=VALUE and --label KEY=VALUE.
void add_env_and_labels(std::vector<std::string>& argv, const ImagePlan& plan, const std::string& env_option) {
  for (const auto& e : plan.env) {
    if (e.build_only) continue;
    argv.push_back(env_option);
    argv.push_back(e.name + "=" + e.value);
  }
  for (const auto& [k, v] : plan.new_labels) {
    argv.push_back("--label");
    argv.push_back(k + "=" + v);
  }
}

void add_write_tar_step(ImagePlan& plan) {
  plan.steps.push_back({Step::Kind::write_tar, std::string(kWriteTarStep), {}, "", "", false});
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
  add_write_tar_step(plan);

  std::vector<std::string> run{engine, "run", "-i", "--name", plan.container, "--entrypoint", "/bin/sh"};
  if (podman) run.insert(run.begin() + 2, "--pull=never");
  add_user_and_network(run, plan);
  if (podman) {
    // podman adds these to every container; S2I's output image has neither.
    for (const char* name : {"TERM", "container"})
      if (!env_has(plan.builder, name)) {
        run.push_back("--unsetenv");
        run.push_back(name);
      }
  }
  add_env_and_labels(run, plan, "-e");
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

// save-artifacts in a working container of the previous image, for buildah.
void buildah_save_artifacts_steps(ImagePlan& plan) {
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

// The steps for buildah: working containers configured with `buildah config`
// (values passed as arguments, never parsed), and assemble run by `buildah
// run` fed the tar on stdin, as with podman (the builder's user extracts it).
void buildah_steps(ImagePlan& plan) {
  if (plan.previous && !plan.previous_scripts_dir.empty()) buildah_save_artifacts_steps(plan);
  add_write_tar_step(plan);
  plan.steps.push_back({Step::Kind::command,
                        "start a working container of " + plan.builder_image,
                        {"buildah", "from", "--pull-never", "--name", plan.container, plan.builder.id},
                        "",
                        std::string(kDiscard),
                        false});
  std::vector<std::string> config{"buildah", "config"};
  add_env_and_labels(config, plan, "--env");
  config.push_back(plan.container);
  plan.steps.push_back({Step::Kind::command, "set the environment and labels", config, "", "", false});
  std::vector<std::string> run{"buildah", "run"};
  add_user_and_network(run, plan);
  run.insert(run.end(), {plan.container, "--", "/bin/sh", "-c", assemble_shell(plan)});
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

}  // namespace

void add_download_steps(ImagePlan& plan, const fs::path& curl) {
  const std::string& where = plan.scripts_option->where;
  for (const auto& script : plan.url_scripts) {
    bool required = (script == "assemble" || script == "run") && !plan.app_script(script);
    plan.steps.push_back(
        {Step::Kind::download,
         fmt::format("download {} from {}", script, where),
         {curl.string(), "--fail", "--silent", "--show-error", "--location", "--proto", "=http,https", "--create-dirs",
          "--output", std::string(kWorkPrefix) + "scripts/" + script, where + "/" + script},
         "",
         "",
         !required});
  }
}

void add_engine_steps(ImagePlan& plan) {
  if (plan.engine == Engine::buildah)
    buildah_steps(plan);
  else
    container_engine_steps(plan);
}

}  // namespace wd::image
