"""Shared fixtures for the end-to-end tests: they run the real warpdrive
binary against fixture applications in temporary app roots.

Paths are world-traversable and group-0 writable so the same trees work when
a test runs warpdrive as an arbitrary UID in group 0 (as OpenShift does).
"""
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
# Debian's interpreter: the one that sees Debian's Django, gunicorn, ... and
# that Debian's mod_wsgi and uWSGI plugin are built against.
SYSTEM_PYTHON = "/usr/bin/python3"
ARBITRARY_UID = 1000123456

# Packages from the Python package index, at the versions the tests pin. One
# table, so every test that needs Django or gunicorn gets the same release.
PINS = {
    "django": "Django==5.2.19",
    "gunicorn": "gunicorn==27.0.1",
    "whitenoise": "whitenoise==6.12.0",
    "waitress": "waitress==3.0.2",
    "mod_wsgi": "mod_wsgi==6.1.1",
    "newrelic": "newrelic==14.1.0",
    "uvicorn": "uvicorn==0.54.0",
    "uvicorn-worker": "uvicorn-worker==0.4.0",
    "uvicorn-standard": "uvicorn[standard]==0.54.0",
    "hypercorn": "hypercorn==0.18.0",
    "uvloop": "uvloop==0.23.0",
    "daphne": "daphne==4.2.3",
    "granian": "granian==2.8.9",
    "fastapi": "fastapi==0.165.0",
    "flask": "Flask==3.1.3",
    "starlette": "starlette==1.10.0",
    "channels": "channels==4.3.2",
    "quart": "quart==0.22.0",
    "litestar": "litestar==2.25.0",
    "servestatic": "servestatic==4.4.0",
    "websockets": "websockets==17.4",
    "uv": "uv==0.13.9",
    "poetry": "poetry==2.5.1",
    "pipenv": "pipenv==2026.10.3",
    "pdm": "pdm==2.29.4",
    "kubernetes-validate": "kubernetes-validate==1.37.0",
    # Small pure-Python packages pinned below their newest release, so a test
    # can tell the locked version from whatever an index would pick.
    "six": "six==1.16.0",
    "iniconfig": "iniconfig==2.0.0",
}

# Caches kept between runs (and shared by every test of a run): pip's and uv's
# download caches, and the virtualenvs built from PINS. Tests and the
# warpdrive builds they start all see PIP_CACHE_DIR / UV_CACHE_DIR.
CACHE_ROOT = Path(os.environ.get("WARPDRIVE_TEST_CACHE", "/var/cache/warpdrive-tests"))
os.environ.setdefault("PIP_CACHE_DIR", str(CACHE_ROOT / "pip"))
os.environ.setdefault("UV_CACHE_DIR", str(CACHE_ROOT / "uv"))
os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")


def warpdrive_binary() -> Path:
    env = os.environ.get("WARPDRIVE_BIN")
    path = Path(env) if env else REPO / "build" / "warpdrive"
    if not path.exists():
        pytest.exit(f"warpdrive binary not found at {path}; build it or set WARPDRIVE_BIN", 2)
    return path


@pytest.fixture(scope="session")
def warpdrive() -> Path:
    return warpdrive_binary()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url: str, timeout: float = 5.0):
    """(status, headers, body bytes) of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def wait_for_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None):
    """Polls until the URL answers; returns (status, headers, body)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"server exited with status {proc.returncode} before answering {url}")
        try:
            return http_get(url, timeout=2.0)
        except (urllib.error.URLError, ConnectionError, OSError) as e:
            last = e
            time.sleep(0.05)
    raise AssertionError(f"no answer from {url} within {timeout}s: {last}")


def as_arbitrary_uid(argv: list[str]) -> list[str]:
    """argv run as an arbitrary UID in group 0, as OpenShift runs containers."""
    return ["setpriv", f"--reuid={ARBITRARY_UID}", "--regid=0", "--clear-groups", *argv]


def make_shared_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o775)
    return path


class App:
    """A fixture application: an app root with src/, and ways to run warpdrive on it."""

    def __init__(self, root: Path, binary: Path):
        self.root = root
        self.src = make_shared_dir(root / "src")
        self.binary = binary

    def write(self, relpath: str, text: str, executable: bool = False) -> Path:
        path = self.src / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if executable:
            path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        return path

    def hook(self, name: str, body: str, executable: bool = True) -> Path:
        return self.write(f".warpdrive/action_hooks/{name}", "#!/bin/sh\n" + body, executable)

    def env(self, **extra) -> dict:
        env = dict(os.environ)
        env["WARPDRIVE_APP_ROOT"] = str(self.root)
        env.pop("WARPDRIVE_SRC_ROOT", None)
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def argv(self, *args) -> list[str]:
        return [str(self.binary), *map(str, args)]

    def run(self, *args, env: dict | None = None, check: bool = False, timeout: float = 120,
            as_uid: bool = False, input: str | None = None, **popen) -> subprocess.CompletedProcess:
        argv = self.argv(*args)
        if as_uid:
            argv = as_arbitrary_uid(argv)
        result = subprocess.run(argv, env=env or self.env(), capture_output=True, text=True,
                                timeout=timeout, input=input, cwd=popen.pop("cwd", self.src), **popen)
        if check and result.returncode != 0:
            raise AssertionError(f"{argv} exited {result.returncode}\nstdout:\n{result.stdout}\n"
                                 f"stderr:\n{result.stderr}")
        return result

    def popen(self, *args, env: dict | None = None, as_uid: bool = False, **popen) -> subprocess.Popen:
        argv = self.argv(*args)
        if as_uid:
            argv = as_arbitrary_uid(argv)
        popen.setdefault("stdout", subprocess.PIPE)
        popen.setdefault("stderr", subprocess.STDOUT)
        return subprocess.Popen(argv, env=env or self.env(), cwd=popen.pop("cwd", self.src),
                                start_new_session=True, **popen)


@pytest.fixture
def shared_tmp():
    """A temporary directory any UID can use (pytest's own tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="wd-e2e-", dir="/tmp"))
    path.chmod(0o777)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def app(shared_tmp, warpdrive) -> App:
    return App(make_shared_dir(shared_tmp / "app-root"), warpdrive)


@pytest.fixture(scope="module")
def django_app():
    """A django-admin startproject project in a --system-site-packages
    virtualenv at APP_ROOT (Debian's python3, whose Django Apache's mod_wsgi
    can import too), built by `warpdrive build` for gunicorn (collectstatic into
    $APP_ROOT/tmp/django/static and the build record; a mod_wsgi build would
    pip-install mod_wsgi, which Debian provides as an Apache module instead),
    then fixed up for group 0 as `assemble` does. One per test module."""
    tmp = Path(tempfile.mkdtemp(prefix="wd-e2e-django-", dir="/tmp"))
    tmp.chmod(0o777)
    app = App(make_shared_dir(tmp / "app-root"), warpdrive_binary())
    make_venv(app.root)
    subprocess.run([SYSTEM_PYTHON, "-m", "django", "startproject", "mysite", str(app.src)], check=True)
    app.run("build", check=True, timeout=300,
            env=app.env(WARPDRIVE_PYTHON=SYSTEM_PYTHON, WARPDRIVE_SYSTEM_SITE_PACKAGES="1",
                        WARPDRIVE_SERVER_TYPE="gunicorn"))
    app.run("fixup", str(app.root), check=True)
    yield app
    shutil.rmtree(tmp, ignore_errors=True)


def pins(*names: str) -> list[str]:
    """Requirement specifiers for the named packages, from PINS."""
    return [PINS[n] for n in names]


def pypi_venv(*names: str, python: str = SYSTEM_PYTHON, system_site_packages: bool = False) -> Path:
    """A virtualenv with the pinned packages `names` from the package index,
    built once and reused (across tests and runs) under CACHE_ROOT/venvs.
    Read-only for tests: copy or layer on top of it, never install into it.
    Built in a temporary directory and renamed into place, under a lock, so
    concurrent test runs never see half a venv."""
    version = subprocess.run([python, "-c", "import sys; print(sys.version)"], check=True,
                             capture_output=True, text=True).stdout.strip()
    reqs = sorted(pins(*names))
    key = hashlib.sha256("\n".join([python, version, str(system_site_packages), *reqs]).encode()).hexdigest()[:16]
    venvs = CACHE_ROOT / "venvs"
    venvs.mkdir(parents=True, exist_ok=True)
    target = venvs / f"{'-'.join(names) or 'bare'}-{key}"
    with open(venvs / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            argv = [python, "-m", "venv"] + (["--system-site-packages"] if system_site_packages else [])
            subprocess.run([*argv, str(target)], check=True, capture_output=True)
            if reqs:
                r = subprocess.run([str(target / "bin" / "python"), "-m", "pip", "install", "-q", *reqs],
                                   capture_output=True, text=True)
                if r.returncode != 0:
                    shutil.rmtree(target, ignore_errors=True)
                    raise AssertionError(f"pip install {reqs} failed:\n{r.stdout}\n{r.stderr}")
            (target / ".complete").write_text("\n".join(reqs) + "\n")
            for path in [target, *target.rglob("*")]:
                with contextlib.suppress(OSError):
                    path.chmod(path.stat().st_mode | stat.S_IROTH | (stat.S_IXOTH if path.is_dir() else 0))
    return target


def wheelhouse(*names: str) -> Path:
    """A directory of wheels for the pinned packages `names` (and their
    dependencies), downloaded once and kept under CACHE_ROOT/wheelhouses; for
    builds that install with --find-links, offline, or from a local index."""
    reqs = sorted(pins(*names))
    key = hashlib.sha256("\n".join(reqs).encode()).hexdigest()[:16]
    root = CACHE_ROOT / "wheelhouses"
    root.mkdir(parents=True, exist_ok=True)
    target = root / f"{'-'.join(names)}-{key}"
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            subprocess.run([SYSTEM_PYTHON, "-m", "pip", "download", "-q", "--only-binary=:all:",
                            "-d", str(target), *reqs], check=True, capture_output=True)
            (target / ".complete").write_text("\n".join(reqs) + "\n")
    return target


def make_venv(path: Path, system_site_packages: bool = True, with_pip: bool = True) -> Path:
    """A real virtualenv made with Debian's interpreter."""
    argv = [SYSTEM_PYTHON, "-m", "venv"]
    if system_site_packages:
        argv.append("--system-site-packages")
    if not with_pip:
        argv.append("--without-pip")
    subprocess.run([*argv, str(path)], check=True, capture_output=True)
    return path


@contextlib.contextmanager
def running(proc: subprocess.Popen, stop_signal: int = 15, timeout: float = 10):
    """Yields the process; on exit signals its whole session and reaps it."""
    try:
        yield proc
    finally:
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, stop_signal)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, 9)
                proc.wait()


def process_output(proc: subprocess.Popen) -> str:
    """What a finished Popen printed (stdout, with stderr merged by App.popen)."""
    out = proc.stdout.read() if proc.stdout else b""
    return out.decode(errors="replace") if isinstance(out, bytes) else out


def session_members(sid: int) -> list[int]:
    """PIDs whose session is `sid` (zombies included)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command name: state, ppid, pgrp, session, ...
        if int(stat[stat.rindex(")") + 2:].split()[3]) == sid:
            members.append(int(entry))
    return members


def stop_and_check(proc: subprocess.Popen, timeout: float = 5.0) -> float:
    """SIGTERM to a server started by App.popen (its own session); it must
    exit, and every process of its session be gone, within `timeout`.
    Returns the seconds that took."""
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=timeout)
    deadline = began + timeout
    while session_members(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = time.monotonic() - began
    assert session_members(proc.pid) == [], f"processes left behind: {session_members(proc.pid)}"
    assert elapsed < timeout
    return elapsed
