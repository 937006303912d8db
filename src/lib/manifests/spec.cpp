#include "manifests/spec.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include <fmt/format.h>

#include "app_build/digest.hpp"

namespace wd::manifests {

namespace {

bool lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool alnum(char c) { return lower_alnum(c) || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

// Valid UTF-8 without control characters other than tab and newline: what
// the API server's JSON and a YAML document carry without surprises.
bool clean_text(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return false;
      ++i;
      continue;
    }
    // Lead byte: how many continuation bytes follow (overlong C0/C1 and > U+10FFFF refused).
    size_t n = (c & 0xE0) == 0xC0 ? 1 : (c & 0xF0) == 0xE0 ? 2 : (c & 0xF8) == 0xF0 ? 3 : 0;
    if (n == 0 || c == 0xC0 || c == 0xC1 || c > 0xF4 || i + n >= s.size()) return false;
    for (size_t k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n + 1;
  }
  return true;
}

Error usage(std::string message) { return make_error(std::move(message), kExitUsage); }

Result<int> parse_int(std::string_view option, const std::string& text, int min, int max, std::string_view what) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min || value > max)
    return usage(fmt::format("{} '{}': {}", option, text, what));
  return value;
}

}  // namespace

std::optional<std::string> dns1123_label_problem(std::string_view s) {
  if (s.empty()) return "must not be empty";
  if (s.size() > kMaxLabel) return fmt::format("is {} characters long; at most {} are allowed", s.size(), kMaxLabel);
  for (char c : s)
    if (!lower_alnum(c) && c != '-') return "must consist of lower-case letters, digits and '-' (a DNS-1123 label)";
  if (s.front() == '-' || s.back() == '-') return "must start and end with a letter or digit (a DNS-1123 label)";
  return std::nullopt;
}

std::optional<std::string> dns1035_label_problem(std::string_view s) {
  if (auto p = dns1123_label_problem(s)) return p;
  if (digit(s.front())) return "must start with a letter (a Service name is a DNS-1035 label)";
  return std::nullopt;
}

std::optional<std::string> dns1123_subdomain_problem(std::string_view s) {
  if (s.empty()) return "must not be empty";
  if (s.size() > 253) return fmt::format("is {} characters long; at most 253 are allowed", s.size());
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part.empty() || dns1123_label_problem(part))
      return "must be lower-case letters, digits, '-' and '.', each dot-separated part starting and ending "
             "with a letter or digit (a DNS-1123 subdomain)";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return std::nullopt;
}

std::optional<std::string> label_value_problem(std::string_view s) {
  if (s.size() > kMaxLabel)
    return fmt::format("is {} characters long; a label value has at most {}", s.size(), kMaxLabel);
  if (s.empty()) return std::nullopt;
  for (char c : s)
    if (!alnum(c) && c != '-' && c != '_' && c != '.')
      return "a label value consists of letters, digits, '-', '_' and '.'";
  if (!alnum(s.front()) || !alnum(s.back())) return "a label value starts and ends with a letter or digit";
  return std::nullopt;
}

std::optional<std::string> env_name_problem(std::string_view s) {
  if (s.empty()) return "the name is empty";
  if (digit(s.front())) return "a name must not start with a digit";
  for (char c : s)
    if (!alnum(c) && c != '_') return "a name consists of letters, digits and '_'";
  return std::nullopt;
}

std::optional<std::string> quantity_problem(std::string_view s, QuantityOf what) {
  const std::string_view example = what == QuantityOf::cpu ? "e.g. 500m or 2" : "e.g. 512Mi or 1Gi";
  auto bad = [&](std::string_view why) { return fmt::format("{} ({})", why, example); };
  if (s.empty()) return bad("is empty");
  size_t i = 0;
  bool any_digit = false, nonzero = false;
  while (i < s.size() && digit(s[i])) any_digit = true, nonzero |= s[i] != '0', ++i;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && digit(s[i])) any_digit = true, nonzero |= s[i] != '0', ++i;
  }
  if (!any_digit) return bad("is not a quantity: it must start with a number");
  std::string_view suffix = s.substr(i);
  static const std::set<std::string_view> kSuffixes = {"",  "n", "u",  "m",  "k",  "M",  "G",  "T",
                                                       "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  bool exponent = false;
  if (!kSuffixes.count(suffix)) {
    // decimal exponent: e or E, an optional sign, digits
    if ((suffix[0] == 'e' || suffix[0] == 'E') && suffix.size() > 1) {
      size_t k = 1;
      if (suffix[k] == '+' || suffix[k] == '-') ++k;
      exponent = k < suffix.size() && std::all_of(suffix.begin() + static_cast<long>(k), suffix.end(), digit);
    }
    if (!exponent)
      return bad(
          fmt::format("has an unknown suffix '{}': use one of n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or e<N>", suffix));
  }
  if (!nonzero) return bad("must be more than zero");
  if (what == QuantityOf::memory && (suffix == "m" || suffix == "u" || suffix == "n"))
    return fmt::format("'{}' means a fraction of a byte; did you mean {}{}? ({})", suffix, s.substr(0, i),
                       suffix == "m" ? "Mi" : "Ki", example);
  return std::nullopt;
}

std::string name_from_image(std::string_view image) {
  std::string_view last = image.substr(image.rfind('/') == std::string_view::npos ? 0 : image.rfind('/') + 1);
  last = last.substr(0, last.find('@'));
  last = last.substr(0, last.find(':'));
  std::string out;
  for (char c : last) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    out += lower_alnum(l) ? l : '-';
  }
  while (!out.empty() && out.front() == '-') out.erase(out.begin());
  while (!out.empty() && out.back() == '-') out.pop_back();
  return out;
}

Result<Migration> detect_migration(const fs::path& app_dir) {
  if (!is_dir(app_dir)) return usage(fmt::format("--app-dir '{}': no such directory", app_dir.string()));
  fs::path hook = app_dir / ".warpdrive" / "action_hooks" / "migrate";
  if (is_executable_file(hook)) return Migration::hook;
  if (path_exists(hook))
    return usage(
        fmt::format("{} is not executable: `warpdrive migrate` would not run it "
                    "(chmod +x it, or remove it)",
                    hook.string()));
  fs::path home = app_dir;
  WD_ASSIGN(auto home_value, read_value_file(app_dir / ".warpdrive" / "home"));
  if (home_value && !home_value->empty())
    home = fs::path(*home_value).is_absolute() ? fs::path(*home_value) : app_dir / *home_value;
  WD_ASSIGN(auto manage, read_file_if_exists(home / "manage.py"));
  if (manage && manage->find("DJANGO_SETTINGS_MODULE") != std::string::npos) return Migration::django;
  return Migration::none;
}

Result<ManifestSpec> make_spec(const ManifestOptions& o, const fs::path& cwd) {
  ManifestSpec spec;

  // The image: required, one word.
  if (o.image.empty()) return usage("an image is required: warpdrive manifests IMAGE (see --help)");
  for (char c : o.image)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
      return usage(fmt::format("image '{}': an image reference contains no spaces or control characters", o.image));
  if (o.image.front() == '-') return usage(fmt::format("image '{}': must not start with '-'", o.image));
  spec.image = o.image;
  spec.release = sha256_hex(o.image).substr(0, kReleaseLength);

  // What the app needs: a migration Job or not (this bounds the name).
  WD_ASSIGN(spec.migration, detect_migration(o.app_dir.empty() ? cwd : cwd / o.app_dir));

  // The name: every object's name, the Service's too (a DNS-1035 label).
  bool derived = o.name.empty();
  spec.name = derived ? name_from_image(o.image) : o.name;
  if (derived && (spec.name.empty() || dns1035_label_problem(spec.name)))
    return usage(fmt::format("image '{}' suggests no usable name ('{}'); give one with --name", o.image, spec.name));
  if (auto p = dns1035_label_problem(spec.name)) return usage(fmt::format("--name '{}': {}", spec.name, *p));
  if (spec.migration != Migration::none && spec.name.size() > kMaxNameWithJob)
    return usage(
        fmt::format("{} '{}': is {} characters long; at most {} are allowed, because the migration Job "
                    "is named NAME{}<{} hex digits> and that name must stay a 63-character label",
                    derived ? "name from the image" : "--name", spec.name, spec.name.size(), kMaxNameWithJob, kJobInfix,
                    kReleaseLength));

  WD_ASSIGN(spec.replicas, parse_int("--replicas", o.replicas, 1, 1000000, "must be a positive integer"));
  WD_ASSIGN(spec.port, parse_int("--port", o.port, 1, 65535, "must be a port number from 1 to 65535"));

  // The environment: WARPDRIVE_HTTP_PORT is what the server listens on, so it
  // follows --port and is not also an --env.
  spec.env.push_back({"WARPDRIVE_HTTP_PORT", std::to_string(spec.port)});
  std::set<std::string> seen = {"WARPDRIVE_HTTP_PORT"};
  for (const auto& kv : o.env) {
    size_t eq = kv.find('=');
    if (eq == std::string::npos) return usage(fmt::format("--env '{}': expected NAME=VALUE", kv));
    EnvVar var{kv.substr(0, eq), kv.substr(eq + 1)};
    if (auto p = env_name_problem(var.name)) return usage(fmt::format("--env '{}': {}", kv, *p));
    if (var.name == "WARPDRIVE_HTTP_PORT")
      return usage(fmt::format("--env '{}': the port is set with --port, which also sets the container port", kv));
    if (!seen.insert(var.name).second) return usage(fmt::format("--env '{}': {} is given twice", kv, var.name));
    if (!clean_text(var.value))
      return usage(fmt::format("--env {}: the value must be UTF-8 text without control characters", var.name));
    spec.env.push_back(std::move(var));
  }
  for (const auto& secret : o.env_from_secrets) {
    if (auto p = dns1123_subdomain_problem(secret)) return usage(fmt::format("--env-from-secret '{}': {}", secret, *p));
    spec.env_from_secrets.push_back(secret);
  }

  if (!o.cpu.empty())
    if (auto p = quantity_problem(o.cpu, QuantityOf::cpu)) return usage(fmt::format("--cpu '{}': {}", o.cpu, *p));
  if (!o.memory.empty())
    if (auto p = quantity_problem(o.memory, QuantityOf::memory))
      return usage(fmt::format("--memory '{}': {}", o.memory, *p));
  spec.cpu = o.cpu;
  spec.memory = o.memory;

  // OpenShift: the builder, the build's source, the Route's host.
  spec.openshift = o.openshift;
  bool openshift_only = !o.git_url.empty() || !o.git_ref.empty() || !o.context_dir.empty() || !o.host.empty();
  if (openshift_only && !o.openshift)
    return usage("--git-url, --git-ref, --context-dir and --host describe OpenShift objects: add --openshift");
  if (o.builder_image.empty() || !clean_text(o.builder_image) || o.builder_image.find(' ') != std::string::npos)
    return usage(fmt::format("--builder-image '{}': expected an image stream tag (NAME:TAG) or an image reference",
                             o.builder_image));
  spec.builder_image = o.builder_image;
  if (!o.git_url.empty() && (!clean_text(o.git_url) || o.git_url.find_first_of(" \t\n") != std::string::npos))
    return usage(fmt::format("--git-url '{}': expected a URL without spaces", o.git_url));
  if ((!o.git_ref.empty() || !o.context_dir.empty()) && o.git_url.empty())
    return usage("--git-ref and --context-dir need --git-url (without it the build takes a binary upload)");
  for (const auto* v : {&o.git_ref, &o.context_dir})
    if (!clean_text(*v) || v->find_first_of(" \t\n") != std::string::npos)
      return usage(fmt::format("'{}': expected a value without spaces", *v));
  if (!o.context_dir.empty() && (o.context_dir.front() == '/' || o.context_dir.find("..") != std::string::npos))
    return usage(fmt::format("--context-dir '{}': expected a relative directory inside the repository", o.context_dir));
  if (!o.host.empty())
    if (auto p = dns1123_subdomain_problem(o.host)) return usage(fmt::format("--host '{}': {}", o.host, *p));
  spec.git_url = o.git_url;
  spec.git_ref = o.git_ref;
  spec.context_dir = o.context_dir;
  spec.host = o.host;
  return spec;
}

}  // namespace wd::manifests
