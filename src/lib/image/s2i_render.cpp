// The plan of `warpdrive image` as text (--dry-run) and as JSON (--dry-run --json).
#include <array>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "log.hpp"
#include "s2i_build.hpp"
#include "shell.hpp"

namespace wd::image {

std::string display_argv(const std::vector<std::string>& argv) {
  std::vector<std::string> words;
  words.reserve(argv.size());
  for (const auto& a : argv)
    words.push_back(a.starts_with(kWorkPrefix) ? "WORKDIR/" + a.substr(kWorkPrefix.size()) : shell_quote(a));
  return fmt::format("{}", fmt::join(words, " "));
}

std::string describe_plan(const ImagePlan& plan) {
  std::string out;
  out += fmt::format("engine: {} ({})\n", engine_name(plan.engine), plan.engine_path.string());
  out += fmt::format("builder image: {} (from {}; id {})\n", plan.builder_image, plan.builder_origin,
                     plan.builder.id.substr(0, 12));
  out += fmt::format("output image: {}\n", plan.output_image);
  out += fmt::format("source: {}\n", plan.source_root.string());
  size_t files = 0;
  for (const auto& e : plan.selection.entries)
    if (e.kind != SourceEntry::Kind::directory) ++files;
  out += fmt::format("files: {} ({} entries; .git excluded: {}; .s2iignore excluded: {})\n", files,
                     plan.selection.entries.size(), plan.selection.git_excluded,
                     plan.selection.ignored.empty() ? std::string("none")
                                                    : fmt::format("{}", fmt::join(plan.selection.ignored, ", ")));
  out +=
      fmt::format("scripts: {}{}\n", plan.scripts_url.empty() ? std::string("(none in the image)") : plan.scripts_url,
                  plan.scripts_option ? " (--scripts-url)" : "");
  if (plan.scripts_option) {
    switch (plan.scripts_option->kind) {
      case ScriptsLocation::Kind::image:
        out += fmt::format("scripts from --scripts-url: in the builder image, {}\n", plan.scripts_option->where);
        break;
      case ScriptsLocation::Kind::local:
        out += fmt::format("scripts from --scripts-url: injected as scripts/ from {}: {}\n", plan.scripts_option->where,
                           fmt::join(plan.url_scripts, ", "));
        break;
      case ScriptsLocation::Kind::http:
        out += fmt::format("scripts from --scripts-url: downloaded from {}/ and injected as scripts/: {}\n",
                           plan.scripts_option->where, fmt::join(plan.url_scripts, ", "));
        break;
    }
  }
  if (!plan.app_scripts.empty())
    out += fmt::format("application scripts (.s2i/bin): {}\n", fmt::join(plan.app_scripts, ", "));
  out += fmt::format("assemble: {} (as user {})\n", plan.assemble_command,
                     plan.assemble_user.empty() ? std::string("of the image") : plan.assemble_user);
  out += fmt::format("run: {}\n", plan.run_command);
  if (!plan.network.empty()) out += fmt::format("network of the assemble container: {}\n", plan.network);
  out += fmt::format(
      "incremental: {}\n",
      !plan.incremental ? std::string("no")
      : plan.previous ? fmt::format("yes, artifacts from {} ({})", plan.previous_image, plan.previous->id.substr(0, 12))
                      : std::string("yes, but there is no previous image yet"));
  out += "environment:\n";
  if (plan.env.empty()) out += "  (none)\n";
  for (const auto& e : plan.env)
    out += fmt::format("  {}={}  ({}{})\n", e.name,
                       secret_variable(e.name) ? std::string("****") : shell_quote(mask_credentials(e.value)), e.origin,
                       e.build_only ? "; holds a credential: for assemble only, not kept in the image" : "");
  out += "labels:\n";
  for (const auto& [k, v] : plan.labels) out += fmt::format("  {}={}\n", k, shell_quote(v));
  out += "steps:\n";
  int n = 0;
  for (const auto& s : plan.steps) {
    out += fmt::format("  {}. {}{}\n", ++n, s.what, s.optional ? " (may fail)" : "");
    if (!s.argv.empty()) {
      out += "     " + display_argv(s.argv);
      if (!s.stdin_from.empty()) out += " < WORKDIR/" + s.stdin_from;
      if (!s.stdout_to.empty() && s.stdout_to != kDiscard) out += " > WORKDIR/" + s.stdout_to;
      out += "\n";
    }
  }
  return out;
}

std::string_view step_kind_name(Step::Kind kind) {
  switch (kind) {
    case Step::Kind::command:
      return "command";
    case Step::Kind::save_artifacts:
      return "save-artifacts";
    case Step::Kind::extract_artifacts:
      return "extract-artifacts";
    case Step::Kind::write_tar:
      return "write-tar";
    case Step::Kind::download:
      return "download";
    case Step::Kind::assemble:
      return "assemble";
    case Step::Kind::cleanup:
      return "cleanup";
  }
  return "command";
}

std::string plan_json(const ImagePlan& plan) {
  nlohmann::ordered_json j;
  j["engine"] = engine_name(plan.engine);
  j["engine_path"] = plan.engine_path.string();
  j["builder_image"] = plan.builder_image;
  j["builder_origin"] = plan.builder_origin;
  j["builder_id"] = plan.builder.id;
  j["output_image"] = plan.output_image;
  j["source"] = plan.source_root.string();
  j["context_dir"] = plan.context_dir;
  nlohmann::json files = nlohmann::json::array();
  for (const auto& e : plan.selection.entries) files.push_back(e.relpath);
  j["files"] = files;
  j["ignored"] = plan.selection.ignored;
  j["scripts_url"] = plan.scripts_url;
  j["application_scripts"] = plan.app_scripts;
  if (plan.scripts_option) {
    constexpr std::array<const char*, 3> kinds{"image", "local", "http"};
    j["scripts_url_option"] = {{"kind", kinds[static_cast<size_t>(plan.scripts_option->kind)]},
                               {"where", plan.scripts_option->where},
                               {"scripts", plan.url_scripts}};
  }
  j["assemble"] = plan.assemble_command;
  j["assemble_user"] = plan.assemble_user;
  j["run"] = plan.run_command;
  j["destination"] = plan.destination;
  j["network"] = plan.network;
  j["incremental"] = plan.incremental;
  j["previous_image"] = plan.previous_image;
  j["previous_image_id"] = plan.previous ? plan.previous->id : "";
  nlohmann::ordered_json env = nlohmann::ordered_json::array();
  for (const auto& e : plan.env)
    env.push_back({{"name", e.name},
                   {"value", secret_variable(e.name) ? std::string("****") : mask_credentials(e.value)},
                   {"origin", e.origin},
                   {"build_only", e.build_only}});
  j["env"] = env;
  nlohmann::ordered_json skipped = nlohmann::ordered_json::array();
  for (const auto& s : plan.skipped_env_lines)
    skipped.push_back({{"line", s.line}, {"text", s.text}, {"reason", s.reason}});
  j["skipped_environment_lines"] = skipped;
  j["labels"] = plan.labels;
  nlohmann::ordered_json steps = nlohmann::ordered_json::array();
  for (const auto& s : plan.steps)
    steps.push_back({{"kind", step_kind_name(s.kind)},
                     {"what", s.what},
                     {"argv", s.argv},
                     {"stdin", s.stdin_from},
                     {"stdout", s.stdout_to},
                     {"optional", s.optional},
                     {"cleanup", s.cleanup()}});
  j["steps"] = steps;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

}  // namespace wd::image
