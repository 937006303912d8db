"""Apps written for the original warpdrive and for the OpenShift Python
builder (sclorg's s2i-python-container) run unchanged: each app here is
written to one of their rules, built with `warpdrive build` against Django
and gunicorn from the package index (PINS), served by `warpdrive start`, and
must answer with its own page on the port its own configuration names.
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (PINS, SYSTEM_PYTHON, App, free_port, http_get, process_output, running,
                      session_members, stop_and_check, wait_for_http, wheelhouse)

PAGE = '''import os

def application(environ, start_response):
    body = ("{name} remote=" + environ.get("REMOTE_ADDR", "") +
            " server=" + ("mod_wsgi" if "mod_wsgi.version" in environ else
                          environ.get("SERVER_SOFTWARE", "?"))).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''

# app.py that, run as a script, would serve something else: warpdrive must
# serve its `application` instead (sclorg: APP_MODULE wins over app.py).
SCRIPT_APP = PAGE.format(name="app-module") + '''
if __name__ == "__main__":
    from wsgiref.simple_server import make_server
    def other(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ran as a script"]
    make_server("0.0.0.0", int(os.environ.get("PORT", "8080")), other).serve_forever()
'''


def build(app: App, requirements: list[str], **extra) -> subprocess.CompletedProcess:
    """`warpdrive build` into a fresh virtualenv at APP_ROOT made from
    Debian's interpreter, installing `requirements` (pinned names) with the
    wheels of the package index at hand."""
    app.write("requirements.txt", "".join(PINS[n] + "\n" for n in requirements))
    extra.setdefault("PIP_FIND_LINKS", str(wheelhouse("django", "gunicorn", "whitenoise")))
    env = app.env(WARPDRIVE_PYTHON=SYSTEM_PYTHON, **extra)
    return app.run("build", env=env, check=True, timeout=600)


def serve(app: App, port: int, path: str = "/", **extra) -> tuple[subprocess.Popen, tuple]:
    proc = app.popen("start", env=app.env(WARPDRIVE_PYTHON=SYSTEM_PYTHON, **extra))
    try:
        answer = wait_for_http(f"http://127.0.0.1:{port}{path}", timeout=60, proc=proc)
    except AssertionError:
        if proc.poll() is None:
            kill_session(proc.pid)
        proc.wait()
        raise AssertionError(process_output(proc))
    return proc, answer


def gunicorn_workers(sid: int, expected: int, timeout: float = 20) -> int:
    """gunicorn processes in the session, minus the arbiter, once there are
    `expected` of them (workers boot after the first one answers) or at the
    timeout."""
    deadline = time.monotonic() + timeout
    while True:
        names = []
        for pid in session_members(sid):
            try:
                names.append(Path(f"/proc/{pid}/cmdline").read_bytes())
            except OSError:
                pass
        count = sum(1 for n in names if b"gunicorn" in n) - 1
        if count == expected or time.monotonic() > deadline:
            return count
        time.sleep(0.1)


# --- the original warpdrive --------------------------------------------------------------------


def test_original_app_file_beats_environment_and_trusts_the_proxy_header(app):
    """The original's templates set both variables; the app's files win."""
    app.write("wsgi.py", PAGE.format(name="original"))
    app.write(".warpdrive/deploy_mode", "mod_wsgi\n")
    app.write(".warpdrive/server_args", "--trust-proxy-header X-Forwarded-For wsgi.py\n")
    port = free_port()
    env = dict(WARPDRIVE_HTTP_PORT=port, WARPDRIVE_DEPLOY_MODE="auto", WARPDRIVE_SERVER_TYPE="gunicorn")

    plan = app.run("start", "--dry-run", env=app.env(**env), check=True).stdout
    assert f"note: deploy mode mod_wsgi (from the file {app.src}/.warpdrive/deploy_mode)\n" in plan, plan
    assert "server: mod_wsgi\n" in plan

    proc, (status, _, body) = serve(app, port, **env)
    with running(proc):
        assert status == 200
        assert body.startswith(b"original remote=127.0.0.1 server=mod_wsgi"), body
        # X-Forwarded-For is trusted from any proxy only because server_args says so.
        import urllib.request
        request = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"X-Forwarded-For": "203.0.113.7"})
        with urllib.request.urlopen(request, timeout=5) as r:
            assert r.read().startswith(b"original remote=203.0.113.7 server=mod_wsgi")
        assert stop_and_check(proc) < 5.0


def test_deploy_mode_gunicorn_builds_gunicorn_not_the_default_server(app):
    app.write("wsgi.py", PAGE.format(name="full-control"))
    app.write(".warpdrive/deploy_mode", "gunicorn\n")
    port = free_port()
    app.write(".warpdrive/server_args", "wsgi:application\n")
    r = build(app, [], PIP_FIND_LINKS=str(wheelhouse("gunicorn")))
    assert "gunicorn" in r.stdout
    assert (app.root / "bin" / "gunicorn").is_file()
    assert not list((app.root / "lib").glob("python3*/site-packages/mod_wsgi"))
    proc, (status, _, body) = serve(app, port, WARPDRIVE_HTTP_PORT=port)
    with running(proc):
        assert status == 200 and body.startswith(b"full-control remote=127.0.0.1 server=gunicorn"), body
        assert stop_and_check(proc) < 5.0


# --- the OpenShift Python builder's rules ------------------------------------------------------


def test_gunicorn_conf_with_wsgi_app_wins_over_app_py_and_ready_follows_its_bind(app):
    """sclorg rule 1: gunicorn.conf.py naming wsgi_app runs gunicorn with it and
    nothing else; its bind decides the port, and the probes follow that port."""
    port, unused = free_port(), free_port()
    app.write("app.py", SCRIPT_APP)
    app.write("confapp.py", PAGE.format(name="gunicorn-conf"))
    app.write("gunicorn.conf.py", f'wsgi_app = "confapp:application"\nbind = "127.0.0.1:{port}"\nworkers = 2\n')
    build(app, ["gunicorn"])
    env = dict(WARPDRIVE_HTTP_PORT=unused)
    proc, (status, _, body) = serve(app, port, **env)
    with running(proc):
        assert status == 200 and body.startswith(b"gunicorn-conf remote=127.0.0.1 server=gunicorn"), body
        state = json.loads((app.root / "tmp" / "warpdrive" / "run.json").read_text())
        deadline = time.monotonic() + 10
        while not state["listeners"] and time.monotonic() < deadline:
            time.sleep(0.1)
            state = json.loads((app.root / "tmp" / "warpdrive" / "run.json").read_text())
        assert state["server"] == "gunicorn"
        assert state["listeners"] == [{"address": "127.0.0.1", "port": port}]
        ready = app.run("ready", env=app.env(**env))
        assert ready.returncode == 0, ready.stderr
        alive = app.run("alive", env=app.env(**env))
        assert alive.returncode == 0, alive.stderr

        # warpdrive killed outright cannot clean up: the kernel stops the
        # server (parent-death signal), the record stays, and both probes fail.
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 5
        while session_members(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert session_members(proc.pid) == [], "the server outlived warpdrive"
        ready = app.run("ready", env=app.env(**env))
        assert ready.returncode == 1
        assert "ready: gunicorn (pid " in ready.stderr and "is no longer running" in ready.stderr
        alive = app.run("alive", env=app.env(**env))
        assert alive.returncode == 1 and "alive: gunicorn (pid " in alive.stderr


def test_ready_without_a_record_checks_the_http_port_and_a_clean_stop_removes_the_record(app):
    port = free_port()
    app.write("wsgi.py", PAGE.format(name="plain"))
    build(app, ["gunicorn"])
    proc, (status, _, _) = serve(app, port, WARPDRIVE_HTTP_PORT=port)
    with running(proc):
        assert status == 200
        assert stop_and_check(proc) < 5.0
    assert not (app.root / "tmp" / "warpdrive" / "run.json").exists()
    ready = app.run("ready", env=app.env(WARPDRIVE_HTTP_PORT=port))
    assert ready.returncode == 1
    assert ready.stderr.endswith(f"warpdrive: error: ready: nothing accepted a connection on 127.0.0.1:{port} "
                                 "within 1 s\n")
    assert app.run("alive", env=app.env(WARPDRIVE_HTTP_PORT=port)).returncode == 0


def test_app_module_serves_the_callable_even_with_an_app_py(app):
    """sclorg rules 3-5: APP_MODULE=app:application with app.py present is served
    under gunicorn, never run as `python app.py`; PORT names the port."""
    port = free_port()
    app.write("app.py", SCRIPT_APP)
    build(app, ["gunicorn"])
    proc, (status, _, body) = serve(app, port, APP_MODULE="app:application", PORT=port)
    with running(proc):
        assert status == 200 and body.startswith(b"app-module remote=127.0.0.1 server=gunicorn"), body
        assert stop_and_check(proc) < 5.0


@pytest.mark.parametrize("metadata", ["pyproject", "setup.cfg", "setup.py"])
def test_the_projects_own_module_is_the_entry_point(app, metadata):
    """sclorg rule 5: no APP_MODULE and no wsgi.py: the project's name is the module."""
    port = free_port()
    app.write("testapp.py", PAGE.format(name="testapp"))
    if metadata == "pyproject":
        app.write("pyproject.toml", '[project]\nname = "testapp"\nversion = "1.0"\n')
    elif metadata == "setup.cfg":
        app.write("setup.cfg", "[metadata]\nname = testapp\nversion = 1.0\n")
    else:
        app.write("setup.py", "from setuptools import setup\nsetup(name='testapp', version='1.0', "
                              "py_modules=['testapp'])\n")
    plan = app.run("start", "--dry-run", env=app.env(WARPDRIVE_PYTHON=SYSTEM_PYTHON, PORT=port,
                                                     GUNICORN_CMD_ARGS="--workers=1"))
    assert plan.returncode == 0, plan.stderr
    assert "testapp:application" in plan.stdout, plan.stdout
    if metadata != "pyproject":
        return  # detection only; one of them is built and served
    build(app, ["gunicorn"])
    proc, (status, _, body) = serve(app, port, PORT=port, GUNICORN_CMD_ARGS=f"--bind=127.0.0.1:{port} --workers=2")
    with running(proc):
        assert status == 200 and body.startswith(b"testapp remote=127.0.0.1 server=gunicorn"), body
        assert gunicorn_workers(proc.pid, 2) == 2
        assert stop_and_check(proc) < 5.0


def test_app_config_bind_decides_the_port_and_web_concurrency_the_workers(app):
    port = free_port()
    app.write("wsgi.py", PAGE.format(name="app-config"))
    app.write("deploy/gunicorn_settings.py", f'bind = "0.0.0.0:{port}"\n')
    build(app, ["gunicorn"])
    proc, (status, _, body) = serve(app, port, APP_CONFIG="deploy/gunicorn_settings.py", WEB_CONCURRENCY=3)
    with running(proc):
        assert status == 200 and body.startswith(b"app-config remote=127.0.0.1 server=gunicorn"), body
        assert gunicorn_workers(proc.pid, 3) == 3
        assert stop_and_check(proc) < 5.0


# --- Django, learnt by running the project's own manage.py -------------------------------------


def test_django_manage_py_that_assigns_the_settings_module(app):
    subprocess.run([SYSTEM_PYTHON, "-m", "django", "startproject", "mysite", str(app.src)], check=True,
                   env={**os.environ, "PYTHONPATH": ""}, capture_output=True)
    (app.src / "mysite" / "production.py").write_text("from .settings import *\nDEBUG = False\n"
                                                      "ALLOWED_HOSTS = ['*']\n")
    manage = app.src / "manage.py"
    text = manage.read_text()
    start = text.index("    os.environ.setdefault(")
    end = text.index("\n", start)
    # Assigned, and computed: no regular expression over manage.py can know it.
    manage.write_text(text[:start] + '    os.environ["DJANGO_SETTINGS_MODULE"] = ".".join(["mysite", "production"])'
                      + text[end:])
    r = build(app, ["django", "gunicorn", "whitenoise"])
    assert " -----> Collecting static files for Django" in r.stdout
    static = app.root / "tmp" / "django" / "static"
    assert (static / "admin" / "css" / "base.css").is_file()
    facts = json.loads((app.root / "markers" / "build.json").read_text())["django"]
    assert facts["settings_module"] == "mysite.production"

    port = free_port()
    env = dict(WARPDRIVE_HTTP_PORT=port, WARPDRIVE_SERVER_TYPE="gunicorn")
    plan = json.loads(app.run("start", "--json", env=app.env(**env), check=True).stdout)
    assert plan["env"]["DJANGO_SETTINGS_MODULE"] == "mysite.production"
    proc, (status, _, body) = serve(app, port, path="/static/admin/css/base.css", **env)
    with running(proc):
        assert status == 200 and b"body" in body
        # DEBUG = False: the production settings are the ones served (404 without the debug page).
        status, _, body = http_get(f"http://127.0.0.1:{port}/no-such-page")
        assert status == 404 and b"Page not found" not in body and b"Not Found" in body
        assert stop_and_check(proc) < 5.0


def test_enter_runs_the_command_as_given(app):
    """The original's `warpdrive enter CMD`: no deploy environment, the status passed on."""
    app.write(".warpdrive/environment", "FROM_APP=yes\n")
    r = app.run("enter", "sh", "-c", 'echo "phase=${WARPDRIVE_PHASE-unset} app=${FROM_APP-unset} x=$X"; exit 7',
                env=app.env(X="given"))
    assert r.returncode == 7
    assert r.stdout == "phase=unset app=unset x=given\n"
    r = app.run("enter")
    assert r.returncode == 2 and "enter: no command given" in r.stderr
