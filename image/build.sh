#!/usr/bin/env bash
# Builds the warpdrive S2I builder image with podman (or buildah).
#
#   image/build.sh [--tag NAME] [--base IMAGE] [--binary PATH | --from-source]
#                  [--engine podman|buildah] [--force] [--print-tag]
#
# Without --base it makes a Debian 12 base here (mmdebstrap, then `import`),
# since these machines reach no registry; elsewhere pass
# --base docker.io/library/debian:bookworm. The warpdrive binary is copied
# from the host build (--binary, default build/warpdrive; it must have been
# built on Debian 12) or, with --from-source, compiled in a build stage.
#
# The image is also tagged localhost/warpdrive-python3:<digest>, where the
# digest covers the Containerfile, the files it copies and the base image's
# ID; when that tag exists the build is skipped (--force rebuilds). The last
# line printed is that digest tag, for scripts (--print-tag prints only it).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(dirname "$here")
tag=localhost/warpdrive-python3:latest
base=
binary=${WARPDRIVE_BIN:-$repo/build/warpdrive}
mode=host
engine=podman
force=
quiet=
base_name=localhost/warpdrive-debian-base:bookworm

while [ $# -gt 0 ]; do
  case $1 in
    --tag) tag=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --from-source) mode=source; shift ;;
    --engine) engine=$2; shift 2 ;;
    --force) force=1; shift ;;
    --print-tag) quiet=1; shift ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "image/build.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

log() { echo "image/build.sh: $*" >&2; }

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
    log "making the Debian 12 base image $base with mmdebstrap"
    mmdebstrap --variant=minbase --quiet bookworm "$tarball"
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
digest=$( { echo "mode=$mode base=$base_id"; cd "$context" && find . -type f -print0 | sort -z | xargs -0 sha256sum; } \
          | sha256sum | cut -c1-16)
digest_tag=localhost/warpdrive-python3:$digest

if [ -z "$force" ] && exists "$digest_tag"; then
  log "$digest_tag is up to date"
else
  log "building $digest_tag from $base (warpdrive binary: $mode)"
  "${build[@]}" --build-arg "BASE_IMAGE=$base" --build-arg "WARPDRIVE_BINARY=$mode" \
    -f "$context/Containerfile" -t "$digest_tag" "$context" >&2
fi
if [ "$tag" != "$digest_tag" ]; then
  "$engine" tag "$digest_tag" "$tag"
  [ -n "$quiet" ] || log "tagged $tag"
fi
echo "$digest_tag"
