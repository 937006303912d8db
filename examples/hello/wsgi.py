"""The sample application of warpdrive's README: a plain WSGI app that shows
the environment warpdrive gave it, with a stylesheet served as a static file."""
import os
import sys

PAGE = """<!doctype html>
<html><head><title>Hello from warpdrive</title>
<link rel="stylesheet" href="/static/style.css"></head>
<body><h1>Hello from warpdrive</h1>
<p>Served by <b>{server}</b> (deploy mode {mode}), Python {python}, as UID {uid}.</p>
<p>Built by the <code>build</code> hook: <code>{built}</code></p>
</body></html>
"""


def application(environ, start_response):
    built_file = os.path.join(os.environ.get("WARPDRIVE_APP_ROOT", ""), "data", "built-at")
    try:
        with open(built_file) as f:
            built = f.read().strip()
    except OSError:
        built = "(not built)"
    body = PAGE.format(
        server=os.environ.get("WARPDRIVE_SERVER_TYPE", "?"),
        mode=os.environ.get("WARPDRIVE_DEPLOY_MODE", "?"),
        python=sys.version.split()[0],
        uid=os.getuid(),
        built=built,
    ).encode()
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]
