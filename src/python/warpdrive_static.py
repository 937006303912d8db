"""warpdrive's static-file wrapper, for every server that is not Apache.

`warpdrive start` writes this module under $WARPDRIVE_APP_ROOT/tmp/warpdrive/
and points the server at `warpdrive_static:application`. It loads the
application named by WARPDRIVE_WRAPPED_APPLICATION ("module:callable") and
serves each static mount of WARPDRIVE_STATIC_MOUNTS (a JSON list of
[url_prefix, directory] pairs) in front of it: content types, cache headers
(long-lived for hashed names such as Django's manifest storage) and the
pre-compressed .gz / .br variants when they exist.

WARPDRIVE_STATIC_INTERFACE says what the application speaks: "wsgi"
(gunicorn, Waitress, uWSGI's python servers) is served through WhiteNoise,
"asgi" (uvicorn, hypercorn, daphne, granian) through ServeStatic, the
maintained WhiteNoise fork that also speaks ASGI. For ASGI, other paths,
WebSocket and lifespan events all go to the application.
"""
import importlib
import json
import os


def _load(target):
    module_name, _, attribute = target.partition(":")
    value = importlib.import_module(module_name)
    for name in (attribute or "application").split("."):
        value = getattr(value, name)
    return value


def _static_server():
    if os.environ.get("WARPDRIVE_STATIC_INTERFACE", "wsgi") == "asgi":
        from servestatic import ServeStaticASGI

        return ServeStaticASGI
    from whitenoise import WhiteNoise

    return WhiteNoise


def _wrap():
    wrapped = _static_server()(_load(os.environ["WARPDRIVE_WRAPPED_APPLICATION"]))
    for url, directory in json.loads(os.environ.get("WARPDRIVE_STATIC_MOUNTS", "[]")):
        wrapped.add_files(directory, prefix=url)
    return wrapped


application = _wrap()
