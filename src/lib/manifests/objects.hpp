// The Kubernetes and OpenShift objects of an application, built as data from
// a ManifestSpec, and their YAML: emitted by yaml-cpp from that data, so every
// value is quoted and escaped by the library, never pasted into text.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.hpp"
#include "fsutil.hpp"
#include "manifests/spec.hpp"
#include "process.hpp"

namespace wd::manifests {

using Object = nlohmann::ordered_json;  // keeps the fields in the order a reader expects

// terminationGracePeriodSeconds: warpdrive stops the whole server tree
// within kStopGrace (SIGKILL 3 s after the stop signal, docs/runtime.md);
// the kubelet's own SIGKILL comes later, after a margin for a loaded node.
inline constexpr int kTerminationGraceSeconds =
    static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(kStopGrace).count()) + 7;

// The migration Job's bounds.
inline constexpr int kMigrateBackoffLimit = 2;            // three attempts: the database may still be starting
inline constexpr int kMigrateDeadlineSeconds = 30 * 60;   // a stuck migration fails the Job
inline constexpr int kMigrateTtlSeconds = 7 * 24 * 3600;  // finished Jobs kept a week (see docs/kubernetes.md)

// Annotation and label keys.
inline constexpr const char* kLabelName = "app.kubernetes.io/name";
inline constexpr const char* kLabelComponent = "app.kubernetes.io/component";
inline constexpr const char* kLabelManagedBy = "app.kubernetes.io/managed-by";
inline constexpr const char* kAnnotationImage = "warpdrive/image";
inline constexpr const char* kAnnotationRelease = "warpdrive/release";

// The labels that select the serving pods (Deployment selector, Service selector).
Object web_selector(const ManifestSpec& spec);

// The objects in the order they are applied: [ImageStream, BuildConfig,]
// [migration Job,] Deployment, Service[, Route].
std::vector<Object> build_objects(const ManifestSpec& spec);

// One YAML document for one object (no "---").
std::string to_yaml(const Object& object);
// Every object as one YAML stream, documents separated by "---".
std::string to_yaml_stream(const std::vector<Object>& objects);

// The file name of an object in an --output directory: NN-kind-name.yaml,
// numbered in apply order.
std::string file_name(size_t index, const Object& object);
// Writes each object to its own file in dir (created if missing), each
// atomically; returns the paths written.
Result<std::vector<fs::path>> write_objects(const fs::path& dir, const std::vector<Object>& objects);

}  // namespace wd::manifests
