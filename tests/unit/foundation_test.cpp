// Unit tests of the foundation's pure parts and of its small process and
// file helpers (which run real /bin/sh, as the binary does).
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <fstream>

#include "cli.hpp"
#include "identity.hpp"
#include "process.hpp"
#include "settings.hpp"
#include "shell.hpp"
#include "temp_dir.hpp"

namespace wd {
namespace {

using wd::testing::TempDir;

Context context_for(const fs::path& app_root) {
  Context ctx;
  ctx.cwd = "/";
  ctx.uid = 0;
  ctx.inherited.set("PATH", "/usr/bin:/bin");
  ctx.inherited.set("WARPDRIVE_APP_ROOT", app_root.string());
  return ctx;
}

TEST(ShellQuote, SingleQuotesEveryQuote) {
  EXPECT_EQ(single_quote("plain"), "'plain'");
  EXPECT_EQ(single_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(single_quote(""), "''");
}

TEST(ShellQuote, LeavesSafeWordsAlone) {
  EXPECT_EQ(shell_quote("/usr/bin/python3"), "/usr/bin/python3");
  EXPECT_EQ(shell_quote("--bind=0.0.0.0:8080"), "--bind=0.0.0.0:8080");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("$(x)"), "'$(x)'");
  EXPECT_EQ(shell_quote(""), "''");
}

TEST(SourceShellFiles, ReadsBackWhatTheFilesSet) {
  TempDir dir;
  dir.write("one", "A='x y'\nB=$A-b\n");
  dir.write("two", "if [ \"$B\" = 'x y-b' ]; then C=yes; fi\nunset DROP\n");
  EnvVars base;
  base.set("PATH", "/usr/bin:/bin");
  base.set("DROP", "1");
  auto env =
      source_shell_files(base, {dir.path() / "one", dir.path() / "missing", dir.path() / "two"}, dir.path(), false);
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->get("A"), "x y");
  EXPECT_EQ(env->get("C"), "yes");
  EXPECT_FALSE(env->has("DROP"));
  EXPECT_FALSE(env->has("PWD"));  // the shell's own variables are not reported
}

TEST(SourceShellFiles, NamesTheFailingFile) {
  TempDir dir;
  dir.write("good", "A=1\n");
  dir.write("bad", "false\n");
  EnvVars base;
  base.set("PATH", "/usr/bin:/bin");
  auto env = source_shell_files(base, {dir.path() / "good", dir.path() / "bad"}, dir.path(), false);
  ASSERT_FALSE(env);
  EXPECT_EQ(env.error().message, "cannot source " + (dir.path() / "bad").string() + ": /bin/sh exited with status 1");
}

TEST(SourceShellFiles, WritesOnAnyDescriptorAreNotTheEnvironment) {
  TempDir dir;
  dir.write("env", "A=1\nprintf '0\\0=\\0B=forged\\0'\n(printf 'x' >&3) 2>/dev/null\nB2=2\n");
  EnvVars base;
  base.set("PATH", "/usr/bin:/bin");
  auto env = source_shell_files(base, {dir.path() / "env"}, dir.path(), false);
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->get("A"), "1");
  EXPECT_FALSE(env->has("B"));
}

TEST(SourceShellFiles, NamesNoShellCanHoldPassThrough) {
  TempDir dir;
  dir.write("env", "A=1\n");
  EnvVars base;
  base.set("PATH", "/usr/bin:/bin");
  base.set("my-var", "x");
  base.set("BASH_FUNC_f%%", "() {  :\n}");
  auto env = source_shell_files(base, {dir.path() / "env"}, dir.path(), false);
  ASSERT_TRUE(env) << env.error().message;
  EXPECT_EQ(env->get("my-var"), "x");
  EXPECT_EQ(env->get("BASH_FUNC_f%%"), "() {  :\n}");
}

TEST(SourceShellFiles, AFifoIsAnErrorNotAHang) {
  TempDir dir;
  ASSERT_EQ(::mkfifo((dir.path() / "env").c_str(), 0644), 0);
  auto env = source_shell_files({}, {dir.path() / "env"}, dir.path(), false);
  ASSERT_FALSE(env);
  EXPECT_EQ(env.error().message,
            (dir.path() / "env").string() + ": is a FIFO (named pipe), not a regular file; expected a shell file");
}

TEST(ShellName, OnlyIdentifiers) {
  EXPECT_TRUE(is_shell_name("A_1"));
  EXPECT_TRUE(is_shell_name("_x"));
  EXPECT_FALSE(is_shell_name(""));
  EXPECT_FALSE(is_shell_name("1A"));
  EXPECT_FALSE(is_shell_name("my-var"));
  EXPECT_FALSE(is_shell_name("X$(id)"));
}

TEST(SourceShellFiles, NoFilesMeansNoShell) {
  EnvVars base;
  base.set("X", "1");
  auto env = source_shell_files(base, {"/nonexistent/file"}, "/", false);
  ASSERT_TRUE(env);
  EXPECT_EQ(env->vars(), base.vars());
}

TEST(Settings, DefaultsAndExport) {
  TempDir dir;
  fs::create_directories(dir.path() / "src");
  auto e = base_environment(context_for(dir.path()), Phase::deploy, "test");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->settings.src_root, dir.path() / "src");
  EXPECT_EQ(e->settings.app_home, dir.path() / "src");
  EXPECT_EQ(e->settings.http_port, 8080);
  EXPECT_EQ(e->settings.server_type, ServerId::mod_wsgi);
  EXPECT_EQ(e->settings.deploy_mode, DeployMode::automatic);
  EXPECT_EQ(e->env.get("WARPDRIVE_ACTION"), "test");
  EXPECT_EQ(e->env.get("WARPDRIVE_PHASE"), "deploy");
  EXPECT_EQ(e->env.get("PYTHONPATH"), (dir.path() / "src").string());
  EXPECT_FALSE(e->env.has("VIRTUAL_ENV"));
}

TEST(Settings, FilesAndVariablesInOrder) {
  TempDir dir;
  dir.write("src/.warpdrive/server_type", "gunicorn\n");
  dir.write("src/.warpdrive/deploy_mode", " wsgi \n");
  Context ctx = context_for(dir.path());
  ctx.inherited.set("PORT", "9000");  // the default OpenShift builder's name
  auto e = base_environment(ctx, Phase::build, "build");
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->settings.server_type, ServerId::gunicorn);
  EXPECT_EQ(e->settings.deploy_mode, DeployMode::wsgi);
  EXPECT_EQ(e->settings.http_port, 9000);
  ctx.inherited.set("WARPDRIVE_SERVER_TYPE", "uwsgi");  // the app's file wins over the variable
  ctx.inherited.set("WARPDRIVE_HTTP_PORT", "9100");     // WARPDRIVE_HTTP_PORT wins over PORT
  e = base_environment(ctx, Phase::build, "build");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->settings.server_type, ServerId::gunicorn);
  EXPECT_EQ(e->settings.server_type_origin.text(), "file " + (dir.path() / "src/.warpdrive/server_type").string());
  EXPECT_EQ(e->settings.http_port, 9100);
}

TEST(Settings, AppHomeFromTheDefaultBuildersVariable) {
  TempDir dir;
  fs::create_directories(dir.path() / "src" / "site");
  Context ctx = context_for(dir.path());
  ctx.inherited.set("APP_HOME", "site");
  auto e = base_environment(ctx, Phase::deploy, "env");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->settings.app_home, dir.path() / "src" / "site");
  EXPECT_EQ(e->env.get("PYTHONPATH"), (dir.path() / "src" / "site").string() + ":" + (dir.path() / "src").string());
}

TEST(Settings, PythonPathIsNotPrependedTwice) {
  TempDir dir;
  fs::create_directories(dir.path() / "src");
  Context ctx = context_for(dir.path());
  ctx.inherited.set("PYTHONPATH", (dir.path() / "src").string() + ":/extra");
  auto e = base_environment(ctx, Phase::deploy, "env");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->env.get("PYTHONPATH"), (dir.path() / "src").string() + ":/extra");
}

TEST(Settings, BadBuilderId) {
  TempDir dir;
  fs::create_directories(dir.path() / "src");
  Context ctx = context_for(dir.path());
  ctx.inherited.set("WARPDRIVE_BUILDER_ID", "builder");
  auto e = base_environment(ctx, Phase::deploy, "env");
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "WARPDRIVE_BUILDER_ID is 'builder', not a numeric user ID");
}

TEST(EnvironmentDelta, SettingsChangesAndRemovals) {
  EnvVars before, after;
  before.set("KEEP", "1");
  before.set("CHANGE", "old");
  before.set("GONE", "x");
  before.set("WARPDRIVE_HTTP_PORT", "8080");
  after.set("KEEP", "1");
  after.set("CHANGE", "new");
  after.set("NEW", "n");
  after.set("WARPDRIVE_HTTP_PORT", "8080");
  EnvDelta d = environment_delta(before, after);
  std::vector<std::pair<std::string, std::string>> expected = {
      {"CHANGE", "new"}, {"NEW", "n"}, {"WARPDRIVE_HTTP_PORT", "8080"}};
  EXPECT_EQ(d.set, expected);
  EXPECT_EQ(d.removed, std::vector<std::string>{"GONE"});
}

TEST(Identity, PasswdEntry) {
  EXPECT_EQ(passwd_with_entry("root:x:0:0:root:/root:/bin/bash", 1000123456, 0, "/opt/app-root", "/bin/bash"),
            "root:x:0:0:root:/root:/bin/bash\nwarpdrive:x:1000123456:0:warpdrive:/opt/app-root:/bin/bash\n");
}

TEST(Commands, SuggestionsForTypos) {
  EXPECT_EQ(similar_commands("strat"), std::vector<std::string>{"start"});
  EXPECT_EQ(similar_commands("mig").front(), "migrate");
  EXPECT_TRUE(similar_commands("zzzzzzzz").empty());
  EXPECT_NE(find_command("exec"), nullptr);
  EXPECT_EQ(find_command("nope"), nullptr);
}

TEST(Process, FindProgramStatuses) {
  EnvVars env;
  env.set("PATH", "/usr/bin:/bin");
  auto sh = find_program("sh", env);
  ASSERT_TRUE(sh);
  auto missing = find_program("definitely-not-a-command", env);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().exit_status, kExitNotFound);
  TempDir dir;
  dir.write("plain", "#!/bin/sh\n");
  fs::permissions(dir.path() / "plain", fs::perms::owner_read | fs::perms::owner_write);
  auto not_exec = find_program((dir.path() / "plain").string(), env);
  ASSERT_FALSE(not_exec);
  EXPECT_EQ(not_exec.error().exit_status, kExitNotExecutable);
}

TEST(Process, RunCaptureUsesOnlyTheGivenEnvironment) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo \"$ONLY_HERE:$HOME\""};
  spec.env.set("ONLY_HERE", "yes");
  auto out = run_capture(spec);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->out, "yes:\n");
  EXPECT_EQ(out->exit_status, 0);
}

TEST(Process, APendingStopRequestStartsNothing) {
  prepare_stop_handling();  // blocks the stop signals, as main_entry does
  ASSERT_EQ(::raise(SIGTERM), 0);
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "exit 0"};
  auto status = run(spec);
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message, "stopped by SIGTERM");
  EXPECT_EQ(status.error().exit_status, 143);
  EXPECT_EQ(take_pending_stop(), 0);
}

TEST(Process, SignalDeathIs128PlusN) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "kill -9 $$"};
  auto status = run(spec);
  ASSERT_TRUE(status);
  EXPECT_EQ(*status, 137);
}

}  // namespace
}  // namespace wd
