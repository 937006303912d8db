"""Every package manager for real: pip, uv, Poetry, Pipenv, PDM, pylock.toml,
from the package index, into warpdrive's own virtualenv; the tools warpdrive
installs for itself; a password-protected index on 127.0.0.1; the Python
version an application asks for.

Each fixture app (tests/e2e/fixtures/installers/<name>) pins six 1.16.0 (not
the newest release) and serves its version from app.py."""
import base64
import contextlib
import http.server
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import pytest

from conftest import (CACHE_ROOT, SYSTEM_PYTHON, App, free_port, make_shared_dir, running, wait_for_http,
                      wheelhouse)

FIXTURES = Path(__file__).parent / "fixtures" / "installers"
# Tools warpdrive installs are shared by the tests of a run and kept between runs.
SHARED_TOOLS = CACHE_ROOT / "tools"

APP_PY = """\
import importlib.metadata
import os
from wsgiref.simple_server import make_server


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"six {importlib.metadata.version('six')}".encode()]


make_server("127.0.0.1", int(os.environ["WARPDRIVE_HTTP_PORT"]), application).serve_forever()
"""


def installer_env(app, **extra):
    defaults = dict(WARPDRIVE_PYTHON=SYSTEM_PYTHON, WARPDRIVE_TOOLS_DIR=str(SHARED_TOOLS),
                    POETRY_CACHE_DIR=str(CACHE_ROOT / "poetry"), PDM_CACHE_DIR=str(CACHE_ROOT / "pdm"),
                    PIPENV_CACHE_DIR=str(CACHE_ROOT / "pipenv"))
    env = app.env(**{**defaults, **extra})
    for name in ("WARPDRIVE_PIP_NO_INDEX", "WARPDRIVE_SYSTEM_SITE_PACKAGES", "VIRTUAL_ENV", "PIP_INDEX_URL",
                 "UV_INDEX_URL", "WARPDRIVE_INSTALLER"):
        if name not in extra:
            env.pop(name, None)
    return env


def copy_fixture(app, name: str):
    shutil.copytree(FIXTURES / name, app.src, dirs_exist_ok=True)
    app.write("app.py", APP_PY)


def installed(app, dist: str) -> str | None:
    r = subprocess.run([str(app.root / "bin" / "python"), "-c",
                        f"import importlib.metadata as m\ntry: print(m.version({dist!r}))\n"
                        "except m.PackageNotFoundError: print('')"],
                       capture_output=True, text=True, cwd="/", env={"PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr
    return r.stdout.strip() or None


def build(app, env, *args):
    r = app.run("build", *args, env=env, timeout=600)
    assert r.returncode == 0, f"build failed\nstdout:\n{r.stdout}\nstderr:\n{r.stderr}"
    return r


def serve_and_get(app, env) -> str:
    port = free_port()
    env = dict(env, WARPDRIVE_HTTP_PORT=str(port))
    with running(app.popen("start", env=env)) as proc:
        status, _, body = wait_for_http(f"http://127.0.0.1:{port}/", timeout=60, proc=proc)
    assert status == 200
    return body.decode()


# name, extra environment, the installer's phase line
CASES = [
    ("uv", {}, "Installing dependencies with uv (uv.lock)"),
    ("poetry", {}, "Installing dependencies with poetry (poetry.lock)"),
    ("pipenv", {}, "Installing dependencies with pipenv (Pipfile.lock)"),
    ("pdm", {}, "Installing dependencies with pdm (pdm.lock)"),
    ("pylock", {}, "Installing dependencies with uv (pylock.toml)"),
    ("requirements", {}, "Installing dependencies with uv (requirements.txt)"),
    ("requirements", {"WARPDRIVE_INSTALLER": "pip"}, "Installing dependencies with pip (requirements.txt)"),
    ("pyproject", {}, "Installing the application with uv (editable, pyproject.toml)"),
    ("pyproject", {"WARPDRIVE_INSTALLER": "pip"}, "Installing the application with pip (editable, pyproject.toml)"),
]


@pytest.mark.parametrize("name,extra,phase", CASES, ids=[f"{c[0]}-{c[1].get('WARPDRIVE_INSTALLER', 'auto')}"
                                                          for c in CASES])
def test_installer_installs_the_pinned_version_and_serves(app, name, extra, phase):
    copy_fixture(app, name)
    env = installer_env(app, **extra)
    r = build(app, env)
    assert f" -----> {phase}" in r.stdout
    assert installed(app, "six") == "1.16.0"
    if name == "uv":
        assert installed(app, "iniconfig") is None  # a dev dependency: not installed
    # Into warpdrive's virtualenv: no second one anywhere under the app root.
    assert sorted(str(p.relative_to(app.root)) for p in app.root.rglob("pyvenv.cfg")) == ["pyvenv.cfg"]
    assert serve_and_get(app, env) == "six 1.16.0"
    # Nothing changed: no installer starts.
    again = build(app, env)
    assert "Dependencies unchanged since the last build" in again.stdout
    assert "Installing" not in again.stdout


def test_two_lock_files_error_and_the_installer_variable_chooses(app):
    copy_fixture(app, "uv")
    shutil.copy(FIXTURES / "poetry" / "poetry.lock", app.src / "poetry.lock")
    env = installer_env(app)
    r = app.run("build", env=env)
    assert r.returncode == 1
    assert r.stderr == (f"warpdrive: error: more than one lock file in {app.src}: uv.lock, poetry.lock; warpdrive "
                        "will not guess which one is current: remove the stale ones, or set WARPDRIVE_INSTALLER "
                        "to uv, poetry, pipenv or pdm to choose (pip: requirements files only)\n")
    assert not (app.root / "markers" / "build.json").exists()
    r = build(app, installer_env(app, WARPDRIVE_INSTALLER="uv"))
    assert f"warpdrive: warning: ignoring poetry.lock in {app.src}: WARPDRIVE_INSTALLER=uv chooses uv.lock" in r.stderr
    assert installed(app, "six") == "1.16.0"


def test_requirements_beside_a_lock_file_are_not_installed(app):
    copy_fixture(app, "uv")
    app.write("requirements.txt", "iniconfig==2.0.0\n")
    r = build(app, installer_env(app))
    assert ("warpdrive: warning: not installing requirements.txt: the lock file uv.lock lists the dependencies"
            in r.stderr)
    assert installed(app, "six") == "1.16.0"
    assert installed(app, "iniconfig") is None
    # Named in WARPDRIVE_PIP_PACKAGES: installed after the lock file.
    app.write("extra-requirements.txt", "iniconfig==2.0.0\n")
    build(app, installer_env(app, WARPDRIVE_PIP_PACKAGES="extra-requirements.txt"))
    assert installed(app, "iniconfig") == "2.0.0"


def test_missing_tool_is_provisioned_outside_the_app_then_reused(app, shared_tmp):
    copy_fixture(app, "uv")
    tools = shared_tmp / "tools"
    env = installer_env(app, WARPDRIVE_TOOLS_DIR=str(tools))
    r = build(app, env)
    assert f" -----> Installing uv 0.13.9 (the default pin) into {tools}/uv-0.13.9" in r.stdout
    assert (tools / "uv-0.13.9" / ".warpdrive-complete").read_text() == "uv==0.13.9\n"
    assert not list(app.root.rglob("bin/uv"))  # the app's virtualenv holds no uv
    r = build(app, env, "--force")
    assert "Installing uv" not in r.stdout
    assert " -----> Installing dependencies with uv (uv.lock)" in r.stdout
    # Another version on request: installed beside the first.
    dry = app.run("build", "--dry-run", env=dict(env, WARPDRIVE_UV_VERSION="0.13.8"), check=True)
    assert f"tool uv 0.13.8 (WARPDRIVE_UV_VERSION): {tools}/uv-0.13.8 (to be installed there)" in dry.stdout


def test_pipfile_without_lock_is_installed_unlocked(app):
    shutil.copy(FIXTURES / "pipenv" / "Pipfile", app.src / "Pipfile")
    app.write("app.py", APP_PY)
    env = installer_env(app)
    r = build(app, env)
    assert " -----> Installing dependencies with pipenv (Pipfile, no Pipfile.lock: unlocked)" in r.stdout
    assert (f"warpdrive: warning: {app.src}/Pipfile has no Pipfile.lock: its packages are installed as the "
            "Pipfile states them, unlocked (pipenv install --skip-lock)") in r.stderr
    assert installed(app, "six") == "1.16.0"
    assert not (app.src / "Pipfile.lock").exists()  # nothing written into the source
    assert sorted(str(p.relative_to(app.root)) for p in app.root.rglob("pyvenv.cfg")) == ["pyvenv.cfg"]
    # A requirements.txt beside it is what is installed (as the original did).
    app.write("requirements.txt", "iniconfig==2.0.0\n")
    dry = app.run("build", "--dry-run", env=env, check=True)
    assert "Installing dependencies with uv (requirements.txt)" in dry.stdout
    assert "with pipenv" not in dry.stdout


# --- uv, the default installer of requirement files --------------------------

def test_uv_default_honours_constraints_editables_and_the_wheelhouse_offline(app):
    # A constraint file and the project itself, editable, from requirements.txt.
    app.write("requirements.txt", "-c constraints.txt\nsix\n-e .\n")
    app.write("constraints.txt", "six==1.16.0\n")
    app.write("pyproject.toml", (FIXTURES / "pyproject" / "pyproject.toml").read_text()
              .replace('dependencies = ["six==1.16.0"]', "dependencies = []"))
    app.write("app.py", APP_PY)
    env = installer_env(app)
    r = build(app, env)
    assert " -----> Installing dependencies with uv (requirements.txt)" in r.stdout
    assert installed(app, "six") == "1.16.0"
    assert installed(app, "fixture-pyproject") == "0.1.0"
    assert serve_and_get(app, env) == "six 1.16.0"


def test_uv_default_installs_offline_from_the_wheelhouse(app):
    copy_fixture(app, "requirements")
    house = app.src / ".warpdrive" / "wheelhouse"
    house.mkdir(parents=True)
    for wheel in wheelhouse("six").glob("six-*.whl"):
        shutil.copy(wheel, house)
    # Offline, no cache: everything comes from the wheelhouse.
    env = installer_env(app, WARPDRIVE_PIP_NO_INDEX="1", UV_NO_CACHE="1", PIP_INDEX_URL="http://127.0.0.1:9/simple/")
    dry = app.run("build", "--dry-run", env=env, check=True)
    assert f"--find-links {house} --no-index -r {app.src}/requirements.txt" in dry.stdout
    r = build(app, env)
    assert " -----> Installing dependencies with uv (requirements.txt)" in r.stdout
    assert installed(app, "six") == "1.16.0"


@pytest.mark.parametrize("case,extra,reason", [
    ("editable VCS", {}, "requirements.txt has an editable VCS requirement "
                         "('-e git+https://example.invalid/x.git#egg=x'), which uv does not install"),
    ("pip-only variable", {"PIP_NO_BINARY": ":all:"}, "PIP_NO_BINARY is set, which uv does not read"),
    ("offline with system site packages", {"WARPDRIVE_PIP_NO_INDEX": "1", "WARPDRIVE_SYSTEM_SITE_PACKAGES": "1"},
     "WARPDRIVE_PIP_NO_INDEX and WARPDRIVE_SYSTEM_SITE_PACKAGES are set, and uv does not count the system site "
     "packages as installed"),
    ("offline without uv", {"WARPDRIVE_PIP_NO_INDEX": "1", "WARPDRIVE_TOOLS_DIR": "/nonexistent/tools",
                            "PATH": "/usr/bin:/bin"},
     "WARPDRIVE_PIP_NO_INDEX is set and uv is not installed, which offline it cannot be"),
])
def test_pip_where_uv_would_differ(app, case, extra, reason):
    app.write("requirements.txt", "six==1.16.0\n" + ("-e git+https://example.invalid/x.git#egg=x\n"
                                                       if case == "editable VCS" else ""))
    dry = app.run("build", "--dry-run", env=installer_env(app, **extra), check=True)
    assert f"  installer: pip (no lock file; pip, not uv, for requirement files: {reason})\n" in dry.stdout
    assert "Installing dependencies with pip (requirements.txt)" in dry.stdout


# --- A private index on 127.0.0.1 that wants a password -----------------------

USER, PASSWORD = "builder", "pw-Zq7x-never-print-me"


@contextlib.contextmanager
def private_index(wheels: Path):
    """A PEP 503 simple index of the wheels in `wheels`, behind HTTP basic auth."""
    expected = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            if self.headers.get("Authorization") != expected:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="private"')
                self.end_headers()
                return
            parts = [p for p in self.path.split("?")[0].split("/") if p]
            body, kind = None, "text/html"
            if parts == ["simple"]:
                names = sorted({w.name.split("-")[0].lower() for w in wheels.glob("*.whl")})
                body = "".join(f'<a href="{n}/">{n}</a>\n' for n in names).encode()
            elif len(parts) == 2 and parts[0] == "simple":
                files = [w for w in wheels.glob("*.whl")
                         if re.sub(r"[-_.]+", "-", w.name.split("-")[0]).lower() == parts[1]]
                if files:
                    body = "".join(f'<a href="/files/{w.name}">{w.name}</a>\n' for w in files).encode()
            elif len(parts) == 2 and parts[0] == "files" and (wheels / parts[1]).is_file():
                body, kind = (wheels / parts[1]).read_bytes(), "application/octet-stream"
            if body is None:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://{USER}:{PASSWORD}@127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()


def files_containing(root: Path, needle: bytes) -> list[str]:
    hits = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink():
            with contextlib.suppress(OSError):
                if needle in path.read_bytes():
                    hits.append(str(path))
    return hits


@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_private_index_password_never_printed_nor_stored(app, installer):
    if installer == "uv":
        # uv itself comes from the public index, before the private one is configured.
        copy_fixture(app, "uv")
        build(app, installer_env(app))
        shutil.rmtree(app.src)
        app.src.mkdir()
    copy_fixture(app, "requirements")
    wheels = wheelhouse("six")
    with private_index(wheels) as url:
        env = installer_env(app, PIP_INDEX_URL=url, WARPDRIVE_INSTALLER=installer, WARPDRIVE_DEBUG="1",
                            PIP_NO_CACHE_DIR="1", UV_NO_CACHE="1")
        dry = app.run("build", "--dry-run", env=env, check=True)
        r = build(app, env, "--force")
    output = dry.stdout + dry.stderr + r.stdout + r.stderr
    assert installed(app, "six") == "1.16.0"
    assert PASSWORD not in output
    assert f"{USER}:****@127.0.0.1" in dry.stdout  # the index is shown, masked
    assert files_containing(app.root, PASSWORD.encode()) == []


# --- The Python version -----------------------------------------------------------

def python_env(app, **extra):
    env = installer_env(app, **extra)
    env.pop("WARPDRIVE_PYTHON", None)
    return env


def test_python_version_mismatch_with_warpdrive_python_is_refused(app):
    app.write(".python-version", "3.99\n")
    r = app.run("build", env=installer_env(app))
    assert r.returncode == 1
    version = subprocess.run([SYSTEM_PYTHON, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             capture_output=True, text=True).stdout.strip()
    assert r.stderr == (f"warpdrive: error: the application asks for Python 3.99 (.python-version), and "
                        f"WARPDRIVE_PYTHON={SYSTEM_PYTHON} is Python {version}; point WARPDRIVE_PYTHON at a "
                        "matching interpreter, or unset it to let warpdrive look for one\n")
    r = app.run("build", env=python_env(app))
    assert r.returncode == 1
    assert r.stderr.startswith("warpdrive: error: the application asks for Python 3.99 (.python-version), and no "
                               "interpreter here matches; found: ")
    assert f"{SYSTEM_PYTHON} ({version})" in r.stderr or f"/usr/bin/python3.11 ({version})" in r.stderr
    assert not (app.root / "bin").exists()


def interpreters() -> dict[str, str]:
    """minor version -> an interpreter of it on this machine (pyenv's included)."""
    found = {}
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for p in sorted(pyenv.glob("3.*/bin/python3")) + [Path(SYSTEM_PYTHON)]:
        r = subprocess.run([str(p), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                           capture_output=True, text=True)
        if r.returncode == 0:
            found.setdefault(r.stdout.strip(), str(p))
    return found


def test_python_version_chooses_the_interpreter_and_recreates_the_virtualenv(app):
    available = interpreters()
    default = subprocess.run(["python3", "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True).stdout.strip()
    others = sorted((v for v in available if v != default and tuple(map(int, v.split("."))) >= (3, 9)),
                    key=lambda v: tuple(map(int, v.split("."))))
    if not others:
        pytest.skip("needs a second Python 3 (3.9 or later) besides python3")
    wanted = others[-1]
    app.write(".python-version", f"{wanted}\n")
    app.write("app.py", APP_PY.replace("importlib.metadata.version('six')", "__import__('sys').version.split()[0]"))
    env = python_env(app)
    r = build(app, env)
    assert f"(.python-version)" in r.stdout
    version = subprocess.run([str(app.root / "bin" / "python"), "-c",
                              "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True).stdout.strip()
    assert version == wanted
    assert serve_and_get(app, env).startswith(f"six {wanted}.")
    # The application now asks for the default one: the virtualenv is made again.
    app.write(".python-version", f"{default}\n")
    r = build(app, env)
    assert f" -----> Removing the virtualenv at {app.root}: its Python {wanted}." in r.stdout
    version = subprocess.run([str(app.root / "bin" / "python"), "-c",
                              "import sys; print('%d.%d' % sys.version_info[:2])"],
                             capture_output=True, text=True).stdout.strip()
    assert version == default


def test_poetry_private_source_credentials_pass_through_masked(app, shared_tmp):
    """A Poetry source that wants a password gets it from
    POETRY_HTTP_BASIC_<SOURCE>_USERNAME/_PASSWORD, which warpdrive passes
    through and never prints nor stores."""
    # Poetry itself comes from the public index (in another app root, so that
    # this one's virtualenv holds nothing yet).
    other = App(make_shared_dir(shared_tmp / "provision"), app.binary)
    shutil.copytree(FIXTURES / "poetry", other.src, dirs_exist_ok=True)
    build(other, installer_env(other))
    poetry = SHARED_TOOLS / "poetry-2.5.1" / "bin" / "poetry"
    app.write("app.py", APP_PY)
    with private_index(wheelhouse("six")) as url:
        plain = url.replace(f"{USER}:{PASSWORD}@", "")
        app.write("pyproject.toml", f"""\
[project]
name = "fixture-poetry-private"
version = "0.1.0"
requires-python = ">=3.9"
dependencies = ["six==1.16.0"]

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "private"
url = "{plain}"
priority = "primary"
""")
        creds = dict(POETRY_HTTP_BASIC_PRIVATE_USERNAME=USER, POETRY_HTTP_BASIC_PRIVATE_PASSWORD=PASSWORD)
        # Fresh Poetry caches: every file comes from the index.
        env = installer_env(app, WARPDRIVE_DEBUG="1", POETRY_CACHE_DIR=str(shared_tmp / "poetry-cache"), **creds)
        # The lock file names the source, whose URL holds this run's port: made now.
        lock = subprocess.run([str(poetry), "lock", "--no-interaction"], cwd=app.src, capture_output=True,
                              text=True, env=dict(env, POETRY_CACHE_DIR=str(shared_tmp / "lock-cache")), timeout=300)
        assert lock.returncode == 0, lock.stdout + lock.stderr
        dry = app.run("build", "--dry-run", env=env, check=True)
        # Without the credentials the index refuses Poetry: they are what makes the next build work.
        denied = app.run("build", env=installer_env(app, POETRY_CACHE_DIR=str(shared_tmp / "c3")), timeout=600)
        r = build(app, env)
    assert " -----> Installing dependencies with poetry (poetry.lock)" in r.stdout
    assert installed(app, "six") == "1.16.0"
    assert denied.returncode != 0, denied.stdout
    assert "Unable to find installation candidates for six (1.16.0)" in denied.stdout + denied.stderr
    assert "env POETRY_HTTP_BASIC_PRIVATE_PASSWORD: ****\n" in dry.stdout
    assert f"env POETRY_HTTP_BASIC_PRIVATE_USERNAME: {USER}\n" in dry.stdout
    assert PASSWORD not in dry.stdout + dry.stderr + r.stdout + r.stderr
    assert files_containing(app.root, PASSWORD.encode()) == []
