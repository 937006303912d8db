#!/usr/bin/env bash
# The whole test suite: set everything up, build warpdrive (warnings as
# errors under CI=true), lint it (scripts/lint.sh), run the unit tests (also
# under AddressSanitizer + UBSan), then the end-to-end tests against the real
# binary. Prints ctest's and pytest's summaries.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

scripts/deps.sh
[ -x scripts/podman-setup.sh ] && scripts/podman-setup.sh

echo "== build"
scripts/compile.sh "$repo/build"
echo "== unit tests"
(cd build && ctest --output-on-failure)
echo "== lint"
scripts/lint.sh "$repo/build"
echo "== unit tests under AddressSanitizer + UBSan"
scripts/compile.sh "$repo/build-asan" -DWARPDRIVE_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
(cd build-asan && ctest --output-on-failure)
echo "== end-to-end tests"
# tests/e2e/test_install.py builds the sdist and the wheel (scripts/wheel.sh),
# pip-installs the wheel into a fresh virtualenv and serves an app with it,
# and runs the S2I bootstrap against a stock Python image.
WARPDRIVE_BIN="$repo/build/warpdrive" /usr/bin/python3 -m pytest -q -rfE tests/e2e "$@"
