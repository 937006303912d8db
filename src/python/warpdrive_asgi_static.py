"""warpdrive's static-file wrapper for ASGI applications (uvicorn, hypercorn,
daphne, granian).

`warpdrive start` writes this module under $WARPDRIVE_APP_ROOT/tmp/warpdrive/
and points the server at `warpdrive_asgi_static:application`. It loads the
ASGI application named by WARPDRIVE_WRAPPED_APPLICATION ("module:callable")
and serves each static mount of WARPDRIVE_STATIC_MOUNTS (a JSON list of
[url_prefix, directory] pairs) with ServeStatic in front of it: content types,
cache headers (long-lived for hashed names such as Django's manifest
storage), and the pre-compressed .gz / .br variants when they exist.
Everything else (other paths, WebSocket and lifespan events) goes to the
application.
"""
import importlib
import json
import os

from servestatic import ServeStaticASGI


def _load(target):
    module_name, _, attribute = target.partition(":")
    value = importlib.import_module(module_name)
    for name in (attribute or "application").split("."):
        value = getattr(value, name)
    return value


def _wrap():
    wrapped = ServeStaticASGI(_load(os.environ["WARPDRIVE_WRAPPED_APPLICATION"]))
    for url, directory in json.loads(os.environ.get("WARPDRIVE_STATIC_MOUNTS", "[]")):
        wrapped.add_files(directory, prefix=url)
    return wrapped


application = _wrap()
