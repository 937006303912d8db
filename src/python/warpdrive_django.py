"""Runs inside the application's interpreter on behalf of warpdrive.

    python warpdrive_django.py facts          boot Django, report the facts
    python warpdrive_django.py collectstatic  collectstatic --noinput, then the facts

The facts (settings module, WSGI_APPLICATION, STATIC_URL and the resolved
STATIC_ROOT, ASGI_APPLICATION) are written as one JSON object to file descriptor 3, so that
whatever Django or the project prints on stdout cannot corrupt them.

The project's settings module comes from DJANGO_SETTINGS_MODULE when it is
set, else from the os.environ.setdefault(...) line of APP_HOME/manage.py.
Django runs with warpdrive_django_settings (next to this file) as its
settings, which wraps the project's and supplies a STATIC_ROOT when the
project has none.
"""
import json
import os
import re
import sys

_SETDEFAULT = re.compile(r"""DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([A-Za-z_][\w.]*)['"]""")


def project_settings_module(manage_py):
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if module and module != "warpdrive_django_settings":
        return module
    with open(manage_py, encoding="utf-8") as f:
        match = _SETDEFAULT.search(f.read())
    if not match:
        sys.stderr.write(
            "warpdrive: cannot tell the Django settings module: %s has no "
            "os.environ.setdefault('DJANGO_SETTINGS_MODULE', ...) line and "
            "DJANGO_SETTINGS_MODULE is not set\n" % manage_py)
        sys.exit(1)
    return match.group(1)


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "facts"
    app_home = os.environ.get("WARPDRIVE_APP_HOME") or os.getcwd()
    manage_py = os.path.join(app_home, "manage.py")
    module = project_settings_module(manage_py)
    os.environ["WARPDRIVE_DJANGO_SETTINGS_MODULE"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "warpdrive_django_settings"
    if app_home not in sys.path:
        sys.path.insert(1, app_home)

    facts_out = os.fdopen(3, "w")

    import django
    from django.conf import settings

    if mode == "collectstatic":
        from django.core.management import execute_from_command_line
        # As `python manage.py collectstatic --noinput`: Django's own messages
        # and its exit status on failure.
        execute_from_command_line([manage_py, "collectstatic", "--noinput"])
    else:
        django.setup()

    static_root = settings.STATIC_ROOT
    facts = {
        "settings_module": module,
        "wsgi_application": settings.WSGI_APPLICATION or "",
        "static_url": settings.STATIC_URL or "",
        "static_root": os.path.abspath(str(static_root)) if static_root else "",
        "asgi_application": getattr(settings, "ASGI_APPLICATION", None) or "",
    }
    facts_out.write(json.dumps(facts))
    facts_out.close()


if __name__ == "__main__":
    main()
