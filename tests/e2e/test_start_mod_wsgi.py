"""warpdrive start with the mod_wsgi server: a real Apache 2.4 with Debian's
mod_wsgi, on free 127.0.0.1 ports, started through `warpdrive start`, as
root and as an arbitrary UID in group 0, stopped by SIGTERM.
"""
import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import (ARBITRARY_UID, SYSTEM_PYTHON, App, free_port, http_get, make_shared_dir, make_venv,
                      process_output, running, session_members, stop_and_check, wait_for_http,
                      warpdrive_binary)

HELLO = '''import os, time

def application(environ, start_response):
    if environ.get("PATH_INFO") == "/slow":
        time.sleep(30)
    body = ("hello from mod_wsgi uid=%d cwd=%s" % (os.getuid(), os.getcwd())).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''




def daemon_processes(sid: int) -> list[int]:
    """The mod_wsgi daemon processes (display-name (wsgi:warpdrive)) in the session."""
    found = []
    for pid in session_members(sid):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"(wsgi:warpdrive)"):
                found.append(pid)
        except OSError:
            pass
    return found




def serve(app: App, port: int, path: str = "/", as_uid: bool = False, **extra):
    env = app.env(WARPDRIVE_HTTP_PORT=port, WARPDRIVE_PYTHON=SYSTEM_PYTHON, WARPDRIVE_SERVER_TYPE="mod_wsgi",
                  **extra)
    proc = app.popen("start", env=env, as_uid=as_uid)
    try:
        answer = wait_for_http(f"http://127.0.0.1:{port}{path}", timeout=60, proc=proc)
    except AssertionError:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise AssertionError(process_output(proc))
    return proc, answer


def conf_text(app: App) -> str:
    return (app.root / "tmp/warpdrive/apache/httpd.conf").read_text()


@pytest.mark.parametrize("as_uid", [False, True], ids=["root", "arbitrary-uid"])
def test_hello_wsgi(app, as_uid):
    make_venv(app.root)
    app.write("wsgi.py", HELLO)
    port = free_port()
    proc, (status, _, body) = serve(app, port, as_uid=as_uid)
    with running(proc):
        assert status == 200, body
        text = body.decode()
        assert text.startswith("hello from mod_wsgi uid="), text
        uid = int(re.search(r"uid=(\d+)", text).group(1))
        if as_uid:
            assert uid == ARBITRARY_UID
            assert "\nUser " not in conf_text(app)
        else:
            # Apache will not serve as root: it switched to www-data (no build user here).
            assert uid == 33
            assert 'User "www-data"' in conf_text(app) and 'Group "#0"' in conf_text(app)
        assert f"cwd={app.src}" in text
        assert stop_and_check(proc) < 5.0


@pytest.mark.parametrize("as_uid", [False, True], ids=["root", "arbitrary-uid"])
def test_django(django_app, as_uid):
    if as_uid:
        # The root case may have run first on this shared tree and left
        # tmp/warpdrive/apache root-owned (0755): fix the tree up for group 0
        # again, as an image build does after everything root ran.
        django_app.run("fixup", str(django_app.root), check=True)
    port = free_port()
    proc, (status, _, body) = serve(django_app, port, as_uid=as_uid)
    with running(proc):
        assert status == 200, body
        assert b"The install worked successfully!" in body
        status, headers, css = http_get(f"http://127.0.0.1:{port}/static/admin/css/base.css")
        assert status == 200
        assert headers["Content-Type"].startswith("text/css")
        assert b"body" in css
        status, _, _ = http_get(f"http://127.0.0.1:{port}/static/admin/css/no-such.css")
        assert status == 404
        conf = conf_text(django_app)
        assert f'Alias "/static" "{django_app.root}/tmp/django/static"' in conf
        assert stop_and_check(proc) < 5.0


@pytest.mark.parametrize("as_uid", [False, True], ids=["root", "arbitrary-uid"])
def test_sigterm_stops_apache_with_a_request_in_flight(app, as_uid):
    app.write("wsgi.py", HELLO)
    port = free_port()
    proc, (status, _, _) = serve(app, port, as_uid=as_uid)
    with running(proc):
        assert status == 200
        def slow_request():
            try:
                http_get(f"http://127.0.0.1:{port}/slow", 40)
            except OSError:
                pass  # Apache stopping cuts it off: expected
        slow = threading.Thread(target=slow_request, daemon=True)
        slow.start()
        time.sleep(0.5)
        assert daemon_processes(proc.pid)
        assert stop_and_check(proc) < 5.0


def test_mod_wsgi_variables_shape_the_running_server(app):
    app.write("wsgi.py", HELLO)
    port = free_port()
    proc, (status, _, _) = serve(app, port, MOD_WSGI_PROCESSES=2, MOD_WSGI_THREADS=3, MOD_WSGI_ACCESS_LOG=1,
                                 MOD_WSGI_REQUEST_TIMEOUT=30, MOD_WSGI_LIMIT_REQUEST_BODY=100,
                                 MOD_WSGI_SERVER_STATUS=1)
    with running(proc):
        assert status == 200
        conf = conf_text(app)
        assert " processes=2 threads=3 " in conf
        assert " request-timeout=30 " in conf
        assert "\nLimitRequestBody 100\n" in conf
        assert len(daemon_processes(proc.pid)) == 2
        # LimitRequestBody is enforced by Apache itself.
        req = urllib.request.Request(f"http://127.0.0.1:{port}/", data=b"x" * 1000, method="POST")
        try:
            code = urllib.request.urlopen(req, timeout=5).status
        except urllib.error.HTTPError as e:
            code = e.code
        assert code == 413
        status, _, page = http_get(f"http://127.0.0.1:{port}/server-status?auto")
        assert status == 200 and b"BusyWorkers" in page
        http_get(f"http://127.0.0.1:{port}/logged-path")
        time.sleep(1)  # Apache logs the request after answering it: let it finish before SIGTERM
        stop_and_check(proc)
        out = process_output(proc)
        assert re.search(r'"GET /logged-path HTTP/1.1" 200 \d+', out), out


def test_event_mpm_serves_too(app):
    app.write("wsgi.py", HELLO)
    port = free_port()
    proc, (status, _, body) = serve(app, port, MOD_WSGI_SERVER_MPM="event")
    with running(proc):
        assert status == 200, body
        assert "LoadModule mpm_event_module" in conf_text(app)


def test_server_args_url_alias_and_threads(app):
    app.write("wsgi.py", HELLO)
    files = make_shared_dir(app.root / "files")
    (files / "site.css").write_text("body { color: red }\n")
    app.write(".warpdrive/server_args/mod_wsgi", "--threads 4 --url-alias /files ${WARPDRIVE_APP_ROOT}/files\n")
    port = free_port()
    proc, (status, _, _) = serve(app, port)
    with running(proc):
        assert status == 200
        status, headers, css = http_get(f"http://127.0.0.1:{port}/files/site.css")
        assert status == 200 and headers["Content-Type"].startswith("text/css") and css == b"body { color: red }\n"
        assert " threads=4 " in conf_text(app)


def test_default_page(app):
    port = free_port()
    proc, (status, headers, body) = serve(app, port)
    with running(proc):
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"warpdrive is running" in body


def test_default_page_under_full_control(app):
    """The server named by the deploy mode and no entry point in server_args:
    Apache loads start's default page as a script (default.wsgi)."""
    port = free_port()
    proc, (status, headers, body) = serve(app, port, WARPDRIVE_DEPLOY_MODE="mod_wsgi")
    with running(proc):
        assert status == 200
        assert headers["Content-Type"] == "text/html; charset=utf-8"
        assert b"warpdrive is running" in body
        assert (app.root / "tmp/warpdrive/apache/default.wsgi").is_file()


def test_reload_on_changes_restarts_the_daemon(app):
    """MOD_WSGI_RELOAD_ON_CHANGES: the reloader thread notices the changed
    module and restarts the daemon process, which then serves the new code."""
    version = ('def application(environ, start_response):\n'
               '    start_response("200 OK", [("Content-Type", "text/plain")])\n'
               '    return [b"version %d"]\n')
    app.write("wsgi.py", version % 1)
    port = free_port()
    proc, (status, _, body) = serve(app, port, MOD_WSGI_RELOAD_ON_CHANGES="1")
    with running(proc):
        assert (status, body) == (200, b"version 1")
        module = app.src / "wsgi.py"
        module.write_text(version % 2)
        later = module.stat().st_mtime + 5
        os.utime(module, (later, later))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _, body = http_get(f"http://127.0.0.1:{port}/", timeout=5.0)
            except OSError:
                status, body = None, b""
            if body == b"version 2":
                break
            time.sleep(0.2)
        assert body == b"version 2", body
        assert proc.poll() is None


def test_bad_mod_wsgi_value_is_an_error_naming_it(app):
    app.write("wsgi.py", HELLO)
    result = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="mod_wsgi", MOD_WSGI_SERVER_MPM="winnt"))
    assert result.returncode == 1
    assert result.stderr.endswith(
        "warpdrive: error: MOD_WSGI_SERVER_MPM='winnt': expected one of prefork, event, worker\n"), result.stderr
    result = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="mod_wsgi", MOD_WSGI_APPLICATION_TYPE="paste"))
    assert result.returncode == 1
    assert "MOD_WSGI_APPLICATION_TYPE='paste': Paste Deploy configuration files are not supported" in result.stderr


def test_unknown_server_args_option(app):
    app.write("wsgi.py", HELLO)
    app.write(".warpdrive/server_args/mod_wsgi", "--no-such-option 3\n")
    result = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="mod_wsgi"))
    assert result.returncode == 1
    assert "warpdrive: error: server_args: unknown mod_wsgi option '--no-such-option'; warpdrive supports" \
        in result.stderr


def test_port_in_use_fails_with_apaches_message(app):
    app.write("wsgi.py", HELLO)
    import socket
    with socket.socket() as s:
        s.bind(("0.0.0.0", 0))
        s.listen()
        port = s.getsockname()[1]
        result = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="mod_wsgi", WARPDRIVE_HTTP_PORT=port),
                         timeout=30)
    assert result.returncode != 0
    assert "Address already in use" in result.stdout + result.stderr


def test_stopping_apache_does_not_signal_the_script_that_started_it(app):
    # Apache's prefork MPM stops its children with killpg(getpgrp()). Started
    # from a script without job control, it would share the script's process
    # group and kill the script too; warpdrive gives it a group of its own.
    app.write("wsgi.py", HELLO)
    port = free_port()
    script = f'''
"{app.binary}" start &
pid=$!
for i in $(seq 1 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:{port}/" 2>/dev/null && break
  sleep 0.1
done
kill -TERM $pid
wait $pid
echo "script survived, start exited $?"
'''
    env = app.env(WARPDRIVE_HTTP_PORT=port, WARPDRIVE_PYTHON=SYSTEM_PYTHON, WARPDRIVE_SERVER_TYPE="mod_wsgi")
    r = subprocess.run(["bash", "-c", script], env=env, cwd=app.src, capture_output=True, text=True,
                       timeout=60, start_new_session=True)
    assert "script survived, start exited 0\n" in r.stdout, (r.returncode, r.stdout, r.stderr[-2000:])


# --- mod_wsgi-express start-server options on the generated configuration ---

ENVIRON_APP = '''import json, os

def application(environ, start_response):
    keys = ("GREETING", "SCRIPT_NAME", "PATH_INFO", "REMOTE_ADDR")
    body = json.dumps({k: environ.get(k) for k in keys}).encode() + b" " + b"padding " * 200
    start_response("200 OK", [("Content-Type", "text/html")])
    return [body]
'''


def test_server_args_express_options_on_the_generated_configuration(app):
    app.write("wsgi.py", ENVIRON_APP)
    files = make_shared_dir(app.root / "files")
    (files / "index.html").write_text("the index\n")
    app.write(".warpdrive/server_args/mod_wsgi",
              "--setenv GREETING 'hello there' --mount-point /app --url-alias /files ${WARPDRIVE_APP_ROOT}/files "
              "--directory-index index.html --compress-responses --keep-alive-timeout 5 --graceful-timeout 20 "
              "--restart-interval 3600 --error-document 404 /files/index.html --enable-sendfile "
              "--trust-proxy 127.0.0.1 --trust-proxy-header X-Forwarded-For --locale C.UTF-8\n")
    port = free_port()
    proc, (status, _, body) = serve(app, port, path="/app/x")
    with running(proc):
        assert status == 200, body
        doc = json.loads(body[:body.index(b"}") + 1])
        assert doc["GREETING"] == "hello there"
        assert doc["SCRIPT_NAME"] == "/app" and doc["PATH_INFO"] == "/x"
        req = urllib.request.Request(f"http://127.0.0.1:{port}/app/", headers={"Accept-Encoding": "gzip",
                                                                                "X-Forwarded-For": "203.0.113.9"})
        with urllib.request.urlopen(req, timeout=5) as r:
            assert r.headers.get("Content-Encoding") == "gzip"
            page = gzip.decompress(r.read())
            doc = json.loads(page[:page.index(b"}") + 1])
            assert doc["REMOTE_ADDR"] == "203.0.113.9"
        status, _, page = http_get(f"http://127.0.0.1:{port}/files/")
        assert status == 200 and page == b"the index\n"
        status, _, page = http_get(f"http://127.0.0.1:{port}/files/missing.css")
        assert status == 404 and page == b"the index\n"
        conf = conf_text(app)
        assert "\nKeepAliveTimeout 5\n" in conf and " graceful-timeout=20 " in conf
        assert " restart-interval=3600" in conf and "\nEnableSendfile On\n" in conf
        assert stop_and_check(proc) < 5.0


def test_server_args_option_that_cannot_work_says_why(app):
    app.write("wsgi.py", HELLO)
    app.write(".warpdrive/server_args/mod_wsgi", "--https-port 8443\n")
    result = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="mod_wsgi"))
    assert result.returncode == 1
    assert result.stderr.endswith(
        "warpdrive: error: server_args --https-port: not supported with the generated Apache configuration: "
        "warpdrive's Apache serves plain HTTP; terminate TLS (and HTTP/2) at the router or ingress in front of "
        "it\n"), result.stderr


# --- mod_wsgi-express from the package index, and New Relic ---

NEWRELIC_APP = '''import os, sys

def application(environ, start_response):
    agent = "newrelic.config" in sys.modules  # imported only by the agent's bootstrap
    body = ("express pid=%d agent=%s admin=%s" % (os.getpid(), agent,
            os.environ.get("NEW_RELIC_ADMIN_COMMAND", "-"))).encode()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


@pytest.fixture(scope="module")
def express_app():
    """An app root that is a virtualenv (Debian's /usr/bin/python3) with
    mod_wsgi (mod_wsgi-express, compiled against apache2-dev) and newrelic
    from the package index, at the pinned versions."""
    from conftest import pins
    tmp = Path(tempfile.mkdtemp(prefix="wd-e2e-modwsgi-express-", dir="/tmp"))
    tmp.chmod(0o777)
    app = App(make_shared_dir(tmp / "app-root"), warpdrive_binary())
    make_venv(app.root, system_site_packages=False)
    r = subprocess.run([str(app.root / "bin" / "pip"), "install", "-q", *pins("mod_wsgi", "newrelic")],
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    assert (app.root / "bin" / "mod_wsgi-express").exists()
    app.write("wsgi.py", NEWRELIC_APP)
    for path in [tmp, *tmp.rglob("*")]:
        path.chmod(path.stat().st_mode | 0o005 if path.is_dir() else path.stat().st_mode | 0o004)
    yield app
    shutil.rmtree(tmp, ignore_errors=True)


def express_daemons(sid: int) -> list[int]:
    """mod_wsgi-express's daemon processes, named (wsgi:PORT:UID)."""
    found = []
    for pid in session_members(sid):
        try:
            if Path(f"/proc/{pid}/cmdline").read_bytes().startswith(b"(wsgi:"):
                found.append(pid)
        except OSError:
            pass
    return found


def test_mod_wsgi_express_from_the_virtualenv_with_two_processes(express_app):
    port = free_port()
    dry = express_app.run("start", "--dry-run",
                          env=express_app.env(WARPDRIVE_HTTP_PORT=port, WARPDRIVE_SERVER_TYPE="mod_wsgi",
                                              MOD_WSGI_PROCESSES=2))
    assert dry.returncode == 0, dry.stderr
    assert "running mod_wsgi-express start-server, because" in dry.stdout + dry.stderr
    proc, (status, _, body) = serve(express_app, port, MOD_WSGI_PROCESSES=2, MOD_WSGI_THREADS=2)
    with running(proc):
        assert status == 200, body
        assert body.startswith(b"express pid=") and b"agent=False" in body
        conf = (express_app.root / "mod_wsgi" / "httpd.conf").read_text()
        assert "processes=2" in conf and "threads=2" in conf
        daemons = express_daemons(proc.pid)
        assert len(daemons) == 2, daemons
        # Requests reach both daemon processes eventually; at least they are the app's pids.
        pids = {int(re.search(rb"pid=(\d+)", http_get(f"http://127.0.0.1:{port}/")[2]).group(1)) for _ in range(20)}
        assert pids <= set(daemons), (pids, daemons)
        # start records what mod_wsgi-express really binds (found in /proc by its watch, which
        # looks again every 200 ms until the server listens); ready checks that, not the variable.
        deadline = time.monotonic() + 20
        while True:
            state = json.loads((express_app.root / "tmp" / "warpdrive" / "run.json").read_text())
            if port in [listener["port"] for listener in state["listeners"]] or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert state["server"] == "mod_wsgi"
        assert port in [listener["port"] for listener in state["listeners"]], state
        ready = express_app.run("ready", env=express_app.env(WARPDRIVE_HTTP_PORT=free_port()))
        assert ready.returncode == 0, ready.stderr
        stop_and_check(proc, timeout=15)


def test_mod_wsgi_express_calls_an_app_module_factory(express_app):
    """mod_wsgi-express has no factory option: it loads warpdrive's handler
    script, which calls the factory through the same loader as every server."""
    express_app.write("shop/__init__.py", "def create_app(word, shout=False):\n"
                                          "    def application(environ, start_response):\n"
                                          "        start_response('200 OK', [])\n"
                                          "        return [(word.upper() if shout else word).encode()]\n"
                                          "    return application\n")
    port = free_port()
    factory = "shop:create_app('express', shout=True)"
    dry = express_app.run("start", "--dry-run", env=express_app.env(WARPDRIVE_HTTP_PORT=port,
                                                                    WARPDRIVE_SERVER_TYPE="mod_wsgi",
                                                                    APP_MODULE=factory))
    assert dry.returncode == 0, dry.stderr
    assert f"serving the factory {factory}" in dry.stdout
    proc, (status, _, body) = serve(express_app, port, APP_MODULE=factory)
    with running(proc):
        assert (status, body) == (200, b"EXPRESS"), process_output(proc)
        stop_and_check(proc, timeout=15)


@pytest.mark.parametrize("express", ["on", "off"], ids=["mod_wsgi-express", "generated-config"])
def test_new_relic_runs_the_server_under_newrelic_admin(express_app, express):
    port = free_port()
    extra = dict(NEW_RELIC_LICENSE_KEY="0" * 40, NEW_RELIC_DEVELOPER_MODE="true", NEW_RELIC_APP_NAME="wd-test",
                 WARPDRIVE_MOD_WSGI_EXPRESS=express)
    dry = express_app.run("start", "--dry-run", env=express_app.env(WARPDRIVE_HTTP_PORT=port,
                                                                    WARPDRIVE_SERVER_TYPE="mod_wsgi", **extra))
    assert dry.returncode == 0, dry.stderr
    assert "runs under `newrelic-admin run-program`" in dry.stdout + dry.stderr
    assert f"{express_app.root}/bin/newrelic-admin" in dry.stdout
    proc, (status, _, body) = serve(express_app, port, **extra)
    with running(proc):
        assert status == 200, body
        assert b"bin/newrelic-admin', 'run-program'" in body, body  # NEW_RELIC_ADMIN_COMMAND, set by newrelic-admin
        assert b"agent=True" in body, body
        stop_and_check(proc, timeout=15)


def test_new_relic_without_the_package_is_a_warning(app):
    app.write("wsgi.py", HELLO)
    dry = app.run("start", "--dry-run", env=app.env(WARPDRIVE_SERVER_TYPE="mod_wsgi", NEW_RELIC_LICENSE_KEY="x"))
    assert dry.returncode == 0, dry.stderr
    assert "NEW_RELIC_LICENSE_KEY is set, but the newrelic package is not installed" in dry.stderr + dry.stdout


def test_server_args_server_name_refuses_other_host_names(app):
    app.write("wsgi.py", HELLO)
    app.write(".warpdrive/server_args/mod_wsgi", "--server-name www.example.com --server-alias example.com\n")
    port = free_port()
    proc, (status, _, _) = serve(app, port, path="/")
    with running(proc):
        assert status == 403  # Host: 127.0.0.1:port is not the server name
        for host, expected in [("www.example.com", 200), ("example.com", 200), ("other.example.org", 403)]:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": host})
            try:
                code = urllib.request.urlopen(req, timeout=5).status
            except urllib.error.HTTPError as e:
                code = e.code
            assert code == expected, host
        stop_and_check(proc)


def test_server_args_allow_localhost_lets_local_clients_use_any_host_name(app):
    app.write("wsgi.py", HELLO)
    app.write(".warpdrive/server_args/mod_wsgi", "--server-name www.example.com --allow-localhost\n")
    port = free_port()
    proc, (status, _, body) = serve(app, port, path="/")
    with running(proc):
        assert status == 200 and body.startswith(b"hello from mod_wsgi"), body
        assert "        Require local\n" in conf_text(app)
        stop_and_check(proc)


def test_original_app_with_deploy_mode_mod_wsgi_trusts_the_forwarded_header(app):
    # As an app written for the original: .warpdrive/deploy_mode names
    # mod_wsgi (full control) and server_args carry mod_wsgi-express options.
    app.write("wsgi.py", ENVIRON_APP)
    app.write(".warpdrive/deploy_mode", "mod_wsgi\n")
    app.write(".warpdrive/server_args",
              "--application-type module --entry-point wsgi --trust-proxy-header X-Forwarded-For\n")
    port = free_port()
    proc, (status, _, body) = serve(app, port)
    with running(proc):
        assert status == 200, body
        req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"X-Forwarded-For": "198.51.100.7"})
        with urllib.request.urlopen(req, timeout=5) as r:
            page = r.read()
        assert json.loads(page[:page.index(b"}") + 1])["REMOTE_ADDR"] == "198.51.100.7"
        stop_and_check(proc)
def test_a_stale_pid_file_naming_a_live_process_is_removed(app):
    """An Apache killed outright leaves httpd.pid; by the next start its PID may be another live process."""
    app.write("wsgi.py", HELLO)
    other = subprocess.Popen(["sleep", "300"])
    try:
        pid_file = app.root / "tmp/warpdrive/apache/httpd.pid"
        pid_file.parent.mkdir(parents=True, exist_ok=True)
        pid_file.write_text(f"{other.pid}\n")
        plan = app.run("start", "--dry-run", env=app.env(WARPDRIVE_SERVER_TYPE="mod_wsgi"), check=True).stdout
        assert f"remove: {pid_file}\n" in plan
        port = free_port()
        proc, (status, _, body) = serve(app, port)
        with running(proc):
            assert status == 200 and body.startswith(b"hello from mod_wsgi")
            assert stop_and_check(proc) < 5.0
        assert other.poll() is None
    finally:
        other.kill()
        other.wait()


BROKEN = '''import time
time.sleep(0.3)
import module_that_does_not_exist_anywhere  # noqa: F401


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"never"]
'''


@pytest.mark.parametrize("as_uid", [False, True], ids=["root", "arbitrary-uid"])
def test_app_that_fails_to_import_stops_start_with_the_traceback(app, as_uid):
    """mod_wsgi keeps a daemon whose script failed to import and answers 500
    forever; start notices, stops Apache and exits non-zero, as the other
    servers do, and the probes fail."""
    app.write("wsgi.py", BROKEN)
    port = free_port()
    env = app.env(WARPDRIVE_HTTP_PORT=port, WARPDRIVE_PYTHON=SYSTEM_PYTHON, WARPDRIVE_SERVER_TYPE="mod_wsgi")
    proc = app.popen("start", env=env, as_uid=as_uid)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        raise AssertionError("start still runs 60 s after the application failed to import:\n"
                             + process_output(proc))
    out = process_output(proc)
    assert proc.returncode != 0, out
    assert "ModuleNotFoundError: No module named 'module_that_does_not_exist_anywhere'" in out, out
    assert "mod_wsgi stopped: the application failed to import" in out, out
    assert session_members(proc.pid) == [], "Apache outlived start"
    with pytest.raises(OSError):
        http_get(f"http://127.0.0.1:{port}/", timeout=2)
    ready = app.run("ready", env=env, as_uid=as_uid)
    assert ready.returncode != 0, ready.stdout + ready.stderr


def test_app_that_imports_records_no_failure(app):
    """The check after the application's import stays quiet when it loaded."""
    app.write("wsgi.py", HELLO)
    port = free_port()
    proc, (status, _, _) = serve(app, port)
    with running(proc):
        assert status == 200
        deadline = time.monotonic() + 30  # start records the ports it found a moment after they open
        while (ready := app.run("ready", env=app.env(WARPDRIVE_HTTP_PORT=port))).returncode != 0 \
                and time.monotonic() < deadline:
            time.sleep(0.1)
        assert ready.returncode == 0, ready.stderr
        assert (app.root / "tmp/warpdrive/apache/import-failed").read_text() == ""
        assert "import-check.wsgi" in conf_text(app)
        stop_and_check(proc)


@pytest.mark.skipif(os.geteuid() != 0, reason="Apache switches accounts only when started as root")
def test_app_tree_the_serving_user_cannot_read_is_refused_naming_both(shared_tmp, warpdrive):
    """A 0700 directory on the way to the app: www-data could not read it and
    every request would get 403. start refuses before anything starts."""
    private = shared_tmp / "private"
    private.mkdir(mode=0o700)
    private.chmod(0o700)
    app = App(make_shared_dir(private / "app-root"), warpdrive)
    app.write("wsgi.py", HELLO)
    port = free_port()
    env = app.env(WARPDRIVE_HTTP_PORT=port, WARPDRIVE_PYTHON=SYSTEM_PYTHON, WARPDRIVE_SERVER_TYPE="mod_wsgi")
    r = app.run("start", env=env, timeout=60)
    assert r.returncode != 0, r.stdout
    assert "Apache serves the application as user www-data (uid 33" in r.stderr, r.stderr
    assert f"cannot enter {private} (drwx------ root:root)" in r.stderr, r.stderr
    assert "WARPDRIVE_APACHE_USER" in r.stderr
    assert r.stderr.count("serves the application as user") == 1, r.stderr  # printed once
    # Let the serving user in: it serves.
    private.chmod(0o711)
    proc, (status, _, body) = serve(app, port)
    with running(proc):
        assert status == 200, body
        stop_and_check(proc)
