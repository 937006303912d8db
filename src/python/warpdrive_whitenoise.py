"""warpdrive's static-file wrapper for gunicorn and Waitress.

`warpdrive start` writes this module under $WARPDRIVE_APP_ROOT/tmp/warpdrive/
and points the server at `warpdrive_whitenoise:application`. It loads the
application named by WARPDRIVE_WRAPPED_APPLICATION ("module:callable") and
serves each static mount of WARPDRIVE_STATIC_MOUNTS (a JSON list of
[url_prefix, directory] pairs) with WhiteNoise, in front of the application.
"""
import importlib
import json
import os

from whitenoise import WhiteNoise


def _load(target):
    module_name, _, attribute = target.partition(":")
    value = importlib.import_module(module_name)
    for name in (attribute or "application").split("."):
        value = getattr(value, name)
    return value


def _wrap():
    wrapped = WhiteNoise(_load(os.environ["WARPDRIVE_WRAPPED_APPLICATION"]))
    for url, directory in json.loads(os.environ.get("WARPDRIVE_STATIC_MOUNTS", "[]")):
        wrapped.add_files(directory, prefix=url)
    return wrapped


application = _wrap()
