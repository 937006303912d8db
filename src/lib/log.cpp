#include "log.hpp"

#include <cctype>

#include <unistd.h>
#include <string>

namespace wd {

namespace {

// One write(2) per line, so lines from concurrent processes do not interleave
// and nothing is left in a stdio buffer when a server replaces warpdrive.
void write_line(int fd, std::string_view prefix, std::string_view message) {
  std::string line;
  line.reserve(prefix.size() + message.size() + 1);
  // Credentials in index URLs (PIP_INDEX_URL=https://user:secret@...) never reach a terminal or a log.
  line.append(prefix).append(mask_credentials(message)).push_back('\n');
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

std::string mask_credentials(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (true) {
    size_t scheme = text.find("://", pos);
    if (scheme == std::string_view::npos) break;
    size_t start = scheme + 3;
    // The authority ends at the path, query, fragment, or anything that cannot be in a URL.
    size_t end = start;
    while (end < text.size() && text[end] != '/' && text[end] != '?' && text[end] != '#' &&
           static_cast<unsigned char>(text[end]) > ' ' && text[end] != '"' && text[end] != '\'' && text[end] != '<' &&
           text[end] != '>')
      ++end;
    size_t at = text.rfind('@', end == start ? start : end - 1);
    out.append(text.substr(pos, start - pos));
    if (at != std::string_view::npos && at >= start && at < end) {
      std::string_view userinfo = text.substr(start, at - start);
      size_t colon = userinfo.find(':');
      if (colon != std::string_view::npos)
        out.append(userinfo.substr(0, colon)).append(":****");
      else
        out.append("****");
      out.append(text.substr(at, end - at));
    } else {
      out.append(text.substr(start, end - start));
    }
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

bool secret_variable(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (std::string_view word : {"PASSWORD", "TOKEN", "SECRET"})
    if (upper.find(word) != std::string::npos) return true;
  return false;
}

void warn(std::string_view message) { write_line(STDERR_FILENO, "warpdrive: warning: ", message); }
void print_error(std::string_view message) { write_line(STDERR_FILENO, "warpdrive: error: ", message); }
void phase_line(std::string_view message) { write_line(STDOUT_FILENO, " -----> ", message); }
void info_line(std::string_view message) { write_line(STDOUT_FILENO, "", message); }

}  // namespace wd
