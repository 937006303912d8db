// Files from src/python, embedded into the binary at build time
// (see cmake/embed.cmake).
#pragma once

#include <optional>
#include <string_view>

namespace wd {

// The text of src/python/<name>, e.g. embedded_file("django_facts.py").
std::optional<std::string_view> embedded_file(std::string_view name);

}  // namespace wd
