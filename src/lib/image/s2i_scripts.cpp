#include "s2i_scripts.hpp"

#include <fmt/format.h>

#include "s2i_plan.hpp"

namespace wd::image {

namespace {

using Kind = ScriptsLocation::Kind;

// The builder's label `key`, or `fallback` when it has none (or an empty one).
std::string label_or(const ImageConfig& image, const std::string& key, const std::string& fallback) {
  auto it = image.labels.find(key);
  return it != image.labels.end() && !it->second.empty() ? it->second : fallback;
}

// --scripts-url's scripts: those a local directory has, or all four for a
// web server (a download may fail later for the optional ones).
Status find_url_scripts(const std::string& option, ImagePlan& plan) {
  if (plan.scripts_option_is(Kind::local)) {
    const std::string& where = plan.scripts_option->where;
    for (std::string_view script : kS2iScripts)
      if (is_executable_file(fs::path(where) / script)) plan.url_scripts.emplace_back(script);
    if (plan.url_scripts.empty())
      return make_error(fmt::format("--scripts-url '{}': {} has no executable assemble, run, save-artifacts or usage",
                                    option, where));
  } else if (plan.scripts_option_is(Kind::http)) {
    plan.url_scripts.assign(kS2iScripts.begin(), kS2iScripts.end());
  }
  return {};
}

// Injected as scripts/: from --scripts-url (local or downloaded) or the source's .s2i/bin.
bool injected(const ImagePlan& plan, std::string_view script) {
  return plan.app_script(script) || plan.url_script(script);
}

// The scripts directory in the image: --scripts-url's image:// one, else the
// builder's label when the injected scripts lack an assemble or a run.
Status find_scripts_dir(const std::string& option, ImagePlan& plan) {
  if (plan.scripts_option_is(Kind::image)) {
    plan.scripts_dir = plan.scripts_option->where;
  } else if (!(injected(plan, "assemble") && injected(plan, "run"))) {
    if (plan.scripts_url.empty() || plan.scripts_option)
      return make_error(fmt::format(
          "builder image '{}' has no io.openshift.s2i.scripts-url label and neither {} has an assemble and a run "
          "script: it is not an S2I builder",
          plan.builder_image,
          plan.scripts_option ? "--scripts-url '" + option + "' nor the source's .s2i/bin"
                              : std::string("the source's .s2i/bin")));
    WD_ASSIGN(plan.scripts_dir, image_scripts_dir(plan.scripts_url));
  }
  return {};
}

// The path assemble or run has in the container: DEST/scripts/NAME when
// injected (and --scripts-url names no image directory), else the scripts directory's.
std::string script_command(const ImagePlan& plan, std::string_view script) {
  if (!plan.scripts_option_is(Kind::image) && injected(plan, script))
    return fmt::format("{}/scripts/{}", plan.destination, script);
  return fmt::format("{}/{}", plan.scripts_dir, script);
}

}  // namespace

std::string scripts_url(const ImageConfig& image) {
  for (const char* key : {"io.openshift.s2i.scripts-url", "io.s2i.scripts-url"}) {
    auto it = image.labels.find(key);
    if (it != image.labels.end() && !it->second.empty()) return it->second;
  }
  for (const auto& e : image.env)
    if (e.starts_with("STI_SCRIPTS_URL=")) return e.substr(16);
  return {};
}

Result<std::string> image_scripts_dir(const std::string& url) {
  constexpr std::string_view scheme = "image://";
  if (!url.starts_with(scheme))
    return make_error(fmt::format(
        "scripts URL '{}' is not an image:// URL; warpdrive image runs only scripts inside the builder image "
        "or the application's .s2i/bin",
        url));
  std::string dir = url.substr(scheme.size());
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty() || dir[0] != '/') return make_error(fmt::format("scripts URL '{}' names no absolute directory", url));
  return dir;
}

Result<ScriptsLocation> parse_scripts_url(const std::string& url, const fs::path& cwd) {
  if (url.empty())
    return make_error("--scripts-url '': expected image:///DIR, file:///DIR, a directory or an http(s):// URL",
                      kExitUsage);
  if (url.starts_with("image://")) {
    WD_ASSIGN(std::string dir, image_scripts_dir(url));
    return ScriptsLocation{Kind::image, dir};
  }
  if (url.starts_with("http://") || url.starts_with("https://")) {
    const size_t host = url.find("://") + 3;
    std::string base = url;
    while (base.size() > host && base.ends_with('/')) base.pop_back();
    if (base.size() <= host || base[host] == '/')
      return make_error(fmt::format("--scripts-url '{}': the URL names no host", url), kExitUsage);
    return ScriptsLocation{Kind::http, base};
  }
  std::string path = url;
  if (url.starts_with("file://")) {
    path = url.substr(7);
    if (!path.starts_with('/'))
      return make_error(fmt::format("--scripts-url '{}': a file:// URL names an absolute directory (file:///DIR)", url),
                        kExitUsage);
  } else if (auto colon = url.find("://"); colon != std::string::npos) {
    return make_error(
        fmt::format("--scripts-url '{}': unsupported scheme '{}' (image://, file://, http:// or https://)", url,
                    url.substr(0, colon)),
        kExitUsage);
  }
  fs::path dir = fs::path(path).is_absolute() ? fs::path(path) : cwd / path;
  dir = dir.lexically_normal();
  if (!is_dir(dir)) return make_error(fmt::format("--scripts-url '{}': no directory {}", url, dir.string()));
  std::string where = dir.string();
  while (where.size() > 1 && where.ends_with('/')) where.pop_back();
  return ScriptsLocation{Kind::local, where};
}

Status plan_scripts(const fs::path& cwd, const std::string& option, ImagePlan& plan) {
  plan.scripts_url = scripts_url(plan.builder);
  if (!option.empty()) {
    WD_ASSIGN(plan.scripts_option, parse_scripts_url(option, cwd));
    plan.scripts_url = option;
  }
  plan.destination = label_or(plan.builder, "io.openshift.s2i.destination", "/tmp");
  plan.assemble_user = label_or(plan.builder, "io.openshift.s2i.assemble-user", plan.builder.user);
  for (std::string_view script : kS2iScripts)
    if (is_executable_file(plan.source_root / ".s2i" / "bin" / script)) plan.app_scripts.emplace_back(script);
  // --scripts-url's scripts come first (S2I's order), then the source's
  // .s2i/bin, then the builder's. Injected ones are run from DEST/scripts.
  WD_TRY(find_url_scripts(option, plan));
  WD_TRY(find_scripts_dir(option, plan));
  plan.assemble_command = script_command(plan, "assemble");
  plan.run_command = script_command(plan, "run");
  for (const auto& word : {plan.assemble_user, plan.builder.user})
    if (word.find_first_of(" \t\n") != std::string::npos)
      return make_error(fmt::format("builder image '{}': user '{}' has white space in it", plan.builder_image, word));
  return {};
}

std::string previous_scripts_dir(const ImagePlan& plan, const ImageConfig& previous) {
  // The previous image was built with the same --scripts-url: its
  // save-artifacts is in the image's scripts directory, or where it was injected.
  if (plan.scripts_option_is(Kind::image)) return plan.scripts_option->where;
  if (plan.scripts_option && plan.url_script("save-artifacts")) return plan.destination + "/scripts";
  auto dir = image_scripts_dir(scripts_url(previous));
  return dir ? *dir : std::string();
}

}  // namespace wd::image
