"""Runs inside the application's interpreter on behalf of `warpdrive start`.

    python warpdrive_app_inspect.py MODULE [CALLABLE [PREFERRED]]

Imports MODULE and decides whether its application speaks ASGI or WSGI, by
inspecting the object, never by the file's name:

- With CALLABLE (a dotted attribute path): that object is classified; a
  factory call ("create_app()", literal arguments only, read by
  warpdrive_app_loader.py beside this file) is called and what it returns
  is classified.
- Without: the module-level objects that are ASGI applications are found,
  whatever their names: instances of a known framework class (FastAPI,
  Starlette, Quart, Litestar, Django's ASGIHandler, Channels' routers, ...)
  or any callable whose __call__ is `async def` with three parameters
  (scope, receive, send). A middleware object wrapping another candidate
  (its `.app` is that candidate) hides the inner one. One left: it. Several:
  PREFERRED, then `application`, then `app`; otherwise an error listing them.
  When the module has an application object named PREFERRED, else
  `application` (ASGI or WSGI), that one is taken without looking further.

The answer is one JSON object on file descriptor 3 (so that what the module
prints cannot corrupt it): {"callable", "protocol" ("asgi", "wsgi" or ""),
"kind", "why"}. An import error prints its traceback on stderr and exits 1;
a missing or ambiguous callable prints a message and exits 2.
"""
import importlib
import inspect
import json
import os
import sys

import warpdrive_app_loader

# Framework classes, by the qualified name of a class in the object's MRO.
# The most derived class that is listed decides (falcon.asgi.App derives
# from falcon.App, Quart from flask's sansio App).
ASGI_CLASSES = {
    "fastapi.applications.FastAPI": "FastAPI",
    "starlette.applications.Starlette": "Starlette",
    "quart.app.Quart": "Quart",
    "litestar.app.Litestar": "Litestar",
    "django.core.handlers.asgi.ASGIHandler": "Django ASGIHandler",
    "channels.routing.ProtocolTypeRouter": "Channels ProtocolTypeRouter",
    "channels.routing.URLRouter": "Channels URLRouter",
    "sanic.app.Sanic": "Sanic",
    "falcon.asgi.app.App": "Falcon ASGI",
    "blacksheep.server.application.Application": "BlackSheep",
}
WSGI_CLASSES = {
    "flask.app.Flask": "Flask",
    "django.core.handlers.wsgi.WSGIHandler": "Django WSGIHandler",
    "falcon.app.App": "Falcon WSGI",
    "bottle.Bottle": "Bottle",
    "pyramid.router.Router": "Pyramid",
}


def _qualname(cls):
    return "%s.%s" % (cls.__module__, cls.__qualname__)


def _positional_count(func):
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    count = 0
    for p in sig.parameters.values():
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            count += 1
        elif p.kind == p.VAR_POSITIONAL:
            return None
    return count


def classify(obj):
    """(protocol, kind, why); protocol "" when obj is not an application."""
    if inspect.isclass(obj) or inspect.ismodule(obj) or not callable(obj):
        return "", "", "not a callable application object"
    for cls in type(obj).__mro__:
        name = _qualname(cls)
        if name in ASGI_CLASSES:
            return "asgi", ASGI_CLASSES[name], "an instance of %s" % name
        if name in WSGI_CLASSES:
            return "wsgi", WSGI_CLASSES[name], "an instance of %s" % name
    if inspect.isfunction(obj) or inspect.ismethod(obj):
        func, what = obj, "function"
    else:
        func, what = getattr(obj, "__call__"), "__call__"
    count = _positional_count(func)
    if inspect.iscoroutinefunction(func) or inspect.iscoroutinefunction(inspect.unwrap(func)):
        if count == 3:
            return "asgi", "ASGI callable", "its %s is async def with three parameters (scope, receive, send)" % what
        return "", "", "its %s is async def but takes %s parameters, not (scope, receive, send)" % (what, count)
    if count == 2:
        return "wsgi", "WSGI callable", "its %s takes two parameters (environ, start_response)" % what
    return "", "", "its %s is neither async def (scope, receive, send) nor (environ, start_response)" % what


def find_named(module, path):
    value = module
    for part in path.split("."):
        if not hasattr(value, part):
            sys.stderr.write("warpdrive: module %s (%s) has no attribute %s\n"
                             % (module.__name__, getattr(module, "__file__", "?"), path))
            sys.exit(2)
        value = getattr(value, part)
    return path, value


def find_asgi(module, preferred):
    found = {}  # id -> (names, obj, classification)
    for name, obj in vars(module).items():
        if name.startswith("__"):
            continue
        protocol, kind, why = classify(obj)
        if protocol != "asgi":
            continue
        entry = found.setdefault(id(obj), ([], obj, (protocol, kind, why)))
        entry[0].append(name)
    wrapped = {id(getattr(obj, "app", None)) for _, obj, _ in found.values()}
    outer = [e for key, e in found.items() if key not in wrapped] or list(found.values())
    if not outer:
        return None
    if len(outer) == 1:
        names, obj, c = outer[0]
        for n in (preferred, "application", "app"):
            if n in names:
                return n, c
        return sorted(names)[0], c
    for n in (preferred, "application", "app"):
        for names, obj, c in outer:
            if n in names:
                return n, c
    listing = ", ".join(sorted("%s (%s)" % (e[0][0], e[2][1]) for e in outer))
    sys.stderr.write("warpdrive: module %s holds several ASGI applications: %s; name the one to serve "
                     "with APP_MODULE=%s:NAME\n" % (module.__name__, listing, module.__name__))
    sys.exit(2)


def main():
    module_name = sys.argv[1]
    callable_path = sys.argv[2] if len(sys.argv) > 2 else ""
    preferred = sys.argv[3] if len(sys.argv) > 3 else "application"
    out = os.fdopen(3, "w")
    for path in (os.environ.get("WARPDRIVE_SRC_ROOT"), os.environ.get("WARPDRIVE_APP_HOME") or os.getcwd()):
        if path and path not in sys.path:
            sys.path.insert(0, path)
    call = None
    if "(" in callable_path:
        try:
            _, callable_path, call = warpdrive_app_loader.parse(module_name + ":" + callable_path)
        except warpdrive_app_loader.TargetError as e:
            sys.stderr.write("warpdrive: %s\n" % e)
            sys.exit(2)
    module = importlib.import_module(module_name)
    if call is not None:
        name, factory = find_named(module, callable_path)
        args, kwargs = call
        # A factory that raises is an application that fails to load: exit 1 with its traceback.
        protocol, kind, why = classify(factory(*args, **kwargs))
        answer = {"callable": name, "protocol": protocol, "kind": kind,
                  "why": "made by the factory %s(...): %s" % (name, why)}
    elif callable_path:
        name, obj = find_named(module, callable_path)
        protocol, kind, why = classify(obj)
        answer = {"callable": name, "protocol": protocol, "kind": kind, "why": why}
    else:
        hit = None
        for name in dict.fromkeys((preferred, "application") if preferred else ()):
            # The conventional names, when they hold an application, win.
            if hasattr(module, name):
                protocol, kind, why = classify(getattr(module, name))
                if protocol:
                    hit = (name, (protocol, kind, why))
                    break
        if hit is None:
            hit = find_asgi(module, preferred)
        if hit is None:
            answer = {"callable": "", "protocol": "", "kind": "", "why": "no module-level ASGI application object"}
        else:
            name, (protocol, kind, why) = hit
            answer = {"callable": name, "protocol": protocol, "kind": kind, "why": why}
    out.write(json.dumps(answer))
    out.close()


if __name__ == "__main__":
    main()
