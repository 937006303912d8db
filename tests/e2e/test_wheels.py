"""warpdrive wheels: the install hook, then pip wheel into the wheelhouse."""
from conftest import SYSTEM_PYTHON
from test_build import BUILD_ENV, import_value, make_wheel


def test_wheels_into_wheelhouse_then_build_from_it(app, shared_tmp):
    dist = shared_tmp / "dist"
    make_wheel(dist, "wdprobe", "0.1", "one")
    app.write("requirements.txt", "wdprobe==0.1\n")
    app.hook("install", f"touch {app.root}/data/install-ran\n")
    env = app.env(**BUILD_ENV, PIP_FIND_LINKS=str(dist))
    r = app.run("wheels", env=env, check=True)
    assert (app.root / "data" / "install-ran").exists()
    assert f" -----> Building wheels with pip (requirements.txt) into {app.src}/.warpdrive/wheelhouse" in r.stdout
    assert [p.name for p in (app.src / ".warpdrive" / "wheelhouse").iterdir()] == [
        "wdprobe-0.1-py3-none-any.whl"]
    # The build needs nothing but the wheelhouse.
    app.run("build", env=app.env(**BUILD_ENV), check=True)
    assert import_value(app, "wdprobe") == "one"


def test_wheels_into_wheel_dir(app, shared_tmp):
    dist = shared_tmp / "dist"
    make_wheel(dist, "wdprobe", "0.1", "one")
    app.write("requirements.txt", "wdprobe==0.1\n")
    env = app.env(**BUILD_ENV, PIP_FIND_LINKS=str(dist), WARPDRIVE_WHEEL_DIR="out/wheels")
    app.run("wheels", env=env, check=True)
    assert (app.src / "out" / "wheels" / "wdprobe-0.1-py3-none-any.whl").is_file()


def test_wheels_failing_requirement(app):
    app.write("requirements.txt", "wd-no-such-package==1.0\n")
    r = app.run("wheels", env=app.env(**BUILD_ENV))
    assert r.returncode == 1
    assert r.stderr.endswith(f"warpdrive: error: {app.src}/requirements.txt: pip wheel failed with exit "
                             "status 1 (pip's message is above)\n")


def test_wheels_without_requirements_warns(app):
    r = app.run("wheels", env=app.env(**BUILD_ENV), check=True)
    assert f"warpdrive: warning: no requirements file (requirements.txt) in {app.src}; no wheels were built\n" \
        in r.stderr


def test_failing_install_hook(app):
    app.hook("install", "exit 5\n")
    r = app.run("wheels", env=app.env(**BUILD_ENV))
    assert r.returncode == 5
    assert r.stderr.endswith(f"warpdrive: error: hook {app.src}/.warpdrive/action_hooks/install failed with "
                             "exit status 5\n")


assert SYSTEM_PYTHON


def test_pip_wheels_names_the_files_and_the_wheelhouse_target_caches_in_packages(app, shared_tmp):
    """The original's WARPDRIVE_PIP_WHEELS and .warpdrive/packages; hooks see WARPDRIVE_BUILD_SYSTEM."""
    dist = shared_tmp / "dist"
    make_wheel(dist, "wdprobe", "0.1", "one")
    make_wheel(dist, "wdother", "0.3", "three")
    app.write("requirements.txt", "wdprobe==0.1\n")
    app.write("wheels.txt", "wdother==0.3\n")
    app.hook("install", f'echo "$WARPDRIVE_BUILD_SYSTEM" > {app.root}/data/build-system\n')
    env = app.env(**BUILD_ENV, PIP_FIND_LINKS=str(dist), WARPDRIVE_PIP_WHEELS="wheels.txt",
                  WARPDRIVE_BUILD_TARGET="wheelhouse", WARPDRIVE_DEBUG=1)
    r = app.run("wheels", env=env, check=True)
    assert " -----> Building wheels with pip (wheels.txt) into " in r.stdout
    assert [p.name for p in (app.src / ".warpdrive" / "wheelhouse").iterdir()] == ["wdother-0.3-py3-none-any.whl"]
    # pip's cache of the wheelhouse target (it holds only downloads: none from a local directory).
    assert f" --cache-dir {app.src}/.warpdrive/packages -r {app.src}/wheels.txt" in r.stderr, r.stderr
    assert (app.root / "data" / "build-system").read_text() == "local\n"
    app.run("wheels", env={**env, "WARPDRIVE_BUILD_SYSTEM": "docker"}, check=True)
    assert (app.root / "data" / "build-system").read_text() == "docker\n"
