#include "log.hpp"

#include <string>
#include <unistd.h>

namespace wd {

namespace {

// One write(2) per line, so lines from concurrent processes do not interleave
// and nothing is left in a stdio buffer when a server replaces warpdrive.
void write_line(int fd, std::string_view prefix, std::string_view message) {
  std::string line;
  line.reserve(prefix.size() + message.size() + 1);
  line.append(prefix).append(message).push_back('\n');
  const char* p = line.data();
  size_t left = line.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n <= 0) return;
    p += n;
    left -= static_cast<size_t>(n);
  }
}

}  // namespace

void warn(std::string_view message) { write_line(STDERR_FILENO, "warpdrive: warning: ", message); }
void print_error(std::string_view message) { write_line(STDERR_FILENO, "warpdrive: error: ", message); }
void phase_line(std::string_view message) { write_line(STDOUT_FILENO, " -----> ", message); }
void info_line(std::string_view message) { write_line(STDOUT_FILENO, "", message); }

}  // namespace wd
