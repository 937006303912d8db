// Unit tests of the local-development core (src/lib/devenv): project names,
// the projects directory, the activation code (evaluated by a real bash),
// the symlink-safe removal, and the shell integration text.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdlib>
#include <fstream>

#include "devenv/activation.hpp"
#include "devenv/projects.hpp"
#include "devenv/remove_tree.hpp"
#include "devenv/shell_integration.hpp"
#include "process.hpp"
#include "shell.hpp"
#include "temp_dir.hpp"

namespace wd::devenv {
namespace {

using wd::testing::TempDir;

void touch(const fs::path& p, const std::string& text = "x") { std::ofstream(p) << text; }

Context context_with(const fs::path& cwd, std::initializer_list<std::pair<const char*, std::string>> vars) {
  Context ctx;
  ctx.cwd = cwd;
  ctx.self = "/usr/local/bin/warpdrive";
  ctx.uid = ::getuid();
  for (const auto& [k, v] : vars) ctx.inherited.set(k, v);
  return ctx;
}

std::string message_of(const Status& s) { return s ? std::string("(ok)") : s.error().message; }

TEST(ProjectName, AcceptsLettersDigitsDotUnderscoreDash) {
  const std::vector<std::string> names = {"demo", "a", "My_App-2", "v1.2", "0start", std::string(64, 'x')};
  for (const auto& ok : names) EXPECT_TRUE(validate_name(ok)) << ok;
}

TEST(ProjectName, RefusalsNameTheValueAndTheRule) {
  const std::string rule =
      "a project name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'";
  EXPECT_EQ(message_of(validate_name("")), "the project name is empty: " + rule);
  EXPECT_EQ(message_of(validate_name("a/b")), "bad project name 'a/b': it contains '/'; " + rule);
  EXPECT_EQ(message_of(validate_name("../evil")), "bad project name '../evil': it contains '/'; " + rule);
  EXPECT_EQ(message_of(validate_name("..")), "bad project name '..': it contains '..'; " + rule);
  EXPECT_EQ(message_of(validate_name("a..b")), "bad project name 'a..b': it contains '..'; " + rule);
  EXPECT_EQ(message_of(validate_name("-rf")),
            "bad project name '-rf': it does not start with a letter or digit; " + rule);
  EXPECT_EQ(message_of(validate_name(".hidden")),
            "bad project name '.hidden': it does not start with a letter or digit; " + rule);
  EXPECT_EQ(message_of(validate_name("a b")),
            "bad project name 'a b': it contains a character that is not allowed; " + rule);
  EXPECT_EQ(message_of(validate_name("x$(id)")),
            "bad project name 'x$(id)': it contains a character that is not allowed; " + rule);
  EXPECT_EQ(message_of(validate_name(std::string(65, 'x'))),
            "bad project name '" + std::string(65, 'x') + "': it is too long; " + rule);
  EXPECT_EQ(validate_name("a/b").error().exit_status, kExitUsage);
}

TEST(ProjectsDir, VirtualenvsThenHome) {
  EXPECT_EQ(*projects_dir(context_with("/w", {{"WARPDRIVE_VIRTUALENVS", "/v/envs/"}, {"HOME", "/h"}})), "/v/envs");
  EXPECT_EQ(*projects_dir(context_with("/w", {{"WARPDRIVE_VIRTUALENVS", "rel"}})), "/w/rel");
  EXPECT_EQ(*projects_dir(context_with("/w", {{"WARPDRIVE_VIRTUALENVS", ""}, {"HOME", "/h"}})), "/h/.warpdrive");
  EXPECT_EQ(project_path("/h/.warpdrive", "demo"), "/h/.warpdrive/warpdrive+demo");
}

TEST(ListProjects, OnlyValidWarpdrivePlusDirectoriesSorted) {
  TempDir t;
  for (const char* d : {"warpdrive+zeta", "warpdrive+alpha", "warpdrive+.bad", "other"})
    fs::create_directory(t.path() / d);
  touch(t.path() / "warpdrive+file");
  touch(t.path() / ".rcfile.sh");
  EXPECT_EQ(*list_projects(t.path()), (std::vector<std::string>{"alpha", "zeta"}));
  EXPECT_TRUE(list_projects(t.path() / "missing")->empty());
}

TEST(FindProject, MissingSaysCreateAndNonVirtualenvIsNamed) {
  TempDir t;
  auto ctx = context_with("/", {{"WARPDRIVE_VIRTUALENVS", t.path().string()}});
  EXPECT_EQ(find_project(ctx, "demo").error().message,
            "there is no project 'demo' in " + t.path().string() + "; create it with: warpdrive project --create demo");
  fs::create_directory(t.path() / "warpdrive+demo");
  EXPECT_EQ(find_project(ctx, "demo").error().message,
            "project 'demo' is not a virtualenv: " + (t.path() / "warpdrive+demo").string() + " has no bin/activate");
  fs::create_directories(t.path() / "warpdrive+demo" / "bin");
  touch(t.path() / "warpdrive+demo" / "bin" / "activate");
  EXPECT_EQ(find_project(ctx, "demo")->path, t.path() / "warpdrive+demo");
}

TEST(CreatePlan, InterpreterFromOptionThenWarpdrivePython) {
  TempDir t;
  auto ctx = context_with("/", {{"WARPDRIVE_VIRTUALENVS", t.path().string()},
                                {"WARPDRIVE_PYTHON", "/usr/bin/python3"},
                                {"PATH", "/usr/bin:/bin"}});
  auto plan = plan_create(ctx, "demo", {});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->argv, (std::vector<std::string>{"/usr/bin/python3", "-m", "venv", "--prompt", "warpdrive+demo",
                                                  (t.path() / "warpdrive+demo").string()}));
  CreateOptions options;
  options.python = "/nonexistent/python9";
  options.system_site_packages = true;
  auto missing = plan_create(ctx, "demo", options);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().exit_status, kExitNotFound);
  EXPECT_EQ(missing.error().message.rfind("cannot create project 'demo': ", 0), 0u) << missing.error().message;
  fs::create_directory(t.path() / "warpdrive+demo");
  EXPECT_EQ(plan_create(ctx, "demo", {}).error().message,
            "project 'demo' already exists: " + (t.path() / "warpdrive+demo").string() +
                "; switch to it with: warpdrive project demo");
}

TEST(DestroyPlan, RefusesTheActiveProjectByNameOrPath) {
  TempDir t;
  fs::create_directory(t.path() / "warpdrive+demo");
  std::string venv = (t.path() / "warpdrive+demo").string();
  const std::string refused =
      "project 'demo' is active in this shell; leave it with 'warpdrive deactivate' before destroying it";
  for (auto [var, value] : {std::pair{"WARPDRIVE_ENV_NAME", std::string("demo")},
                            std::pair{"WARPDRIVE_APP_ROOT", venv + "/"}, std::pair{"VIRTUAL_ENV", venv}}) {
    auto ctx = context_with("/", {{"WARPDRIVE_VIRTUALENVS", t.path().string()}, {var, value}});
    auto plan = plan_destroy(ctx, "demo");
    ASSERT_FALSE(plan) << var;
    EXPECT_EQ(plan.error().message, refused);
  }
  auto ctx = context_with("/", {{"WARPDRIVE_VIRTUALENVS", t.path().string()}, {"WARPDRIVE_ENV_NAME", "other"}});
  ASSERT_TRUE(plan_destroy(ctx, "demo"));
  EXPECT_EQ(plan_destroy(ctx, "gone").error().message,
            "there is no project 'gone' in " + t.path().string() + " (warpdrive project --list lists the projects)");
}

TEST(RemoveTree, RemovesLinksNeverTheirTargets) {
  TempDir t;
  fs::create_directories(t.path() / "outside");
  touch(t.path() / "outside" / "keep");
  fs::create_directories(t.path() / "projects" / "warpdrive+demo" / "lib" / "deep");
  touch(t.path() / "projects" / "warpdrive+demo" / "lib" / "deep" / "f");
  fs::create_directory_symlink(t.path() / "outside", t.path() / "projects" / "warpdrive+demo" / "lib" / "link");
  fs::create_directory_symlink(t.path() / "outside", t.path() / "projects" / "warpdrive+linked");

  ASSERT_TRUE(remove_tree_at(t.path() / "projects", "warpdrive+demo"));
  ASSERT_TRUE(remove_tree_at(t.path() / "projects", "warpdrive+linked"));
  EXPECT_FALSE(fs::exists(fs::symlink_status(t.path() / "projects" / "warpdrive+demo")));
  EXPECT_FALSE(fs::exists(fs::symlink_status(t.path() / "projects" / "warpdrive+linked")));
  EXPECT_TRUE(fs::exists(t.path() / "outside" / "keep"));
  EXPECT_EQ(message_of(remove_tree_at(t.path(), "../x")),
            "refusing to remove '../x' in " + t.path().string() + ": not a single directory entry");
}

TEST(Activation, PlanSetsTheVariablesAndSavesEveryOneItChanges) {
  auto a = plan_activation({"demo", "/h/.warpdrive/warpdrive+demo"}, "/work/app");
  EXPECT_EQ(a.prompt, "(warpdrive+demo) ");
  EXPECT_EQ(a.exports,
            (std::vector<std::pair<std::string, std::string>>{{"WARPDRIVE_ENV_NAME", "demo"},
                                                              {"WARPDRIVE_APP_ROOT", "/h/.warpdrive/warpdrive+demo"},
                                                              {"WARPDRIVE_SRC_ROOT", "/work/app"},
                                                              {"VIRTUAL_ENV", "/h/.warpdrive/warpdrive+demo"},
                                                              {"VIRTUAL_ENV_PROMPT", "(warpdrive+demo) "}}));
  EXPECT_EQ(a.saved, (std::vector<std::string>{"WARPDRIVE_ENV_NAME", "WARPDRIVE_APP_ROOT", "WARPDRIVE_SRC_ROOT",
                                               "VIRTUAL_ENV", "VIRTUAL_ENV_PROMPT", "PYTHONHOME", "PATH", "PS1"}));
}

// Runs `script` in a real bash with a small environment; returns its stdout.
std::string bash(const std::string& script) {
  ProcessSpec spec;
  spec.argv = {"/bin/bash", "--norc", "--noprofile", "-c", script};
  spec.env.set("PATH", "/usr/bin:/bin");
  auto out = run_capture(spec);
  EXPECT_TRUE(out && out->exit_status == 0) << script;
  return out ? out->out : "";
}

TEST(Activation, HostilePathsRoundTripThroughBashUnevaluated) {
  TempDir t;
  std::string venv = (t.path() / "it's $(touch pwned) `touch pwned2` \"q\"\n+demo").string();
  std::string src = (t.path() / "src ${HOME} 'x'").string();
  std::string code = render_activation(plan_activation({"demo", venv}, src));
  std::string out = bash("cd " + single_quote(t.path().string()) + "; PS1='$ '; " + code +
                         "\nprintf '%s\\0' \"$WARPDRIVE_APP_ROOT\" \"$WARPDRIVE_SRC_ROOT\" \"$PATH\" \"$PS1\" "
                         "\"$(env | grep -c '^WARPDRIVE_ENV_NAME=demo$')\"");
  std::vector<std::string> fields;
  for (size_t start = 0, end; (end = out.find('\0', start)) != std::string::npos; start = end + 1)
    fields.push_back(out.substr(start, end - start));
  ASSERT_EQ(fields.size(), 5u) << out;
  EXPECT_EQ(fields[0], venv);
  EXPECT_EQ(fields[1], src);
  EXPECT_EQ(fields[2], venv + "/bin:/usr/bin:/bin");
  EXPECT_EQ(fields[3], "(warpdrive+demo) $ ");
  EXPECT_EQ(fields[4], "1");  // exported, so build and start see it
  EXPECT_FALSE(fs::exists(t.path() / "pwned"));
  EXPECT_FALSE(fs::exists(t.path() / "pwned2"));
}

TEST(Activation, RenderedCodeIsPinned) {
  std::string code = render_activation(plan_activation({"demo", "/p/warpdrive+demo"}, "/src"));
  EXPECT_EQ(code,
            "# Activates the warpdrive project demo (eval \"$(warpdrive activate demo)\");\n"
            "# 'warpdrive deactivate' gives back the values saved here.\n"
            "if [ -z \"${_warpdrive_active-}\" ]; then\n"
            "  _warpdrive_saved='WARPDRIVE_ENV_NAME WARPDRIVE_APP_ROOT WARPDRIVE_SRC_ROOT VIRTUAL_ENV "
            "VIRTUAL_ENV_PROMPT PYTHONHOME PATH PS1'\n"
            "  if [ -n \"${WARPDRIVE_ENV_NAME+set}\" ]; then _warpdrive_old_WARPDRIVE_ENV_NAME=$WARPDRIVE_ENV_NAME; "
            "else unset _warpdrive_old_WARPDRIVE_ENV_NAME; fi\n"
            "  if [ -n \"${WARPDRIVE_APP_ROOT+set}\" ]; then _warpdrive_old_WARPDRIVE_APP_ROOT=$WARPDRIVE_APP_ROOT; "
            "else unset _warpdrive_old_WARPDRIVE_APP_ROOT; fi\n"
            "  if [ -n \"${WARPDRIVE_SRC_ROOT+set}\" ]; then _warpdrive_old_WARPDRIVE_SRC_ROOT=$WARPDRIVE_SRC_ROOT; "
            "else unset _warpdrive_old_WARPDRIVE_SRC_ROOT; fi\n"
            "  if [ -n \"${VIRTUAL_ENV+set}\" ]; then _warpdrive_old_VIRTUAL_ENV=$VIRTUAL_ENV; "
            "else unset _warpdrive_old_VIRTUAL_ENV; fi\n"
            "  if [ -n \"${VIRTUAL_ENV_PROMPT+set}\" ]; then _warpdrive_old_VIRTUAL_ENV_PROMPT=$VIRTUAL_ENV_PROMPT; "
            "else unset _warpdrive_old_VIRTUAL_ENV_PROMPT; fi\n"
            "  if [ -n \"${PYTHONHOME+set}\" ]; then _warpdrive_old_PYTHONHOME=$PYTHONHOME; "
            "else unset _warpdrive_old_PYTHONHOME; fi\n"
            "  if [ -n \"${PATH+set}\" ]; then _warpdrive_old_PATH=$PATH; else unset _warpdrive_old_PATH; fi\n"
            "  if [ -n \"${PS1+set}\" ]; then _warpdrive_old_PS1=$PS1; else unset _warpdrive_old_PS1; fi\n"
            "fi\n"
            "_warpdrive_active='demo'\n"
            "export WARPDRIVE_ENV_NAME='demo'\n"
            "export WARPDRIVE_APP_ROOT='/p/warpdrive+demo'\n"
            "export WARPDRIVE_SRC_ROOT='/src'\n"
            "export VIRTUAL_ENV='/p/warpdrive+demo'\n"
            "export VIRTUAL_ENV_PROMPT='(warpdrive+demo) '\n"
            "unset PYTHONHOME\n"
            "PATH='/p/warpdrive+demo/bin'${_warpdrive_old_PATH:+\":$_warpdrive_old_PATH\"}\n"
            "export PATH\n"
            "if [ -z \"${VIRTUAL_ENV_DISABLE_PROMPT-}\" ]; then PS1='(warpdrive+demo) '\"${_warpdrive_old_PS1-}\"; fi\n"
            "hash -r 2>/dev/null || true\n");
}

TEST(ShellIntegration, RcfileBindsTheProgramAndCarriesTheFunction) {
  std::string text = rcfile_text("/opt/it's/warpdrive");
  EXPECT_EQ(text.rfind("# Written by 'warpdrive rcfile'; rewritten when it changes, do not edit.\n"
                       "_warpdrive_program='/opt/it'\\''s/warpdrive'\n\n",
                       0),
            0u);
  EXPECT_NE(text.find("\nwarpdrive() {\n"), std::string::npos);
  EXPECT_NE(text.find("\n_warpdrive_deactivate() {\n"), std::string::npos);
  EXPECT_EQ(rcfile_path("/h/.warpdrive"), "/h/.warpdrive/.rcfile.sh");
}

TEST(ShellIntegration, RcfileIsWrittenOnlyWhenItChanges) {
  TempDir t;
  auto ctx = context_with("/", {{"WARPDRIVE_VIRTUALENVS", (t.path() / "envs").string()}});
  auto path = write_rcfile(ctx);
  ASSERT_TRUE(path) << path.error().message;
  EXPECT_EQ(*path, t.path() / "envs" / ".rcfile.sh");
  EXPECT_EQ(*read_file(*path), rcfile_text(ctx.self));
  auto first = fs::last_write_time(*path);
  fs::last_write_time(*path, first - std::chrono::hours(1));
  ASSERT_TRUE(write_rcfile(ctx));
  EXPECT_EQ(fs::last_write_time(*path), first - std::chrono::hours(1));  // same text: left alone
  ctx.self = "/elsewhere/warpdrive";
  ASSERT_TRUE(write_rcfile(ctx));
  EXPECT_EQ(*read_file(*path), rcfile_text("/elsewhere/warpdrive"));
}

TEST(ShellIntegration, ProfileLinesArePinned) {
  EXPECT_EQ(profile_text("/usr/local/bin/warpdrive"),
            "# warpdrive: the shell function that lets 'warpdrive project NAME' and\n"
            "# 'warpdrive deactivate' change this shell (from 'warpdrive profile').\n"
            "if _warpdrive_rcfile=$('/usr/local/bin/warpdrive' rcfile); then . \"$_warpdrive_rcfile\"; fi\n"
            "unset _warpdrive_rcfile\n");
}

TEST(ShellIntegration, BinaryAloneExplainsTheShellFunction) {
  auto e = shell_function_required("deactivate");
  EXPECT_EQ(e.exit_status, kExitUsage);
  EXPECT_EQ(e.message,
            "'warpdrive deactivate' has to change the shell it is typed in, which only the warpdrive shell function "
            "can do; load it with '. \"$(warpdrive rcfile)\"', or add the lines 'warpdrive profile' prints to "
            "~/.bash_profile");
}

}  // namespace
}  // namespace wd::devenv
