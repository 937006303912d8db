"""warpdrive image and the builder image, with real podman containers.

The builder image is built once (image/build.sh caches it under a digest of
its inputs, so a second session reuses it). Every application container runs
as an arbitrary UID in group 0 with no passwd entry, as OpenShift runs it:
`podman run --user 1000123456:0 --passwd=false`, ports on 127.0.0.1 only.
Images and containers get unique names and are removed at the end.
"""
import hashlib
import os
import json
import shutil
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import ARBITRARY_UID, REPO, free_port, http_get, wait_for_http, warpdrive_binary

PODMAN = shutil.which("podman")
UID = "1000123456:0"


def podman(*args, check=True, timeout=600, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run([PODMAN, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(map(str, args))} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
    return result


def image_exists(name: str) -> bool:
    return podman("image", "exists", name, check=False).returncode == 0


def inspect_config(name: str) -> dict:
    return json.loads(podman("image", "inspect", name).stdout)[0]["Config"]


class Resources:
    """Unique names, and removal of what was made under them."""

    def __init__(self):
        self.tag = uuid.uuid4().hex[:8]
        self.containers: list[str] = []
        self.images: list[str] = []

    def image(self, what: str) -> str:
        name = f"localhost/wd-test-{what}-{self.tag}"
        self.images.append(name)
        return name

    def container(self, what: str) -> str:
        name = f"wd-test-{what}-{self.tag}"
        self.containers.append(name)
        return name

    def cleanup(self):
        for c in self.containers:
            podman("rm", "-f", "-t", "0", c, check=False)
        for i in self.images:
            # Every image built under the name, including ones an incremental build replaced.
            ids = podman("images", "-q", "--filter", f"reference={i}", check=False).stdout.split()
            podman("rmi", "-f", i, *ids, check=False)


@pytest.fixture(scope="module")
def res():
    if not PODMAN:
        pytest.fail("podman is not installed (scripts/deps.sh installs it; scripts/podman-setup.sh configures it)")
    r = Resources()
    yield r
    r.cleanup()


@pytest.fixture(scope="session")
def builder() -> str:
    """The builder image, with the binary under test; cached by digest."""
    result = subprocess.run([str(REPO / "image" / "build.sh"), "--binary", str(warpdrive_binary())],
                            capture_output=True, text=True, timeout=1800)
    assert result.returncode == 0, f"image/build.sh failed:\n{result.stderr[-4000:]}"
    return result.stdout.strip().splitlines()[-1]


def derived(builder: str, context: Path, what: str) -> str:
    """Builds a Containerfile FROM the builder, tagged by a digest of both."""
    digest = hashlib.sha256(builder.encode())
    for path in sorted(p for p in context.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(context)).encode() + b"\0" + path.read_bytes())
    name = f"localhost/wd-test-{what}:{digest.hexdigest()[:16]}"
    if not image_exists(name):
        podman("build", "--build-arg", f"BUILDER_IMAGE={builder}", "-t", name, context, timeout=1800)
    return name


@pytest.fixture(scope="session")
def django_builder(builder) -> str:
    return derived(builder, REPO / "tests" / "e2e" / "images" / "django-builder", "django-builder")


@pytest.fixture(scope="session")
def viewer_builder(builder) -> str:
    return derived(builder, REPO / "examples" / "markdown-viewer", "markdown-viewer")


def write(root: Path, rel: str, text: str, mode: int | None = None) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    if mode is not None:
        path.chmod(mode)
    return path


def warpdrive_image(src: Path, *args, timeout=900) -> subprocess.CompletedProcess:
    return subprocess.run([str(warpdrive_binary()), "image", *map(str, args)], cwd=src, capture_output=True,
                          text=True, timeout=timeout)


def build_ok(src: Path, *args) -> subprocess.CompletedProcess:
    result = warpdrive_image(src, *args)
    assert result.returncode == 0, f"warpdrive image failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    return result


def start(res: Resources, image: str, what: str, *extra) -> tuple[str, int]:
    """Runs the image detached as an arbitrary UID; returns (container, host port)."""
    name = res.container(what)
    port = free_port()
    podman("run", "-d", "--name", name, "--user", UID, "--passwd=false", "-p", f"127.0.0.1:{port}:8080",
           *extra, image)
    return name, port


def logs(name: str) -> str:
    r = podman("logs", name, check=False)
    return r.stdout + r.stderr


def wait_http(name: str, url: str, timeout=60.0):
    try:
        return wait_for_http(url, timeout=timeout)
    except AssertionError as e:
        raise AssertionError(f"{e}\ncontainer log:\n{logs(name)}") from None


HELLO_WSGI = '''\
def application(environ, start_response):
    body = b"Hello from the warpdrive image VERSION\\n"
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''


def hello_source(root: Path, version: str = "one") -> Path:
    """A git checkout whose web/ subdirectory is a hello WSGI app."""
    web = root / "web"
    write(web, "wsgi.py", HELLO_WSGI.replace("VERSION", version))
    write(web, ".s2i/environment", "# offline: no PyPI here\nWARPDRIVE_PIP_NO_INDEX=1\nGREETING = hello world \n")
    write(web, ".s2iignore", "*.log\nscratch\n")
    write(web, "debug.log", "not for the image\n")
    write(web, "scratch/tmp.txt", "not for the image\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    subprocess.run(["git", "-C", str(root), "add", "-A"], check=True)
    subprocess.run(["git", "-C", str(root), "-c", "user.name=Test Author", "-c", "user.email=test@example.com",
                    "commit", "-q", "-m", "hello app"], check=True)
    # A vendored checkout inside the application (a submodule's .git file),
    # and a file git does not know about: the working tree goes in as it is.
    write(web, "vendored/.git", "gitdir: ../../.git/modules/vendored\n")
    write(web, "vendored/README", "uncommitted\n")
    return root


@pytest.fixture(scope="module")
def hello(res, builder, tmp_path_factory):
    """The hello app built with --context-dir and -e, and a container running it."""
    root = hello_source(tmp_path_factory.mktemp("hello"))
    image = res.image("hello")
    result = build_ok(root, "--builder-image", builder, "--context-dir", "web", "-e", "EXTRA=from -e", image)
    name, port = start(res, image, "hello")
    return {"root": root, "image": image, "container": name, "port": port, "build": result}


def test_hello_wsgi_app_is_served(hello):
    status, headers, body = wait_http(hello["container"], f"http://127.0.0.1:{hello['port']}/")
    assert status == 200
    assert body == b"Hello from the warpdrive image one\n"


def test_output_image_config_and_labels(hello, builder):
    config = inspect_config(hello["image"])
    builder_config = inspect_config(builder)
    assert config["Cmd"] == ["/usr/libexec/s2i/run"]
    assert config["Entrypoint"] == ["warpdrive", "exec"]
    assert config["User"] == "1001"
    assert config["WorkingDir"] == "/opt/app-root/src"
    env = config["Env"]
    assert "WARPDRIVE_PIP_NO_INDEX=1" in env
    assert "GREETING=hello world" in env  # trimmed, nothing else
    assert "EXTRA=from -e" in env
    assert not any(e.startswith(("TERM=", "container=")) for e in env)
    labels = config["Labels"]
    commit = subprocess.run(["git", "-C", str(hello["root"]), "rev-parse", "HEAD"], capture_output=True,
                            text=True, check=True).stdout.strip()
    assert labels["io.openshift.s2i.build.image"] == builder
    assert labels["io.openshift.s2i.build.commit.id"] == commit
    assert labels["io.openshift.s2i.build.commit.author"] == "Test Author <test@example.com>"
    assert labels["io.openshift.s2i.build.commit.message"].strip() == "hello app"
    assert labels["io.openshift.s2i.build.source-context-dir"] == "web"
    assert labels["io.openshift.s2i.build.source-location"] == str(hello["root"])
    assert labels["io.k8s.display-name"] == hello["image"]
    # The builder's own labels carry over.
    for key in ("io.openshift.tags", "io.openshift.expose-services", "io.openshift.s2i.scripts-url"):
        assert labels[key] == builder_config["Labels"][key]


def test_git_and_s2iignore_paths_are_not_in_the_image(hello):
    listing = podman("exec", hello["container"], "ls", "-A", "/opt/app-root/src").stdout.split()
    assert "wsgi.py" in listing
    assert ".s2i" in listing
    for absent in (".git", "debug.log", "scratch", "web"):
        assert absent not in listing
    vendored = podman("exec", hello["container"], "ls", "-A", "/opt/app-root/src/vendored").stdout.split()
    assert vendored == ["README"]
    # /tmp/src is gone once assemble has copied it.
    assert podman("exec", hello["container"], "test", "-e", "/tmp/src", check=False).returncode == 1


def test_whoami_in_warpdrive_shell_and_plain_bash(hello):
    wait_http(hello["container"], f"http://127.0.0.1:{hello['port']}/")
    shell = podman("exec", hello["container"], "warpdrive-shell", "-c", "whoami")
    assert shell.stdout == "warpdrive\n", shell.stderr
    bash = podman("exec", hello["container"], "bash", "-c", "whoami")
    assert bash.stdout == "warpdrive\n", bash.stderr
    assert "cannot find name" not in bash.stderr
    # The deploy environment came with it.
    phase = podman("exec", hello["container"], "bash", "-c", 'echo "$WARPDRIVE_PHASE $(id -u)"')
    assert phase.stdout == "deploy 1000123456\n"


def test_stop_is_quick_and_clean(res, hello):
    name, port = start(res, hello["image"], "stop")
    wait_http(name, f"http://127.0.0.1:{port}/")
    t0 = time.monotonic()
    podman("stop", "-t", "10", name)
    elapsed = time.monotonic() - t0
    state = json.loads(podman("inspect", name).stdout)[0]["State"]
    assert elapsed < 3.0, f"podman stop took {elapsed:.1f}s\n{logs(name)}"
    # 0, or 143 (the server ended by the SIGTERM it was sent); never 137 (SIGKILL).
    assert state["ExitCode"] in (0, 143), f"exit code {state['ExitCode']}\n{logs(name)}"


def test_dry_run_prints_the_plan(hello, builder):
    result = warpdrive_image(hello["root"], "--dry-run", "--builder-image", builder, "--context-dir", "web",
                             "-e", "GREETING=override", "planned")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert f"builder image: {builder} (from --builder-image; id " in out
    assert "output image: planned\n" in out
    assert "files: 4 (6 entries; .git excluded: 1; .s2iignore excluded: debug.log, scratch)\n" in out
    assert "  WARPDRIVE_PIP_NO_INDEX=1  (.s2i/environment line 2)\n" in out
    assert "  GREETING=override  (-e)\n" in out
    assert "assemble: /usr/libexec/s2i/assemble (as user 1001)\n" in out
    assert not image_exists("planned")
    as_json = json.loads(warpdrive_image(hello["root"], "--dry-run", "--json", "--builder-image", builder,
                                         "--context-dir", "web", "planned").stdout)
    assert as_json["engine"] == "podman"
    assert as_json["files"] == [".s2i", ".s2i/environment", ".s2iignore", "vendored", "vendored/README", "wsgi.py"]
    assert [s["argv"][1] for s in as_json["steps"] if s["argv"]] == ["run", "commit", "rm"]


def test_bad_options_name_the_value(tmp_path, builder):
    write(tmp_path, "wsgi.py", HELLO_WSGI)
    r = warpdrive_image(tmp_path, "--engine", "rkt", "x")
    assert r.returncode == 2
    assert r.stderr == "warpdrive: error: --engine 'rkt': unknown engine; choose podman, docker or buildah\n"
    r = warpdrive_image(tmp_path, "--context-dir", "nope", "--builder-image", builder, "x")
    assert r.returncode == 1
    assert r.stderr == f"warpdrive: error: --context-dir 'nope': no such directory in {tmp_path}\n"
    r = warpdrive_image(tmp_path, "-e", "NOVALUE", "--builder-image", builder, "x")
    assert r.returncode == 2
    assert r.stderr == "warpdrive: error: -e 'NOVALUE': expected NAME=VALUE\n"


def django_source(root: Path) -> Path:
    subprocess.run(["/usr/bin/python3", "-m", "django", "startproject", "mysite", str(root)], check=True)
    settings = root / "mysite" / "settings.py"
    settings.write_text(settings.read_text().replace("ALLOWED_HOSTS = []", "ALLOWED_HOSTS = ['*']"))
    write(root, "requirements.txt", "Django\n")
    write(root, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\n")
    return root


@pytest.fixture(scope="module")
def django(res, django_builder, tmp_path_factory):
    root = django_source(tmp_path_factory.mktemp("django"))
    image = res.image("django")
    build_ok(root, "--builder-image", django_builder, image)
    name, port = start(res, image, "django")
    return {"image": image, "container": name, "port": port}


def test_django_page_and_admin_css(django):
    url = f"http://127.0.0.1:{django['port']}"
    status, _, body = wait_http(django["container"], url + "/")
    assert status == 200
    assert b"The install worked successfully" in body
    status, headers, body = http_get(url + "/static/admin/css/base.css")
    assert status == 200
    assert headers["Content-Type"].startswith("text/css")
    assert b"DJANGO Admin styles" in body


def test_django_migrate_by_exec_and_as_a_one_off_job(django):
    wait_http(django["container"], f"http://127.0.0.1:{django['port']}/")
    r = podman("exec", django["container"], "warpdrive-exec", "python", "manage.py", "migrate")
    assert "Applying auth.0001_initial... OK" in r.stdout
    again = podman("exec", django["container"], "warpdrive-exec", "python", "manage.py", "migrate")
    assert "No migrations to apply." in again.stdout
    job = podman("run", "--rm", "--user", UID, "--passwd=false", django["image"],
                 "warpdrive-exec", "python", "manage.py", "migrate")
    assert "Applying sessions.0001_initial... OK" in job.stdout


SLOW_SETUP = '''\
import time
from setuptools import setup
time.sleep(4)  # stands in for compiling an extension module
setup(name="slowpkg", version="1.0", packages=["slowpkg"])
'''


def slow_sdist(directory: Path) -> Path:
    """An sdist whose every build takes seconds; pip builds a wheel of it offline."""
    staging = directory / "slowpkg-1.0"
    write(staging, "setup.py", SLOW_SETUP)
    write(staging, "slowpkg/__init__.py", "VALUE = 42\n")
    write(staging, "PKG-INFO", "Metadata-Version: 1.0\nName: slowpkg\nVersion: 1.0\n")
    out = directory / "slowpkg-1.0.tar.gz"
    with tarfile.open(out, "w:gz") as tar:
        tar.add(staging, arcname="slowpkg-1.0")
    shutil.rmtree(staging)
    return out


def test_incremental_rebuild_restores_the_wheelhouse(res, builder, tmp_path):
    src = tmp_path / "app"
    write(src, "wsgi.py", HELLO_WSGI.replace("VERSION", "one"))
    write(src, "requirements.txt", "slowpkg==1.0\n")
    write(src, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\n")
    slow_sdist(src / ".warpdrive" / "wheelhouse")
    image = res.image("incremental")

    t0 = time.monotonic()
    first = build_ok(src, "--builder-image", builder, "--incremental", image)
    cold = time.monotonic() - t0
    assert "Restoring wheelhouse" not in first.stdout

    # What save-artifacts writes, read with tar: the wheel built from the sdist.
    saved = subprocess.run([PODMAN, "run", "--rm", "--entrypoint", "/usr/libexec/s2i/save-artifacts", image],
                           capture_output=True, timeout=120)
    assert saved.returncode == 0, saved.stderr
    listing = subprocess.run(["tar", "-tf", "-"], input=saved.stdout, capture_output=True, check=True).stdout
    assert b"wheelhouse/slowpkg-1.0-py3-none-any.whl" in listing.splitlines()

    write(src, "wsgi.py", HELLO_WSGI.replace("VERSION", "two"))  # a code-only change
    t0 = time.monotonic()
    second = build_ok(src, "--builder-image", builder, "--incremental", image)
    warm = time.monotonic() - t0
    assert "Restoring wheelhouse from the previous build" in second.stdout
    assert warm < cold, f"incremental {warm:.1f}s is not faster than cold {cold:.1f}s"

    name, port = start(res, image, "incremental")
    status, _, body = wait_http(name, f"http://127.0.0.1:{port}/")
    assert body == b"Hello from the warpdrive image two\n"
    r = podman("exec", name, "warpdrive-exec", "python", "-c", "import slowpkg; print(slowpkg.VALUE)")
    assert r.stdout == "42\n"


def test_usage_script(builder):
    r = podman("run", "--rm", builder, "/usr/libexec/s2i/usage")
    assert r.stdout.startswith("This is the warpdrive S2I builder image for Python web applications.\n")
    assert "  warpdrive image --builder-image BUILDER my-app" in r.stdout


def test_application_assemble_wrapper(res, builder, tmp_path):
    write(tmp_path, "wsgi.py", HELLO_WSGI.replace("VERSION", "wrapped"))
    write(tmp_path, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\n")
    write(tmp_path, ".s2i/bin/assemble",
          "#!/bin/bash\nset -e\necho 'custom: before the image assemble'\n"
          "/usr/libexec/s2i/assemble\n"
          "echo 'custom: after' > /opt/app-root/src/after.txt\n", 0o755)
    image = res.image("wrapper")
    result = build_ok(tmp_path, "--builder-image", builder, image)
    assert result.stdout.count("custom: before the image assemble") == 1
    assert "Installing application source" in result.stdout
    r = podman("run", "--rm", "--user", UID, "--passwd=false", image, "cat", "/opt/app-root/src/after.txt")
    assert r.stdout == "custom: after\n"
    assert inspect_config(image)["Cmd"] == ["/usr/libexec/s2i/run"]


@pytest.mark.parametrize("case", ["failing build hook", "unknown requirement"])
def test_failed_assemble_tags_nothing(res, builder, tmp_path, case):
    write(tmp_path, "wsgi.py", HELLO_WSGI)
    write(tmp_path, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\n")
    if case == "failing build hook":
        write(tmp_path, ".warpdrive/action_hooks/build", "#!/bin/sh\necho 'build hook says no'\nexit 3\n", 0o755)
    else:
        write(tmp_path, "requirements.txt", "no-such-package-for-warpdrive==1.0\n")
    image = res.image("failing")
    result = warpdrive_image(tmp_path, "--builder-image", builder, image)
    assert result.returncode != 0
    assert (f"warpdrive: error: assemble failed in a container of builder image '{builder}' (exit status "
            in result.stderr)
    assert "); no image was tagged\n" in result.stderr
    shown = result.stdout + result.stderr
    assert ("build hook says no" if case == "failing build hook" else "no-such-package-for-warpdrive") in shown
    assert not image_exists(image)
    leftover = podman("ps", "-a", "-q", "--filter", "name=warpdrive-image-").stdout.split()
    assert leftover == [] or all(podman("inspect", c, check=False).returncode != 0 for c in leftover)


def test_derived_builder_runs_directly_and_builds_an_app(res, viewer_builder, tmp_path):
    name, port = start(res, viewer_builder, "viewer")
    status, _, body = wait_http(name, f"http://127.0.0.1:{port}/")
    assert status == 200 and b'<a href="/welcome.md">welcome</a>' in body
    status, _, body = http_get(f"http://127.0.0.1:{port}/welcome.md")
    assert b"<strong>Markdown viewer</strong>" in body

    write(tmp_path, "guide.md", "# Guide\n\nNotes *from the application*.\n")
    write(tmp_path, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\n")
    image = res.image("notes")
    build_ok(tmp_path, "--builder-image", viewer_builder, image)
    name, port = start(res, image, "notes")
    status, _, body = wait_http(name, f"http://127.0.0.1:{port}/guide.md")
    assert status == 200
    assert b"<h1>Guide</h1>" in body and b"<em>from the application</em>" in body


def test_buildah_engine(res, builder, tmp_path):
    write(tmp_path, "wsgi.py", HELLO_WSGI.replace("VERSION", "from buildah"))
    write(tmp_path, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\nQUOTED=\"kept\" as is\n")
    image = res.image("buildah")
    result = build_ok(tmp_path, "--engine", "buildah", "--builder-image", builder, image)
    assert "Built image" in result.stdout
    config = inspect_config(image)
    assert config["Cmd"] == ["/usr/libexec/s2i/run"]
    assert config["Entrypoint"] == ["warpdrive", "exec"]
    assert config["User"] == "1001"
    assert 'QUOTED="kept" as is' in config["Env"]
    assert config["Labels"]["io.openshift.s2i.build.image"] == builder
    name, port = start(res, image, "buildah")
    status, _, body = wait_http(name, f"http://127.0.0.1:{port}/")
    assert body == b"Hello from the warpdrive image from buildah\n"

    # buildah config would expand $HOME: refused, naming the variable and the line.
    write(tmp_path, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\nWHERE=$HOME/data\n")
    r = warpdrive_image(tmp_path, "--engine", "buildah", "--builder-image", builder, image + "-dollar")
    assert r.returncode == 1
    assert r.stderr == ("warpdrive: error: WHERE (.s2i/environment line 2): the value '$HOME/data' has a '$', "
                        "which buildah config would expand; build with --engine podman or docker\n")


def test_builder_has_what_the_original_images_had(builder):
    """PYTHONUNBUFFERED, UTF-8 everywhere, build tools for sdists and git requirements,
    rsync for `oc rsync`, and the S2I scripts at the original's /opt/app-root/s2i/bin."""
    script = ('set -e; echo "$PYTHONUNBUFFERED $PYTHONIOENCODING $LANG $LC_ALL $WARPDRIVE_S2I_ROOT"; '
              'python3 -c "import sys, locale; print(sys.stdout.encoding, locale.getlocale()[1])"; '
              'gcc --version >/dev/null; git --version >/dev/null; curl --version >/dev/null; '
              'rsync --version >/dev/null; test -f /usr/include/python3.11/Python.h; '
              'test -x "$WARPDRIVE_S2I_ROOT/bin/assemble" && test -x /opt/app-root/s2i/bin/run; echo tools-ok')
    r = podman("run", "--rm", "--user", f"{ARBITRARY_UID}:0", "--entrypoint", "/bin/sh", builder, "-c", script,
               check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines() == ["1 UTF-8 en_US.UTF-8 en_US.UTF-8 /opt/app-root/s2i", "utf-8 UTF-8", "tools-ok"]


def test_the_originals_image_options_and_builder_variable(hello, builder):
    """--build-target, --no-index and WARPDRIVE_BUILDER_IMAGE as in the original (the app's
    .warpdrive/builder_image wins over the variable, --builder-image over both)."""
    src = hello["root"]
    env = {**os.environ, "WARPDRIVE_BUILDER_IMAGE": builder}
    result = subprocess.run([str(warpdrive_binary()), "image", "--dry-run", "--context-dir", "web",
                             "--build-target", "wheelhouse", "--no-index", "planned"],
                            cwd=src, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"builder image: {builder} (from WARPDRIVE_BUILDER_IMAGE; id " in result.stdout
    assert "  WARPDRIVE_BUILD_TARGET=wheelhouse  (-e)\n" in result.stdout
    assert "  WARPDRIVE_PIP_NO_INDEX=1  (-e)\n" in result.stdout
    bad = warpdrive_image(src, "--dry-run", "--builder-image", builder, "--build-target", "wheels", "planned")
    assert bad.returncode == 2
    assert bad.stderr == "warpdrive: error: --build-target 'wheels': expected application or wheelhouse\n"


def test_wheelhouse_image_supplies_the_wheels(res, builder, tmp_path):
    """--wheelhouse IMAGE (the original's option): an image built with --build-target wheelhouse
    hands its wheels to the build of another image, which then installs without the index."""
    wheels_src = tmp_path / "wheels"
    write(wheels_src, "requirements.txt", "slowpkg==1.0\n")
    write(wheels_src, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\n")
    slow_sdist(wheels_src / ".warpdrive" / "wheelhouse")
    wheelhouse = res.image("wheelhouse")
    build_ok(wheels_src, "--builder-image", builder, "--build-target", "wheelhouse", wheelhouse)

    app = tmp_path / "app"
    write(app, "wsgi.py", HELLO_WSGI.replace("VERSION", "wheels"))
    write(app, "requirements.txt", "slowpkg==1.0\n")
    write(app, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\n")
    image = res.image("from-wheelhouse")
    # Without the wheelhouse image the package cannot be found (no index, no sdist).
    without = warpdrive_image(app, "--builder-image", builder, image)
    assert without.returncode != 0

    plan = warpdrive_image(app, "--dry-run", "--builder-image", builder, "--wheelhouse", wheelhouse, image)
    assert plan.returncode == 0, plan.stderr
    assert f"incremental: yes, artifacts from {wheelhouse} (" in plan.stdout
    built = build_ok(app, "--builder-image", builder, "--wheelhouse", wheelhouse, image)
    assert "Restoring wheelhouse from the previous build" in built.stdout
    name, port = start(res, image, "from-wheelhouse")
    status, _, body = wait_http(name, f"http://127.0.0.1:{port}/")
    assert body == b"Hello from the warpdrive image wheels\n"
    r = podman("exec", name, "warpdrive-exec", "python", "-c", "import slowpkg; print(slowpkg.VALUE)")
    assert r.stdout == "42\n"

    missing = warpdrive_image(app, "--dry-run", "--builder-image", builder, "--wheelhouse", "localhost/no-such:1", image)
    assert missing.returncode == 1
    assert "--wheelhouse localhost/no-such:1: there is no image localhost/no-such:1 (build it first" in missing.stderr
