// What warpdrive itself prints, in one place: warnings and errors to stderr,
// the original's " -----> " phase lines to stdout.
#pragma once

#include <string_view>

namespace wd {

void warn(std::string_view message);          // "warpdrive: warning: ..." on stderr
void print_error(std::string_view message);   // "warpdrive: error: ..." on stderr (main only)
void phase_line(std::string_view message);    // " -----> ..." on stdout
void info_line(std::string_view message);     // the line as is, on stdout

}  // namespace wd
