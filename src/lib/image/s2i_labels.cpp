#include "s2i_labels.hpp"

#include <cctype>
#include <vector>

#include <fmt/format.h>

#include "log.hpp"
#include "process.hpp"
#include "s2i_engine.hpp"

namespace wd::image {

namespace {

std::string git_value(const Context& ctx, const fs::path& git, const fs::path& dir, std::vector<std::string> args) {
  std::vector<std::string> full{"-C", dir.string()};
  for (auto& a : args) full.push_back(std::move(a));
  auto out = quiet_query(ctx, git, std::move(full));
  if (!out || out->exit_status != 0) return {};
  return trim(out->out);
}

}  // namespace

SourceInfo source_info(const Context& ctx, const fs::path& source, const std::string& context_dir) {
  SourceInfo info;
  info.location = source.string();
  info.context_dir = context_dir;
  auto git = find_program("git", ctx.inherited);
  if (!git || git_value(ctx, *git, source, {"rev-parse", "--is-inside-work-tree"}) != "true") return info;
  std::string origin = git_value(ctx, *git, source, {"config", "--get", "remote.origin.url"});
  if (!origin.empty()) info.location = origin;
  info.ref = git_value(ctx, *git, source, {"rev-parse", "--abbrev-ref", "HEAD"});
  info.commit_id = git_value(ctx, *git, source, {"rev-parse", "--verify", "HEAD"});
  std::string name = git_value(ctx, *git, source, {"--no-pager", "show", "-s", "--format=%an", "HEAD"});
  std::string email = git_value(ctx, *git, source, {"--no-pager", "show", "-s", "--format=%ae", "HEAD"});
  if (!name.empty()) info.author = fmt::format("{} <{}>", name, email);
  info.date = git_value(ctx, *git, source, {"--no-pager", "show", "-s", "--format=%ad", "HEAD"});
  info.message = git_value(ctx, *git, source, {"--no-pager", "show", "-s", "--format=%<(80,trunc)%s", "HEAD"});
  return info;
}

std::map<std::string, std::string> generated_labels(const SourceInfo& info, const std::string& builder_image,
                                                    const std::string& output_image) {
  std::map<std::string, std::string> labels;
  auto add = [&](const std::string& key, const std::string& value) {
    if (!value.empty()) labels[key] = value;
  };
  add("io.k8s.display-name", output_image);
  const std::string ns = "io.openshift.s2i.build.";
  add(ns + "image", builder_image);
  add(ns + "commit.author", info.author);
  add(ns + "commit.date", info.date);
  add(ns + "commit.id", info.commit_id);
  add(ns + "commit.ref", info.ref);
  add(ns + "commit.message", info.message);
  add(ns + "source-location", mask_credentials(info.location));  // a remote URL may hold a token
  add(ns + "source-context-dir", info.context_dir);
  return labels;
}

std::string default_output_name(const fs::path& root) {
  std::string base = root.filename().string();
  if (base.empty()) base = root.parent_path().filename().string();
  std::string out;
  for (char c : base) {
    char l = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' || l == '_' || l == '-';
    out += ok ? l : '-';
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(out.begin());
  return out.empty() ? "app" : out;
}

}  // namespace wd::image
