"""Runs inside the application's interpreter on behalf of warpdrive.

    python warpdrive_django.py facts          boot Django, report the facts
    python warpdrive_django.py collectstatic  collectstatic --noinput, then the facts

The facts (settings module, WSGI_APPLICATION, STATIC_URL and the resolved
STATIC_ROOT, ASGI_APPLICATION) are written as one JSON object to file descriptor 3, so that
whatever Django or the project prints on stdout cannot corrupt them.

The settings are learnt the way `python manage.py` learns them: the
project's own APP_HOME/manage.py runs as __main__, so however it sets
DJANGO_SETTINGS_MODULE (os.environ.setdefault, a direct assignment, a
.env loader, a computed name) is what counts. When manage.py hands over
to Django (execute_from_command_line or ManagementUtility.execute), this
helper takes over instead: it wraps the settings module manage.py chose
in warpdrive_django_settings (next to this file), which supplies a
STATIC_ROOT when the project has none, and then does its own work.
"""
import json
import os
import runpy
import sys


class _HandedOver(BaseException):
    """Unwinds manage.py once it has handed over to Django."""


def _report(mode, manage_py, facts_out):
    module = os.environ.get("DJANGO_SETTINGS_MODULE", "")
    if not module:
        sys.stderr.write(
            "warpdrive: cannot tell the Django settings module: running %s "
            "left DJANGO_SETTINGS_MODULE unset\n" % manage_py)
        sys.exit(1)
    if module != "warpdrive_django_settings":
        os.environ["WARPDRIVE_DJANGO_SETTINGS_MODULE"] = module
    os.environ["DJANGO_SETTINGS_MODULE"] = "warpdrive_django_settings"

    import django
    from django.conf import settings
    from django.core import management

    if mode == "collectstatic":
        # As `python manage.py collectstatic --noinput`: Django's own
        # messages and its exit status on failure.
        management._warpdrive_original([manage_py, "collectstatic", "--noinput"])
    else:
        django.setup()

    static_root = settings.STATIC_ROOT
    facts = {
        "settings_module": os.environ["WARPDRIVE_DJANGO_SETTINGS_MODULE"],
        "wsgi_application": settings.WSGI_APPLICATION or "",
        "static_url": settings.STATIC_URL or "",
        "static_root": os.path.abspath(str(static_root)) if static_root else "",
        "asgi_application": getattr(settings, "ASGI_APPLICATION", None) or "",
    }
    facts_out.write(json.dumps(facts))
    facts_out.close()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "facts"
    app_home = os.environ.get("WARPDRIVE_APP_HOME") or os.getcwd()
    manage_py = os.path.join(app_home, "manage.py")
    facts_out = os.fdopen(3, "w")
    if app_home not in sys.path:
        sys.path.insert(0, app_home)
    helper_dir = os.path.dirname(os.path.abspath(__file__))
    if helper_dir not in sys.path:
        sys.path.append(helper_dir)

    # A DJANGO_SETTINGS_MODULE naming warpdrive's own wrapper (left over
    # from an earlier run) must not hide the project's choice.
    if os.environ.get("DJANGO_SETTINGS_MODULE") == "warpdrive_django_settings":
        del os.environ["DJANGO_SETTINGS_MODULE"]

    from django.core import management

    management._warpdrive_original = management.execute_from_command_line
    original_execute = management.ManagementUtility.execute

    def handed_over(*args, **kwargs):
        raise _HandedOver()

    management.execute_from_command_line = handed_over
    management.ManagementUtility.execute = handed_over

    sys.argv = [manage_py] + (["collectstatic", "--noinput"] if mode == "collectstatic" else ["check"])
    try:
        runpy.run_path(manage_py, run_name="__main__")
    except _HandedOver:
        pass
    except SystemExit as stop:
        if stop.code not in (None, 0):
            raise
    # Restore Django's entry points for the real work.
    management.execute_from_command_line = management._warpdrive_original
    management.ManagementUtility.execute = original_execute
    _report(mode, manage_py, facts_out)


if __name__ == "__main__":
    main()
