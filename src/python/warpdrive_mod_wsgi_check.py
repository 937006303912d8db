# Imported by each mod_wsgi daemon process (WSGIImportScript) right after the
# application's WSGI script. mod_wsgi logs an import failure and keeps the
# daemon running, answering 500 to every request; this notices the failure
# and writes one line to the status file that `warpdrive start` watches (it
# then stops Apache and exits non-zero) and that `ready` and `alive` check.
#
# warpdrive prepends two assignments: WARPDRIVE_SCRIPT (the WSGI script
# mod_wsgi loads) and WARPDRIVE_STATUS (the status file), both as hex bytes.
import os
import sys


def _warpdrive_check(script, status):
    # mod_wsgi loads a script as a module named "_mod_wsgi_<hash>" whose
    # __file__ is the script; a script that failed is not in sys.modules.
    for name, module in list(sys.modules.items()):
        if name.startswith("_mod_wsgi_") and getattr(module, "__file__", None) == script:
            return
    try:
        with open(status, "a") as out:
            out.write(f"pid {os.getpid()}: {script} failed to import\n")
    except OSError as e:
        sys.stderr.write(f"warpdrive: cannot record the failed import in {status}: {e}\n")


_warpdrive_check(bytes.fromhex(WARPDRIVE_SCRIPT).decode("utf-8", "surrogateescape"),  # noqa: F821
                 bytes.fromhex(WARPDRIVE_STATUS).decode("utf-8", "surrogateescape"))  # noqa: F821
