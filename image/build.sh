#!/usr/bin/env bash
# Builds the warpdrive S2I builder image with podman (or buildah).
#
#   image/build.sh [--python 3.11|3.13] [--tag NAME] [--base IMAGE]
#                  [--binary PATH | --from-source] [--engine podman|buildah]
#                  [--force] [--print-tag]
#
# --python chooses the Debian release, whose python3 the image runs:
# 3.11 (the default) is Debian 12 (bookworm), 3.13 is Debian 13 (trixie).
# The image is tagged localhost/warpdrive-python3.X:latest (3.11 also
# localhost/warpdrive-python3:latest, the default builder) and
# localhost/warpdrive-python3.X:<digest>, where the digest covers the
# Containerfile, the files it copies and the base image's ID; when that tag
# exists the build is skipped (--force rebuilds). The last line printed is
# that digest tag, for scripts (--print-tag prints only it).
#
# Without --base it makes the Debian base here (mmdebstrap, then `import`),
# since these machines reach no registry; elsewhere pass
# --base docker.io/library/debian:bookworm (or :trixie). The warpdrive
# binary is copied from the host build (--binary, default build/warpdrive,
# built on Debian 12: it needs only glibc, so it runs on 13 too) or, with
# --from-source, compiled in a build stage. uv is preinstalled in the tools
# directory from a wheel downloaded here with pip (cached by pip).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
tag=
python=3.11
base=
binary=${WARPDRIVE_BIN:-$repo/build/warpdrive}
mode=host
engine=podman
force=
quiet=
# The version warpdrive provisions by default (src/lib/app_build/plan.cpp).
uv_version=${WARPDRIVE_UV_VERSION:-0.13.9}

while [ $# -gt 0 ]; do
  case $1 in
    --python) python=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --from-source) mode=source; shift ;;
    --engine) engine=$2; shift 2 ;;
    --force) force=1; shift ;;
    --print-tag) quiet=1; shift ;;
    -h|--help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "image/build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

log() { echo "image/build.sh: $*" >&2; }

case $python in
  3.11) suite=bookworm; debian="Debian 12" ;;
  3.13) suite=trixie; debian="Debian 13" ;;
  *) log "--python $python: the builders are 3.11 (Debian 12) and 3.13 (Debian 13)"; exit 2 ;;
esac
repo_name=localhost/warpdrive-python$python
tags=("$repo_name:latest")
[ "$python" != 3.11 ] || tags+=(localhost/warpdrive-python3:latest)
[ -z "$tag" ] || tags=("$tag")
base_name=localhost/warpdrive-debian-base:$suite

case $engine in
  podman) build=(podman build) ; exists() { podman image exists "$1"; } ;;
  buildah) build=(buildah bud) ; exists() { buildah inspect --type image "$1" >/dev/null 2>&1; } ;;
  *) log "unknown engine '$engine' (podman or buildah)"; exit 2 ;;
esac

# The base image: given, or made here once.
if [ -z "$base" ]; then
  base=$base_name
  if ! exists "$base"; then
    command -v mmdebstrap >/dev/null || { log "mmdebstrap is needed to make the base image (or pass --base)"; exit 1; }
    tarball=$(mktemp /var/tmp/warpdrive-base.XXXXXX.tar)
    trap 'rm -f "$tarball"' EXIT
    log "making the $debian base image $base with mmdebstrap"
    mmdebstrap --variant=minbase --quiet "$suite" "$tarball"
    "$engine" import "$tarball" "$base" >/dev/null
    rm -f "$tarball"
  fi
fi

# The build context, staged: only what the Containerfile copies.
context=$(mktemp -d /var/tmp/warpdrive-image-context.XXXXXX)
trap 'rm -rf "$context"' EXIT
cp "$here/Containerfile" "$context/"
cp -R "$here/files" "$context/files"
mkdir -p "$context/s2i"
cp -R "$repo/s2i/bin" "$context/s2i/bin"
# uv's wheel (one for every Python 3: the binary inside is not tied to it).
mkdir -p "$context/wheels"
python3 -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
  --dest "$context/wheels" "uv==$uv_version" >&2 \
  || { log "could not download uv $uv_version's wheel (set PIP_INDEX_URL or PIP_FIND_LINKS)"; exit 1; }
if [ "$mode" = host ]; then
  [ -x "$binary" ] || { log "no warpdrive binary at $binary: build it, or pass --binary or --from-source"; exit 1; }
  mkdir -p "$context/bin"
  # Debug information is most of a RelWithDebInfo binary; the image does not need it.
  if command -v strip >/dev/null; then
    strip --strip-debug -o "$context/bin/warpdrive" "$binary"
  else
    cp "$binary" "$context/bin/warpdrive"
  fi
else
  mkdir -p "$context/source"
  cp -R "$repo/CMakeLists.txt" "$repo/cmake" "$repo/src" "$context/source/"
fi

# The digest of everything that goes into the image.
base_id=$("$engine" inspect --format '{{.Id}}' "$base" 2>/dev/null || echo "$base")
digest=$( { echo "mode=$mode base=$base_id python=$python uv=$uv_version"; cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum; } \
          | sha256sum | cut -c1-16)
digest_tag=$repo_name:$digest

if [ -z "$force" ] && exists "$digest_tag"; then
  log "$digest_tag is up to date"
else
  log "building $digest_tag from $base (warpdrive binary: $mode)"
  "${build[@]}" --build-arg "BASE_IMAGE=$base" --build-arg "WARPDRIVE_BINARY=$mode" \
    --build-arg "PYTHON_VERSION=$python" --build-arg "DEBIAN_NAME=$debian" --build-arg "UV_VERSION=$uv_version" \
    -f "$context/Containerfile" -t "$digest_tag" "$context" >&2
fi
for t in "${tags[@]}"; do
  [ "$t" != "$digest_tag" ] || continue
  "$engine" tag "$digest_tag" "$t"
  [ -n "$quiet" ] || log "tagged $t"
done
echo "$digest_tag"
