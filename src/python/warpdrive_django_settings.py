"""Settings wrapper that warpdrive uses while it runs Django during a build.

It re-exports every setting of the project's own settings module (named by
WARPDRIVE_DJANGO_SETTINGS_MODULE) and, when the project sets no STATIC_ROOT,
points STATIC_ROOT at $WARPDRIVE_APP_ROOT/tmp/django/static, so that
collectstatic has somewhere to write and start knows where to serve from.
"""
import importlib as _importlib
import os as _os

_original = _importlib.import_module(_os.environ["WARPDRIVE_DJANGO_SETTINGS_MODULE"])

for _name in dir(_original):
    if _name.isupper():
        globals()[_name] = getattr(_original, _name)

if not globals().get("STATIC_ROOT"):
    STATIC_ROOT = _os.path.join(_os.environ["WARPDRIVE_APP_ROOT"], "tmp", "django", "static")
