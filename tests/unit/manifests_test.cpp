#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>
#include <fstream>

#include <yaml-cpp/yaml.h>

#include "manifests/objects.hpp"
#include "manifests/spec.hpp"
#include "temp_dir.hpp"

namespace wd::manifests {
namespace {

using wd::testing::TempDir;

ManifestSpec spec_of(ManifestOptions o, const fs::path& dir) {
  auto r = make_spec(o, dir);
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
  return r.ok() ? *r : ManifestSpec{};
}

std::string error_of(ManifestOptions o, const fs::path& dir) {
  auto r = make_spec(o, dir);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.error().exit_status, kExitUsage);
  return r.error().message;
}

const Object& find_kind(const std::vector<Object>& objects, const std::string& kind) {
  for (const auto& o : objects)
    if (o["kind"] == kind) return o;
  throw std::runtime_error("no " + kind);
}

TEST(ManifestNames, Dns1123Labels) {
  EXPECT_FALSE(dns1123_label_problem("web"));
  EXPECT_FALSE(dns1123_label_problem("a-1"));
  EXPECT_FALSE(dns1123_label_problem("1abc"));
  EXPECT_FALSE(dns1123_label_problem(std::string(63, 'a')));
  EXPECT_TRUE(dns1123_label_problem(std::string(64, 'a')));
  EXPECT_TRUE(dns1123_label_problem(""));
  EXPECT_TRUE(dns1123_label_problem("Web"));
  EXPECT_TRUE(dns1123_label_problem("-web"));
  EXPECT_TRUE(dns1123_label_problem("web-"));
  EXPECT_TRUE(dns1123_label_problem("my_app"));
  EXPECT_TRUE(dns1123_label_problem("my.app"));
  // A Service name also starts with a letter.
  EXPECT_EQ(*dns1035_label_problem("1abc"), "must start with a letter (a Service name is a DNS-1035 label)");
  EXPECT_FALSE(dns1035_label_problem("abc1"));
}

TEST(ManifestNames, SubdomainsAndLabelValues) {
  EXPECT_FALSE(dns1123_subdomain_problem("db-credentials"));
  EXPECT_FALSE(dns1123_subdomain_problem("app.example.com"));
  EXPECT_TRUE(dns1123_subdomain_problem("app..example"));
  EXPECT_TRUE(dns1123_subdomain_problem(".app"));
  EXPECT_TRUE(dns1123_subdomain_problem("App.example"));
  EXPECT_TRUE(dns1123_subdomain_problem(std::string(254, 'a')));
  EXPECT_FALSE(label_value_problem(""));
  EXPECT_FALSE(label_value_problem("My_App.v1"));
  EXPECT_TRUE(label_value_problem("_x"));
  EXPECT_TRUE(label_value_problem(std::string(64, 'a')));
}

TEST(ManifestValues, EnvNames) {
  EXPECT_FALSE(env_name_problem("DATABASE_URL"));
  EXPECT_FALSE(env_name_problem("_x1"));
  EXPECT_EQ(*env_name_problem("1X"), "a name must not start with a digit");
  EXPECT_EQ(*env_name_problem("A-B"), "a name consists of letters, digits and '_'");
  EXPECT_EQ(*env_name_problem(""), "the name is empty");
}

TEST(ManifestValues, Quantities) {
  for (const char* ok : {"1", "500m", "0.5", "2", "1.5", "100n", "1e3", "2E-1", "1k"})
    EXPECT_FALSE(quantity_problem(ok, QuantityOf::cpu)) << ok;
  for (const char* ok : {"512Mi", "1Gi", "128M", "1e9", "1024", "0.5Gi", "1Ei"})
    EXPECT_FALSE(quantity_problem(ok, QuantityOf::memory)) << ok;
  for (const char* bad : {"", "m", "abc", "-1", "1.2.3", "5 m", "10mb", "1MB", "0", "0.0", "1e", "1x", "+1", ".Mi"})
    EXPECT_TRUE(quantity_problem(bad, QuantityOf::cpu)) << bad;
  EXPECT_EQ(*quantity_problem("10mb", QuantityOf::memory),
            "has an unknown suffix 'mb': use one of n u m k M G T P E, Ki Mi Gi Ti Pi Ei, or e<N> (e.g. 512Mi or 1Gi)");
  EXPECT_EQ(*quantity_problem("512m", QuantityOf::memory),
            "'m' means a fraction of a byte; did you mean 512Mi? (e.g. 512Mi or 1Gi)");
  EXPECT_EQ(*quantity_problem("0", QuantityOf::cpu), "must be more than zero (e.g. 500m or 2)");
}

TEST(ManifestValues, NameFromImage) {
  EXPECT_EQ(name_from_image("quay.io/acme/My_Shop:1.2@sha256:abc"), "my-shop");
  EXPECT_EQ(name_from_image("localhost:5000/blog"), "blog");
  EXPECT_EQ(name_from_image("web"), "web");
}

TEST(ManifestSpecTest, RefusesBadInputWithTheValue) {
  TempDir dir;
  ManifestOptions o;
  EXPECT_EQ(error_of(o, dir.path()), "an image is required: warpdrive manifests IMAGE (see --help)");
  o.image = "registry/app:1";
  o.name = "My_App";
  EXPECT_EQ(error_of(o, dir.path()),
            "--name 'My_App': must consist of lower-case letters, digits and '-' (a DNS-1123 label)");
  o.name = "app";
  o.replicas = "0";
  EXPECT_EQ(error_of(o, dir.path()), "--replicas '0': must be a positive integer");
  o.replicas = "2x";
  EXPECT_EQ(error_of(o, dir.path()), "--replicas '2x': must be a positive integer");
  o.replicas = "2";
  o.port = "70000";
  EXPECT_EQ(error_of(o, dir.path()), "--port '70000': must be a port number from 1 to 65535");
  o.port = "8080";
  o.env = {"NOVALUE"};
  EXPECT_EQ(error_of(o, dir.path()), "--env 'NOVALUE': expected NAME=VALUE");
  o.env = {"A=1", "A=2"};
  EXPECT_EQ(error_of(o, dir.path()), "--env 'A=2': A is given twice");
  o.env = {"WARPDRIVE_HTTP_PORT=9000"};
  EXPECT_EQ(error_of(o, dir.path()),
            "--env 'WARPDRIVE_HTTP_PORT=9000': the port is set with --port, which also sets the container port");
  o.env = {"A=\x01"};
  EXPECT_EQ(error_of(o, dir.path()), "--env A: the value must be UTF-8 text without control characters");
  o.env = {"A=\xff"};
  EXPECT_EQ(error_of(o, dir.path()), "--env A: the value must be UTF-8 text without control characters");
  o.env = {};
  o.cpu = "lots";
  EXPECT_EQ(error_of(o, dir.path()), "--cpu 'lots': is not a quantity: it must start with a number (e.g. 500m or 2)");
  o.cpu = "";
  o.host = "app.example.com";
  EXPECT_EQ(error_of(o, dir.path()),
            "--git-url, --git-ref, --context-dir and --host describe OpenShift objects: add --openshift");
  o.host = "";
  o.image = "has space";
  EXPECT_EQ(error_of(o, dir.path()), "image 'has space': an image reference contains no spaces or control characters");
  o.image = "registry/9lives";
  o.name = "";
  EXPECT_EQ(error_of(o, dir.path()),
            "image 'registry/9lives' suggests no usable name ('9lives'); give one with --name");
}

TEST(ManifestSpecTest, TheJobBoundsTheName) {
  TempDir dir;
  dir.write("manage.py", "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'mysite.settings')\n");
  ManifestOptions o;
  o.image = "app:1";
  o.name = std::string(47, 'a');
  EXPECT_EQ(error_of(o, dir.path()),
            "--name '" + o.name +
                "': is 47 characters long; at most 46 are allowed, because the migration Job is named "
                "NAME-migrate-<8 hex digits> and that name must stay a 63-character label");
  o.name = std::string(46, 'a');
  ManifestSpec spec = spec_of(o, dir.path());
  auto objects = build_objects(spec);
  std::string job = find_kind(objects, "Job")["metadata"]["name"];
  EXPECT_EQ(job.size(), 63u);
  EXPECT_FALSE(dns1123_label_problem(job));
}

TEST(ManifestSpecTest, MigrationDetection) {
  TempDir dir;
  EXPECT_EQ(*detect_migration(dir.path()), Migration::none);
  dir.write("src/manage.py", "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'x')\n");
  EXPECT_EQ(*detect_migration(dir.path()), Migration::none);
  dir.write(".warpdrive/home", "src\n");
  EXPECT_EQ(*detect_migration(dir.path()), Migration::django);
  dir.write(".warpdrive/action_hooks/migrate", "#!/bin/sh\n", 0644);
  auto r = detect_migration(dir.path());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().message,
            (dir.path() / ".warpdrive/action_hooks/migrate").string() +
                " is not executable: `warpdrive migrate` would not run it (chmod +x it, or remove it)");
  ::chmod((dir.path() / ".warpdrive/action_hooks/migrate").c_str(), 0755);
  EXPECT_EQ(*detect_migration(dir.path()), Migration::hook);
  EXPECT_FALSE(detect_migration(dir.path() / "nope").ok());
}

TEST(ManifestObjects, PlainKubernetesSet) {
  TempDir dir;
  ManifestOptions o;
  o.image = "registry.example/shop/web:2.0";
  o.replicas = "3";
  o.cpu = "500m";
  o.memory = "256Mi";
  o.env = {"GREETING=yes", "COUNT=8080", "EMPTY="};
  o.env_from_secrets = {"db-credentials"};
  ManifestSpec spec = spec_of(o, dir.path());
  EXPECT_EQ(spec.name, "web");
  auto objects = build_objects(spec);
  ASSERT_EQ(objects.size(), 2u);  // no migration: neither hook nor manage.py
  const Object& d = objects[0];
  EXPECT_EQ(d["kind"], "Deployment");
  EXPECT_EQ(d["spec"]["replicas"], 3);
  EXPECT_EQ(d["spec"]["strategy"]["type"], "RollingUpdate");
  // The selector selects the pod template's labels, and so does the Service's.
  for (const auto& [k, v] : d["spec"]["selector"]["matchLabels"].items())
    EXPECT_EQ(d["spec"]["template"]["metadata"]["labels"][k], v);
  EXPECT_EQ(objects[1]["spec"]["selector"], d["spec"]["selector"]["matchLabels"]);
  const Object& pod = d["spec"]["template"]["spec"];
  EXPECT_EQ(pod["terminationGracePeriodSeconds"], 10);
  EXPECT_EQ(pod["securityContext"]["runAsNonRoot"], true);
  EXPECT_EQ(pod["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
  EXPECT_FALSE(pod["securityContext"].contains("runAsUser"));
  const Object& c = pod["containers"][0];
  EXPECT_FALSE(c.contains("command"));
  EXPECT_FALSE(c.contains("args"));
  EXPECT_EQ(c["ports"][0]["name"], "http");
  EXPECT_EQ(c["ports"][0]["containerPort"], 8080);
  EXPECT_EQ(c["env"][0]["name"], "WARPDRIVE_HTTP_PORT");
  EXPECT_EQ(c["env"][0]["value"], "8080");
  EXPECT_EQ(c["env"][1]["value"], "yes");
  EXPECT_EQ(c["envFrom"][0]["secretRef"]["name"], "db-credentials");
  EXPECT_EQ(c["resources"]["limits"]["cpu"], "500m");
  EXPECT_EQ(c["resources"]["requests"]["memory"], "256Mi");
  EXPECT_EQ(c["securityContext"]["allowPrivilegeEscalation"], false);
  EXPECT_EQ(c["securityContext"]["capabilities"]["drop"][0], "ALL");
  EXPECT_EQ(c["livenessProbe"]["exec"]["command"], Object::array({"warpdrive", "alive"}));
  EXPECT_EQ(c["readinessProbe"]["exec"]["command"], Object::array({"warpdrive", "ready"}));
  EXPECT_EQ(c["startupProbe"]["exec"]["command"], Object::array({"warpdrive", "ready"}));
}

TEST(ManifestObjects, MigrationJobPerImage) {
  TempDir dir;
  dir.write(".warpdrive/action_hooks/migrate", "#!/bin/sh\n", 0755);
  ManifestOptions o;
  o.image = "shop:1";
  ManifestSpec one = spec_of(o, dir.path());
  o.image = "shop:2";
  ManifestSpec two = spec_of(o, dir.path());
  const Object job1 = find_kind(build_objects(one), "Job");
  const Object job2 = find_kind(build_objects(two), "Job");
  EXPECT_NE(job1["metadata"]["name"], job2["metadata"]["name"]);  // a new image is a new Job
  EXPECT_EQ(find_kind(build_objects(one), "Job")["metadata"]["name"], job1["metadata"]["name"]);  // stable
  EXPECT_EQ(job1["metadata"]["annotations"]["warpdrive/image"], "shop:1");
  EXPECT_EQ(job1["spec"]["backoffLimit"], 2);
  EXPECT_EQ(job1["spec"]["activeDeadlineSeconds"], 1800);
  EXPECT_TRUE(job1["spec"].contains("ttlSecondsAfterFinished"));
  const Object& c = job1["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(c["command"], Object::array({"warpdrive", "migrate"}));
  EXPECT_EQ(job1["spec"]["template"]["spec"]["restartPolicy"], "Never");
  // The migration pod is not selected by the Service.
  EXPECT_EQ(job1["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"], "migrate");

  TempDir django;
  django.write("manage.py", "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'x')\n");
  ManifestSpec d = spec_of(o, django.path());
  EXPECT_EQ(find_kind(build_objects(d), "Job")["spec"]["template"]["spec"]["containers"][0]["command"],
            Object::array({"warpdrive-exec", "python", "manage.py", "migrate", "--noinput"}));
}

TEST(ManifestObjects, OpenShiftSet) {
  TempDir dir;
  ManifestOptions o;
  o.image = "shop:1";
  o.openshift = true;
  auto objects = build_objects(spec_of(o, dir.path()));
  std::vector<std::string> kinds;
  for (const auto& obj : objects) kinds.push_back(obj["kind"]);
  EXPECT_EQ(kinds, (std::vector<std::string>{"ImageStream", "BuildConfig", "Deployment", "Service", "Route"}));
  const Object& bc = objects[1];
  EXPECT_EQ(bc["spec"]["source"]["type"], "Binary");
  EXPECT_EQ(bc["spec"]["strategy"]["sourceStrategy"]["from"]["kind"], "ImageStreamTag");
  EXPECT_EQ(bc["spec"]["strategy"]["sourceStrategy"]["from"]["name"], "warpdrive-python:latest");
  EXPECT_EQ(bc["spec"]["output"]["to"]["name"], "shop:latest");
  EXPECT_EQ(objects[4]["spec"]["tls"]["termination"], "edge");
  auto trigger =
      nlohmann::json::parse(objects[2]["metadata"]["annotations"]["image.openshift.io/triggers"].get<std::string>());
  EXPECT_EQ(trigger[0]["from"]["name"], "shop:latest");

  o.git_url = "https://git.example/shop.git";
  o.context_dir = "app";
  o.builder_image = "quay.example/warpdrive/python:3";
  auto git = build_objects(spec_of(o, dir.path()));
  EXPECT_EQ(git[1]["spec"]["source"]["git"]["uri"], "https://git.example/shop.git");
  EXPECT_EQ(git[1]["spec"]["source"]["contextDir"], "app");
  EXPECT_EQ(git[1]["spec"]["strategy"]["sourceStrategy"]["from"]["kind"], "DockerImage");
  EXPECT_EQ(git[1]["spec"]["triggers"].size(), 2u);
}

TEST(ManifestYaml, ValuesReadBackAsTheSameStrings) {
  TempDir dir;
  ManifestOptions o;
  o.image = "shop:1";
  o.env = {"A=yes",    "B=8080",   "C=null", "D=x: y # z",     "E=\"quoted\" \\ back",
           "F=",       "G=on",     "H=1e3",  "I=line1\nline2", "J=ünïcode",
           "K=- item", "L=*alias", "M=~",    "N=0x1F",         "O= lead"};
  ManifestSpec spec = spec_of(o, dir.path());
  std::string text = to_yaml(build_objects(spec)[0]);
  YAML::Node doc = YAML::Load(text);
  YAML::Node env = doc["spec"]["template"]["spec"]["containers"][0]["env"];
  ASSERT_EQ(env.size(), spec.env.size());
  for (size_t i = 0; i < spec.env.size(); ++i) {
    EXPECT_EQ(env[i]["name"].as<std::string>(), spec.env[i].name);
    EXPECT_EQ(env[i]["value"].as<std::string>(), spec.env[i].value) << text;
    // Every value that could read as something else is quoted.
    EXPECT_EQ(env[i]["value"].Tag(), "!") << spec.env[i].name << "\n" << text;
  }
  EXPECT_NE(text.find("replicas: 1\n"), std::string::npos);         // numbers stay numbers
  EXPECT_NE(text.find("runAsNonRoot: true\n"), std::string::npos);  // booleans stay booleans
}

TEST(ManifestYaml, OutputDirectoryHasOneFilePerObject) {
  TempDir dir;
  ManifestOptions o;
  o.image = "shop:1";
  o.openshift = true;
  auto objects = build_objects(spec_of(o, dir.path()));
  auto written = write_objects(dir.path() / "out", objects);
  ASSERT_TRUE(written.ok());
  ASSERT_EQ(written->size(), objects.size());
  EXPECT_EQ((*written)[0].filename(), "01-imagestream-shop.yaml");
  EXPECT_EQ((*written)[4].filename(), "05-route-shop.yaml");
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir.path() / "out")) names.push_back(e.path().filename());
  EXPECT_EQ(names.size(), objects.size());  // no temporary files left
}

}  // namespace
}  // namespace wd::manifests
