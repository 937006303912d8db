"""ASGI applications under the ASGI servers (issue 11): FastAPI, Starlette,
Quart, Litestar, Django's asgi.py and Channels, each served by uvicorn, hypercorn,
daphne and granian from the package index (pinned in conftest.PINS).

Every test gets a fresh virtualenv at its app root that is layered on one
shared, cached virtualenv holding every package (a .pth line plus the server
scripts), so the packages are installed once per machine.
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from conftest import (ARBITRARY_UID, SYSTEM_PYTHON, free_port, http_get, make_venv, pins, process_output,
                      pypi_venv, running, stop_and_check, wait_for_http)

PACKAGES = ("fastapi", "starlette", "quart", "litestar", "uvicorn", "hypercorn", "daphne", "granian", "websockets",
            "django", "channels", "servestatic")
SERVERS = ["uvicorn", "hypercorn", "daphne", "granian"]
# Daphne does not implement the lifespan protocol.
LIFESPAN_SERVERS = {"uvicorn", "hypercorn", "granian"}
# Hypercorn's parent process, once the first worker has exited after a stop,
# terminates the others (SIGTERM, which its workers do not handle): a worker
# that sees the stop up to 0.1 s later (it polls a shared event) can be cut
# off before its shutdown handler runs. uvicorn and granian wait for all.
EVERY_WORKER_SHUTS_DOWN = {"uvicorn", "granian"}


def shared_venv() -> Path:
    return pypi_venv(*PACKAGES)


def layer_venv(app) -> Path:
    """A virtualenv at the app root that sees the shared one's packages and has its server scripts."""
    shared = shared_venv()
    make_venv(app.root, system_site_packages=False, with_pip=False)
    site = next((app.root / "lib").glob("python3*/site-packages"))
    shared_site = next((shared / "lib").glob("python3*/site-packages"))
    (site / "warpdrive-test-layer.pth").write_text(f"{shared_site}\n")
    for script in ("uvicorn", "hypercorn", "daphne", "granian"):
        text = (shared / "bin" / script).read_text()
        target = app.root / "bin" / script
        target.write_text(text.replace(str(shared / "bin" / "python"), str(app.root / "bin" / "python")))
        target.chmod(0o755)
    return app.root


FASTAPI_APP = '''\
import os
import pathlib
from contextlib import asynccontextmanager

from fastapi import FastAPI

MARKS = pathlib.Path(os.environ["MARKS"])
STATE = {}


@asynccontextmanager
async def lifespan(app):
    STATE["started"] = os.getpid()
    (MARKS / f"startup-{os.getpid()}").write_text("up")
    yield
    (MARKS / f"shutdown-{os.getpid()}").write_text("down")


def helper(a, b, c):
    return a


my_unusual_service_name = FastAPI(lifespan=lifespan)


@my_unusual_service_name.get("/")
def root():
    return {"framework": "fastapi", "started": STATE.get("started") == os.getpid()}


if __name__ == "__main__":
    import uvicorn
    uvicorn.run(my_unusual_service_name)
'''

STARLETTE_APP = '''\
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route


async def home(request):
    return JSONResponse({"framework": "starlette"})


site = Starlette(routes=[Route("/", home)])
'''

QUART_APP = '''\
from quart import Quart

web = Quart(__name__)


@web.route("/")
async def home():
    return {"framework": "quart"}
'''

# Litestar, under a name no convention would guess.
LITESTAR_APP = '''\
from litestar import Litestar, get


@get("/")
async def home() -> dict:
    return {"framework": "litestar"}


odd_name_for_a_litestar_app = Litestar(route_handlers=[home])
'''


def start_server(app, server: str | None, port: int, **env):
    extra = {"WARPDRIVE_HTTP_PORT": port, **env}
    if server:
        extra["WARPDRIVE_SERVER_TYPE"] = server
    return app.popen("start", env=app.env(**extra))


def get_json(port: int, proc, path: str = "/"):
    status, headers, body = wait_for_http(f"http://127.0.0.1:{port}{path}", timeout=60, proc=proc)
    assert status == 200, body
    return json.loads(body)


def test_dry_run_shows_what_was_found_and_why(app):
    layer_venv(app)
    app.write("main.py", FASTAPI_APP)
    r = app.run("start", "--dry-run", env=app.env(MARKS=app.root))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "mode: asgi\n" in out
    assert "server: granian\n" in out
    assert "main:my_unusual_service_name is an ASGI application: FastAPI, an instance of " \
           "fastapi.applications.FastAPI" in out
    assert "note: server: granian: main:my_unusual_service_name is an ASGI application (FastAPI) and no server " \
           "type is set: the ASGI default" in out
    assert out.split("argv: ")[1].split("\n")[0].endswith(" main:my_unusual_service_name")
    # A dry run twice: the second answer comes from the inspection cache, and says so.
    again = app.run("start", "--dry-run", env=app.env(MARKS=app.root))
    assert "inspected by an earlier start" in again.stdout


@pytest.mark.parametrize("server", SERVERS)
def test_fastapi_lifespan_and_stop(app, shared_tmp, server):
    layer_venv(app)
    app.write("main.py", FASTAPI_APP)
    marks = shared_tmp / "marks"
    marks.mkdir()
    marks.chmod(0o777)
    port = free_port()
    proc = start_server(app, server, port, MARKS=marks, WEB_CONCURRENCY=2)
    with running(proc):
        body = get_json(port, proc)
        assert body["framework"] == "fastapi"
        # The startup handler ran in the process that answered, before its first 200.
        assert body["started"] is (server in LIFESPAN_SERVERS)
        if server in LIFESPAN_SERVERS:
            # Both processes up (a process still starting when the stop comes may never run its handlers).
            deadline = time.monotonic() + 60
            while len(list(marks.glob("startup-*"))) < 2 and time.monotonic() < deadline:
                time.sleep(0.05)
            assert len(list(marks.glob("startup-*"))) == 2, "the second process ran no startup handler"
        elapsed = stop_and_check(proc, timeout=5.0)
    out = process_output(proc)
    assert f"Starting {server}" in out, out
    started = sorted(p.name.split("-")[1] for p in marks.glob("startup-*"))
    stopped = sorted(p.name.split("-")[1] for p in marks.glob("shutdown-*"))
    if server in EVERY_WORKER_SHUTS_DOWN:
        assert started, out
        assert stopped == started, out  # every process ran its shutdown handler on SIGTERM
    elif server in LIFESPAN_SERVERS:
        assert started, out
        assert stopped and set(stopped) <= set(started), out  # the shutdown handler ran on SIGTERM
    assert elapsed < 5.0


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("framework,source,module", [("starlette", STARLETTE_APP, "asgi.py"),
                                                     ("quart", QUART_APP, "main.py"),
                                                     ("litestar", LITESTAR_APP, "main.py")])
def test_starlette_quart_and_litestar(app, server, framework, source, module):
    layer_venv(app)
    app.write(module, source)
    port = free_port()
    proc = start_server(app, server, port)
    with running(proc):
        assert get_json(port, proc) == {"framework": framework}
        stop_and_check(proc, timeout=5.0)


DJANGO_MANAGE = '''\
#!/usr/bin/env python
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
    from django.core.management import execute_from_command_line
    execute_from_command_line(sys.argv)
'''

DJANGO_SETTINGS = '''\
SECRET_KEY = "test-only"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [{"BACKEND": "django.template.backends.django.DjangoTemplates", "APP_DIRS": True,
              "OPTIONS": {"context_processors": ["django.contrib.auth.context_processors.auth",
                                                 "django.contrib.messages.context_processors.messages",
                                                 "django.template.context_processors.request"]}}]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
ROOT_URLCONF = "mysite.urls"
WSGI_APPLICATION = "mysite.wsgi.application"
STATIC_URL = "/static/"
'''

DJANGO_URLS = '''\
from django.contrib import admin
from django.http import JsonResponse
from django.urls import path


def hello(request):
    return JsonResponse({"framework": "django"})


urlpatterns = [path("admin/", admin.site.urls), path("", hello)]
'''

DJANGO_WSGI = '''\
import os
from django.core.wsgi import get_wsgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
application = get_wsgi_application()
'''

DJANGO_ASGI = '''\
import os
from django.core.asgi import get_asgi_application
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
application = get_asgi_application()
'''

CHANNELS_ASGI = '''\
import os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")
from django.core.asgi import get_asgi_application
django_application = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter
from django.urls import path

from mysite.consumers import Echo

application = ProtocolTypeRouter({
    "http": django_application,
    "websocket": URLRouter([path("ws/echo/", Echo.as_asgi())]),
})
'''

CHANNELS_CONSUMER = '''\
from channels.generic.websocket import AsyncWebsocketConsumer


class Echo(AsyncWebsocketConsumer):
    async def receive(self, text_data=None, bytes_data=None):
        await self.send(text_data="echo: " + (text_data or ""))
'''

WEBSOCKET_CLIENT = '''\
import sys
from websockets.sync.client import connect

with connect(sys.argv[1], open_timeout=20) as ws:
    ws.send("hello over asgi")
    print(ws.recv(timeout=20))
'''


def django_project(app, channels: bool):
    app.write("manage.py", DJANGO_MANAGE, executable=True)
    app.write("mysite/__init__.py", "")
    app.write("mysite/settings.py", DJANGO_SETTINGS + ('ASGI_APPLICATION = "mysite.asgi.application"\n'
                                                      if channels else ""))
    app.write("mysite/urls.py", DJANGO_URLS)
    app.write("mysite/wsgi.py", DJANGO_WSGI)
    app.write("mysite/asgi.py", CHANNELS_ASGI if channels else DJANGO_ASGI)
    if channels:
        app.write("mysite/consumers.py", CHANNELS_CONSUMER)


def build(app, **env):
    r = app.run("build", env=app.env(**env), timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


@pytest.mark.parametrize("server", SERVERS)
def test_django_asgi_serves_admin_css_after_collectstatic(app, server):
    layer_venv(app)
    django_project(app, channels=False)
    build(app, WARPDRIVE_SERVER_TYPE=server)
    port = free_port()
    proc = start_server(app, server, port)
    with running(proc):
        assert get_json(port, proc) == {"framework": "django"}
        status, headers, body = http_get(f"http://127.0.0.1:{port}/static/admin/css/base.css")
        assert status == 200
        headers = {k.lower(): v for k, v in headers.items()}
        assert headers["content-type"].startswith("text/css")
        assert "max-age" in headers.get("cache-control", "")
        assert b"body" in body
        stop_and_check(proc, timeout=5.0)
    out = process_output(proc)
    assert "ASGI application mysite.asgi.application" in out, out


@pytest.mark.parametrize("server", SERVERS)
def test_channels_websocket_echo(app, server):
    layer_venv(app)
    django_project(app, channels=True)
    build(app, WARPDRIVE_SERVER_TYPE=server)
    port = free_port()
    proc = start_server(app, server, port)
    with running(proc):
        get_json(port, proc)
        client = subprocess.run([str(shared_venv() / "bin" / "python"), "-c", WEBSOCKET_CLIENT,
                                 f"ws://127.0.0.1:{port}/ws/echo/"], capture_output=True, text=True, timeout=60)
        assert client.returncode == 0, client.stderr
        assert client.stdout.strip() == "echo: hello over asgi"
        stop_and_check(proc, timeout=5.0)


def test_channels_project_without_server_type_gets_the_asgi_default(app):
    layer_venv(app)
    django_project(app, channels=True)
    r = build(app)
    assert "Checking the granian server" in r.stdout, r.stdout
    dry = app.run("start", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "server: granian\n" in dry.stdout
    assert "Django project mysite.settings: ASGI application mysite.asgi.application (Django's ASGI_APPLICATION)" \
        in dry.stdout


def test_asgi_app_with_mod_wsgi_is_refused_naming_the_asgi_servers(app):
    layer_venv(app)
    app.write("main.py", FASTAPI_APP)
    r = app.run("start", env=app.env(MARKS=app.root, WARPDRIVE_SERVER_TYPE="mod_wsgi"))
    assert r.returncode != 0
    assert "warpdrive: error: main:my_unusual_service_name is an ASGI application (FastAPI), which mod_wsgi " \
           "cannot serve (variable WARPDRIVE_SERVER_TYPE: it speaks only WSGI); set WARPDRIVE_SERVER_TYPE or " \
           ".warpdrive/server_type to an ASGI server: uvicorn, hypercorn, daphne, granian" in r.stderr
    assert "Starting" not in r.stdout


WSGI_APP = '''\
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"plain wsgi"]
'''


def test_wsgi_app_with_uvicorn_is_refused_and_granian_serves_it(app):
    layer_venv(app)
    app.write("wsgi.py", WSGI_APP)
    r = app.run("start", env=app.env(WARPDRIVE_SERVER_TYPE="uvicorn"))
    assert r.returncode != 0
    assert "wsgi:application is a WSGI application, which uvicorn cannot serve (variable WARPDRIVE_SERVER_TYPE: " \
           "it speaks only ASGI); set WARPDRIVE_SERVER_TYPE or .warpdrive/server_type to a WSGI server: mod_wsgi, " \
           "gunicorn, uwsgi, waitress, hypercorn, granian" in r.stderr
    port = free_port()
    proc = start_server(app, "granian", port)
    with running(proc):
        status, _, body = wait_for_http(f"http://127.0.0.1:{port}/", timeout=60, proc=proc)
        assert (status, body) == (200, b"plain wsgi")
        stop_and_check(proc, timeout=5.0)


# FastAPI's "bigger applications" layout: a package app/ whose main.py
# includes a router from a subpackage through relative imports, started the
# way FastAPI's container guide does with `fastapi run` (no path given).
BIGGER_APP = {
    "app/__init__.py": "",
    "app/routers/__init__.py": "",
    "app/routers/items.py": '''\
from fastapi import APIRouter

router = APIRouter(prefix="/items")


@router.get("/{item_id}")
async def read_item(item_id: int):
    return {"item_id": item_id}
''',
    "app/main.py": '''\
from fastapi import FastAPI

from .routers import items

app = FastAPI()
app.include_router(items.router)


@app.get("/")
async def root():
    return {"layout": "package"}
''',
}


@pytest.mark.parametrize("server", [None, "uvicorn"])
def test_fastapi_package_layout_app_main_is_found(app, server):
    layer_venv(app)
    for path, text in BIGGER_APP.items():
        app.write(path, text)
    dry = app.run("start", "--dry-run", env=app.env(**({"WARPDRIVE_SERVER_TYPE": server} if server else {})))
    assert dry.returncode == 0, dry.stderr
    assert "note: app.main:app is an ASGI application: FastAPI" in dry.stdout, dry.stdout
    port = free_port()
    proc = start_server(app, server, port)
    with running(proc):
        assert get_json(port, proc) == {"layout": "package"}
        assert get_json(port, proc, "/items/42") == {"item_id": 42}
        stop_and_check(proc, timeout=5.0)


@pytest.mark.parametrize("server", ["uvicorn", "granian"])
def test_app_module_asgi_factory(app, server):
    """APP_MODULE=module:factory(...) for an ASGI application: the factory's
    result is inspected (FastAPI) and served through the same loader."""
    layer_venv(app)
    app.write("factory.py", "from fastapi import FastAPI\n\n\ndef make(title):\n    api = FastAPI(title=title)\n\n"
                            "    @api.get('/')\n    def root():\n        return {'title': api.title}\n\n"
                            "    return api\n")
    port = free_port()
    proc = start_server(app, server, port, APP_MODULE="factory:make('made by a factory')")
    with running(proc):
        assert get_json(port, proc) == {"title": "made by a factory"}
        stop_and_check(proc, timeout=5.0)
    out = process_output(proc)
    assert "factory:make('made by a factory') is an ASGI application: FastAPI, made by the factory make(...)" in out


def test_fastapi_entrypoint_in_pyproject_names_the_application(app):
    """FastAPI's own setting for `fastapi run`, [tool.fastapi] entrypoint, is
    followed even when the module is in no file `fastapi run` would guess and
    another candidate (main.py) exists."""
    layer_venv(app)
    app.write("service/__init__.py", "")
    app.write("service/web.py", FASTAPI_APP.replace("my_unusual_service_name", "web"))
    app.write("main.py", STARLETTE_APP)
    app.write("pyproject.toml", '[project]\nname = "svc"\nversion = "1"\n\n'
                                '[tool.fastapi]\nentrypoint = "service.web:web"\n')
    port = free_port()
    proc = start_server(app, None, port, MARKS=app.root)
    with running(proc):
        assert get_json(port, proc)["framework"] == "fastapi"
        stop_and_check(proc, timeout=5.0)
    assert "ASGI application service.web:web (entrypoint in [tool.fastapi] of pyproject.toml)" in \
        process_output(proc)
    app.write("pyproject.toml", '[tool.fastapi]\nentrypoint = "service.missing:web"\n')
    r = app.run("start", env=app.env(WARPDRIVE_HTTP_PORT=free_port()), timeout=60)
    assert r.returncode != 0
    assert "entrypoint in [tool.fastapi] of pyproject.toml names module 'service.missing'" in r.stderr


# A raw ASGI application (no framework to install) that answers with the
# module of the event loop it runs on, and completes the lifespan protocol.
LOOP_REPORTER = '''\
import asyncio
import json


async def application(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = json.dumps({"loop": type(asyncio.get_running_loop()).__module__}).encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
'''


def test_build_installs_hypercorn_with_uvloop_and_start_runs_it_on_uvloop(app, shared_tmp):
    """Nothing in the app names a server: build installs the chosen one's
    packages from the index (hypercorn[uvloop] and ServeStatic, held to the
    test pins by a constraints file), and start gives Hypercorn uvloop's event
    loop because the virtualenv has it (Hypercorn keeps asyncio's unless told)."""
    app.write("asgi.py", LOOP_REPORTER)
    constraints = shared_tmp / "constraints.txt"
    constraints.write_text("\n".join(pins("hypercorn", "uvloop", "servestatic")) + "\n")
    env = app.env(WARPDRIVE_SERVER_TYPE="hypercorn", WARPDRIVE_PYTHON=SYSTEM_PYTHON,
                  PIP_CONSTRAINT=constraints, UV_CONSTRAINT=constraints)
    r = app.run("build", env=env, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Installing hypercorn[uvloop] and servestatic" in r.stdout + r.stderr
    dry = app.run("start", "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "note: event loop: uvloop (installed in the application's Python)" in dry.stdout
    assert " --worker-class uvloop " in dry.stdout.split("argv: ")[1].split("\n")[0]
    port = free_port()
    proc = app.popen("start", env={**env, "WARPDRIVE_HTTP_PORT": str(port)})
    with running(proc):
        assert get_json(port, proc) == {"loop": "uvloop"}
        assert stop_and_check(proc, timeout=5.0) < 5.0
    assert proc.returncode == 0, process_output(proc)


def test_main_py_that_fails_to_import_stops_start_with_the_traceback(app):
    layer_venv(app)
    app.write("main.py", "from fastapi import FastAPI\nimport no_such_dependency\napp = FastAPI()\n")
    r = app.run("start", env=app.env(WARPDRIVE_HTTP_PORT=free_port()), timeout=60)
    assert r.returncode != 0
    assert "ModuleNotFoundError: No module named 'no_such_dependency'" in r.stderr
    assert "warpdrive: error: importing main (" in r.stderr


def test_fastapi_as_arbitrary_uid(app, shared_tmp):
    layer_venv(app)
    app.write("main.py", FASTAPI_APP)
    marks = shared_tmp / "marks"
    marks.mkdir()
    marks.chmod(0o777)
    for path in [app.root, *app.root.rglob("*")]:
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o777)
    port = free_port()
    proc = app.popen("start", env=app.env(WARPDRIVE_HTTP_PORT=port, MARKS=marks), as_uid=True)
    with running(proc):
        assert get_json(port, proc)["started"] is True
        stop_and_check(proc, timeout=5.0)
    assert all(p.stat().st_uid == ARBITRARY_UID for p in marks.glob("startup-*"))


def test_default_exported_by_a_parent_warpdrive_is_still_a_default(app):
    """The image's entry point is `warpdrive exec warpdrive start`: the outer
    warpdrive exports WARPDRIVE_SERVER_TYPE=mod_wsgi (its default), which the
    inner start must not take as the user's choice."""
    layer_venv(app)
    app.write("main.py", FASTAPI_APP)
    r = app.run("exec", str(app.binary), "start", "--dry-run", env=app.env(MARKS=app.root))
    assert r.returncode == 0, r.stderr
    assert "server: granian\n" in r.stdout
    chosen = app.run("exec", str(app.binary), "start", "--dry-run",
                     env=app.env(MARKS=app.root, WARPDRIVE_SERVER_TYPE="uvicorn"))
    assert "server: uvicorn\n" in chosen.stdout, chosen.stderr


def test_static_mount_for_an_asgi_app_with_content_type_caching_and_compression(app):
    """WARPDRIVE_STATIC_URL / _ROOT (the names for WSGI and ASGI alike) served by ServeStatic
    in front of the application: content type, cache headers, and the .gz variant to a
    client that accepts gzip."""
    import gzip
    import urllib.request
    layer_venv(app)
    app.write("asgi.py", STARLETTE_APP)
    css = "body { color: black; }\n" * 50
    app.write("assets/site.css", css)
    (app.src / "assets" / "site.css.gz").write_bytes(gzip.compress(css.encode()))
    port = free_port()
    proc = start_server(app, None, port, WARPDRIVE_STATIC_URL="/assets", WARPDRIVE_STATIC_ROOT="assets")
    with running(proc):
        assert get_json(port, proc) == {"framework": "starlette"}
        request = urllib.request.Request(f"http://127.0.0.1:{port}/assets/site.css",
                                         headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as r:
            headers = {k.lower(): v for k, v in r.headers.items()}
            body = r.read()
        assert headers["content-type"].startswith("text/css")
        assert headers.get("content-encoding") == "gzip"
        assert "max-age" in headers.get("cache-control", "")
        assert gzip.decompress(body).decode() == css
        stop_and_check(proc, timeout=5.0)
    assert "static files: /assets/ from" in process_output(proc)


def test_s2i_usage_names_the_asgi_servers_and_the_detection_rule(tmp_path):
    usage = Path(__file__).resolve().parents[2] / "s2i" / "bin" / "usage"
    r = subprocess.run(["/bin/sh", str(usage)], capture_output=True, text=True,
                       env={"PATH": os.environ["PATH"], "WARPDRIVE_APP_ROOT": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    for server in ("mod_wsgi", "gunicorn", "uwsgi", "waitress", *SERVERS):
        assert server in r.stdout, server
    assert "granian (the default)" in r.stdout
    assert "imports the module to decide whether it is ASGI or WSGI" in r.stdout
