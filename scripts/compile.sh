#!/usr/bin/env bash
# Configures and builds warpdrive into the given directory (default build/).
# Warnings are errors in CI (CI=true), or with WARPDRIVE_WERROR=ON; not in a
# developer's build. Extra arguments go to cmake's configure step.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$repo/build}
shift || true
launcher=()
if command -v ccache >/dev/null; then
  # Work trees of one repository share compiled objects: paths are hashed relative to the tree.
  # The precompiled header is cacheable only with these sloppinesses.
  export CCACHE_BASEDIR="$repo" CCACHE_NOHASHDIR=true CCACHE_SLOPPINESS=pch_defines,time_macros
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
werror=${WARPDRIVE_WERROR:-OFF}
[ "${CI-}" = true ] && werror=ON
cmake -S "$repo" -B "$dir" -DWARPDRIVE_WERROR="$werror" "${launcher[@]}" "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
