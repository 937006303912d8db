"""warpdrive's static-file wrapper, for every server that is not Apache.

`warpdrive start` writes this module under $WARPDRIVE_APP_ROOT/tmp/warpdrive/
and points the server at `warpdrive_static:application`. It loads the
application named by WARPDRIVE_WRAPPED_APPLICATION ("module:callable", or a
factory call "module:create_app()": warpdrive_app_loader.py) and serves each
static mount of WARPDRIVE_STATIC_MOUNTS (a JSON list of [url_prefix,
directory] pairs) in front of it: content types, cache headers (long-lived
for hashed names such as Django's manifest storage) and the pre-compressed
.gz / .br variants when they exist. Without mounts (a factory whose
application has no static files) it serves the application as it is.

WARPDRIVE_STATIC_INTERFACE says what the application speaks: "wsgi"
(gunicorn, Waitress, uWSGI's python servers) is served through WhiteNoise,
"asgi" (uvicorn, hypercorn, daphne, granian) through ServeStatic, the
maintained WhiteNoise fork that also speaks ASGI. For ASGI, other paths,
WebSocket and lifespan events all go to the application.
"""
import json
import os

import warpdrive_app_loader


def _static_server():
    if os.environ.get("WARPDRIVE_STATIC_INTERFACE", "wsgi") == "asgi":
        from servestatic import ServeStaticASGI

        return ServeStaticASGI
    from whitenoise import WhiteNoise

    return WhiteNoise


def _wrap():
    app = warpdrive_app_loader.load(os.environ["WARPDRIVE_WRAPPED_APPLICATION"])
    mounts = json.loads(os.environ.get("WARPDRIVE_STATIC_MOUNTS", "[]"))
    if not mounts:
        return app
    wrapped = _static_server()(app)
    for url, directory in mounts:
        wrapped.add_files(directory, prefix=url)
    return wrapped


application = _wrap()
