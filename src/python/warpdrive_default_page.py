"""warpdrive's default page: served when `warpdrive start` finds no
application to run, so that a fresh deployment answers and says what to do.
"""
import html
import os

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>warpdrive is running</title></head>
<body>
<h1>warpdrive is running</h1>
<p>This server is up, but no application was found in {src}.</p>
<p>To deploy an application, add one of these to the source and start again
(the first one found wins):</p>
<ul>
<li><code>app.sh</code>: an executable script that starts your own server;</li>
<li><code>app.py</code>: a Python program, run as <code>python app.py</code>;</li>
<li><code>Procfile</code> with a <code>web:</code> line: a command line;</li>
<li>a Django project (<code>manage.py</code>): served with its static files;</li>
<li><code>asgi.py</code> or <code>main.py</code> holding a FastAPI, Starlette, Quart or other ASGI application;</li>
<li><code>wsgi.py</code> defining <code>application</code>: a WSGI application
(or set <code>APP_MODULE=module:callable</code>).</li>
</ul>
<p>The server is chosen by <code>WARPDRIVE_SERVER_TYPE</code> (mod_wsgi,
gunicorn, uwsgi, waitress, uvicorn, hypercorn, daphne, granian); <code>warpdrive start --dry-run</code> shows what
would run.</p>
</body>
</html>
"""


def application(environ, start_response):
    source = os.environ.get("WARPDRIVE_SRC_ROOT", "the application source directory")
    body = _PAGE.format(src=html.escape(source)).encode("utf-8")
    start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                              ("Content-Length", str(len(body)))])
    return [body]


async def asgi_application(scope, receive, send):
    """The same page for the servers that speak only ASGI (uvicorn, daphne)."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    source = os.environ.get("WARPDRIVE_SRC_ROOT", "the application source directory")
    body = _PAGE.format(src=html.escape(source)).encode("utf-8")
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/html; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
