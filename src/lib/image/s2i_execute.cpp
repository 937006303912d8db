// Running the plan of `warpdrive image`: warpdrive's own steps (the
// artifacts, the injection tar) and the engine's commands, in a work
// directory removed afterwards; the cleanup steps run even after a failure.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <ctime>
#include <utility>

#include <fmt/format.h>

#include "log.hpp"
#include "process.hpp"
#include "s2i_build.hpp"
#include "shell.hpp"
#include "tar_writer.hpp"

namespace wd::image {

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

// The scripts injected as scripts/ and the files they come from: each from
// --scripts-url (a local directory, or downloaded into WORKDIR/scripts) when
// it has it, else from the source's .s2i/bin.
Result<std::vector<std::pair<std::string, fs::path>>> injected_scripts(const ImagePlan& plan, const fs::path& work) {
  std::vector<std::pair<std::string, fs::path>> scripts;
  for (std::string_view name : kS2iScripts) {
    std::string script(name);
    fs::path url_file = !plan.url_script(script) || !plan.scripts_option ? fs::path()
                        : plan.scripts_option_is(ScriptsLocation::Kind::local)
                            ? fs::path(plan.scripts_option->where) / script
                            : work / "scripts" / script;
    // (An empty download is a failed one: a script has at least a #! line.)
    std::error_code ec;
    if (!url_file.empty() && fs::is_regular_file(url_file, ec) && fs::file_size(url_file, ec) > 0 && !ec) {
      // What curl wrote is not executable yet (a local directory's scripts are).
      if (plan.scripts_option_is(ScriptsLocation::Kind::http) && ::chmod(url_file.c_str(), 0755) != 0)
        return make_error(fmt::format("cannot make {} executable: {}", url_file.string(), errno_text(errno)));
      scripts.emplace_back(script, url_file);
    } else if (plan.app_script(script)) {
      scripts.emplace_back(script, plan.source_root / ".s2i" / "bin" / script);
    }
  }
  return scripts;
}

// The tar assemble reads on stdin: src/, the build-only variables, scripts/
// and artifacts/ (the saved ones, or an empty directory).
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
  if (plan.has_build_only()) {
    std::string text;
    for (const auto& e : plan.env)
      if (e.build_only) text += "export " + e.name + "=" + shell_quote(e.value) + "\n";
    WD_TRY(tar.add_data(kBuildEnvFile, text, 0600, ::time(nullptr)));
  }
  WD_ASSIGN(auto scripts, injected_scripts(plan, work));
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

// An engine command's descriptors: the work files its stdin and stdout name,
// closed when it has run.
struct StepFiles {
  int in = -1, out = -1;
  StepFiles() = default;
  StepFiles(const StepFiles&) = delete;
  StepFiles& operator=(const StepFiles&) = delete;
  ~StepFiles() {
    if (in >= 0) ::close(in);
    if (out >= 0) ::close(out);
  }
};

// The process of an engine command (or curl) of the plan: work files named
// by their place in the work directory, the engine by its path.
ProcessSpec step_process(const Context& ctx, const ImagePlan& plan, const Step& step, const fs::path& work) {
  ProcessSpec spec;
  spec.env = ctx.inherited;
  spec.trace = ctx.inherited.is_set("WARPDRIVE_DEBUG");
  for (const auto& a : step.argv)
    spec.argv.push_back(a.starts_with(kWorkPrefix) ? (work / a.substr(kWorkPrefix.size())).string() : a);
  if (spec.argv[0] == engine_name(plan.engine)) spec.argv[0] = plan.engine_path.string();
  return spec;
}

// Opens the work files the step's stdin and stdout name into `files` and
// adds them to the process's redirects.
Status redirect_work_files(const Step& step, const fs::path& work, const NullFd& null, StepFiles& files,
                           ProcessSpec& spec) {
  if (!step.stdin_from.empty()) {
    files.in = ::open((work / step.stdin_from).c_str(), O_RDONLY | O_CLOEXEC);
    if (files.in < 0)
      return make_error(fmt::format("cannot read {}: {}", (work / step.stdin_from).string(), errno_text(errno)));
    spec.redirects.push_back({STDIN_FILENO, files.in});
  }
  if (step.stdout_to == kDiscard) {
    spec.redirects.push_back({STDOUT_FILENO, null.fd});
  } else if (!step.stdout_to.empty()) {
    files.out = ::open((work / step.stdout_to).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (files.out < 0)
      return make_error(fmt::format("cannot write {}: {}", (work / step.stdout_to).string(), errno_text(errno)));
    spec.redirects.push_back({STDOUT_FILENO, files.out});
  }
  return {};
}

}  // namespace

Status execute_plan(const Context& ctx, const ImagePlan& plan) {
  WD_ASSIGN(WorkDir work, make_work_dir(ctx));
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
    ProcessSpec spec = step_process(ctx, plan, step, work.path);
    // A work file that cannot be opened fails the step like a failed command,
    // so the cleanup steps after it still run.
    StepFiles files;
    if (auto st = redirect_work_files(step, work.path, null, files, spec); !st) {
      failure = std::move(st).error();
      continue;
    }
    auto status = run(spec);
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
