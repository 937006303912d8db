"""warpdrive build: real virtualenvs, real pip (offline), real Django."""
import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from conftest import SYSTEM_PYTHON

# Everything offline: Debian's interpreter, its packages visible, no index.
BUILD_ENV = {
    "WARPDRIVE_PYTHON": SYSTEM_PYTHON,
    "WARPDRIVE_SYSTEM_SITE_PACKAGES": "1",
    "WARPDRIVE_PIP_NO_INDEX": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}


def build_env(app, **extra):
    return app.env(**{**BUILD_ENV, **extra})


def make_wheel(dist: Path, name: str, version: str, value: str) -> Path:
    """Builds a tiny real wheel offline with Debian's pip and setuptools."""
    project = dist / f"{name}-{version}-project"
    project.mkdir(parents=True)
    (project / f"{name}.py").write_text(f"VALUE = {value!r}\n")
    (project / "setup.py").write_text(
        f"from setuptools import setup\nsetup(name={name!r}, version={version!r}, py_modules=[{name!r}])\n")
    subprocess.run([SYSTEM_PYTHON, "-m", "pip", "wheel", "--no-deps", "--no-index", "--no-build-isolation",
                    "--disable-pip-version-check", "-q", "-w", str(dist), str(project)],
                   check=True, capture_output=True)
    wheels = list(dist.glob(f"{name}-{version}-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


def venv_python(app) -> str:
    return str(app.root / "bin" / "python")


def import_value(app, module: str) -> str:
    """What the built virtualenv's python imports, run outside the source tree."""
    env = {"PATH": "/usr/bin:/bin"}
    out = subprocess.run([venv_python(app), "-c", f"import {module}; print({module}.VALUE)"],
                         capture_output=True, text=True, cwd="/", env=env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def record(app) -> dict:
    return json.loads((app.root / "markers" / "build.json").read_text())


@pytest.fixture
def wheelhouse_app(app):
    """An app whose requirement is a local wheel in .warpdrive/wheelhouse."""
    wheelhouse = app.src / ".warpdrive" / "wheelhouse"
    make_wheel(wheelhouse, "wdprobe", "0.1", "one")
    make_wheel(wheelhouse, "wdprobe", "0.2", "two")
    app.write("requirements.txt", "wdprobe==0.1\n")
    app.write("wsgi.py", "def application(environ, start_response):\n"
                         "    start_response('200 OK', [])\n    return [b'hi']\n")
    return app


def test_local_wheel_installed_from_wheelhouse_without_index(wheelhouse_app):
    app = wheelhouse_app
    (app.src / "keep.txt").write_text("mine")
    r = app.run("build", env=build_env(app), check=True)
    assert " -----> Creating a virtualenv at " in r.stdout
    assert " -----> Installing dependencies with pip (requirements.txt)" in r.stdout
    assert (app.root / "bin" / "activate").is_file()
    assert import_value(app, "wdprobe") == "one"
    # The virtualenv shares APP_ROOT with the source and runtime directories.
    assert (app.src / "keep.txt").read_text() == "mine"
    assert (app.root / "tmp").is_dir() and (app.root / "data").is_dir()
    rec = record(app)
    assert len(rec["dependency_digest"]) == 64 and rec["server_type"] == "mod_wsgi"
    assert rec["django"] is None
    assert " -----> Build summary" in r.stdout and "dependencies" in r.stdout
    # The temporary --src directory is gone.
    assert not (app.root / "tmp" / "warpdrive" / "pip-src").exists()


def test_hook_order_and_build_env(app):
    log = app.root / "data" / "order.log"
    app.hook("pre-build", f'echo "pre-build $WARPDRIVE_PHASE" >> {log}\n')
    app.hook("build-env", "FROM_BUILD_ENV='set by build-env'\n", executable=False)
    app.hook("build", f'echo "build $WARPDRIVE_PHASE $WARPDRIVE_ACTION $FROM_BUILD_ENV" >> {log}\n')
    app.write("requirements.txt", "# nothing yet\n")
    r = app.run("build", env=build_env(app), check=True)
    assert log.read_text() == "pre-build build\nbuild build build set by build-env\n"
    out = r.stdout
    pre = out.index(" -----> Running .warpdrive/action_hooks/pre-build")
    deps = out.index(" -----> Installing dependencies with pip (requirements.txt)")
    hook = out.index(" -----> Running .warpdrive/action_hooks/build")
    assert pre < deps < hook


def test_pyproject_installed_editable(app, shared_tmp):
    app.write("pyproject.toml", textwrap.dedent("""\
        [build-system]
        requires = ["setuptools"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "wdedit"
        version = "1.0"

        [tool.setuptools]
        py-modules = ["wdedit"]
        """))
    module = app.write("wdedit.py", "VALUE = 'before'\n")
    r = app.run("build", env=build_env(app), check=True)
    assert " -----> Installing the application with pip (editable, pyproject.toml)" in r.stdout
    assert import_value(app, "wdedit") == "before"
    module.write_text("VALUE = 'after'\n")
    assert import_value(app, "wdedit") == "after"


def test_cache_skips_pip_entirely_then_reinstalls_on_change_and_force(wheelhouse_app):
    app = wheelhouse_app
    pip_log = app.root / "data" / "pip.log"
    # pip appends to PIP_LOG every time it runs: an independent witness.
    env = build_env(app, PIP_LOG=pip_log, WARPDRIVE_DEBUG=1)
    app.run("build", env=env, check=True)
    assert pip_log.exists()
    pip_log.unlink()

    second = app.run("build", env=env, check=True)
    assert not pip_log.exists()
    assert " -----> Dependencies unchanged since the last build; not installing them " \
           "(warpdrive build --force reinstalls)" in second.stdout
    traced = [line for line in second.stderr.splitlines() if line.startswith("+ ")]
    assert not [line for line in traced if "pip" in line or "python" in line], traced

    app.write("requirements.txt", "wdprobe==0.2\n")
    third = app.run("build", env=env, check=True)
    assert pip_log.exists()
    assert " -----> Installing dependencies with pip (requirements.txt)" in third.stdout
    assert import_value(app, "wdprobe") == "two"
    pip_log.unlink()

    forced = app.run("build", "--force", env=env, check=True)
    assert pip_log.exists() and "Installing dependencies with pip" in forced.stdout
    pip_log.unlink()
    app.run("build", env={**env, "WARPDRIVE_FORCE_INSTALL": "1"}, check=True)
    assert pip_log.exists()
    pip_log.unlink()
    app.run("build", env=env, check=True)
    assert not pip_log.exists()


def test_nested_requirement_file_change_reinstalls(wheelhouse_app):
    app = wheelhouse_app
    app.write("requirements.txt", "-r requirements/base.txt\n")
    app.write("requirements/base.txt", "wdprobe==0.1\n")
    app.run("build", env=build_env(app), check=True)
    assert import_value(app, "wdprobe") == "one"
    app.write("requirements/base.txt", "wdprobe==0.2\n")
    r = app.run("build", env=build_env(app), check=True)
    assert "Installing dependencies with pip" in r.stdout
    assert import_value(app, "wdprobe") == "two"


def test_dry_run_prints_the_plan_and_runs_nothing(wheelhouse_app):
    app = wheelhouse_app
    app.hook("pre-build", f"touch {app.root}/data/ran\n")
    r = app.run("build", "--dry-run", env=build_env(app), check=True)
    assert "virtualenv:\n  create: /usr/bin/python3 -m venv --system-site-packages " in r.stdout
    assert f" --no-index --src {app.root}/tmp/warpdrive/pip-src -r {app.src}/requirements.txt\n" in r.stdout
    assert "  requirements requirements.txt: " in r.stdout
    assert not (app.root / "bin").exists() and not (app.root / "data" / "ran").exists()


def startproject(app):
    subprocess.run([SYSTEM_PYTHON, "-m", "django", "startproject", "mysite", "."], cwd=app.src, check=True)


def test_django_collectstatic_into_app_root_tmp_and_cache(app):
    startproject(app)
    env = build_env(app, WARPDRIVE_DEBUG=1)
    r = app.run("build", env=env, check=True)
    static = app.root / "tmp" / "django" / "static"
    assert " -----> Collecting static files for Django" in r.stdout
    assert (static / "admin" / "css" / "base.css").is_file()
    assert record(app)["django"] == {
        "settings_module": "mysite.settings",
        "wsgi_application": "mysite.wsgi.application",
        "static_url": "/static/",
        "static_root": str(static),
        "asgi_application": "",
    }

    again = app.run("build", env=env, check=True)
    assert " -----> Source and dependencies unchanged since the last build; not collecting static files " \
           "again" in again.stdout
    assert [line for line in again.stderr.splitlines() if line.startswith("+ ")] == []
    assert record(app)["django"]["static_root"] == str(static)

    # A source edit runs collectstatic again, but not pip.
    app.write("mysite/extra.py", "X = 1\n")
    third = app.run("build", env=env, check=True)
    assert " -----> Collecting static files for Django" in third.stdout
    assert "Dependencies unchanged" in third.stdout


def test_django_full_control_mode_skips_collectstatic(app):
    startproject(app)
    r = app.run("build", env=build_env(app, WARPDRIVE_DEPLOY_MODE="mod_wsgi"), check=True)
    assert " -----> Not collecting static files for Django: deploy mode mod_wsgi (variable WARPDRIVE_DEPLOY_MODE) " \
           "does not collect static files; a build hook can run collectstatic" in r.stdout
    assert not (app.root / "tmp" / "django").exists()
    assert record(app)["django"] is None


def test_django_disable_collectstatic_still_records_facts(app):
    startproject(app)
    r = app.run("build", env=build_env(app, DISABLE_COLLECTSTATIC=1), check=True)
    assert "Not collecting static files for Django: DISABLE_COLLECTSTATIC is set" in r.stdout
    assert not (app.root / "tmp" / "django").exists()
    assert record(app)["django"]["wsgi_application"] == "mysite.wsgi.application"


def test_failing_collectstatic_fails_the_build_with_djangos_message(app):
    startproject(app)
    settings = app.src / "mysite" / "settings.py"
    settings.write_text(settings.read_text() + "\nSTATIC_ROOT = '/tmp/wd-static'\nSTATICFILES_DIRS = [STATIC_ROOT]\n")
    r = app.run("build", env=build_env(app))
    assert r.returncode == 1
    assert "The STATICFILES_DIRS setting should not contain the STATIC_ROOT setting." in r.stderr
    assert r.stderr.endswith(
        f"warpdrive: error: Django collectstatic for {app.src}/manage.py failed with exit status 1 "
        "(Django's message is above; set DISABLE_COLLECTSTATIC=1 to skip it)\n")
    assert not (app.root / "markers" / "build.json").exists()


# Bad input: a clear error naming the file, non-zero exit, nothing recorded.

def assert_failed(app, r, message, status=1):
    assert r.returncode == status, r.stderr
    assert r.stderr.endswith(f"warpdrive: error: {message}\n"), r.stderr
    assert not (app.root / "markers" / "build.json").exists()


def test_requirement_pip_cannot_find(app):
    app.write("requirements.txt", "wd-no-such-package==1.0\n")
    r = app.run("build", env=build_env(app))
    assert "No matching distribution found for wd-no-such-package==1.0" in r.stderr
    assert_failed(app, r, f"{app.src}/requirements.txt: pip install failed with exit status 1 "
                          "(pip's message is above)")


def test_failed_install_removes_the_old_record(wheelhouse_app):
    app = wheelhouse_app
    app.run("build", env=build_env(app), check=True)
    app.write("requirements.txt", "wdprobe==9.9\n")
    r = app.run("build", env=build_env(app))
    assert_failed(app, r, f"{app.src}/requirements.txt: pip install failed with exit status 1 "
                          "(pip's message is above)")


def test_failing_pre_build_hook(app):
    app.hook("pre-build", "exit 3\n")
    app.hook("build", f"touch {app.root}/data/build-ran\n")
    r = app.run("build", env=build_env(app))
    assert_failed(app, r, f"hook {app.src}/.warpdrive/action_hooks/pre-build failed with exit status 3", 3)
    assert not (app.root / "data" / "build-ran").exists()


def test_failing_build_hook(app):
    app.hook("build", "exit 4\n")
    r = app.run("build", env=build_env(app))
    assert_failed(app, r, f"hook {app.src}/.warpdrive/action_hooks/build failed with exit status 4", 4)


def test_invalid_pyproject(app):
    app.write("pyproject.toml", "[project]\nname = \"x\"\nversion = \n")
    r = app.run("build", env=build_env(app))
    assert_failed(app, r, f"{app.src}/pyproject.toml:3:11: not valid TOML: Error while parsing key-value "
                          "pair: expected value, saw '\\n'")


def test_two_lock_files(app):
    app.write("Pipfile.lock", "{}\n")
    app.write("poetry.lock", "\n")
    r = app.run("build", env=build_env(app))
    assert_failed(app, r, f"more than one lock file in {app.src}: poetry.lock, Pipfile.lock; warpdrive will not "
                          "guess which one is current: remove the stale ones, or set WARPDRIVE_INSTALLER to uv, "
                          "poetry, pipenv or pdm to choose (pip: requirements files only)")


def test_lock_file_tool_missing_offline(app, shared_tmp):
    # Offline, warpdrive cannot install uv for itself: the error says what to do.
    app.write("uv.lock", "version = 1\n")
    tools = shared_tmp / "tools"
    r = app.run("build", env=build_env(app, WARPDRIVE_TOOLS_DIR=tools))
    assert_failed(app, r, f"installing uv==0.13.9 into {tools}/uv-0.13.9 failed with exit status 1 (pip's message "
                          "is above) (WARPDRIVE_PIP_NO_INDEX: it must be in the wheelhouse); put uv on PATH, or "
                          "choose another version with WARPDRIVE_UV_VERSION")
    assert not (tools / "uv-0.13.9").exists()


def test_wheelhouse_that_is_a_file(app):
    app.write(".warpdrive/wheelhouse", "oops\n")
    r = app.run("build", env=build_env(app))
    assert_failed(app, r, f"{app.src}/.warpdrive/wheelhouse is not a directory: .warpdrive/wheelhouse must be "
                          "a directory of wheels (pip --find-links); move the file away")


def test_unknown_server_type(app):
    r = app.run("build", env=build_env(app, WARPDRIVE_SERVER_TYPE="tomcat"))
    assert_failed(app, r, "unknown server type 'tomcat' (variable WARPDRIVE_SERVER_TYPE); valid types: mod_wsgi, "
                          "gunicorn, uwsgi, waitress, uvicorn, hypercorn, daphne, granian")


def test_server_not_importable_offline(app):
    app.write("wsgi.py", "application = None\n")
    env = build_env(app, WARPDRIVE_SERVER_TYPE="gunicorn")
    del env["WARPDRIVE_SYSTEM_SITE_PACKAGES"]
    r = app.run("build", env=env)
    assert_failed(app, r, f"start will use gunicorn (server type from the variable WARPDRIVE_SERVER_TYPE), and it "
                          f"cannot run: the Python module(s) "
                          f"gunicorn, whitenoise (for {app.root}/bin/python) is missing and "
                          "WARPDRIVE_PIP_NO_INDEX forbids installing it with pip; install python3-gunicorn "
                          "python3-whitenoise (Debian; build with WARPDRIVE_SYSTEM_SITE_PACKAGES=1 so the "
                          "virtualenv sees Debian's Python packages), or choose another server with "
                          "WARPDRIVE_SERVER_TYPE or .warpdrive/server_type (mod_wsgi, gunicorn, uwsgi, waitress, uvicorn, "
                          "hypercorn, daphne, granian)")


def test_gunicorn_server_check_passes_with_system_packages(app):
    app.write("wsgi.py", "application = None\n")
    r = app.run("build", env=build_env(app, WARPDRIVE_SERVER_TYPE="gunicorn"), check=True)
    assert " -----> Checking the gunicorn server" in r.stdout
