// The pure parts of `warpdrive image`: .s2i/environment parsing, .s2iignore
// matching and source selection, the tar writer (read back by GNU tar), the
// output labels and the builder's inspect output.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <fstream>

#include "image/builders.hpp"
#include "image/s2i_build.hpp"
#include "image/s2i_labels.hpp"
#include "image/s2i_source.hpp"
#include "image/tar_writer.hpp"
#include "process.hpp"
#include "temp_dir.hpp"

namespace wd::image {
namespace {

std::vector<std::pair<std::string, std::string>> pairs(const S2iEnvironment& env) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& v : env.vars) out.emplace_back(v.name, v.value);
  return out;
}

TEST(S2iEnvironment, SplitsAtTheFirstEqualsAndTrimsOnly) {
  auto env = parse_s2i_environment(
      "A=1\n"
      "  B  =  two words  \n"
      "C=\"quoted\"\n"
      "D=$HOME/x\n"
      "E=x=y\n"
      "F=\n");
  std::vector<std::pair<std::string, std::string>> want{{"A", "1"},       {"B", "two words"}, {"C", "\"quoted\""},
                                                        {"D", "$HOME/x"}, {"E", "x=y"},       {"F", ""}};
  EXPECT_EQ(pairs(env), want);
  EXPECT_TRUE(env.skipped.empty());
}

TEST(S2iEnvironment, CommentsOnlyAtColumnOneAndLinesWithoutEqualsSkipped) {
  auto env = parse_s2i_environment(
      "# a comment=1\n"
      "   # not a comment=2\n"
      "no equals sign\n"
      "=nothing before\n"
      "\n"
      "G=7\r\n");
  std::vector<std::pair<std::string, std::string>> want{{"# not a comment", "2"}, {"G", "7"}};
  EXPECT_EQ(pairs(env), want);
  ASSERT_EQ(env.skipped.size(), 2u);
  EXPECT_EQ(env.skipped[0].line, 3);
  EXPECT_EQ(env.skipped[0].reason, "no '=' in it");
  EXPECT_EQ(env.skipped[1].line, 4);
  EXPECT_EQ(env.skipped[1].reason, "nothing before '='");
  EXPECT_EQ(env.vars[1].line, 6);
}

TEST(S2iEnvironment, BlankNameIsSkippedAndReported) {
  auto env = parse_s2i_environment("   =x\n");
  EXPECT_TRUE(env.vars.empty());
  ASSERT_EQ(env.skipped.size(), 1u);
  EXPECT_EQ(env.skipped[0].reason, "the name is blank");
}

TEST(S2iEnvironment, EnvArgument) {
  auto v = parse_env_argument(" NAME = some value ");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->name, "NAME");
  EXPECT_EQ(v->value, "some value");
  auto bad = parse_env_argument("NOVALUE");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "-e 'NOVALUE': expected NAME=VALUE");
  EXPECT_EQ(parse_env_argument("=x").error().message, "-e '=x': the name is empty");
}

TEST(GlobMatch, FollowsGoFilepathMatch) {
  EXPECT_TRUE(glob_match("*.pyc", "a.pyc"));
  EXPECT_FALSE(glob_match("*.pyc", "dir/a.pyc"));  // '*' never crosses '/'
  EXPECT_TRUE(glob_match("*/a.pyc", "dir/a.pyc"));
  EXPECT_TRUE(glob_match("*", ".hidden"));
  EXPECT_TRUE(glob_match("a?c", "abc"));
  EXPECT_FALSE(glob_match("a?c", "a/c"));
  EXPECT_TRUE(glob_match("[a-c]x", "bx"));
  EXPECT_FALSE(glob_match("[^a-c]x", "bx"));
  EXPECT_TRUE(glob_match("[^a-c]x", "dx"));
  EXPECT_TRUE(glob_match("\\*", "*"));
  EXPECT_FALSE(glob_match("\\*", "a"));
  EXPECT_FALSE(glob_match("[", "["));      // malformed: matches nothing
  EXPECT_FALSE(glob_match("a\\", "a\\"));  // trailing backslash: malformed
  EXPECT_TRUE(glob_match("node_modules", "node_modules"));
  EXPECT_FALSE(glob_match("node_modules", "sub/node_modules"));
}

TEST(CleanRelative, AsGoJoinThenClean) {
  EXPECT_EQ(clean_relative("/x"), "x");
  EXPECT_EQ(clean_relative("./x/"), "x");
  EXPECT_EQ(clean_relative("a//b/../c"), "a/c");
  EXPECT_EQ(clean_relative("."), "");
  EXPECT_EQ(clean_relative("../x"), "../x");
}

TEST(IgnoreRules, ExcludesMatchesAndNegationTakesBackExactOnes) {
  std::vector<std::string> paths{"a.log", "b.log", "keep.log", "docs", "docs/x.md", "src", "src/c.log"};
  auto rules = IgnoreRules::parse(
      "# comment\n"
      "\n"
      "*.log\n"
      "!keep.log\n"
      "  docs/  \n"
      "!docs/x.md\n"
      "../outside\n");
  std::vector<std::string> want{"a.log", "b.log", "docs"};
  EXPECT_EQ(rules.excluded_roots(paths), want);
}

TEST(IgnoreRules, LaterExclusionWinsOverEarlierNegation) {
  std::vector<std::string> paths{"a.log", "keep.log"};
  auto rules = IgnoreRules::parse("*.log\n!keep.log\nkeep.log\n");
  std::vector<std::string> want{"a.log", "keep.log"};
  EXPECT_EQ(rules.excluded_roots(paths), want);
}

class SourceTree : public ::testing::Test {
 protected:
  void SetUp() override { root = tmp_.path(); }
  void write(const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  }
  std::vector<std::string> selected() {
    auto sel = select_source(root);
    EXPECT_TRUE(sel) << (sel ? "" : sel.error().message);
    std::vector<std::string> out;
    for (const auto& e : sel->entries) out.push_back(e.relpath);
    return out;
  }
  wd::testing::TempDir tmp_;
  fs::path root;
};

TEST_F(SourceTree, GitDirectoriesAndIgnoredPathsAreLeftOut) {
  write("wsgi.py", "x");
  write(".git/HEAD", "ref");
  write("sub/.git", "gitdir: elsewhere");
  write("sub/mod.py", "y");
  write("build/out.o", "z");
  write("notes.tmp", "t");
  write(".s2iignore", "build\n*.tmp\n");
  std::vector<std::string> want{".s2iignore", "sub", "sub/mod.py", "wsgi.py"};
  EXPECT_EQ(selected(), want);
  auto sel = select_source(root);
  EXPECT_EQ(sel->git_excluded, 2u);
  std::vector<std::string> ignored{"build", "notes.tmp"};
  EXPECT_EQ(sel->ignored, ignored);
}

TEST_F(SourceTree, FifosAndSocketsAreLeftOutWithAWord) {
  write("wsgi.py", "x");
  ASSERT_EQ(::mkfifo((root / "pipe").c_str(), 0644), 0);
  int sock = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(sock, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string sock_path = (root / "sock").string();
  ASSERT_LT(sock_path.size(), sizeof addr.sun_path);
  std::copy(sock_path.begin(), sock_path.end(), addr.sun_path);
  ASSERT_EQ(::bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(sock);
  ::testing::internal::CaptureStderr();
  std::vector<std::string> want{"wsgi.py"};
  EXPECT_EQ(selected(), want);
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("warpdrive: warning: leaving " + (root / "pipe").string() + " out of the image: it is a FIFO\n"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("warpdrive: warning: leaving " + sock_path + " out of the image: it is a socket\n"),
            std::string::npos)
      << err;
}

TEST_F(SourceTree, TarWriterOutputReadsBackWithGnuTar) {
  write("wsgi.py", "print('hello')\n");
  std::string long_dir(120, 'd');
  write(long_dir + "/deep.txt", "deep");
  fs::create_symlink("wsgi.py", root / "link.py");
  fs::permissions(root / "wsgi.py", fs::perms(0750));
  auto sel = select_source(root);
  ASSERT_TRUE(sel);

  fs::path out = root.string() + ".tar";
  int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ASSERT_GE(fd, 0);
  TarWriter tar(fd, out.string());
  ASSERT_TRUE(tar.add_tree("src", root, sel->entries));
  ASSERT_TRUE(tar.add_data("scripts/run", "#!/bin/sh\n", 0755, 0));
  ASSERT_TRUE(tar.finish());
  ::close(fd);

  ProcessSpec spec;
  spec.argv = {"tar", "-tvf", out.string()};
  spec.env.set("PATH", "/usr/bin:/bin");
  spec.env.set("TZ", "UTC");
  auto listing = run_capture(spec);
  ASSERT_TRUE(listing);
  EXPECT_EQ(listing->exit_status, 0);
  const std::string& text = listing->out;
  EXPECT_NE(text.find("drwx"), std::string::npos) << text;
  EXPECT_NE(text.find("-rwxr-x--- root/root        15 "), std::string::npos) << text;
  EXPECT_NE(text.find(" src/wsgi.py\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" src/link.py -> wsgi.py\n"), std::string::npos) << text;
  EXPECT_NE(text.find(" src/" + long_dir + "/deep.txt\n"), std::string::npos) << text;
  EXPECT_NE(text.find("-rwxr-xr-x root/root        10 1970-01-01 00:00 scripts/run\n"), std::string::npos) << text;

  spec.argv = {"tar", "-xOf", out.string(), "src/" + long_dir + "/deep.txt"};
  auto content = run_capture(spec);
  ASSERT_TRUE(content);
  EXPECT_EQ(content->out, "deep");
  fs::remove(out);
}

TEST(Labels, S2iBuildLabelsWithEmptyOnesLeftOut) {
  SourceInfo info;
  info.location = "https://git.example.com/app.git";
  info.commit_id = "0123abcd";
  info.author = "A U Thor <a@example.com>";
  info.context_dir = "web";
  auto labels = generated_labels(info, "localhost/warpdrive-python3:latest", "myapp");
  std::map<std::string, std::string> want{
      {"io.k8s.display-name", "myapp"},
      {"io.openshift.s2i.build.image", "localhost/warpdrive-python3:latest"},
      {"io.openshift.s2i.build.commit.author", "A U Thor <a@example.com>"},
      {"io.openshift.s2i.build.commit.id", "0123abcd"},
      {"io.openshift.s2i.build.source-location", "https://git.example.com/app.git"},
      {"io.openshift.s2i.build.source-context-dir", "web"},
  };
  EXPECT_EQ(labels, want);
}

TEST(Inspect, PodmanArrayAndBuildahObject) {
  auto podman = parse_inspect(Engine::podman, R"([{"Id":"abc","Config":{"User":"1001",
      "Env":["PATH=/bin","STI_SCRIPTS_URL=image:///env/s2i"],"Entrypoint":["warpdrive","exec"],
      "Labels":{"io.openshift.s2i.scripts-url":"image:///usr/libexec/s2i"}}}])");
  ASSERT_TRUE(podman);
  EXPECT_EQ(podman->id, "abc");
  EXPECT_EQ(podman->user, "1001");
  EXPECT_EQ(podman->entrypoint, (std::vector<std::string>{"warpdrive", "exec"}));
  EXPECT_EQ(scripts_url(*podman), "image:///usr/libexec/s2i");
  podman->labels.clear();
  EXPECT_EQ(scripts_url(*podman), "image:///env/s2i");

  auto buildah = parse_inspect(Engine::buildah, R"({"FromImageID":"def","OCIv1":{"config":{"User":"0",
      "Labels":{"io.s2i.scripts-url":"image:///old"}}}})");
  ASSERT_TRUE(buildah);
  EXPECT_EQ(buildah->id, "def");
  EXPECT_FALSE(buildah->entrypoint.has_value());
  EXPECT_EQ(scripts_url(*buildah), "image:///old");

  EXPECT_FALSE(parse_inspect(Engine::docker, "[]"));
  EXPECT_EQ(parse_inspect(Engine::docker, "not json").error().message, "the engine's inspect output is not JSON");
}

TEST(ScriptsUrl, OnlyImageUrls) {
  EXPECT_EQ(*image_scripts_dir("image:///usr/libexec/s2i/"), "/usr/libexec/s2i");
  auto bad = image_scripts_dir("https://example.com/s2i");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message,
            "scripts URL 'https://example.com/s2i' is not an image:// URL; warpdrive image runs only scripts "
            "inside the builder image or the application's .s2i/bin");
}

TEST(ScriptsUrlOption, ImageFileDirectoryAndHttp) {
  using Kind = ScriptsLocation::Kind;
  auto image = parse_scripts_url("image:///usr/libexec/s2i/", "/nowhere");
  ASSERT_TRUE(image);
  EXPECT_EQ(image->kind, Kind::image);
  EXPECT_EQ(image->where, "/usr/libexec/s2i");

  auto http = parse_scripts_url("https://example.com/s2i/bootstrap//", "/nowhere");
  ASSERT_TRUE(http);
  EXPECT_EQ(http->kind, Kind::http);
  EXPECT_EQ(http->where, "https://example.com/s2i/bootstrap");
  EXPECT_EQ(parse_scripts_url("http://", "/").error().message, "--scripts-url 'http://': the URL names no host");

  fs::path dir = fs::temp_directory_path() / ("wd-scripts-url-" + std::to_string(::getpid()));
  fs::create_directories(dir / "bootstrap");
  auto file = parse_scripts_url("file://" + (dir / "bootstrap").string() + "/", "/nowhere");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->kind, Kind::local);
  EXPECT_EQ(file->where, (dir / "bootstrap").string());
  auto relative = parse_scripts_url("./bootstrap", dir);
  ASSERT_TRUE(relative);
  EXPECT_EQ(relative->kind, Kind::local);
  EXPECT_EQ(relative->where, (dir / "bootstrap").string());

  auto missing = parse_scripts_url("nothing-here", dir);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message, "--scripts-url 'nothing-here': no directory " + (dir / "nothing-here").string());
  EXPECT_EQ(parse_scripts_url("file://relative/dir", dir).error().message,
            "--scripts-url 'file://relative/dir': a file:// URL names an absolute directory (file:///DIR)");
  EXPECT_EQ(parse_scripts_url("ftp://example.com/s2i", dir).error().message,
            "--scripts-url 'ftp://example.com/s2i': unsupported scheme 'ftp' (image://, file://, http:// or https://)");
  EXPECT_EQ(parse_scripts_url("image://relative", dir).error().message,
            "scripts URL 'image://relative' names no absolute directory");
  fs::remove_all(dir);
}

// Which builder image: the options first, then the Python the app asks for.
using BuilderChoiceTest = SourceTree;

TEST_F(BuilderChoiceTest, TheAppsPythonPicksTheBuilder) {
  EnvVars env;
  auto none = choose_builder(env, root, "");
  ASSERT_TRUE(none) << none.error().message;
  EXPECT_EQ(none->image, std::string(kDefaultBuilderImage));
  EXPECT_EQ(none->origin.rfind("default: the application asks for no Python version", 0), 0u) << none->origin;

  write(".python-version", "3.13\n");
  auto c = choose_builder(env, root, "");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->image, "localhost/warpdrive-python3.13:latest");
  EXPECT_EQ(c->origin, "Python 3.13 for 3.13 (.python-version), Debian 13 (trixie)");
  EXPECT_EQ(c->build_command, "image/build.sh --python 3.13");

  write(".python-version", "3.11.9\n");  // the patch release is Debian's
  c = choose_builder(env, root, "");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->image, "localhost/warpdrive-python3.11:latest");

  // A range: the default builder when it is in it, else the highest that is.
  fs::remove(root / ".python-version");
  write("pyproject.toml", "[project]\nname = 'x'\nrequires-python = '>=3.10'\n");
  c = choose_builder(env, root, "");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->image, "localhost/warpdrive-python3.11:latest");
  write("pyproject.toml", "[project]\nname = 'x'\nrequires-python = '>=3.12'\n");
  c = choose_builder(env, root, "");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->image, "localhost/warpdrive-python3.13:latest");
}

TEST_F(BuilderChoiceTest, AVersionNoBuilderHasIsRefusedWithTheList) {
  write("runtime.txt", "python-3.9.18\n");
  EnvVars env;
  auto c = choose_builder(env, root, "");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message,
            "the application asks for Python 3.9.18 (runtime.txt), and no builder image has it; the builders are: "
            "localhost/warpdrive-python3.11:latest (Python 3.11, Debian 12 (bookworm)), "
            "localhost/warpdrive-python3.13:latest (Python 3.13, Debian 13 (trixie)); change the version asked "
            "for, or name a builder with --builder-image");
}

TEST_F(BuilderChoiceTest, OptionFileAndVariableWinOverThePython) {
  write(".python-version", "3.9\n");  // no builder has it, and nothing asks
  EnvVars env;
  env.set("WARPDRIVE_BUILDER_IMAGE", "from-variable");
  auto c = choose_builder(env, root, "");
  ASSERT_TRUE(c) << c.error().message;
  EXPECT_EQ(c->image, "from-variable");
  EXPECT_EQ(c->origin, "WARPDRIVE_BUILDER_IMAGE");
  write(".warpdrive/builder_image", "from-file\n");
  c = choose_builder(env, root, "");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->image, "from-file");
  EXPECT_EQ(c->origin, ".warpdrive/builder_image");
  c = choose_builder(env, root, "from-option");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->image, "from-option");
  EXPECT_EQ(c->origin, "--builder-image");
}

}  // namespace
}  // namespace wd::image
