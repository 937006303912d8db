#include "builders.hpp"

#include <algorithm>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "s2i_build.hpp"

namespace wd::image {

const std::vector<KnownBuilder>& known_builders() {
  static const std::vector<KnownBuilder> table = {
      {"localhost/warpdrive-python3.11:latest", "3.11", "3.11.2", "Debian 12 (bookworm)",
       "image/build.sh --python 3.11"},
      {"localhost/warpdrive-python3.13:latest", "3.13", "3.13.5", "Debian 13 (trixie)", "image/build.sh --python 3.13"},
  };
  return table;
}

namespace {

// Whether a builder answers the request: a plain version ("3.13", "3.13.1")
// by its minor version (the patch release is whatever Debian ships), a
// specifier set (requires-python) against the release its Debian ships.
Result<bool> builder_matches(const KnownBuilder& b, const PythonRequest& request) {
  PythonRequest r = request;
  bool plain = !r.spec.empty() &&
               std::all_of(r.spec.begin(), r.spec.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
  if (plain) {
    // major.minor only.
    size_t first = r.spec.find('.');
    size_t second = first == std::string::npos ? std::string::npos : r.spec.find('.', first + 1);
    if (second != std::string::npos) r.spec.resize(second);
  }
  return python_satisfies(r, b.python_release);
}

}  // namespace

Result<BuilderChoice> choose_builder(const EnvVars& env, const fs::path& source_root, const std::string& option) {
  BuilderChoice c;
  if (!option.empty()) return BuilderChoice{option, "--builder-image", std::nullopt, ""};
  fs::path file = source_root / ".warpdrive" / "builder_image";
  WD_ASSIGN(auto value, read_value_file(file));
  if (value && !value->empty()) return BuilderChoice{*value, ".warpdrive/builder_image", std::nullopt, ""};
  // The original's order: the app's file, then this variable.
  if (auto variable = env.get("WARPDRIVE_BUILDER_IMAGE"); variable && !variable->empty())
    return BuilderChoice{*variable, "WARPDRIVE_BUILDER_IMAGE", std::nullopt, ""};

  WD_ASSIGN(c.request, read_python_request(source_root));
  const auto& table = known_builders();
  if (!c.request) {
    c.image = std::string(kDefaultBuilderImage);
    c.origin = fmt::format("default: the application asks for no Python version; Python {}, {}", table.front().python,
                           table.front().debian);
    c.build_command = std::string(table.front().build_command);
    return c;
  }
  // The default builder when it matches (as `build` prefers python3), else the highest that does.
  const KnownBuilder* chosen = nullptr;
  for (const auto& b : table) {
    WD_ASSIGN(bool ok, builder_matches(b, *c.request));
    if (ok && chosen != &table.front()) chosen = &b;
  }
  if (!chosen) {
    std::vector<std::string> list;
    for (const auto& b : table) list.push_back(fmt::format("{} (Python {}, {})", b.image, b.python, b.debian));
    return make_error(
        fmt::format("the application asks for Python {}, and no builder image has it; the builders "
                    "are: {}; change the version asked for, or name a builder with --builder-image",
                    c.request->text(), fmt::join(list, ", ")));
  }
  c.image = std::string(chosen->image);
  c.origin = fmt::format("Python {} for {}, {}", chosen->python, c.request->text(), chosen->debian);
  c.build_command = std::string(chosen->build_command);
  return c;
}

}  // namespace wd::image
