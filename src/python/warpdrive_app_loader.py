"""Finds the application object a server is pointed at.

A target is "module:attribute" (a dotted attribute path; "application" when
only the module is given) or, the way gunicorn reads APP_MODULE, an
application factory called with literal arguments only:
"module:create_app()", "module:create_app('production', debug=False)".
The arguments are read with ast.literal_eval, never evaluated as code.

Used by warpdrive_app_inspect.py (start's ASGI-or-WSGI decision),
warpdrive_static.py (the wrapper the Python servers load) and the handler
script mod_wsgi loads, so every server reads a target alike.
"""
import ast
import importlib


class TargetError(ValueError):
    pass


def parse(target):
    """(module, attribute path, None or (args, kwargs)) of a target string."""
    module_name, _, attribute = target.partition(":")
    attribute = attribute or "application"
    if "(" not in attribute:
        return module_name, attribute, None
    name, _, rest = attribute.partition("(")
    try:
        call = ast.parse(f"f({rest}", mode="eval").body
    except SyntaxError:
        raise TargetError(f"{target!r}: the factory call {attribute!r} is not a Python call") from None
    if not isinstance(call, ast.Call):
        raise TargetError(f"{target!r}: the factory call {attribute!r} is not a Python call")
    try:
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {}
        for keyword in call.keywords:
            if keyword.arg is None:
                raise ValueError("**")
            kwargs[keyword.arg] = ast.literal_eval(keyword.value)
    except ValueError:
        raise TargetError(f"{target!r}: a factory's arguments must be literals (strings, numbers, True, "
                          f"False, None, lists, dicts), as gunicorn reads them") from None
    return module_name, name, (args, kwargs)


def resolve(module, attribute, call):
    """The object at `attribute` in `module`, called with `call` when it is a factory."""
    value = module
    for part in attribute.split("."):
        value = getattr(value, part)
    if call is not None:
        args, kwargs = call
        value = value(*args, **kwargs)
    return value


def load(target):
    module_name, attribute, call = parse(target)
    return resolve(importlib.import_module(module_name), attribute, call)
