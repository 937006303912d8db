#include "app_build/run.hpp"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "embedded.hpp"
#include "hooks.hpp"
#include "introspect/django.hpp"
#include "log.hpp"
#include "process.hpp"
#include "server_registry.hpp"

namespace wd {

namespace {

using Clock = std::chrono::steady_clock;

struct PhaseTime {
  std::string name;
  double seconds;
  std::string note;
};

class Timings {
 public:
  Timings() : start_(Clock::now()), mark_(start_) {}
  // Records the time since the previous phase ended.
  void done(std::string name, std::string note) {
    auto now = Clock::now();
    phases_.push_back({std::move(name), std::chrono::duration<double>(now - mark_).count(), std::move(note)});
    mark_ = now;
  }
  void print() const {
    phase_line("Build summary");
    for (const auto& p : phases_) info_line(fmt::format("        {:<14}{:>7.2f}s  {}", p.name, p.seconds, p.note));
    info_line(
        fmt::format("        {:<14}{:>7.2f}s", "total", std::chrono::duration<double>(Clock::now() - start_).count()));
  }

 private:
  Clock::time_point start_, mark_;
  std::vector<PhaseTime> phases_;
};

// The hook as the original printed it: relative to SRC_ROOT.
std::string hook_display(std::string_view name) {
  return (fs::path(".warpdrive") / "action_hooks" / std::string(name)).string();
}

// Runs one install step; pip's (or the tool's) own message is on the terminal.
Status run_install(const AppEnvironment& e, const BuildPlan& plan, const InstallStep& step) {
  phase_line(step.title);
  std::error_code ec;
  if (step.uses_pip_src) {
    fs::remove_all(plan.pip_src, ec);
    WD_TRY(make_dirs(plan.pip_src));
  }
  ProcessSpec spec{step.argv, step.env, e.settings.src_root, {}, e.settings.debug};
  auto status = run(spec);
  if (step.uses_pip_src) fs::remove_all(plan.pip_src, ec);
  if (!status) return std::move(status).error().context(step.input);
  if (*status != 0)
    return make_error(fmt::format("{}: {} failed with exit status {} ({}'s message is above)", step.input, step.tool,
                                  *status, step.tool.substr(0, step.tool.find(' '))));
  return {};
}

// Installs a tool warpdrive provides into its own virtualenv under the tools
// directory (never the app's), once: a marker written last says it is
// complete, and a lock keeps concurrent builds from installing it twice.
Status provision_tool(const AppEnvironment& e, const BuildPlan& plan, const ToolPlan& t) {
  if (!t.provision) return {};
  fs::path root = t.dir.parent_path();
  WD_TRY(make_dirs(root));
  WD_ASSIGN(int lock_fd, lock_exclusive(root / ".lock", fmt::format("warpdrive build: another build is installing "
                                                                    "tools into {}; waiting for it",
                                                                    root.string())));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{lock_fd};
  fs::path marker = t.dir / ".warpdrive-complete";
  if (is_file(marker) && is_executable_file(t.program)) return {};  // another build did it meanwhile
  phase_line(fmt::format("Installing {} {} ({}) into {}", t.name, t.version, t.origin, t.dir.string()));
  std::error_code ec;
  fs::remove_all(t.dir, ec);
  EnvVars env = e.env;
  env.unset("PYTHONHOME");
  env.unset("VIRTUAL_ENV");
  ProcessSpec venv{{plan.python.string(), "-m", "venv", t.dir.string()}, env, root, {}, e.settings.debug};
  WD_ASSIGN(int status, run(venv));
  if (status != 0)
    return make_error(
        fmt::format("creating a virtualenv for {} at {} failed with exit status {}", t.name, t.dir.string(), status));
  std::vector<std::string> argv = {(t.dir / "bin" / "python").string(), "-m",     "pip", "install",
                                   "--disable-pip-version-check",       "--quiet"};
  fs::path wheelhouse = e.settings.warpdrive_dir() / "wheelhouse";
  if (is_dir(wheelhouse)) argv.insert(argv.end(), {"--find-links", wheelhouse.string()});
  if (e.settings.pip_no_index) argv.push_back("--no-index");
  argv.insert(argv.end(), t.requirements.begin(), t.requirements.end());
  if (!env.has("PIP_INDEX_URL") && env.is_set("UV_INDEX_URL")) env.set("PIP_INDEX_URL", env.get_or("UV_INDEX_URL", ""));
  ProcessSpec install{argv, env, root, {}, e.settings.debug};
  WD_ASSIGN(status, run(install));
  if (status != 0) {
    fs::remove_all(t.dir, ec);
    return make_error(fmt::format(
        "installing {}=={} into {} failed with exit status {} (pip's message is above){}; "
        "put {} on PATH, or choose another version with {}",
        t.name, t.version, t.dir.string(), status,
        e.settings.pip_no_index ? " (WARPDRIVE_PIP_NO_INDEX: it must be in the wheelhouse)" : "", t.name,
        t.origin == "the default pin" ? "WARPDRIVE_" +
                                            [&] {
                                              std::string up = t.name;
                                              for (auto& c : up)
                                                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
                                              return up;
                                            }() +
                                            "_VERSION"
                                      : t.origin));
  }
  WD_TRY(write_file_atomic(marker, fmt::format("{}=={}\n", t.name, t.version)));
  return {};
}

// What the server needs that is not there, as phrases for an error message.
Result<std::vector<std::string>> server_missing(const AppEnvironment& e, const BuildPlan& plan) {
  const ServerCheck& c = plan.server;
  std::vector<std::string> missing;
  bool venv_alternative = false;
  for (const auto& p : c.venv_alternatives) venv_alternative = venv_alternative || is_executable_file(p);
  if (!venv_alternative) {
    for (const auto& prog : c.programs) {
      EnvVars search = e.env;
      search.set("PATH", e.env.get_or("PATH", "/usr/bin:/bin") + ":/usr/local/sbin:/usr/sbin:/sbin");
      if (!find_program(prog, search)) missing.push_back(fmt::format("the program {}", prog));
    }
    for (const auto& f : c.files)
      if (!path_exists(f)) missing.push_back(f.string());
  }
  if (!c.modules.empty()) {
    fs::path dir = e.settings.app_root / "tmp" / "warpdrive";
    WD_TRY(make_dirs(dir));
    fs::path script = dir / "warpdrive_find_modules.py";
    auto text = embedded_file("warpdrive_find_modules.py");
    if (!text) return make_error("internal error: warpdrive_find_modules.py is not embedded in this binary");
    WD_TRY(write_file_atomic(script, *text, 0664));
    ProcessSpec spec{{plan.python.string(), script.string()}, e.env, e.settings.app_home, {}, e.settings.debug};
    spec.argv.insert(spec.argv.end(), c.modules.begin(), c.modules.end());
    WD_ASSIGN(Captured out, run_capture(spec));
    if (out.exit_status != 0)
      return make_error(fmt::format("{} could not check for the {} server's modules (exit status {})",
                                    plan.python.string(), c.server, out.exit_status));
    std::vector<std::string> names;
    size_t start = 0;
    while (start < out.out.size()) {
      size_t end = out.out.find('\n', start);
      if (end == std::string::npos) end = out.out.size();
      std::string name = trim(std::string_view(out.out).substr(start, end - start));
      if (!name.empty()) names.push_back(name);
      start = end + 1;
    }
    if (!names.empty())
      missing.push_back(fmt::format("the Python module(s) {} (for {})", fmt::join(names, ", "), plan.python.string()));
  }
  return missing;
}

std::string join_phrases(const std::vector<std::string>& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i == 0 ? "" : (i + 1 == items.size() ? " and " : ", ")) + items[i];
  return out;
}

// Step 4: the chosen server can run; installs it with pip when an index is usable.
Status ensure_server(const AppEnvironment& e, const BuildPlan& plan) {
  const ServerCheck& c = plan.server;
  phase_line(fmt::format("Checking the {} server", c.server));
  WD_ASSIGN(auto missing, server_missing(e, plan));
  if (missing.empty()) return {};
  if (!e.settings.pip_no_index && !c.pip_packages.empty()) {
    phase_line(fmt::format("Installing {} with pip", join_phrases(c.pip_packages)));
    std::vector<std::string> argv = plan.pip_install;
    argv.insert(argv.end(), c.pip_packages.begin(), c.pip_packages.end());
    ProcessSpec spec{argv, e.env, e.settings.src_root, {}, e.settings.debug};
    WD_ASSIGN(int status, run(spec));
    if (status == 0) {
      WD_ASSIGN(missing, server_missing(e, plan));
      if (missing.empty()) return {};
    }
  }
  return make_error(fmt::format(
      "start will use {}, and it cannot run: {} {} missing{}; install {} (Debian; build with "
      "WARPDRIVE_SYSTEM_SITE_PACKAGES=1 so the virtualenv sees Debian's Python packages), or choose another "
      "server with WARPDRIVE_SERVER_TYPE or .warpdrive/server_type ({})",
      c.reason, join_phrases(missing), missing.size() == 1 ? "is" : "are",
      e.settings.pip_no_index ? " and WARPDRIVE_PIP_NO_INDEX forbids installing it with pip" : "", c.debian_packages,
      server_names()));
}

// What the last successful collectstatic left: the number of files and the directory.
fs::path collected_marker(const fs::path& app_root) { return app_root / "markers" / "collectstatic"; }

size_t count_files(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->is_regular_file(ec)) ++n;
  return n;
}

// The static files are all there: as many as the last successful collectstatic wrote.
bool static_output_complete(const fs::path& app_root, const fs::path& static_root) {
  auto text = read_file_if_exists(collected_marker(app_root));
  if (!text || !*text) return false;
  return **text == fmt::format("{}\n{}\n", count_files(static_root), static_root.string()) && is_dir(static_root);
}

std::vector<fs::path> source_excludes(const Settings& s) {
  // When the source is APP_ROOT itself, the virtualenv and runtime
  // directories are not source.
  std::vector<fs::path> out;
  for (std::string_view d : {"bin", "lib", "lib64", "include", "share", "tmp", "data", "markers", "pyvenv.cfg"})
    out.push_back(s.app_root / std::string(d));
  return out;
}

}  // namespace

Status make_runtime_dirs(const Context& ctx, const Settings& s) {
  for (std::string_view d : {"tmp", "data"}) {
    fs::path dir = s.app_root / std::string(d);
    WD_TRY(make_dirs(dir));
    // OpenShift runs the image as another UID in group 0: it must write here too.
    if (ctx.uid != 0 && ctx.gid == 0) {
      struct stat st;
      if (::stat(dir.c_str(), &st) == 0 && st.st_uid == ctx.uid && (st.st_mode & 070) != 070)
        ::chmod(dir.c_str(), (st.st_mode & 07777) | 070);
    }
  }
  return {};
}

namespace {

// Set while a virtualenv is being created; a build that finds it left behind
// recreates the virtualenv instead of trusting it.
fs::path venv_incomplete_marker(const fs::path& app_root) { return app_root / "markers" / "venv-incomplete"; }

// What `python -m venv` writes into APP_ROOT.
void remove_virtualenv(const fs::path& app_root) {
  std::error_code ec;
  for (std::string_view d : {"bin", "lib", "lib64", "include", "pyvenv.cfg"})
    fs::remove_all(app_root / std::string(d), ec);
}

bool disk_full(const fs::path& dir) {
  struct statvfs st;
  if (::statvfs(dir.c_str(), &st) != 0) return false;
  return st.f_bavail * st.f_frsize < 1024UL * 1024 || (st.f_files != 0 && st.f_favail == 0);
}

}  // namespace

Status create_virtualenv(AppEnvironment& e, const Context& ctx, const VenvPlan& venv) {
  if (!venv.create) return {};
  const fs::path& app_root = e.settings.app_root;
  phase_line(fmt::format("Creating a virtualenv at {} ({}{})", app_root.string(),
                         venv.python_why.empty() ? venv.argv[0] : venv.python_why,
                         e.env.is_set("WARPDRIVE_SYSTEM_SITE_PACKAGES") ? ", with system site packages" : ""));
  fs::path marker = venv_incomplete_marker(app_root);
  WD_TRY(make_dirs(marker.parent_path()));
  WD_TRY(write_file_atomic(marker, ""));
  ProcessSpec spec{venv.argv, e.env, app_root, {}, e.settings.debug};
  // The interpreter must not run inside another virtualenv's settings.
  spec.env.unset("PYTHONHOME");
  // Its messages are shown, and read for the cause of a failure.
  auto status = run_capture(spec, STDERR_FILENO);
  if (status && !status->out.empty()) {
    [[maybe_unused]] auto n = ::write(STDERR_FILENO, status->out.data(), status->out.size());
  }
  if (!status)
    return std::move(status).error().context(
        "cannot create the virtualenv (set WARPDRIVE_PYTHON to the interpreter to use)");
  if (status->exit_status != 0) {
    const std::string& out = status->out;
    std::string cause = "(on Debian, install python3-venv)";
    if (out.find("No space left on device") != std::string::npos || out.find("Errno 28") != std::string::npos ||
        disk_full(app_root)) {
      cause = fmt::format(
          "because the file system of {} is full (no space left on device); the half-made "
          "virtualenv was removed, free some space and build again",
          app_root.string());
      remove_virtualenv(app_root);
    } else if (out.find("ensurepip") == std::string::npos) {
      cause = "(its message is above)";
    }
    return make_error(fmt::format("creating the virtualenv at {} with '{} -m venv' failed with exit status {} {}",
                                  app_root.string(), venv.argv[0], status->exit_status, cause));
  }
  WD_ASSIGN(e, base_environment(ctx, Phase::build, "build"));
  std::error_code ec;
  fs::remove(marker, ec);
  return {};
}

Result<bool> run_build_hook(const AppEnvironment& e, std::string_view name) {
  WD_ASSIGN(HookState state, check_hook(e.settings, name));
  if (state != HookState::runnable) return false;
  phase_line(fmt::format("Running {}", hook_display(name)));
  WD_ASSIGN(int status, run(hook_spec(e, name)));
  if (status != 0)
    return make_error(fmt::format("hook {} failed with exit status {}", e.settings.hook(name).string(), status),
                      status);
  return true;
}

namespace {

// Step 8: Django's collectstatic, or the settings start needs, unless the
// last build (`prev`) did it for the same source and dependencies. `source`
// is the source digest, taken again when collectstatic writes into the tree.
Result<std::optional<DjangoFacts>> build_django(const AppEnvironment& e, const BuildPlan& plan,
                                                const std::optional<BuildRecord>& prev, std::string& source,
                                                Timings& times) {
  const Settings& s = e.settings;
  const fs::path& app_root = s.app_root;
  std::optional<DjangoFacts> django;
  if (plan.django.collectstatic || plan.django.facts) {
    bool unchanged = plan.dependencies_unchanged && prev && prev->source_digest == source && prev->django &&
                     prev->deploy_mode == s.deploy_mode_name() && prev->app_home == s.app_home &&
                     (!plan.django.collectstatic || static_output_complete(app_root, prev->django->static_root));
    if (unchanged) {
      django = prev->django;
      if (plan.django.collectstatic)
        phase_line("Source and dependencies unchanged since the last build; not collecting static files again");
      times.done("django", "unchanged, skipped");
    } else if (plan.django.collectstatic) {
      phase_line("Collecting static files for Django");
      // Until it succeeds, no record may claim its output.
      std::error_code ec;
      fs::remove(collected_marker(app_root), ec);
      if (prev && prev->django) {
        BuildRecord without = *prev;
        without.django.reset();
        WD_TRY(save_build_record(app_root, without));
      }
      WD_ASSIGN(django, collect_static(e));
      WD_TRY(write_file_atomic(collected_marker(app_root),
                               fmt::format("{}\n{}\n", count_files(django->static_root), django->static_root)));
      // collectstatic may write into the source tree (a STATIC_ROOT there).
      WD_ASSIGN(source, source_digest(s.src_root, source_excludes(s)));
      times.done("django", "collectstatic");
    } else {
      phase_line(fmt::format("Not collecting static files for Django: {}", plan.django.reason));
      WD_ASSIGN(django, introspect_django(e));
      times.done("django", "settings read; " + plan.django.reason);
    }
  } else if (plan.django.project) {
    phase_line(fmt::format("Not collecting static files for Django: {}", plan.django.reason));
    times.done("django", plan.django.reason);
  }
  return django;
}

}  // namespace

Result<int> run_build(const Context& ctx, const BuildOptions& options) {
  Timings times;

  // 1. The build environment; tmp/ and data/.
  WD_ASSIGN(AppEnvironment e, base_environment(ctx, Phase::build, "build"));
  const fs::path& app_root = e.settings.app_root;

  auto previous = load_build_record(app_root);
  if (!previous) {
    warn(previous.error().message + "; building from scratch");
    previous = std::optional<BuildRecord>{};
  }

  if (options.dry_run) {
    // Nothing runs: pre-build is not run, the environment files are sourced
    // (they only set variables) so the plan shows what build would do.
    WD_ASSIGN(VenvPlan venv, plan_virtualenv(e));
    WD_TRY(apply_shell_files(e, {e.settings.warpdrive_dir() / "environment", e.settings.hook("build-env")}));
    WD_ASSIGN(BuildPlan plan, plan_build(e, options, *previous, venv.create));
    info_line("warpdrive build --dry-run: the plan (the pre-build hook is not run)");
    std::string text = describe_plan(plan, venv);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    info_line(text);
    return 0;
  }

  WD_TRY(make_runtime_dirs(ctx, e.settings));

  // One build of an app root at a time; the lock goes with the process.
  WD_TRY(make_dirs(app_root / "markers"));
  fs::path lock_path = app_root / "markers" / ".build.lock";
  WD_ASSIGN(int lock_fd, lock_exclusive(lock_path, fmt::format("warpdrive build: another build of {} is running; "
                                                               "waiting for it to finish (lock {})",
                                                               app_root.string(), lock_path.string())));
  (void)lock_fd;  // held until warpdrive exits
  if (path_exists(venv_incomplete_marker(app_root))) {
    phase_line(
        fmt::format("Removing the virtualenv at {}: a build stopped while it was being created", app_root.string()));
    remove_virtualenv(app_root);
    WD_ASSIGN(e, base_environment(ctx, Phase::build, "build"));
  }

  // 2. The virtualenv, of the Python the application asks for.
  WD_ASSIGN(VenvPlan venv, plan_virtualenv(e));
  if (venv.recreate) {
    phase_line(fmt::format("Removing the virtualenv at {}: {}", app_root.string(), venv.recreate_reason));
    std::error_code ec;
    fs::remove(build_record_path(app_root), ec);
    remove_virtualenv(app_root);
    WD_ASSIGN(e, base_environment(ctx, Phase::build, "build"));
  }
  WD_TRY(create_virtualenv(e, ctx, venv));
  times.done("virtualenv", venv.create ? (venv.recreate ? "recreated" : "created") : "existing");

  // 3. pre-build, then .warpdrive/environment and build-env.
  WD_ASSIGN(bool ran_pre_build, run_build_hook(e, "pre-build"));
  WD_TRY(apply_shell_files(e, {e.settings.warpdrive_dir() / "environment", e.settings.hook("build-env")}));
  times.done("pre-build", ran_pre_build ? "ran" : "no hook");

  // 4. The plan.
  WD_ASSIGN(BuildPlan plan, plan_build(e, options, *previous, venv.create));
  for (const auto& w : plan.warnings) warn(w);

  // 5. Dependencies, unless the last build installed exactly these.
  if (plan.dependencies_unchanged) {
    phase_line("Dependencies unchanged since the last build; not installing them (warpdrive build --force reinstalls)");
    times.done("dependencies", "unchanged, skipped");
  } else {
    // The old record no longer describes the virtualenv once an install starts.
    std::error_code ec;
    fs::remove(build_record_path(app_root), ec);
    for (const auto& tool : plan.tools) WD_TRY(provision_tool(e, plan, tool));
    for (const auto& step : plan.installs) WD_TRY(run_install(e, plan, step));
    times.done("dependencies", plan.installs.empty()
                                   ? "nothing to install"
                                   : fmt::format("{} step(s){}", plan.installs.size(), plan.force ? ", forced" : ""));
  }

  // 6. The server.
  if (!plan.server.needed) {
    times.done("server", "not needed: " + plan.server.skip_reason);
  } else if (plan.dependencies_unchanged) {
    times.done("server", plan.server.server + " checked by the last build");
  } else {
    WD_TRY(ensure_server(e, plan));
    times.done("server", plan.server.server + " ok");
  }

  // 7. The build hook.
  WD_ASSIGN(bool ran_build, run_build_hook(e, "build"));
  times.done("build hook", ran_build ? "ran" : "no hook");

  // 8. Django: collectstatic, and the facts start needs.
  const Settings& s = e.settings;
  WD_ASSIGN(std::string source, source_digest(s.src_root, source_excludes(s)));
  WD_ASSIGN(std::optional<DjangoFacts> django, build_django(e, plan, *previous, source, times));

  // 9. The build record, only now that everything succeeded.
  BuildRecord record;
  record.dependency_digest = plan.dependency_digest;
  record.source_digest = source;
  record.server_type = std::string(server_name(s.server_type));
  record.deploy_mode = s.deploy_mode_name();
  record.app_home = s.app_home;
  record.django = django;
  WD_TRY(save_build_record(app_root, record));
  times.done("record", build_record_path(app_root).string());

  times.print();
  return 0;
}

}  // namespace wd
