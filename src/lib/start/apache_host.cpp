#include "start/apache_host.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <fmt/format.h>

#include <regex>

#include "process.hpp"

namespace wd {

Result<std::string> apache_quote(std::string_view value, std::string_view what) {
  auto refuse = [&](std::string_view why) {
    return make_error(
        fmt::format("{} '{}' contains {}, which cannot be written safely into "
                    "Apache's configuration",
                    what, value, why));
  };
  for (char c : value) {
    if (c == '\n' || c == '\r') return refuse("a line break");
    if (static_cast<unsigned char>(c) < 0x20 && c != '\t') return refuse("a control character");
    if (c == '\\') return refuse("a backslash");
  }
  if (value.find("${") != std::string_view::npos) return refuse("'${'");
  bool has_double = value.find('"') != std::string_view::npos;
  bool has_single = value.find('\'') != std::string_view::npos;
  if (has_double && has_single) return refuse("both kinds of quote");
  char quote = has_double ? '\'' : '"';
  return fmt::format("{}{}{}", quote, value, quote);
}

Result<std::string> apache_quote_literal_path(std::string_view value, std::string_view what) {
  for (char c : value) {
    if (c == '*' || c == '?' || c == '[' || c == ']')
      return make_error(
          fmt::format("{} '{}' contains '{}', which Apache would read as a wildcard "
                      "pattern",
                      what, value, c));
  }
  return apache_quote(value, what);
}

namespace {

// True when we can open the stream's /dev path for writing: Apache reopens
// /dev/stderr by name, which fails for a pipe another user created (the
// pipe's inode is mode 0600), as happens when a container runs as an
// arbitrary UID.
bool openable_for_writing(const char* path) {
  int fd = ::open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

// "3.11" from the first "libpython3.NN" in the module's bytes (its DT_NEEDED
// entry); "" when there is none.
std::string linked_python(const fs::path& so) {
  auto data = read_file(so);
  if (!data) return "";
  static const std::regex re("libpython(3\\.[0-9]+)");
  std::smatch m;
  // Only the dynamic section matters; it is near the start of the file.
  std::string head = data->substr(0, std::min<size_t>(data->size(), 1 << 20));
  if (std::regex_search(head, m, re)) return m[1].str();
  return "";
}

// "3.11" from a virtualenv's pyvenv.cfg ("version = 3.11.2" or
// "version_info = 3.11.2.final.0"); "" when absent.
std::string venv_python(const fs::path& app_root) {
  auto cfg = read_file_if_exists(app_root / "pyvenv.cfg");
  if (!cfg || !*cfg) return "";
  static const std::regex re("^\\s*version(_info)?\\s*=\\s*(3\\.[0-9]+)", std::regex::multiline);
  std::smatch m;
  if (std::regex_search(**cfg, m, re)) return m[2].str();
  return "";
}

}  // namespace

Result<ApacheHost> probe_apache_host(const Settings& settings, const EnvVars& env) {
  ApacheHost host;
  if (auto found = find_program("apache2", env)) {
    host.httpd = *found;
  } else if (is_executable_file("/usr/sbin/apache2")) {
    host.httpd = "/usr/sbin/apache2";
  } else {
    return make_error(
        "the mod_wsgi server needs Apache, but apache2 was not found on PATH or as "
        "/usr/sbin/apache2 (Debian package apache2)",
        kExitNotFound);
  }
  host.modules_dir = "/usr/lib/apache2/modules";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(host.modules_dir, ec))
    host.modules.insert(entry.path().filename().string());
  if (!host.modules.count("mod_wsgi.so"))
    return make_error(fmt::format("the mod_wsgi server needs Apache's mod_wsgi, but {} does not "
                                  "exist (Debian package libapache2-mod-wsgi-py3)",
                                  (host.modules_dir / "mod_wsgi.so").string()),
                      kExitNotFound);
  if (is_file("/etc/mime.types")) host.mime_types = fs::path("/etc/mime.types");
  host.is_root = ::geteuid() == 0;
  host.stderr_openable = openable_for_writing("/dev/stderr");
  host.stdout_openable = openable_for_writing("/dev/stdout");
  if (const passwd* pw = ::getpwuid(settings.builder_id)) host.builder_user = pw->pw_name;
  host.www_data_exists = ::getpwnam("www-data") != nullptr;
  host.mod_wsgi_python = linked_python(host.modules_dir / "mod_wsgi.so");
  if (settings.has_virtualenv()) host.venv_python = venv_python(settings.app_root);
  return host;
}

}  // namespace wd
