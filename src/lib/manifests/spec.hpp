// warpdrive manifests: the command line as typed (ManifestOptions), checked
// against the Kubernetes API's own rules and turned into a ManifestSpec, the
// plain data every object is built from. Nothing here prints or writes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "error.hpp"
#include "fsutil.hpp"

namespace wd::manifests {

// The options exactly as given; numbers stay text so that the messages can
// quote what the user typed.
struct ManifestOptions {
  std::string image;
  std::string name;  // default: derived from the image's repository name
  std::string replicas = "1";
  std::string port = "8080";
  std::vector<std::string> env;               // NAME=VALUE, repeatable
  std::vector<std::string> env_from_secrets;  // Secret names, repeatable
  std::string cpu;                            // a Kubernetes quantity, e.g. 500m or 2
  std::string memory;                         // a Kubernetes quantity, e.g. 512Mi
  bool openshift = false;
  std::string builder_image = "warpdrive-python:latest";  // ImageStreamTag, or a registry image
  std::string git_url, git_ref, context_dir;              // BuildConfig source (Binary when git_url is empty)
  std::string host;                                       // Route host (empty: the router picks one)
  std::string app_dir;                                    // where to look for the migrate hook / manage.py
};

enum class Migration { none, hook, django };

struct EnvVar {
  std::string name;
  std::string value;
};

// Everything the objects are built from, checked.
struct ManifestSpec {
  std::string image;
  std::string name;
  int replicas = 1;
  int port = 8080;
  std::vector<EnvVar> env;  // WARPDRIVE_HTTP_PORT first, then --env in order
  std::vector<std::string> env_from_secrets;
  std::string cpu, memory;
  bool openshift = false;
  std::string builder_image;
  std::string git_url, git_ref, context_dir, host;
  Migration migration = Migration::none;
  std::string release;  // short hash of the image reference: names the migration Job
};

// Bounds taken from the API and from warpdrive's own stop bound.
inline constexpr size_t kMaxLabel = 63;
inline constexpr std::string_view kJobInfix = "-migrate-";
inline constexpr size_t kReleaseLength = 8;
// A name that also names the migration Job must leave room for its suffix:
// the Job controller copies the Job's name into a label value (<= 63).
inline constexpr size_t kMaxNameWithJob = kMaxLabel - kJobInfix.size() - kReleaseLength;

// Why `s` is not an RFC 1123 label (what Kubernetes calls a DNS-1123 label:
// lower-case alphanumerics and '-', alphanumeric at both ends, <= 63), or
// nothing when it is one.
std::optional<std::string> dns1123_label_problem(std::string_view s);
// The same for an RFC 1035 label (also starts with a letter): Service names.
std::optional<std::string> dns1035_label_problem(std::string_view s);
// The same for a DNS-1123 subdomain (dot-separated labels, <= 253): Secret
// names, Route hosts.
std::optional<std::string> dns1123_subdomain_problem(std::string_view s);
// Why `s` is not a label value (<= 63, alphanumerics, '-', '_', '.', alphanumeric at both ends).
std::optional<std::string> label_value_problem(std::string_view s);
// Why `s` is not an environment variable name warpdrive passes on: a C
// identifier, which every shell and the API accept.
std::optional<std::string> env_name_problem(std::string_view s);

enum class QuantityOf { cpu, memory };
// Why `s` is not a positive Kubernetes resource quantity
// (<digits>[.<digits>] then one of the suffixes n u m k M G T P E, Ki Mi Gi Ti
// Pi Ei, or e<exponent>). For memory, n u m (fractions of a byte) are refused:
// "512m" is a classic slip for "512Mi".
std::optional<std::string> quantity_problem(std::string_view s, QuantityOf what);

// The name a bare image reference suggests: its last path component without
// tag or digest, lower-cased, other characters made '-'.
std::string name_from_image(std::string_view image);

// What kind of migration the application needs: an executable
// .warpdrive/action_hooks/migrate, else a Django manage.py in APP_HOME
// (.warpdrive/home, or the directory itself), else none.
Result<Migration> detect_migration(const fs::path& app_dir);

// Checks every option and returns the spec, or the first problem as an Error
// naming the option and the value (exit status 2: a usage error).
Result<ManifestSpec> make_spec(const ManifestOptions& options, const fs::path& cwd);

}  // namespace wd::manifests
