// warpdrive manifests IMAGE: the Kubernetes (and, with --openshift,
// OpenShift) objects that run the application, printed as YAML or written one
// file per object. Logic in src/lib/manifests/.
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "commands.hpp"
#include "manifests/objects.hpp"
#include "manifests/spec.hpp"

namespace wd {

Result<int> cmd_manifests(Context& ctx, const Args& args) {
  CLI::App app{
      "Print the Kubernetes objects that run the application image IMAGE: a Deployment (probes\n"
      "`warpdrive alive`/`warpdrive ready`, OpenShift restricted-v2 security context, rolling update),\n"
      "a Service, and a migration Job (run once per image) when the application has a migrate hook or is\n"
      "a Django project. --openshift adds an ImageStream, a BuildConfig (Source strategy, the warpdrive\n"
      "builder) and a Route (edge TLS). See docs/kubernetes.md.",
      "warpdrive manifests"};
  manifests::ManifestOptions o;
  std::string output;
  app.add_option("image", o.image, "the application's image (built by warpdrive image or an S2I build)");
  app.add_option("--name", o.name, "the name of every object (default: from the image's name)");
  app.add_option("--replicas", o.replicas, "the number of pods (default 1)");
  app.add_option("--port", o.port, "the HTTP port the server listens on (default 8080)");
  app.add_option("--env", o.env, "NAME=VALUE for the containers (repeatable)")->allow_extra_args(false);
  app.add_option("--env-from-secret", o.env_from_secrets,
                 "a Secret whose keys become environment variables (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--cpu", o.cpu, "CPU request and limit, a Kubernetes quantity (e.g. 500m, 2)");
  app.add_option("--memory", o.memory, "memory request and limit, a Kubernetes quantity (e.g. 512Mi)");
  app.add_option("--app-dir", o.app_dir, "the application's source, read for a migrate hook or manage.py (default: .)");
  app.add_flag("--openshift", o.openshift, "add an ImageStream, a BuildConfig and a Route");
  app.add_option("--builder-image", o.builder_image,
                 "with --openshift: the builder, an image stream tag NAME:TAG or an image reference with a registry "
                 "(default warpdrive-python:latest)");
  app.add_option("--git-url", o.git_url, "with --openshift: the build's Git repository (default: a binary build)");
  app.add_option("--git-ref", o.git_ref, "with --git-url: the branch, tag or commit");
  app.add_option("--context-dir", o.context_dir, "with --git-url: the application's directory in the repository");
  app.add_option("--host", o.host, "with --openshift: the Route's host name (default: the router's)");
  app.add_option("--output,-o", output, "write one file per object into this directory instead of printing");
  WD_ASSIGN(bool go, parse_options(app, args));
  if (!go) return 0;

  // Check the options and read the application: the spec, or the first problem.
  WD_ASSIGN(manifests::ManifestSpec spec, manifests::make_spec(o, ctx.cwd));
  // Build the objects as data.
  std::vector<manifests::Object> objects = manifests::build_objects(spec);
  // Print them, or write them.
  if (output.empty()) {
    std::cout << manifests::to_yaml_stream(objects) << std::flush;
    return 0;
  }
  WD_ASSIGN(auto written, manifests::write_objects(ctx.cwd / output, objects));
  for (const auto& path : written) std::cout << path.string() << "\n";
  return 0;
}

}  // namespace wd
