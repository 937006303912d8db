#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <cstdlib>
#include <fstream>

#include "app_build/digest.hpp"
#include "app_build/fixup.hpp"
#include "app_build/plan.hpp"
#include "app_build/python_version.hpp"
#include "app_build/requirements.hpp"
#include "introspect/django.hpp"
#include "log.hpp"
#include "temp_dir.hpp"

namespace wd {
namespace {

using wd::testing::TempDir;

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
                                   "-m",
                                   "pip",
                                   "install",
                                   "--exists-action=w",
                                   "--no-index",
                                   "--src",
                                   (dir.path() / "tmp/warpdrive/pip-src").string(),
                                   "-r",
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
  EXPECT_EQ(plan.error().message,
            "WARPDRIVE_INSTALLER is 'conda'; valid values are auto, pip, uv, poetry, pipenv, pdm");
}

// --- Installers --------------------------------------------------------------

AppEnvironment installer_environment(const TempDir& dir) {
  AppEnvironment e = test_environment(dir);
  e.env.set("WARPDRIVE_TOOLS_DIR", (dir.path() / "tools").string());
  e.env.set("PATH", "/nonexistent");  // no tool is found on PATH: each is provided by warpdrive
  return e;
}

TEST(BuildInstallers, EachLockFileChoosesItsTool) {
  struct Case {
    const char* file;
    std::vector<std::string> args;  // after the program
    const char* tool;
  };
  std::vector<Case> cases = {
      {"uv.lock", {"sync", "--locked", "--no-dev", "--inexact", "--compile-bytecode"}, "uv"},
      {"poetry.lock", {"sync", "--only", "main", "--no-interaction", "--compile"}, "poetry"},
      {"Pipfile.lock", {"install", "--deploy"}, "pipenv"},
      {"pdm.lock", {"sync", "--prod"}, "pdm"},
  };
  for (const auto& c : cases) {
    TempDir dir;
    AppEnvironment e = installer_environment(dir);
    dir.write(std::string("src/") + c.file, "{}\n");
    auto plan = plan_build(e, {}, std::nullopt, false);
    ASSERT_TRUE(plan.ok()) << c.file << ": " << plan.error().message;
    ASSERT_EQ(plan->installs.size(), 1u) << c.file;
    const auto& argv = plan->installs[0].argv;
    fs::path program =
        dir.path() / "tools" / (std::string(c.tool) + "-" + default_tool_version(c.tool)) / "bin" / c.tool;
    EXPECT_EQ(argv[0], program.string()) << c.file;
    EXPECT_EQ(std::vector<std::string>(argv.begin() + 1, argv.end()), c.args) << c.file;
    EXPECT_EQ(plan->installs[0].env.get_or("VIRTUAL_ENV", ""), dir.path().string());
    ASSERT_EQ(plan->tools.size(), 1u);
    EXPECT_TRUE(plan->tools[0].provision);
    EXPECT_EQ(plan->installer, c.tool);
  }
}

TEST(BuildInstallers, PylockTomlIsInstalledWithUvPip) {
  TempDir dir;
  AppEnvironment e = installer_environment(dir);
  dir.write("src/pylock.toml", "lock-version = \"1.0\"\n");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->installs.size(), 1u);
  std::vector<std::string> want = {(dir.path() / "tools/uv-0.13.9/bin/uv").string(),
                                   "pip",
                                   "install",
                                   "--python",
                                   (dir.path() / "bin/python").string(),
                                   "--compile-bytecode",
                                   "--no-index",
                                   "--preview-features",
                                   "pylock",
                                   "-r",
                                   (dir.path() / "src/pylock.toml").string()};
  EXPECT_EQ(plan->installs[0].argv, want);
}

TEST(BuildInstallers, TwoLockFilesAreAnErrorUnlessChosen) {
  TempDir dir;
  AppEnvironment e = installer_environment(dir);
  dir.write("src/uv.lock", "");
  dir.write("src/poetry.lock", "");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.error().message,
            "more than one lock file in " + (dir.path() / "src").string() +
                ": uv.lock, poetry.lock; warpdrive will not guess which one is current: remove the stale ones, "
                "or set WARPDRIVE_INSTALLER to uv, poetry, pipenv or pdm to choose (pip: requirements files only)");
  e.env.set("WARPDRIVE_INSTALLER", "poetry");
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->installer, "poetry");
  ASSERT_GE(plan->warnings.size(), 1u);
  EXPECT_EQ(plan->warnings[0], "ignoring uv.lock in " + (dir.path() / "src").string() +
                                   ": WARPDRIVE_INSTALLER=poetry chooses poetry.lock");
}

TEST(BuildInstallers, RequirementsBesideALockFileAreNotInstalledUnlessNamed) {
  TempDir dir;
  AppEnvironment e = installer_environment(dir);
  dir.write("src/uv.lock", "");
  dir.write("src/requirements.txt", "flask\n");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->installs.size(), 1u);
  EXPECT_EQ(plan->installs[0].tool, "uv");
  ASSERT_GE(plan->warnings.size(), 1u);
  EXPECT_EQ(plan->warnings[0],
            "not installing requirements.txt: the lock file uv.lock lists the dependencies (set "
            "WARPDRIVE_INSTALLER=pip to install requirements.txt instead; the files of a "
            "WARPDRIVE_PIP_PACKAGES other than the default are installed after the lock file)");
  // Named explicitly: installed after the lock file.
  dir.write("src/extra.txt", "six\n");
  e.settings.pip_packages = {"extra.txt"};
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->installs.size(), 2u);
  EXPECT_EQ(plan->installs[1].tool, "uv pip install");
  // pip: the lock file is ignored, the requirements are installed with pip.
  e.settings.pip_packages = {"requirements.txt"};
  e.env.set("WARPDRIVE_INSTALLER", "pip");
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  ASSERT_EQ(plan->installs.size(), 1u);
  EXPECT_EQ(plan->installs[0].tool, "pip install");
  EXPECT_TRUE(plan->tools.empty());
}

TEST(BuildInstallers, UvIsTheDefaultForRequirementsUnlessPipIsNeeded) {
  TempDir dir;
  AppEnvironment e = installer_environment(dir);
  e.env.set("PIP_CONFIG_FILE", "/dev/null");  // this machine's pip configuration counts for nothing here
  dir.write("src/requirements.txt", "six\n");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->installer, "pip");
  EXPECT_EQ(plan->installer_why,
            "no lock file; pip, not uv, for requirement files: WARPDRIVE_PIP_NO_INDEX is set "
            "and uv is not installed, which offline it cannot be");
  e.settings.pip_no_index = false;
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->installer, "uv");
  EXPECT_EQ(plan->installer_why,
            "no lock file; uv, the default for requirement files (WARPDRIVE_INSTALLER=pip for pip)");
  ASSERT_EQ(plan->installs.size(), 1u);
  EXPECT_EQ(plan->installs[0].tool, "uv pip install");
  ASSERT_EQ(plan->tools.size(), 1u);
  EXPECT_TRUE(plan->tools[0].provision);  // installed into the tools directory first
  // pip's index settings reach uv in its words.
  e.env.set("PIP_INDEX_URL", "https://u:p@mirror.example/simple/");
  e.env.set("PIP_TRUSTED_HOST", "mirror.example");
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->installs[0].env.get_or("UV_INDEX_URL", ""), "https://u:p@mirror.example/simple/");
  EXPECT_EQ(plan->installs[0].env.get_or("UV_INSECURE_HOST", ""), "mirror.example");
  // A pip setting uv does not read: pip.
  e.env.set("PIP_NO_BINARY", ":all:");
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->installer, "pip");
  EXPECT_EQ(plan->installer_why,
            "no lock file; pip, not uv, for requirement files: PIP_NO_BINARY is set, which uv "
            "does not read");
  e.env.unset("PIP_NO_BINARY");
  // ... or in pip's configuration file.
  dir.write("pip.conf", "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n");
  e.env.set("PIP_CONFIG_FILE", (dir.path() / "pip.conf").string());
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->installer, "uv");  // cert: uv gets it as SSL_CERT_FILE
  dir.write("pip.conf", "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n[install]\nno-binary = :all:\n");
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->installer, "pip");
  EXPECT_EQ(plan->installer_why, "no lock file; pip, not uv, for requirement files: pip's configuration file " +
                                     (dir.path() / "pip.conf").string() + " sets no-binary, which uv does not read");
  e.env.set("PIP_CONFIG_FILE", "/dev/null");
  // An editable VCS requirement, in an included file: pip.
  dir.write("src/requirements.txt", "six\n-r more.txt\n");
  dir.write("src/more.txt", "-e git+https://example.invalid/x.git#egg=x\n");
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->installer, "pip");
  EXPECT_EQ(plan->installs[0].tool, "pip install");
  // WARPDRIVE_INSTALLER=pip: pip, whatever else.
  dir.write("src/more.txt", "\n");
  e.env.set("WARPDRIVE_INSTALLER", "pip");
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->installer, "pip");
  EXPECT_EQ(plan->installer_why, "WARPDRIVE_INSTALLER=pip");
}

TEST(BuildInstallers, UvInstallsRequirementsAndTheToolVersionIsPinnable) {
  TempDir dir;
  AppEnvironment e = installer_environment(dir);
  dir.write("src/requirements.txt", "flask\n");
  e.env.set("WARPDRIVE_INSTALLER", "uv");
  e.env.set("WARPDRIVE_UV_VERSION", "0.12.0");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  ASSERT_EQ(plan->installs.size(), 1u);
  EXPECT_EQ(plan->installs[0].argv[0], (dir.path() / "tools/uv-0.12.0/bin/uv").string());
  EXPECT_EQ(plan->tools[0].origin, "WARPDRIVE_UV_VERSION");
  e.env.set("WARPDRIVE_UV_VERSION", "1; rm -rf /");
  EXPECT_EQ(plan_build(e, {}, std::nullopt, false).error().message,
            "WARPDRIVE_UV_VERSION is '1; rm -rf /', which is not a version");
}

TEST(BuildInstallers, ProvisionedToolIsReusedAndDigestCoversItsVersion) {
  TempDir dir;
  AppEnvironment e = installer_environment(dir);
  dir.write("src/uv.lock", "");
  auto first = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(first.ok());
  EXPECT_TRUE(first->tools[0].provision);
  dir.write("tools/uv-0.13.9/bin/uv", "#!/bin/sh\n");
  ::chmod((dir.path() / "tools/uv-0.13.9/bin/uv").c_str(), 0755);
  dir.write("tools/uv-0.13.9/.warpdrive-complete", "uv==0.13.9\n");
  auto second = plan_build(e, {}, std::nullopt, false);
  EXPECT_FALSE(second->tools[0].provision);
  EXPECT_EQ(first->dependency_digest, second->dependency_digest);
  e.env.set("WARPDRIVE_UV_VERSION", "0.12.0");
  EXPECT_NE(plan_build(e, {}, std::nullopt, false)->dependency_digest, first->dependency_digest);
}

TEST(BuildInstallers, EnablePipenvAndMicropipenv) {
  TempDir dir;
  AppEnvironment e = installer_environment(dir);
  e.env.set("ENABLE_PIPENV", "1");
  // No Pipfile: the OpenShift builder installs the requirements files (pipenv install -r).
  dir.write("src/requirements.txt", "six\n");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->installer, "pip");
  EXPECT_EQ(plan->warnings.at(0), "ENABLE_PIPENV is set but " + (dir.path() / "src").string() +
                                      " has no Pipfile: the requirements files are installed as without it");
  // A Pipfile without its lock: pipenv install --skip-lock, with a warning.
  dir.write("src/Pipfile", "[packages]\n");
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok()) << plan.error().message;
  EXPECT_EQ(plan->installer, "pipenv");
  bool skip_lock = false;
  for (const auto& step : plan->installs)
    for (const auto& a : step.argv) skip_lock = skip_lock || a == "--skip-lock";
  EXPECT_TRUE(skip_lock);
  dir.write("src/Pipfile.lock", "{}");
  plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->installer, "pipenv");
  EXPECT_EQ(plan->installer_why, "ENABLE_PIPENV");
  e.env.set("ENABLE_MICROPIPENV", "1");
  EXPECT_EQ(plan_build(e, {}, std::nullopt, false).error().message,
            "ENABLE_PIPENV and ENABLE_MICROPIPENV are both set; set one of them (or WARPDRIVE_INSTALLER)");
}

TEST(BuildInstallers, IndexCredentialsAreMaskedInTheDigestInputsAndTranslated) {
  TempDir dir;
  AppEnvironment e = installer_environment(dir);
  dir.write("src/uv.lock", "");
  e.env.set("PIP_INDEX_URL", "https://alice:s3cret@pypi.example/simple");
  auto plan = plan_build(e, {}, std::nullopt, false);
  ASSERT_TRUE(plan.ok());
  VenvPlan venv;
  std::string text = describe_plan(*plan, venv);
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_NE(text.find("https://alice:****@pypi.example/simple"), std::string::npos) << text;
  // uv reads its own variable: warpdrive hands it pip's.
  EXPECT_EQ(plan->installs[0].env.get_or("UV_INDEX_URL", ""), "https://alice:s3cret@pypi.example/simple");
  // A rotated password does not invalidate the cache; another index does.
  e.env.set("PIP_INDEX_URL", "https://alice:n3w@pypi.example/simple");
  EXPECT_EQ(plan_build(e, {}, std::nullopt, false)->dependency_digest, plan->dependency_digest);
  e.env.set("PIP_INDEX_URL", "https://alice:n3w@other.example/simple");
  EXPECT_NE(plan_build(e, {}, std::nullopt, false)->dependency_digest, plan->dependency_digest);
}

TEST(MaskCredentials, PasswordsAndTokensInUrls) {
  EXPECT_EQ(mask_credentials("PIP_INDEX_URL=https://alice:s3cret@host:8080/simple x"),
            "PIP_INDEX_URL=https://alice:****@host:8080/simple x");
  EXPECT_EQ(mask_credentials("'https://TOKEN@host/' and http://host/a@b"), "'https://****@host/' and http://host/a@b");
  EXPECT_EQ(mask_credentials("no url here"), "no url here");
  EXPECT_EQ(mask_credentials("a https://u:p@h https://v:q@i"), "a https://u:****@h https://v:****@i");
}

// --- The Python version ------------------------------------------------------

TEST(PythonVersion, PrefixesAndSpecifiers) {
  auto sat = [](std::string spec, std::string v) { return *python_satisfies({spec, "test"}, v); };
  EXPECT_TRUE(sat("3.12", "3.12.1"));
  EXPECT_FALSE(sat("3.12", "3.13.0"));
  EXPECT_FALSE(sat("3.1", "3.12.0"));
  EXPECT_TRUE(sat("3.12.1", "3.12.1"));
  EXPECT_FALSE(sat("3.12.1", "3.12.2"));
  EXPECT_TRUE(sat(">=3.10", "3.11.2"));
  EXPECT_FALSE(sat(">=3.10,<3.11", "3.11.2"));
  EXPECT_TRUE(sat(">= 3.9, != 3.10.*", "3.11.0"));
  EXPECT_FALSE(sat(">=3.9,!=3.10.*", "3.10.4"));
  EXPECT_TRUE(sat("~=3.11", "3.13.0"));
  EXPECT_FALSE(sat("~=3.11.2", "3.12.0"));
  EXPECT_TRUE(sat("==3.11.*", "3.11.7"));
  EXPECT_TRUE(sat("<3.13", "3.12.9"));
  auto bad = python_satisfies({">=three", "pyproject.toml requires-python"}, "3.11.0");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message,
            "pyproject.toml requires-python: '>=three' is not a version specifier this build understands (like "
            ">=3.10,<3.13)");
}

TEST(PythonVersion, ReadInOrder) {
  TempDir dir;
  auto read = [&]() { return *read_python_request(dir.path()); };
  EXPECT_FALSE(read().has_value());
  dir.write("pyproject.toml", "[project]\nname = \"x\"\nrequires-python = \">=3.10\"\n");
  EXPECT_EQ(read()->text(), ">=3.10 (pyproject.toml requires-python)");
  dir.write("Pipfile.lock", R"({"_meta": {"requires": {"python_version": "3.11"}}})");
  EXPECT_EQ(read()->text(), "3.11 (Pipfile.lock python_version)");
  dir.write(".tool-versions", "nodejs 20.1.0\npython 3.12.1 3.11.0\n");
  EXPECT_EQ(read()->text(), "3.12.1 (.tool-versions)");
  dir.write("runtime.txt", "python-3.13.0\n");
  EXPECT_EQ(read()->text(), "3.13.0 (runtime.txt)");
  dir.write(".python-version", "# pyenv\n3.10\n");
  EXPECT_EQ(read()->text(), "3.10 (.python-version)");
  dir.write(".python-version", "system\n");
  EXPECT_FALSE(read().has_value());
  dir.write(".python-version", "pypy3.10\n");
  auto bad = read_python_request(dir.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message, (dir.path() / ".python-version").string() +
                                     ": 'pypy3.10' is not a Python version (expected one like 3.12 or 3.12.1)");
}

TEST(PythonVersion, PyvenvCfgVersion) {
  EXPECT_EQ(pyvenv_version("home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n"), "3.11.2");
  EXPECT_EQ(pyvenv_version("version_info = 3.13.0.final.0\n"), "3.13.0.final.0");
  EXPECT_EQ(pyvenv_version("home = /usr/bin\n"), "");
}

TEST(PythonVersion, WarpdrivePythonMustMatchTheRequest) {
  EnvVars env;
  env.set("PATH", "/usr/bin:/bin");
  env.set("WARPDRIVE_PYTHON", "/usr/bin/python3");
  auto version = choose_python(env, PythonRequest{"3", "test"});
  ASSERT_TRUE(version.ok()) << version.error().message;
  EXPECT_EQ(version->python, "/usr/bin/python3");
  auto wrong = choose_python(env, PythonRequest{"2.7", ".python-version"});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().message,
            "the application asks for Python 2.7 (.python-version), and "
            "WARPDRIVE_PYTHON=/usr/bin/python3 is Python " +
                version->version +
                "; point WARPDRIVE_PYTHON at a matching interpreter, or unset it to let "
                "warpdrive look for one");
  env.unset("WARPDRIVE_PYTHON");
  env.set("PYENV_ROOT", "/nonexistent");
  auto none = choose_python(env, PythonRequest{"2.1", ".python-version"});
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("the application asks for Python 2.1 (.python-version), and no interpreter "
                                      "here matches; found: "),
            std::string::npos)
      << none.error().message;
  EXPECT_NE(none.error().message.find("/usr/bin/python3 (" + version->version + ")"), std::string::npos);
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
