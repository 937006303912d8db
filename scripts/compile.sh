#!/usr/bin/env bash
# Configures and builds warpdrive into the given directory (default build/),
# warnings as errors. Extra arguments go to cmake's configure step.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$repo/build}
shift || true
cmake -S "$repo" -B "$dir" -DWARPDRIVE_WERROR=ON "$@" >/dev/null
cmake --build "$dir" -j "$(nproc)"
