#!/bin/sh
# Startup script of the derived builder: warpdrive start runs it (shell
# mode, through WARPDRIVE_SHELL_FILE) with the deploy environment applied.
# It serves the application's notes when it has some, else its own.
notes=${MARKDOWN_VIEWER_NOTES:-/opt/markdown-viewer/notes}
if ls "$WARPDRIVE_SRC_ROOT"/*.md >/dev/null 2>&1; then
  notes=$WARPDRIVE_SRC_ROOT
fi
exec python3 /opt/markdown-viewer/server.py --port "${WARPDRIVE_HTTP_PORT:-8080}" --notes "$notes"
