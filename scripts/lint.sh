#!/usr/bin/env bash
# Lints the C++ sources: their layout against .clang-format, and the
# bug-finding checks of .clang-tidy over every library source, with the
# compile commands of a configured build directory (default build/).
# Exits non-zero on the first kind of finding; prints what it found.
#   scripts/lint.sh [BUILD_DIR]        check
#   scripts/lint.sh --fix-format       rewrite the layout in place
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"

mapfile -t sources < <(git ls-files 'src/*.cpp' 'src/*.hpp' 'tests/unit/*.cpp' 'tests/unit/*.hpp')
if [ "${1-}" = "--fix-format" ]; then
  clang-format -i "${sources[@]}"
  exit 0
fi
build=${1:-$repo/build}

echo "== clang-format (${#sources[@]} files)"
clang-format --dry-run --Werror "${sources[@]}"

# clang-tidy reads the build's compile commands, without the GCC
# precompiled header (clang cannot read it; each file includes what it uses).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 - "$build/compile_commands.json" "$work/compile_commands.json" <<'PY'
import json, re, sys
entries = []
for e in json.load(open(sys.argv[1])):
    if "/src/" not in e["file"] or not e["file"].endswith(".cpp"):
        continue
    command = re.sub(r" -include \S+cmake_pch\.hxx| -Winvalid-pch", "", e["command"])
    entries.append(dict(e, command=command))
json.dump(entries, open(sys.argv[2], "w"))
PY
mapfile -t units < <(/usr/bin/python3 -c 'import json,sys; print("\n".join(e["file"] for e in json.load(open(sys.argv[1]))))' \
  "$work/compile_commands.json")
echo "== clang-tidy (${#units[@]} files)"
printf '%s\n' "${units[@]}" | xargs -P "$(nproc)" -n 1 clang-tidy -p "$work" --quiet 2>"$work/stderr" >"$work/out" \
  || { cat "$work/out"; grep -v "warnings generated\|Suppressed\|Use -header-filter\|NOLINT\|^$" "$work/stderr" || true; exit 1; }
echo "clang-tidy: no findings"
