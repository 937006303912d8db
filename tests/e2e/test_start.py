"""warpdrive start end to end: real gunicorn, uWSGI and Waitress on free
127.0.0.1 ports, a hello WSGI app and a `django-admin startproject` project,
as root and as an arbitrary UID in group 0, stopped by SIGTERM. (mod_wsgi has
its own tests in test_start_mod_wsgi*.py.)
"""
import json
import os
import signal
import socket
import subprocess

import pytest

from conftest import (SYSTEM_PYTHON, App, free_port, http_get, process_output,
                      running, stop_and_check, wait_for_http)

SERVERS = ["gunicorn", "uwsgi", "waitress"]

HELLO = '''import os

def application(environ, start_response):
    body = ("hello from wsgi in " + os.getcwd()).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''






def start(app: App, port: int, as_uid: bool = False, **extra) -> subprocess.Popen:
    env = app.env(WARPDRIVE_HTTP_PORT=port, WARPDRIVE_PYTHON=SYSTEM_PYTHON, **extra)
    return app.popen("start", env=env, as_uid=as_uid)


def serve(app: App, port: int, path: str = "/", as_uid: bool = False, **extra):
    """Starts warpdrive, waits for `path`, returns (proc, (status, headers, body))."""
    proc = start(app, port, as_uid=as_uid, **extra)
    try:
        answer = wait_for_http(f"http://127.0.0.1:{port}{path}", timeout=60, proc=proc)
    except AssertionError:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise AssertionError(process_output(proc))
    return proc, answer


def dry_run(app: App, *args, **extra) -> subprocess.CompletedProcess:
    return app.run("start", *args, env=app.env(WARPDRIVE_PYTHON=SYSTEM_PYTHON, **extra))


# --- every server x (hello, Django) x (root, arbitrary UID) -------------------------------------


@pytest.mark.parametrize("as_uid", [False, True], ids=["root", "arbitrary-uid"])
@pytest.mark.parametrize("server", SERVERS)
def test_hello_wsgi(app, server, as_uid):
    app.write("wsgi.py", HELLO)
    port = free_port()
    proc, (status, _, body) = serve(app, port, as_uid=as_uid, WARPDRIVE_SERVER_TYPE=server)
    with running(proc):
        assert status == 200
        assert body == f"hello from wsgi in {app.src}".encode()
        assert stop_and_check(proc) < 5.0


@pytest.mark.parametrize("as_uid", [False, True], ids=["root", "arbitrary-uid"])
@pytest.mark.parametrize("server", SERVERS)
def test_django(django_app, server, as_uid):
    port = free_port()
    proc, (status, _, body) = serve(django_app, port, as_uid=as_uid, WARPDRIVE_SERVER_TYPE=server)
    with running(proc):
        assert status == 200, body
        assert b"The install worked successfully!" in body
        status, headers, css = http_get(f"http://127.0.0.1:{port}/static/admin/css/base.css")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert b"DJANGO Administration" in css or b"body" in css
        assert stop_and_check(proc) < 5.0


def test_django_plan_uses_the_build_record(django_app):
    plan = json.loads(dry_run(django_app, "--json", WARPDRIVE_SERVER_TYPE="gunicorn").stdout)
    assert plan["mode"] == "django"
    assert plan["argv"][-1] == "warpdrive_static:application"
    assert plan["env"]["WARPDRIVE_WRAPPED_APPLICATION"] == "mysite.wsgi:application"
    mounts = json.loads(plan["env"]["WARPDRIVE_STATIC_MOUNTS"])
    assert mounts == [["/static/", str(django_app.root / "tmp" / "django" / "static")]]
    assert f"Django settings from the build record {django_app.root}/markers/build.json" in plan["notes"]


# An application factory named in APP_MODULE, as gunicorn reads it (the
# OpenShift builder hands APP_MODULE to gunicorn, so apps made for it may use
# Flask's create_app pattern).
FACTORY = '''\
def create_app(greeting="hello", shout=False):
    text = greeting.upper() if shout else greeting

    def application(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [text.encode()]

    return application
'''


@pytest.mark.parametrize("server", [*SERVERS, "mod_wsgi"])
def test_app_module_factory_is_called_by_every_wsgi_server(app, server):
    app.write("shop/__init__.py", FACTORY)
    port = free_port()
    proc, (status, _, body) = serve(app, port, WARPDRIVE_SERVER_TYPE=server,
                                    APP_MODULE="shop:create_app('bonjour', shout=True)")
    with running(proc):
        assert (status, body) == (200, b"BONJOUR"), process_output(proc)
        assert stop_and_check(proc) < 5.0


def test_app_module_factory_with_code_for_arguments_is_refused(app):
    app.write("shop/__init__.py", FACTORY)
    marker = app.root / "ran"
    r = dry_run(app, APP_MODULE=f"shop:create_app(open({str(marker)!r}, 'w').write('x'))")
    assert r.returncode != 0
    assert "a factory's arguments must be literals" in r.stderr, r.stderr
    assert not marker.exists()


# --- the other kinds of application -------------------------------------------------------------


def test_app_sh(app):
    app.write("marker.txt", "served by app.sh\n")
    app.write("app.sh", f'#!/bin/sh\nexec {SYSTEM_PYTHON} -m http.server --bind 127.0.0.1 "$PORT"\n',
              executable=True)
    app.write("wsgi.py", HELLO)  # app.sh comes first
    port = free_port()
    proc, (status, _, body) = serve(app, port, "/marker.txt", WARPDRIVE_SERVER_TYPE="gunicorn")
    with running(proc):
        assert (status, body) == (200, b"served by app.sh\n")


def test_app_py(app):
    app.write("app.py", '''import os
from wsgiref.simple_server import make_server

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("app.py " + os.environ["WARPDRIVE_ACTION"]).encode()]

make_server("127.0.0.1", int(os.environ["WARPDRIVE_HTTP_PORT"]), application).serve_forever()
''')
    app.write("wsgi.py", HELLO)
    port = free_port()
    proc, (status, _, body) = serve(app, port)
    with running(proc):
        assert (status, body) == (200, b"app.py start")


def test_procfile(app):
    app.write("marker.txt", "served by Procfile\n")
    app.write("Procfile", f"worker: false\nweb: exec {SYSTEM_PYTHON} -m http.server --bind 127.0.0.1 $PORT\n")
    port = free_port()
    proc, (status, _, body) = serve(app, port, "/marker.txt")
    with running(proc):
        assert (status, body) == (200, b"served by Procfile\n")


def test_app_module(app):
    app.write("pkg/__init__.py", "")
    app.write("pkg/web.py", HELLO.replace("def application", "def app"))
    port = free_port()
    proc, (status, _, body) = serve(app, port, WARPDRIVE_SERVER_TYPE="gunicorn", APP_MODULE="pkg.web:app")
    with running(proc):
        assert status == 200 and body.startswith(b"hello from wsgi")


def test_warpdrive_home(app):
    app.write(".warpdrive/home", "site\n")
    app.write("site/wsgi.py", HELLO)
    port = free_port()
    proc, (status, _, body) = serve(app, port, WARPDRIVE_SERVER_TYPE="waitress")
    with running(proc):
        assert (status, body) == (200, f"hello from wsgi in {app.src / 'site'}".encode())


@pytest.mark.parametrize("server", SERVERS)
def test_default_page(app, server):
    port = free_port()
    proc, (status, headers, body) = serve(app, port, WARPDRIVE_SERVER_TYPE=server)
    with running(proc):
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"warpdrive is running" in body


def test_hooks_run_before_the_server(app):
    app.write("wsgi.py", HELLO)
    app.hook("deploy-cfg", f'echo cfg >> "{app.root}/hooks.log"\n')
    app.hook("deploy", f'echo "deploy $WARPDRIVE_ACTION" >> "{app.root}/hooks.log"\n')
    port = free_port()
    proc, (status, _, _) = serve(app, port, WARPDRIVE_SERVER_TYPE="gunicorn")
    with running(proc):
        assert status == 200
        assert (app.root / "hooks.log").read_text() == "cfg\ndeploy start\n"


# --- server_args ---------------------------------------------------------------------------------


def test_server_args_are_expanded_never_executed(app, shared_tmp):
    app.write("wsgi.py", HELLO)
    touched = shared_tmp / "touched"
    app.write(".warpdrive/server_args", f'--timeout ${{WD_TIMEOUT}} --name "$(touch {touched})"\n')
    plan = json.loads(dry_run(app, "--json", WARPDRIVE_SERVER_TYPE="gunicorn", WD_TIMEOUT="45").stdout)
    assert plan["argv"][-5:] == ["--timeout", "45", "--name", f"$(touch {touched})", "wsgi:application"]
    port = free_port()
    proc, (status, _, _) = serve(app, port, WARPDRIVE_SERVER_TYPE="gunicorn", WD_TIMEOUT="45")
    with running(proc):
        assert status == 200
        stop_and_check(proc)
    out = process_output(proc)
    assert not touched.exists()
    assert (f"warpdrive: warning: {app.src}/.warpdrive/server_args: line 1: $(...) is not run: warpdrive "
            "expands only $VAR and ${VAR} in server_args and passes the rest on as text") in out


def test_server_args_directory_per_server(app):
    app.write("wsgi.py", HELLO)
    app.write(".warpdrive/server_args/waitress", "--ident=${IDENT}\n")
    app.write(".warpdrive/server_args/gunicorn", "--this-is-not-used\n")
    port = free_port()
    proc, (status, headers, _) = serve(app, port, WARPDRIVE_SERVER_TYPE="waitress", IDENT="wd-ident-test")
    with running(proc):
        assert status == 200
        assert headers["Server"] == "wd-ident-test"


# --- the plan --------------------------------------------------------------------------------------


def test_dry_run_prints_the_plan_and_runs_nothing(app):
    app.write("wsgi.py", HELLO)
    app.hook("deploy", f'touch "{app.root}/deploy-ran"\n')
    result = dry_run(app, "--dry-run", WARPDRIVE_SERVER_TYPE="gunicorn", WARPDRIVE_HTTP_PORT="8111",
                     WEB_CONCURRENCY="3")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "mode: wsgi",
        "server: gunicorn",
        "argv: /usr/bin/gunicorn --bind 0.0.0.0:8111 --access-logfile - --error-logfile - --workers 3 "
        "--threads 4 --worker-tmp-dir /dev/shm wsgi:application",
        f"cwd: {app.src}",
    ]
    assert "env: PORT=8111" in lines
    assert "workers: 3 processes x 4 threads (WEB_CONCURRENCY=3)" in lines
    assert f"note: WSGI application wsgi:application from {app.src}/wsgi.py" in lines
    assert not (app.root / "deploy-ran").exists()
    assert not (app.root / "markers" / "deploy-cfg").exists()


def test_worker_sizing_note_says_why(app):
    app.write("wsgi.py", HELLO)
    plan = json.loads(dry_run(app, "--json", WARPDRIVE_SERVER_TYPE="uwsgi").stdout)
    cpus = len(os.sched_getaffinity(0))
    workers = plan["workers"]
    assert workers["user_set"] is False
    assert workers["threads"] == 4
    assert 1 <= workers["processes"] <= 12
    assert f"{cpus} CPUs" in workers["reason"] or "CPUs (cgroup" in workers["reason"]
    assert any(n.startswith(f"workers: {workers['processes']} processes x 4 threads, sized from ")
               for n in plan["notes"])


# --- bad input -------------------------------------------------------------------------------------


def test_server_not_installed(app, shared_tmp):
    app.write("wsgi.py", HELLO)
    result = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="waitress", PATH=str(shared_tmp)))
    assert result.returncode == 1
    assert result.stderr == ("warpdrive: error: the waitress server is not installed: no waitress-serve on PATH "
                             "(Debian package: python3-waitress; or pip install waitress)\n")


def test_app_module_not_found(app):
    result = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="gunicorn", APP_MODULE="nothere:app"))
    assert result.returncode == 1
    assert result.stderr == (f"warpdrive: error: APP_MODULE names module 'nothere', which was not found: no "
                             f"{app.src}/nothere.py or {app.src}/nothere/__init__.py (nor installed in the "
                             "virtualenv)\n")


def test_wsgi_module_not_found(app):
    result = app.run("start", env=app.env(WARPDRIVE_DEPLOY_MODE="wsgi", WARPDRIVE_WSGI_MODULE_NAME="site.main"))
    assert result.returncode == 1
    assert result.stderr == (f"warpdrive: error: the WSGI module 'site.main' was not found: no {app.src}/site/main.py "
                             f"or {app.src}/site/main/__init__.py (set WARPDRIVE_WSGI_MODULE_NAME or "
                             "APP_MODULE=module:callable)\n")


def test_unknown_server_type_and_deploy_mode(app):
    result = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="nginx"))
    assert result.returncode == 1
    assert result.stderr == ("warpdrive: error: unknown server type 'nginx' (variable WARPDRIVE_SERVER_TYPE); "
                             "valid types: mod_wsgi, gunicorn, uwsgi, waitress, uvicorn, hypercorn, daphne, granian\n")
    app.write(".warpdrive/deploy_mode", "turbo\n")
    result = app.run("start")
    assert result.returncode == 1
    assert result.stderr == (f"warpdrive: error: unknown deploy mode 'turbo' (file {app.src}/.warpdrive/deploy_mode); "
                             "valid modes: auto, shell, python, wsgi, django, or a server name for full control "
                             "(mod_wsgi, gunicorn, uwsgi, waitress, uvicorn, hypercorn, daphne, granian)\n")


def test_server_args_unterminated_brace(app):
    app.write("wsgi.py", HELLO)
    app.write(".warpdrive/server_args", "--timeout 30\n--bind 0.0.0.0:${PORT\n")
    result = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="gunicorn"))
    assert result.returncode == 1
    assert result.stderr == (f"warpdrive: error: {app.src}/.warpdrive/server_args: line 2: unterminated ${{ in "
                             "'${PORT' (expected a closing })\n")


@pytest.mark.parametrize("server,message", [
    ("gunicorn", "Connection in use"),
    ("uwsgi", "Address already in use"),
    ("waitress", "Address already in use"),
])
def test_port_in_use(app, server, message):
    app.write("wsgi.py", HELLO)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = start(app, port, WARPDRIVE_SERVER_TYPE=server)
        with running(proc):
            status = proc.wait(timeout=30)
        assert status != 0
        assert message in process_output(proc)
