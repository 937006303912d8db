#include "devenv/projects.hpp"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>
#include <algorithm>
#include <cerrno>

#include <fmt/format.h>

#include "devenv/remove_tree.hpp"
#include "process.hpp"

namespace wd::devenv {

namespace {

bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

constexpr std::string_view kNameRule =
    "a project name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'";

// "/a/b/" -> "/a/b", normalised.
fs::path clean(const fs::path& p) {
  std::string s = p.lexically_normal().string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool same_directory(const fs::path& a, const fs::path& b) {
  if (clean(a) == clean(b)) return true;
  std::error_code ec;
  return fs::equivalent(a, b, ec) && !ec;
}

}  // namespace

Status validate_name(std::string_view name) {
  if (name.empty()) return make_error(fmt::format("the project name is empty: {}", kNameRule), kExitUsage);
  std::string_view problem;
  if (name.size() > kMaxNameLength)
    problem = "is too long";
  else if (name.find('/') != std::string_view::npos)
    problem = "contains '/'";
  else if (name.find("..") != std::string_view::npos)
    problem = "contains '..'";
  else if (!alnum(name.front()))
    problem = "does not start with a letter or digit";
  else if (!std::all_of(name.begin(), name.end(), name_char))
    problem = "contains a character that is not allowed";
  if (problem.empty()) return {};
  // The name comes from the user and may hold anything: show it as a quoted word.
  std::string shown(name.substr(0, std::min<size_t>(name.size(), 100)));
  std::replace_if(
      shown.begin(), shown.end(), [](char c) { return c == '\n' || c == '\r' || c == '\t'; }, ' ');
  return make_error(fmt::format("bad project name '{}': it {}; {}", shown, problem, kNameRule), kExitUsage);
}

Result<fs::path> projects_dir(const Context& ctx) {
  if (ctx.inherited.is_set("WARPDRIVE_VIRTUALENVS")) {
    fs::path dir = *ctx.inherited.get("WARPDRIVE_VIRTUALENVS");
    return clean(dir.is_absolute() ? dir : ctx.cwd / dir);
  }
  if (ctx.inherited.is_set("HOME")) return clean(fs::path(*ctx.inherited.get("HOME")) / ".warpdrive");
  if (const passwd* pw = ::getpwuid(ctx.uid); pw && pw->pw_dir && pw->pw_dir[0] == '/')
    return clean(fs::path(pw->pw_dir) / ".warpdrive");
  return make_error("cannot tell where the projects live: set WARPDRIVE_VIRTUALENVS (or HOME)");
}

fs::path project_path(const fs::path& dir, std::string_view name) {
  return dir / (std::string(kProjectPrefix) + std::string(name));
}

Result<std::vector<std::string>> list_projects(const fs::path& dir) {
  std::vector<std::string> names;
  if (!is_dir(dir)) return names;
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return make_error(fmt::format("cannot list the projects in {}: {}", dir.string(), ec.message()));
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    std::string file = it->path().filename().string();
    if (file.rfind(kProjectPrefix, 0) != 0) continue;
    std::string name = file.substr(kProjectPrefix.size());
    if (validate_name(name) && is_dir(it->path())) names.push_back(name);
  }
  if (ec) return make_error(fmt::format("cannot list the projects in {}: {}", dir.string(), ec.message()));
  std::sort(names.begin(), names.end());
  return names;
}

Result<Project> find_project(const Context& ctx, std::string_view name) {
  WD_TRY(validate_name(name));
  WD_ASSIGN(fs::path dir, projects_dir(ctx));
  Project project{std::string(name), project_path(dir, name)};
  if (!path_exists(project.path))
    return make_error(fmt::format("there is no project '{}' in {}; create it with: warpdrive project --create {}", name,
                                  dir.string(), name));
  if (!is_file(project.path / "bin" / "activate"))
    return make_error(
        fmt::format("project '{}' is not a virtualenv: {} has no bin/activate", name, project.path.string()));
  return project;
}

Result<CreatePlan> plan_create(const Context& ctx, std::string_view name, const CreateOptions& options) {
  WD_TRY(validate_name(name));
  CreatePlan plan;
  WD_ASSIGN(plan.dir, projects_dir(ctx));
  plan.project = Project{std::string(name), project_path(plan.dir, name)};
  if (path_exists(plan.project.path))
    return make_error(fmt::format("project '{}' already exists: {}; switch to it with: warpdrive project {}", name,
                                  plan.project.path.string(), name));

  std::string python = !options.python.empty() ? options.python : ctx.inherited.get_or("WARPDRIVE_PYTHON", "python3");
  auto interpreter = find_program(python, ctx.inherited);
  if (!interpreter) return std::move(interpreter).error().context(fmt::format("cannot create project '{}'", name));
  plan.argv = {interpreter->string(), "-m", "venv", "--prompt", std::string(kProjectPrefix) + std::string(name)};
  if (options.system_site_packages || ctx.inherited.is_set("WARPDRIVE_SYSTEM_SITE_PACKAGES"))
    plan.argv.push_back("--system-site-packages");
  plan.argv.push_back(plan.project.path.string());
  plan.env = ctx.inherited;
  return plan;
}

Status create_project(const CreatePlan& plan) {
  const Project& p = plan.project;
  WD_TRY(make_dirs(plan.dir, 0755));
  if (::mkdir(p.path.c_str(), 0755) != 0) {
    if (errno == EEXIST)
      return make_error(fmt::format("project '{}' already exists: {}; switch to it with: warpdrive project {}", p.name,
                                    p.path.string(), p.name));
    return make_error(fmt::format("cannot create {}: {}", p.path.string(), errno_text(errno)));
  }
  ProcessSpec spec;
  spec.argv = plan.argv;
  spec.env = plan.env;
  spec.redirects = {{STDOUT_FILENO, STDERR_FILENO}};
  auto status = run(spec);
  std::string failure;
  if (!status)
    failure = status.error().message;
  else if (*status != 0)
    failure = fmt::format("{} -m venv exited with status {}", plan.argv[0], *status);
  else if (!is_file(p.path / "bin" / "activate"))
    failure = fmt::format("{} -m venv made no {}", plan.argv[0], (p.path / "bin" / "activate").string());
  if (failure.empty()) return {};
  // The directory is ours (mkdir above succeeded): take it away again.
  auto removed = remove_tree_at(plan.dir, p.path.filename().string());
  return make_error(fmt::format("cannot create project '{}': {}{}", p.name, failure,
                                removed ? "" : "; and then " + removed.error().message));
}

Result<DestroyPlan> plan_destroy(const Context& ctx, std::string_view name) {
  WD_TRY(validate_name(name));
  DestroyPlan plan;
  WD_ASSIGN(plan.dir, projects_dir(ctx));
  plan.project = Project{std::string(name), project_path(plan.dir, name)};
  if (!path_exists(plan.project.path))
    return make_error(fmt::format("there is no project '{}' in {} (warpdrive project --list lists the projects)", name,
                                  plan.dir.string()));
  const EnvVars& env = ctx.inherited;
  bool active = env.get("WARPDRIVE_ENV_NAME") == std::string(name);
  for (const char* var : {"WARPDRIVE_APP_ROOT", "VIRTUAL_ENV"})
    if (env.is_set(var) && same_directory(*env.get(var), plan.project.path)) active = true;
  if (active)
    return make_error(
        fmt::format("project '{}' is active in this shell; leave it with 'warpdrive deactivate' "
                    "before destroying it",
                    name));
  return plan;
}

Status destroy_project(const DestroyPlan& plan) {
  auto removed = remove_tree_at(plan.dir, plan.project.path.filename().string());
  if (!removed)
    return std::move(removed).error().context(fmt::format("cannot destroy project '{}'", plan.project.name));
  return {};
}

}  // namespace wd::devenv
