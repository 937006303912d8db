#!/usr/bin/env bash
# Installs the Debian packages warpdrive's build, tests and benchmarks need.
# Idempotent: apt-get skips what is already installed.
set -euo pipefail

packages=(
  # lead: toolchain, libraries, test runners, runtime helpers
  cmake g++ make pkg-config libcli11-dev libfmt-dev nlohmann-json3-dev libtomlplusplus-dev
  libyaml-cpp-dev libgtest-dev python3 python3-pytest python3-venv python3-pip libnss-wrapper
  util-linux hyperfine curl ccache
  # lint (scripts/lint.sh): the layout and the bug-finding checks
  clang-format clang-tidy
  # build-engineer:
  libssl-dev python3-django python3-setuptools python3-wheel python3-whitenoise gunicorn apache2 libapache2-mod-wsgi-py3
  # start-engineer:
  gunicorn uwsgi uwsgi-plugin-python3 python3-waitress python3-whitenoise python3-django
  # apache-engineer:
  apache2 libapache2-mod-wsgi-py3 media-types wrk
  # modwsgi: mod_wsgi from the package index (mod_wsgi-express) compiles against apxs
  apache2-dev
  # devenv-engineer:
  # wheel: objdump and readelf read the wheel's binary in tests/e2e/test_install.py
  binutils
  # image-engineer:
  podman buildah runc mmdebstrap git
  # what podman and mmdebstrap recommend and used here (apt runs with --no-install-recommends)
  conmon slirp4netns uidmap fuse-overlayfs catatonit netavark aardvark-dns iptables gpg debian-archive-keyring arch-test
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
