#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sys/stat.h>
#include <unistd.h>

#include "app_build/digest.hpp"
#include "introspect/django.hpp"
#include "app_build/fixup.hpp"
#include "app_build/plan.hpp"

namespace wd {
namespace {

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/wd-build-unit-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  fs::path write(const std::string& rel, const std::string& text) const {
    fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }

 private:
  fs::path path_;
};

AppEnvironment test_environment(const TempDir& dir) {
  AppEnvironment e;
  e.phase = Phase::build;
  e.settings.app_root = dir.path();
  e.settings.src_root = dir.path() / "src";
  e.settings.app_home = e.settings.src_root;
  e.settings.deploy_mode = DeployMode::automatic;
  e.settings.server_type = ServerId::mod_wsgi;
  e.settings.shell_file = "app.sh";
  e.settings.python_file = "app.py";
  e.settings.pip_packages = {"requirements.txt"};
  e.settings.pip_no_index = true;
  e.env.set("PATH", "/usr/bin:/bin");
  fs::create_directories(e.settings.src_root);
  return e;
}

TEST(BuildDigest, Sha256OfKnownText) {
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(BuildDigest, FieldsAreLengthPrefixed) {
  EXPECT_NE(digest_of({{"ab", "c"}}), digest_of({{"a", "bc"}}));
  EXPECT_EQ(digest_of({{"a", "b"}}), digest_of({{"a", "b"}}));
}

TEST(BuildDigest, SourceDigestIgnoresGitAndPycacheAndExcludes) {
  TempDir dir;
  dir.write("app.py", "x = 1\n");
  auto before = source_digest(dir.path(), {dir.path() / "tmp"});
  ASSERT_TRUE(before.ok());
  dir.write(".git/HEAD", "ref\n");
  dir.write("__pycache__/app.cpython-311.pyc", "bytes");
  dir.write("tmp/static.css", "body{}");
  EXPECT_EQ(*source_digest(dir.path(), {dir.path() / "tmp"}), *before);
  dir.write("new.py", "");
  EXPECT_NE(*source_digest(dir.path(), {dir.path() / "tmp"}), *before);
}

TEST(BuildPlan, RequirementClosureFollowsNestedIncludesOnce) {
  TempDir dir;
  fs::path top = dir.write("requirements.txt",
                           "-r base.txt\n--requirement=sub/dev.txt  # comment\n-c constraints.txt\nflask\n"
                           "-r https://example.com/remote.txt\n");
  dir.write("base.txt", "django\n-r requirements.txt\n");
  dir.write("sub/dev.txt", "-r ../base.txt\npytest\n");
  auto files = requirement_closure(top);
  std::vector<fs::path> want = {top, dir.path() / "base.txt", dir.path() / "sub/dev.txt",
                                dir.path() / "constraints.txt"};
  EXPECT_EQ(files, want);
}

TEST(BuildPlan, RequirementsThenNoEditableInstall) {
  TempDir dir;
  AppEnvironment e = test_environment(dir);
  dir.write("src/requirements.txt", "flask\n");
  dir.write("src/setup.py", "");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->installs.size(), 1u);
  std::vector<std::string> want = {(dir.path() / "bin/python").string(),
                                   "-m", "pip", "install", "--exists-action=w", "--no-index", "--src",
                                   (dir.path() / "tmp/warpdrive/pip-src").string(), "-r",
                                   (dir.path() / "src/requirements.txt").string()};
  EXPECT_EQ(plan->installs[0].argv, want);
  EXPECT_FALSE(plan->dependencies_unchanged);
}

TEST(BuildPlan, EditableInstallWithoutRequirementsAndDisableVariable) {
  TempDir dir;
  AppEnvironment e = test_environment(dir);
  dir.write("src/pyproject.toml", "[project]\nname = \"x\"\nversion = \"1\"\n");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->installs.size(), 1u);
  EXPECT_EQ(plan->installs[0].argv.back(), (dir.path() / "src").string());
  EXPECT_EQ(plan->installs[0].argv[plan->installs[0].argv.size() - 2], "-e");
  e.env.set("DISABLE_PYPROJECT_TOML_PROCESSING", "1");
  auto disabled = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(disabled.ok());
  EXPECT_TRUE(disabled->installs.empty());
}

TEST(BuildPlan, PyprojectWithoutProjectTablesIsNotInstalled) {
  TempDir dir;
  AppEnvironment e = test_environment(dir);
  dir.write("src/pyproject.toml", "[tool.black]\nline-length = 100\n");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->installs.empty());
}

TEST(BuildPlan, DigestMatchesPreviousRecordUnlessForcedOrNewVenv) {
  TempDir dir;
  AppEnvironment e = test_environment(dir);
  dir.write("src/requirements.txt", "flask\n");
  auto first = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(first.ok());
  BuildRecord previous;
  previous.dependency_digest = first->dependency_digest;
  EXPECT_TRUE(plan_build(e, {}, previous, false)->dependencies_unchanged);
  EXPECT_FALSE(plan_build(e, {true, false}, previous, false)->dependencies_unchanged);
  EXPECT_FALSE(plan_build(e, {}, previous, true)->dependencies_unchanged);
  e.env.set("PIP_INDEX_URL", "https://mirror.example/simple");
  EXPECT_FALSE(plan_build(e, {}, previous, false)->dependencies_unchanged);
}

TEST(BuildPlan, ServerCheckSkippedForShellApps) {
  TempDir dir;
  AppEnvironment e = test_environment(dir);
  dir.write("src/app.sh", "#!/bin/sh\n");
  // Not executable: start would not run it, so build checks the server start would use.
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_TRUE(plan->server.needed);
  EXPECT_EQ(plan->server.server, "mod_wsgi");
  ::chmod((dir.path() / "src/app.sh").c_str(), 0755);
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(plan->server.needed);
  EXPECT_EQ(plan->server.skip_reason,
            "none: the application runs itself (" + (dir.path() / "src/app.sh").string() + ")");
}

TEST(BuildPlan, InvalidInstallerIsNamed) {
  TempDir dir;
  AppEnvironment e = test_environment(dir);
  e.env.set("WARPDRIVE_INSTALLER", "conda");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().message, "WARPDRIVE_INSTALLER is 'conda'; valid values are auto, pip, pipenv, poetry, uv");
}

TEST(BuildDjango, ParsesFacts) {
  auto f = parse_django_facts(
      R"({"settings_module": "m.settings", "wsgi_application": "m.wsgi.application", "static_url": "/s/",
          "static_root": "/r"})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->settings_module, "m.settings");
  EXPECT_EQ(f->static_root, "/r");
  EXPECT_FALSE(parse_django_facts("").ok());
}

TEST(BuildFixup, GroupBitsAndMissing) {
  TempDir dir;
  fs::path f = dir.write("a/file", "x");
  fs::path x = dir.write("a/exe", "x");
  ::chmod(f.c_str(), 0600);
  ::chmod(x.c_str(), 0700);
  ::chmod((dir.path() / "a").c_str(), 0700);
  FixupResult r = fixup_tree(dir.path() / "a", ::getuid());
  EXPECT_TRUE(r.failures.empty());
  struct stat st;
  ::stat(f.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  ::stat(x.c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0770u);
  ::stat((dir.path() / "a").c_str(), &st);
  EXPECT_EQ(st.st_mode & 0777, 0770u);
  EXPECT_TRUE(fixup_tree(dir.path() / "missing", ::getuid()).missing);
}

}  // namespace
}  // namespace wd
