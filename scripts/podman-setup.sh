#!/usr/bin/env bash
# Configures podman (and buildah, which reads the same file) for these
# machines, idempotently: runc as the OCI runtime (crun fails here with
# "cgroups in hybrid mode not supported") and default ulimits lowered to what
# the runtime may set (raising them fails with "error setting rlimit").
# Writes a drop-in under containers.conf.d, so the distribution's own
# containers.conf, if any, is left alone. Run as root; CI runs it before the
# image tests.
set -euo pipefail

conf_dir=${WARPDRIVE_CONTAINERS_CONF_DIR:-/etc/containers/containers.conf.d}
conf_file=$conf_dir/50-warpdrive.conf

wanted='# Written by warpdrive scripts/podman-setup.sh; rerunning it rewrites this file.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]

[engine]
runtime = "runc"
'

mkdir -p "$conf_dir"
if [ -f "$conf_file" ] && [ "$(cat "$conf_file")" = "$(printf '%s' "$wanted")" ]; then
  echo "podman-setup: $conf_file is up to date"
else
  tmp=$(mktemp "$conf_dir/.50-warpdrive.conf.XXXXXX")
  printf '%s' "$wanted" >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$conf_file"
  echo "podman-setup: wrote $conf_file"
fi

# Only a check that the engine answers; image/build.sh makes the images.
podman info --format '{{.Host.OCIRuntime.Name}}' >/dev/null
