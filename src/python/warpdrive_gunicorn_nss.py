"""gunicorn configuration that warpdrive adds when nss_wrapper gives an
arbitrary UID (OpenShift) its user name and the user has no gunicorn
configuration file of their own.

Each gunicorn worker calls os.initgroups() for its user and tolerates only
EPERM, which is what glibc returns to a process that may not change its
groups. nss_wrapper's initgroups() reports ENOENT in that same situation, so
every worker would die while booting. This maps exactly that case back to
the EPERM glibc would have given; nothing else changes. It runs in the
gunicorn master when the configuration is loaded, so every forked worker
inherits it.
"""
import errno
import os

_initgroups = os.initgroups


def _initgroups_as_glibc(user, group):
    try:
        _initgroups(user, group)
    except FileNotFoundError as error:
        raise PermissionError(errno.EPERM, os.strerror(errno.EPERM)) from error


os.initgroups = _initgroups_as_glibc
