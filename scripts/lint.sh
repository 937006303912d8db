#!/usr/bin/env bash
# Lints the C++ sources: their layout against .clang-format, and the
# bug-finding checks of .clang-tidy over every library source, with the
# compile commands of a configured build directory (default build/).
# Exits non-zero on the first kind of finding; prints what it found.
# clang-tidy results are cached (WARPDRIVE_LINT_CACHE, default
# /var/cache/warpdrive-tests/clang-tidy) by preprocessed text and flags.
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
# clang-tidy is the slow part (minutes on two cores): a unit whose
# preprocessed text, compile flags, .clang-tidy and clang-tidy version are
# those of a clean earlier check is not checked again. The key leaves out
# the checkout's path, so fresh clones on one machine share the cache.
cache=${WARPDRIVE_LINT_CACHE:-/var/cache/warpdrive-tests/clang-tidy}
mkdir -p "$cache"
/usr/bin/python3 - "$work/compile_commands.json" "$repo" "$build" "$cache" "$work" <<'PY'
import concurrent.futures, hashlib, json, os, re, shlex, subprocess, sys
commands, repo, build, cache, work = sys.argv[1:]
build = os.path.realpath(build)
version = subprocess.run(["clang-tidy", "--version"], capture_output=True, text=True).stdout
config = open(os.path.join(repo, ".clang-tidy")).read()

def key(entry):
    argv = shlex.split(entry["command"])
    out = []
    skip = False
    for a in argv:
        if skip:
            skip = False
            continue
        if a == "-o":
            skip = True
            continue
        out.append("-E" if a == "-c" else a)
    pre = subprocess.run(out + ["-P"], cwd=entry["directory"], capture_output=True)
    if pre.returncode != 0:
        return None  # let clang-tidy say what is wrong
    flags = entry["command"].replace(build, "@build").replace(repo, "@repo")
    h = hashlib.sha256()
    for part in (version, config, flags, entry["file"].replace(repo, "@repo")):
        h.update(part.encode() + b"\0")
    h.update(pre.stdout)
    return h.hexdigest()

entries = json.load(open(commands))
with concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
    keys = list(pool.map(key, entries))
todo = [(e["file"], k) for e, k in zip(entries, keys) if not k or not os.path.exists(os.path.join(cache, k))]
with open(os.path.join(work, "todo"), "w") as f:
    f.write("".join(file + "\n" for file, _ in todo))
with open(os.path.join(work, "keys"), "w") as f:
    f.write("".join(k + "\n" for _, k in todo if k))
print(f"{len(entries) - len(todo)} of {len(entries)} unchanged since a clean check")
PY
mapfile -t units <"$work/todo"
echo "== clang-tidy (${#units[@]} files)"
if [ "${#units[@]}" -gt 0 ]; then
  printf '%s\n' "${units[@]}" | xargs -P "$(nproc)" -n 1 clang-tidy -p "$work" --quiet 2>"$work/stderr" >"$work/out" \
    || { cat "$work/out"; grep -v "warnings generated\|Suppressed\|Use -header-filter\|NOLINT\|^$" "$work/stderr" || true; exit 1; }
fi
# Every unit checked was clean: remember them (one empty file per key).
while read -r k; do : >"$cache/$k"; done <"$work/keys"
echo "clang-tidy: no findings"
