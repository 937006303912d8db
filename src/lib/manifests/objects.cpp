#include "manifests/objects.hpp"

#include <algorithm>
#include <array>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

namespace wd::manifests {

namespace {

// Labels every object carries.
Object common_labels(const ManifestSpec& spec, const char* component) {
  return Object{{kLabelName, spec.name}, {kLabelComponent, component}, {kLabelManagedBy, "warpdrive"}};
}

Object metadata(const std::string& name, Object labels, Object annotations = Object()) {
  Object m{{"name", name}, {"labels", std::move(labels)}};
  if (!annotations.is_null()) m["annotations"] = std::move(annotations);
  return m;
}

// The pod-level security context OpenShift's restricted-v2 SCC (and the
// Kubernetes "restricted" Pod Security Standard) admits: no fixed UID, so the
// platform assigns one; the image's group-0 permissions make that UID work.
Object pod_security_context() {
  return Object{{"runAsNonRoot", true}, {"seccompProfile", {{"type", "RuntimeDefault"}}}};
}

Object container_security_context() {
  return Object{{"allowPrivilegeEscalation", false},
                {"capabilities", {{"drop", Object::array({"ALL"})}}},
                {"runAsNonRoot", true}};
}

Object env_list(const ManifestSpec& spec) {
  Object env = Object::array();
  for (const auto& v : spec.env) env.push_back({{"name", v.name}, {"value", v.value}});
  return env;
}

// envFrom, resources: the parts a web container and the migration container share.
void add_shared_container_fields(const ManifestSpec& spec, Object& c) {
  c["env"] = env_list(spec);
  if (!spec.env_from_secrets.empty()) {
    Object from = Object::array();
    for (const auto& s : spec.env_from_secrets) from.push_back({{"secretRef", {{"name", s}}}});
    c["envFrom"] = std::move(from);
  }
  if (!spec.cpu.empty() || !spec.memory.empty()) {
    // Requests equal limits: the limits are what warpdrive's worker sizing
    // reads from the cgroup, and equal requests give the scheduler the truth.
    Object amounts = Object::object();
    if (!spec.cpu.empty()) amounts["cpu"] = spec.cpu;
    if (!spec.memory.empty()) amounts["memory"] = spec.memory;
    c["resources"] = {{"requests", amounts}, {"limits", amounts}};
  }
  c["securityContext"] = container_security_context();
}

// A probe that runs a warpdrive command in the container. The command is
// found on the container's PATH: the builder image puts warpdrive in
// /usr/local/bin (probes do not go through the ENTRYPOINT).
Object exec_probe(const char* command, int period, int failures) {
  return Object{{"exec", {{"command", Object::array({"warpdrive", command})}}},
                {"periodSeconds", period},
                {"timeoutSeconds", 5},
                {"failureThreshold", failures}};
}

std::string image_stream_tag(const ManifestSpec& spec) { return spec.name + ":latest"; }

Object deployment(const ManifestSpec& spec) {
  Object container{{"name", spec.name}, {"image", spec.image}};
  // No command or args: the image's ENTRYPOINT (warpdrive exec) and CMD (warpdrive start).
  container["ports"] = Object::array({{{"name", "http"}, {"containerPort", spec.port}, {"protocol", "TCP"}}});
  add_shared_container_fields(spec, container);
  // Start-up may run the deploy hooks and import a large application: up to
  // 5 minutes (2 s x 150) before liveness takes over.
  container["startupProbe"] = exec_probe("ready", 2, 150);
  container["livenessProbe"] = exec_probe("alive", 10, 3);
  container["readinessProbe"] = exec_probe("ready", 5, 3);

  Object annotations;
  if (spec.openshift) {
    // OpenShift's image trigger sets the container's image whenever the
    // BuildConfig pushes a new <name>:latest (the annotation's value is JSON).
    nlohmann::json trigger = nlohmann::json::array(
        {{{"from", {{"kind", "ImageStreamTag"}, {"name", image_stream_tag(spec)}}},
          {"fieldPath", fmt::format("spec.template.spec.containers[?(@.name==\"{}\")].image", spec.name)}}});
    annotations = Object{{"image.openshift.io/triggers", trigger.dump()}};
  }
  Object pod_spec{{"terminationGracePeriodSeconds", kTerminationGraceSeconds},
                  {"securityContext", pod_security_context()},
                  {"containers", Object::array({container})}};
  return Object{
      {"apiVersion", "apps/v1"},
      {"kind", "Deployment"},
      {"metadata", metadata(spec.name, common_labels(spec, "web"), annotations)},
      {"spec",
       {{"replicas", spec.replicas},
        {"selector", {{"matchLabels", web_selector(spec)}}},
        // A new pod must be ready before an old one goes: capacity never drops.
        {"strategy", {{"type", "RollingUpdate"}, {"rollingUpdate", {{"maxSurge", 1}, {"maxUnavailable", 0}}}}},
        {"template", {{"metadata", {{"labels", common_labels(spec, "web")}}}, {"spec", pod_spec}}}}}};
}

Object service(const ManifestSpec& spec) {
  return Object{
      {"apiVersion", "v1"},
      {"kind", "Service"},
      {"metadata", metadata(spec.name, common_labels(spec, "web"))},
      {"spec",
       {{"type", "ClusterIP"},
        // component=web: the migration Job's pod, which has no readiness
        // probe, must never receive traffic.
        {"selector", web_selector(spec)},
        {"ports",
         Object::array({{{"name", "http"}, {"port", spec.port}, {"targetPort", "http"}, {"protocol", "TCP"}}})}}}};
}

Object migration_job(const ManifestSpec& spec) {
  Object command = spec.migration == Migration::hook
                       ? Object::array({"warpdrive", "migrate"})
                       : Object::array({"warpdrive-exec", "python", "manage.py", "migrate", "--noinput"});
  Object container{{"name", "migrate"}, {"image", spec.image}, {"command", command}};
  add_shared_container_fields(spec, container);
  Object annotations{{kAnnotationImage, spec.image}, {kAnnotationRelease, spec.release}};
  std::string name = spec.name + std::string(kJobInfix) + spec.release;
  return Object{{"apiVersion", "batch/v1"},
                {"kind", "Job"},
                {"metadata", metadata(name, common_labels(spec, "migrate"), annotations)},
                {"spec",
                 {{"backoffLimit", kMigrateBackoffLimit},
                  {"activeDeadlineSeconds", kMigrateDeadlineSeconds},
                  {"ttlSecondsAfterFinished", kMigrateTtlSeconds},
                  {"template",
                   {{"metadata", {{"labels", common_labels(spec, "migrate")}, {"annotations", annotations}}},
                    {"spec",
                     {{"restartPolicy", "Never"},
                      {"terminationGracePeriodSeconds", kTerminationGraceSeconds},
                      {"securityContext", pod_security_context()},
                      {"containers", Object::array({container})}}}}}}}};
}

Object image_stream(const ManifestSpec& spec) {
  return Object{{"apiVersion", "image.openshift.io/v1"},
                {"kind", "ImageStream"},
                {"metadata", metadata(spec.name, common_labels(spec, "web"))},
                // local lookup: the Deployment and Job may name <name>:latest directly.
                {"spec", {{"lookupPolicy", {{"local", true}}}}}};
}

Object build_config(const ManifestSpec& spec) {
  Object source;
  Object triggers = Object::array();
  if (spec.git_url.empty()) {
    source = {{"type", "Binary"}, {"binary", Object::object()}};  // oc start-build NAME --from-dir=.
  } else {
    Object git{{"uri", spec.git_url}};
    if (!spec.git_ref.empty()) git["ref"] = spec.git_ref;
    source = {{"type", "Git"}, {"git", git}};
    if (!spec.context_dir.empty()) source["contextDir"] = spec.context_dir;
    triggers.push_back({{"type", "ConfigChange"}});
    triggers.push_back({{"type", "ImageChange"}, {"imageChange", Object::object()}});
  }
  // A builder with a registry path is an image reference; NAME:TAG is an
  // image stream tag (the builder image stream the shipped template registers).
  bool docker = spec.builder_image.find('/') != std::string::npos;
  Object from{{"kind", docker ? "DockerImage" : "ImageStreamTag"}, {"name", spec.builder_image}};
  Object bc_spec{{"runPolicy", "Serial"},
                 {"source", source},
                 {"strategy", {{"type", "Source"}, {"sourceStrategy", {{"from", from}}}}},
                 {"output", {{"to", {{"kind", "ImageStreamTag"}, {"name", image_stream_tag(spec)}}}}}};
  if (!triggers.empty()) bc_spec["triggers"] = triggers;
  return Object{{"apiVersion", "build.openshift.io/v1"},
                {"kind", "BuildConfig"},
                {"metadata", metadata(spec.name, common_labels(spec, "web"))},
                {"spec", bc_spec}};
}

Object route(const ManifestSpec& spec) {
  Object route_spec;
  if (!spec.host.empty()) route_spec["host"] = spec.host;
  route_spec["to"] = {{"kind", "Service"}, {"name", spec.name}, {"weight", 100}};
  route_spec["port"] = {{"targetPort", "http"}};
  route_spec["tls"] = {{"termination", "edge"}, {"insecureEdgeTerminationPolicy", "Redirect"}};
  return Object{{"apiVersion", "route.openshift.io/v1"},
                {"kind", "Route"},
                {"metadata", metadata(spec.name, common_labels(spec, "web"))},
                {"spec", route_spec}};
}

// A string YAML reads back as the same string without quotes: a conservative
// plain-scalar set (no YAML 1.1 booleans or nulls, nothing number-like, no
// indicator characters), so that a value such as "8080", "yes" or "null"
// stays a string for every YAML reader.
bool plain_ok(const std::string& s) {
  // YAML 1.1 reads these (in any case) as booleans, nulls or special floats.
  static const std::array<std::string_view, 12> kWords = {"y",  "n",   "yes",  "no",  "true", "false",
                                                          "on", "off", "null", "nan", "inf",  "~"};
  if (s.empty()) return false;
  std::string lower;
  for (char c : s) lower += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  if (std::find(kWords.begin(), kWords.end(), lower) != kWords.end()) return false;
  char first = s.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z') || first == '/')) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
          c == '.' || c == '/'))
      return false;
  return true;
}

void emit_string(YAML::Emitter& out, const std::string& s) {
  if (plain_ok(s))
    out << s;
  else
    out << YAML::DoubleQuoted << s;
}

void emit(YAML::Emitter& out, const Object& value) {
  switch (value.type()) {
    case Object::value_t::object:
      if (value.empty()) out << YAML::Flow;  // {} on the key's line
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key;
        emit_string(out, key);
        out << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case Object::value_t::array:
      if (value.empty()) out << YAML::Flow;
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      break;
    case Object::value_t::string:
      emit_string(out, value.get<std::string>());
      break;
    case Object::value_t::boolean:
      out << value.get<bool>();  // yaml-cpp writes true / false
      break;
    case Object::value_t::number_integer:
      out << value.get<std::int64_t>();
      break;
    case Object::value_t::number_unsigned:
      out << value.get<std::uint64_t>();
      break;
    case Object::value_t::number_float:
      out << value.get<double>();
      break;
    default:
      out << YAML::Null;
  }
}

}  // namespace

Object web_selector(const ManifestSpec& spec) { return Object{{kLabelName, spec.name}, {kLabelComponent, "web"}}; }

std::vector<Object> build_objects(const ManifestSpec& spec) {
  std::vector<Object> objects;
  if (spec.openshift) {
    objects.push_back(image_stream(spec));
    objects.push_back(build_config(spec));
  }
  if (spec.migration != Migration::none) objects.push_back(migration_job(spec));
  objects.push_back(deployment(spec));
  objects.push_back(service(spec));
  if (spec.openshift) objects.push_back(route(spec));
  return objects;
}

std::string to_yaml(const Object& object) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  out.SetMapFormat(YAML::Block);
  emit(out, object);
  return std::string(out.c_str()) + "\n";
}

std::string to_yaml_stream(const std::vector<Object>& objects) {
  std::string text;
  for (size_t i = 0; i < objects.size(); ++i) text += (i ? "---\n" : "") + to_yaml(objects[i]);
  return text;
}

std::string file_name(size_t index, const Object& object) {
  std::string kind = object.at("kind").get<std::string>();
  std::transform(kind.begin(), kind.end(), kind.begin(),
                 [](char c) { return static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c); });
  return fmt::format("{:02}-{}-{}.yaml", index + 1, kind, object.at("metadata").at("name").get<std::string>());
}

Result<std::vector<fs::path>> write_objects(const fs::path& dir, const std::vector<Object>& objects) {
  WD_TRY(make_dirs(dir, 0755));
  std::vector<fs::path> written;
  for (size_t i = 0; i < objects.size(); ++i) {
    fs::path path = dir / file_name(i, objects[i]);
    WD_TRY(write_file_atomic(path, to_yaml(objects[i])));
    written.push_back(path);
  }
  return written;
}

}  // namespace wd::manifests
