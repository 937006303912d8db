"""Shapes of applications nobody on the team wrote, found failing when real
third-party apps (the OpenShift Python builder's test apps, projects made by
today's tools) were built and served unchanged (docs/migrating.md, "Tried
with"). Each app here is our own, written to the same rule as the one that
failed.
"""
import shutil
from pathlib import Path

from conftest import PINS, wheelhouse
from test_installers import FIXTURES, build, installed, installer_env, serve_and_get

PAGE = '''import importlib.metadata


def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [("{name} six " + importlib.metadata.version("six")).encode()]
'''


def app_env(app, module: str, **extra) -> dict:
    """Build and start environment of an app whose APP_MODULE (the OpenShift
    builder's way, so served by gunicorn) is `module`."""
    return installer_env(app, APP_MODULE=f"{module}:application", PIP_FIND_LINKS=str(wheelhouse("gunicorn")),
                         **extra)


def test_enable_pipenv_without_a_pipfile_installs_the_requirements(app):
    """sclorg's builder runs `pipenv install -r requirements.txt` when
    ENABLE_PIPENV is set and there is no Pipfile: the requirements are what
    gets installed. warpdrive refused the build (no Pipfile.lock)."""
    app.write("webapp.py", PAGE.format(name="pipenv-switch"))
    app.write("requirements.txt", f"{PINS['six']}\n{PINS['gunicorn']}\n")
    env = app_env(app, "webapp", ENABLE_PIPENV="1")
    r = build(app, env)
    assert (f"warning: ENABLE_PIPENV is set but {app.src} has no Pipfile: the requirements files are "
            "installed as without it") in r.stderr, r.stderr
    assert "(requirements.txt)" in r.stdout and "pipenv" not in r.stdout
    assert installed(app, "six") == "1.16.0"
    assert serve_and_get(app, env) == "pipenv-switch six 1.16.0"


def test_enable_pipenv_with_a_pipfile_but_no_lock_installs_it_unlocked(app):
    """ENABLE_PIPENV with a Pipfile and no Pipfile.lock: the Pipfile wins over the
    requirements file, installed with `pipenv install --skip-lock` and a warning."""
    app.write("Pipfile", '[packages]\nsix = "==1.16.0"\n')
    app.write("requirements.txt", f"{PINS['six']}\n")
    r = app.run("build", "--dry-run", env=installer_env(app, ENABLE_PIPENV="1"))
    assert r.returncode == 0, r.stderr
    assert "--skip-lock" in r.stdout, r.stdout
    assert "pipenv lock" in r.stdout + r.stderr


def poetry_project(app, name: str):
    """A Poetry project as `poetry init` writes it (package mode, the default),
    locked to six 1.16.0 (the lock's hash covers the dependencies, not the name)."""
    shutil.copy(FIXTURES / "poetry" / "poetry.lock", app.src / "poetry.lock")
    app.write("pyproject.toml", f'[project]\nname = "{name}"\nversion = "0.1.0"\nrequires-python = ">=3.9"\n'
                                'dependencies = ["six==1.16.0"]\n\n[build-system]\n'
                                'requires = ["poetry-core>=2.0.0,<3.0.0"]\nbuild-backend = "poetry.core.masonry.api"\n')


def test_poetry_site_with_no_package_of_its_own_installs_its_dependencies(app):
    """A Django site made with `poetry init` + `startproject` has no package
    named like the project: `poetry sync` installed the dependencies and then
    failed on the project itself. warpdrive adds --no-root."""
    poetry_project(app, "my-site")
    app.write("mysite/__init__.py", "")
    app.write("mysite/wsgi.py", PAGE.format(name="poetry-site"))
    env = app_env(app, "mysite.wsgi")
    r = build(app, env)
    assert (f"warning: {app.src}/pyproject.toml names no package of its own that exists in {app.src}: poetry "
            "installs the dependencies only (--no-root)") in r.stderr, r.stderr
    assert installed(app, "six") == "1.16.0"
    assert installed(app, "my-site") is None
    assert serve_and_get(app, env) == "poetry-site six 1.16.0"


def test_poetry_project_with_its_package_under_src_is_installed_itself(app):
    """The project's own package (src layout) is still installed, so that
    APP_MODULE can name it."""
    poetry_project(app, "my-site")
    app.write("src/my_site/__init__.py", PAGE.format(name="poetry-src"))
    env = app_env(app, "my_site")
    r = build(app, env)
    assert "--no-root" not in r.stdout + r.stderr
    assert installed(app, "my-site") == "0.1.0"
    # Served from the installed package, not from the source tree (src/ is not on the path).
    assert serve_and_get(app, env) == "poetry-src six 1.16.0"


FLASK_QUICKSTART = '''\
from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello_world():
    return "<p>Hello, World!</p>"
'''


def test_flask_quickstart_app_py_is_served_not_run_as_a_script(app):
    """Flask's quickstart: app.py holding `app = Flask(__name__)` with no
    __main__ block (started with `flask run`). Run as a program (the
    original's rule for app.py) it defines the app and exits, so start served
    nothing; it is now served as a WSGI application by the default server."""
    app.write("app.py", FLASK_QUICKSTART)
    app.write("requirements.txt", f"{PINS['flask']}\n")
    env = installer_env(app)
    build(app, env)
    dry = app.run("start", "--dry-run", env=env)
    assert "mode: wsgi" in dry.stdout and "server: mod_wsgi" in dry.stdout, dry.stdout
    assert "app:app is a WSGI application: Flask, an instance of flask.app.Flask" in dry.stdout
    assert serve_and_get(app, env) == "<p>Hello, World!</p>"


def test_flask_tutorial_package_with_a_factory_is_served(app):
    """The Flask tutorial's shape: a flit project named flaskr whose package
    holds only create_app() (started with `flask --app flaskr run`). The
    module named like the project is served (the OpenShift builder's rule),
    and its factory is found the way `flask run` finds it."""
    app.write("pyproject.toml", '[project]\nname = "flaskr"\nversion = "1.0.0"\ndescription = "tutorial"\n'
                                f'dependencies = ["{PINS["flask"]}"]\n\n'
                                '[build-system]\nrequires = ["flit_core<4"]\nbuild-backend = "flit_core.buildapi"\n')
    app.write("flaskr/__init__.py", '''\
from flask import Flask


def create_app(test_config=None):
    app = Flask(__name__, instance_relative_config=True)

    @app.route("/hello")
    @app.route("/")
    def hello():
        return "Hello, World!"

    return app
''')
    env = installer_env(app, WARPDRIVE_SERVER_TYPE="gunicorn", PIP_FIND_LINKS=str(wheelhouse("gunicorn")))
    build(app, env)
    dry = app.run("start", "--dry-run", env=env)
    assert "flaskr:create_app() is a WSGI application: Flask, made by the factory create_app(...)" in dry.stdout, \
        dry.stdout + dry.stderr
    assert serve_and_get(app, env) == "Hello, World!"
