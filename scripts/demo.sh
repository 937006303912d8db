#!/usr/bin/env bash
# The main job: set everything up, build warpdrive, then build the sample app
# (examples/hello) with `warpdrive build` and serve it with `warpdrive start`.
# Interactive: serves on http://127.0.0.1:${PORT:-8080}/ until Ctrl-C.
# Without a terminal (or DEMO_ONCE=1): fetches the page once and stops.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-8080}
server=${WARPDRIVE_SERVER_TYPE:-mod_wsgi}

"$repo/scripts/deps.sh"
"$repo/scripts/compile.sh" "$repo/build"

# The app root the way a container has it: a virtualenv with src/ inside.
demo=${DEMO_ROOT:-/tmp/warpdrive-demo}
rm -rf "$demo"
mkdir -p "$demo"
cp -a "$repo/examples/hello" "$demo/src"
export WARPDRIVE_APP_ROOT=$demo
export WARPDRIVE_HTTP_PORT=$port WARPDRIVE_SERVER_TYPE=$server
# The demo needs no package index: it builds against Debian's Python
# packages (gunicorn, whitenoise, ...) with an offline install.
export WARPDRIVE_PYTHON=/usr/bin/python3 WARPDRIVE_SYSTEM_SITE_PACKAGES=1 WARPDRIVE_PIP_NO_INDEX=1

wd=$repo/build/warpdrive
echo "== warpdrive build"
"$wd" build
echo "== warpdrive start (server: $server, port: $port)"
"$wd" start --dry-run
"$wd" start &
pid=$!
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
for _ in $(seq 1 150); do
  curl -fsS "http://127.0.0.1:$port/" -o /dev/null 2>/dev/null && break
  kill -0 $pid 2>/dev/null || { echo "warpdrive start exited early" >&2; exit 1; }
  sleep 0.2
done
echo "== GET http://127.0.0.1:$port/"
curl -fsS "http://127.0.0.1:$port/"
echo "== GET http://127.0.0.1:$port/static/style.css"
curl -fsS -o /dev/null -w '%{http_code} %{content_type}\n' "http://127.0.0.1:$port/static/style.css"
if [ -t 0 ] && [ -z "${DEMO_ONCE:-}" ]; then
  echo "Serving the sample app on http://127.0.0.1:$port/ - press Ctrl-C to stop."
  wait $pid
fi
