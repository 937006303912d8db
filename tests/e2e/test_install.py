"""warpdrive installed the way Python users install tools.

The wheel is what scripts/wheel.sh builds: the sdist first, the wheel from
the sdist (scikit-build-core driving the CMake build), then `auditwheel
repair` for the manylinux tag. It is built once per source: kept under the
tests' cache directory keyed by a digest of the files that go into the sdist,
so an unchanged tree reuses it (the CMake objects come from ccache anyway).

Then, with real components only: the wheel pip-installed into a fresh
virtualenv serves an application with `warpdrive start`; and the S2I
bootstrap scripts (s2i/bootstrap) turn a stock Python image with no
warpdrive in it (tests/e2e/images/python-stock, Debian 12 + python3) into a
warpdrive build, installing the wheel with pip from a PEP 503 package index
served on 127.0.0.1 by `python3 -m http.server`. The assemble container
reaches that index through `warpdrive image --network host`.
"""
import contextlib
import fcntl
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from conftest import (ARBITRARY_UID, CACHE_ROOT, REPO, SYSTEM_PYTHON, free_port, http_get, running,
                      wait_for_http, wheelhouse)

PODMAN = shutil.which("podman")
BASE_IMAGE = "localhost/warpdrive-debian-base:bookworm"
VERSION = re.search(r"project\(warpdrive VERSION ([0-9.]+)", (REPO / "CMakeLists.txt").read_text()).group(1)
# What the sdist is made of (pyproject.toml's sdist settings leave the rest out).
SDIST_INPUTS = ["pyproject.toml", "CMakeLists.txt", "README.md", "cmake", "src", "s2i", "packaging", "image"]


def source_digest() -> str:
    h = hashlib.sha256()
    for top in SDIST_INPUTS:
        path = REPO / top
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for f in files:
            if "__pycache__" in f.parts:
                continue
            h.update(str(f.relative_to(REPO)).encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


@pytest.fixture(scope="session")
def wheel() -> Path:
    """The manylinux wheel of this tree, built (from its sdist) once per source digest."""
    root = CACHE_ROOT / "wheel"
    root.mkdir(parents=True, exist_ok=True)
    out = root / source_digest()
    with open(root / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = sorted(out.glob(f"warpdrive-{VERSION}-py3-none-manylinux_*_x86_64.whl"))
        if not (out / ".complete").exists() or not found:
            shutil.rmtree(out, ignore_errors=True)
            env = dict(os.environ, WARPDRIVE_WHEEL_WORK=str(root / "work"))
            result = subprocess.run([str(REPO / "scripts" / "wheel.sh"), str(out)], env=env,
                                    capture_output=True, text=True, timeout=3600)
            assert result.returncode == 0, f"scripts/wheel.sh failed:\n{result.stderr[-6000:]}"
            (out / ".complete").write_text(result.stdout)
            found = sorted(out.glob(f"warpdrive-{VERSION}-py3-none-manylinux_*_x86_64.whl"))
    assert len(found) == 1, f"expected one wheel in {out}: {found}"
    return found[0]


def glibc_needed(binary: Path) -> tuple[int, int]:
    """The newest GLIBC_x.y symbol version the binary needs, read by objdump."""
    out = subprocess.run(["objdump", "-T", str(binary)], check=True, capture_output=True, text=True).stdout
    versions = {tuple(map(int, m)) for m in re.findall(r"GLIBC_(\d+)\.(\d+)", out)}
    return max(versions)


def test_wheel_is_manylinux_for_the_glibc_the_binary_needs(wheel, tmp_path):
    m = re.fullmatch(rf"warpdrive-{re.escape(VERSION)}-py3-none-manylinux_(\d+)_(\d+)_x86_64\.whl", wheel.name)
    assert m, wheel.name
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        data = f"warpdrive-{VERSION}.data"
        for script in ("warpdrive", "warpdrive-exec", "warpdrive-shell"):
            assert f"{data}/scripts/{script}" in names, sorted(names)
        for script in ("assemble", "run", "save-artifacts", "usage"):
            assert f"{data}/data/libexec/warpdrive/s2i/bin/{script}" in names
        # One native program and its launchers, no Python module.
        assert not [n for n in names if n.endswith(".py") or n.endswith(".so")], sorted(names)
        metadata = z.read(f"warpdrive-{VERSION}.dist-info/METADATA").decode()
        tags = z.read(f"warpdrive-{VERSION}.dist-info/WHEEL").decode()
        z.extract(f"{data}/scripts/warpdrive", tmp_path)
    assert f"Version: {VERSION}\n" in metadata
    assert f"Tag: py3-none-manylinux_{m[1]}_{m[2]}_x86_64" in tags
    binary = tmp_path / data / "scripts" / "warpdrive"
    # An independent reader of the binary: glibc is all it needs, and the tag
    # names exactly the newest glibc symbol version it uses.
    dynamic = subprocess.run(["readelf", "-d", str(binary)], check=True, capture_output=True, text=True).stdout
    assert set(re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", dynamic)) <= {"libc.so.6", "ld-linux-x86-64.so.2"}
    assert glibc_needed(binary) == (int(m[1]), int(m[2]))
    # Stripped: no debug sections in what users download.
    sections = subprocess.run(["readelf", "-S", str(binary)], check=True, capture_output=True, text=True).stdout
    assert ".debug_info" not in sections


def test_sdist_carries_the_build(wheel):
    sdist = wheel.parent / f"warpdrive-{VERSION}.tar.gz"
    listing = subprocess.run(["tar", "-tzf", str(sdist)], check=True, capture_output=True, text=True).stdout.split()
    top = f"warpdrive-{VERSION}/"
    for name in ("pyproject.toml", "CMakeLists.txt", "src/main.cpp", "cmake/embed.cmake", "s2i/bootstrap/assemble",
                 "packaging/warpdrive-exec", "PKG-INFO"):
        assert top + name in listing, name
    assert not [n for n in listing if n.startswith(top + "build")]


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtualenv with the wheel pip-installed (and nothing else)."""
    venv = tmp_path_factory.mktemp("wheel-venv") / "venv"
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], check=True, capture_output=True)
    result = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "--no-index", str(wheel)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    venv.chmod(0o755)
    return venv


def test_pip_install_puts_the_three_commands_on_path(installed, shared_tmp):
    bin_dir = installed / "bin"
    out = subprocess.run([str(bin_dir / "warpdrive"), "--version"], check=True, capture_output=True, text=True)
    assert out.stdout == f"warpdrive {VERSION}\n"
    # Found through PATH, as users run them; warpdrive-exec gives the command
    # the application's environment (here: the app root it was told).
    env = dict(os.environ, PATH=f"{bin_dir}:/usr/bin:/bin", WARPDRIVE_APP_ROOT=str(shared_tmp))
    (shared_tmp / "src").mkdir()
    out = subprocess.run(["warpdrive-exec", "sh", "-c", 'echo "exec: $WARPDRIVE_APP_ROOT"'], env=env,
                         capture_output=True, text=True, cwd=shared_tmp)
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"exec: {shared_tmp}\n"
    out = subprocess.run(["warpdrive-shell", "-c", 'echo "shell: $WARPDRIVE_APP_ROOT"'], env=env,
                         capture_output=True, text=True, cwd=shared_tmp)
    assert out.returncode == 0, out.stderr
    assert out.stdout.endswith(f"shell: {shared_tmp}\n")
    # The builder's S2I scripts come with it, for the bootstrap.
    assert os.access(installed / "libexec" / "warpdrive" / "s2i" / "bin" / "assemble", os.X_OK)


APP_PY = '''\
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hello from %s under %s\\n" % (os.environ.get("GREETING", "?"), sys.prefix)).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Hello).serve_forever()
'''


def test_warpdrive_start_from_the_installed_wheel_serves_an_app(installed, shared_tmp):
    root = shared_tmp / "app-root"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text(APP_PY)
    port = free_port()
    env = dict(os.environ, PATH=f"{installed / 'bin'}:/usr/bin:/bin", WARPDRIVE_APP_ROOT=str(root),
               WARPDRIVE_HTTP_PORT=str(port), WARPDRIVE_PYTHON=SYSTEM_PYTHON, GREETING="the wheel")
    build = subprocess.run(["warpdrive", "build"], env=env, cwd=root / "src", capture_output=True, text=True,
                           timeout=600)
    assert build.returncode == 0, build.stdout + build.stderr
    proc = subprocess.Popen(["warpdrive", "start"], env=env, cwd=root / "src", stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    with running(proc):
        status, _, body = wait_for_http(f"http://127.0.0.1:{port}/", timeout=60, proc=proc)
    assert status == 200
    assert body.decode() == f"hello from the wheel under {root}\n"


# --- the S2I bootstrap on a stock Python image -------------------------------

def podman(*args, check=True, timeout=900, **kw) -> subprocess.CompletedProcess:
    result = subprocess.run([PODMAN, *map(str, args)], capture_output=True, text=True, timeout=timeout, **kw)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(map(str, args))} exited {result.returncode}\n"
                             f"stdout:\n{result.stdout[-4000:]}\nstderr:\n{result.stderr[-4000:]}")
    return result


@pytest.fixture(scope="session")
def stock_image() -> str:
    """localhost/wd-test-python-stock:DIGEST, built once per Containerfile and base image, then kept."""
    if not PODMAN:
        pytest.skip("podman is not installed")
    if podman("image", "exists", BASE_IMAGE, check=False).returncode != 0:
        # The Debian 12 base image/build.sh makes, made the same way.
        tarball = Path(f"/var/tmp/wd-test-base-{uuid.uuid4().hex[:8]}.tar")
        try:
            subprocess.run(["mmdebstrap", "--variant=minbase", "--quiet", "bookworm", str(tarball)], check=True,
                           capture_output=True, timeout=1800)
            podman("import", tarball, BASE_IMAGE)
        finally:
            tarball.unlink(missing_ok=True)
    context = REPO / "tests" / "e2e" / "images" / "python-stock"
    base_id = podman("image", "inspect", "--format", "{{.Id}}", BASE_IMAGE).stdout.strip()
    digest = hashlib.sha256((context / "Containerfile").read_bytes() + base_id.encode()).hexdigest()[:16]
    tag = f"localhost/wd-test-python-stock:{digest}"
    if podman("image", "exists", tag, check=False).returncode != 0:
        podman("build", "--build-arg", f"BASE_IMAGE={BASE_IMAGE}", "-t", tag, context, timeout=1800)
    return tag


@contextlib.contextmanager
def package_index(wheels: list[Path], serve: dict[str, Path] | None = None):
    """A PEP 503 index of `wheels` served by `python3 -m http.server` on
    127.0.0.1, with the directories `serve` (URL path: directory) next to
    it; yields its /simple/ URL."""
    root = Path(os.environ.get("TMPDIR", "/tmp")) / f"wd-index-{uuid.uuid4().hex[:8]}"
    try:
        for path, directory in (serve or {}).items():
            shutil.copytree(directory, root / path)
        by_project: dict[str, list[Path]] = {}
        (root / "files").mkdir(parents=True)
        for w in wheels:
            shutil.copy2(w, root / "files" / w.name)
            project = re.sub(r"[-_.]+", "-", w.name.split("-")[0]).lower()
            by_project.setdefault(project, []).append(w)
        for project, files in by_project.items():
            (root / "simple" / project).mkdir(parents=True)
            links = "".join(f'<a href="../../files/{html.escape(f.name)}">{html.escape(f.name)}</a>\n' for f in files)
            (root / "simple" / project / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{links}</body></html>\n")
        port = free_port()
        server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory",
                                   str(root), str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        with running(server):
            url = f"http://127.0.0.1:{port}/simple/"
            status, _, body = wait_for_http(url + "warpdrive/", timeout=30, proc=server)
            assert status == 200 and b".whl" in body
            yield url
    finally:
        shutil.rmtree(root, ignore_errors=True)


def bootstrap_source(root: Path) -> Path:
    src = root / "hello-bootstrap"
    (src / ".warpdrive").mkdir(parents=True)
    (src / "wsgi.py").write_text(
        "import os, sys\n\n"
        "def application(environ, start_response):\n"
        "    body = ('hello from %s under %s\\n' % (os.environ.get('GREETING', '?'), sys.prefix)).encode()\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain'), ('Content-Length', str(len(body)))])\n"
        "    return [body]\n")
    # warpdrive adds whitenoise for gunicorn; both come from the local index.
    (src / "requirements.txt").write_text("gunicorn==27.0.1\n")
    (src / ".warpdrive" / "server_type").write_text("gunicorn\n")
    (src / ".s2i").mkdir()
    (src / ".s2i" / "environment").write_text("GREETING=the bootstrap\n")
    return src


def test_scripts_url_in_the_dry_run(stock_image, tmp_path):
    src = bootstrap_source(tmp_path)
    argv = [os.environ.get("WARPDRIVE_BIN", str(REPO / "build" / "warpdrive")), "image", "--dry-run",
            "--builder-image", stock_image, "--network", "host"]
    # A local directory: its scripts are injected and run from /tmp/scripts.
    out = subprocess.run([*argv, "--scripts-url", str(REPO / "s2i" / "bootstrap"), "demo"], cwd=src,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert (f"scripts from --scripts-url: injected as scripts/ from {REPO / 's2i' / 'bootstrap'}: "
            "assemble, run, save-artifacts, usage\n") in out.stdout
    assert "assemble: /tmp/scripts/assemble (as user 1001)\n" in out.stdout
    assert "run: /tmp/scripts/run\n" in out.stdout
    assert "network of the assemble container: host\n" in out.stdout
    assert "--network=host" in out.stdout
    # A web server: each script downloaded by curl first.
    out = subprocess.run([*argv, "--json", "--scripts-url", "http://127.0.0.1:9/s2i/", "demo"], cwd=src,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    downloads = [s for s in plan["steps"] if s["what"].startswith("download ")]
    assert [s["what"] for s in downloads] == [f"download {n} from http://127.0.0.1:9/s2i" for n in
                                              ("assemble", "run", "save-artifacts", "usage")]
    assert downloads[0]["argv"][1:] == ["--fail", "--silent", "--show-error", "--location", "--proto", "=http,https",
                                        "--create-dirs", "--output", "@work/scripts/assemble",
                                        "http://127.0.0.1:9/s2i/assemble"]
    assert [s["optional"] for s in downloads] == [False, False, True, True]
    assert plan["assemble"] == "/tmp/scripts/assemble"
    # Scripts already in the image.
    out = subprocess.run([*argv, "--json", "--scripts-url", "image:///usr/libexec/s2i", "demo"], cwd=src,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    plan = json.loads(out.stdout)
    assert (plan["assemble"], plan["run"]) == ("/usr/libexec/s2i/assemble", "/usr/libexec/s2i/run")
    # Bad input: a clear error, nothing built.
    out = subprocess.run([*argv, "--scripts-url", "ftp://example.com/s2i", "demo"], cwd=src, capture_output=True,
                         text=True)
    assert out.returncode == 2
    assert out.stderr == ("warpdrive: error: --scripts-url 'ftp://example.com/s2i': unsupported scheme 'ftp' "
                          "(image://, file://, http:// or https://)\n")
    # A stock image has no scripts of its own: without --scripts-url there is nothing to run.
    out = subprocess.run([*argv[:-2], "demo"], cwd=src, capture_output=True, text=True)
    assert out.returncode != 0
    assert "has no io.openshift.s2i.scripts-url label" in out.stderr


@pytest.mark.parametrize("where", ["directory", "http"])
def test_bootstrap_scripts_build_an_app_on_a_stock_python_image(wheel, stock_image, tmp_path, where):
    """The bootstrap scripts as a local directory (injected) or from a web
    server (downloaded by curl, then injected): the same served app."""
    src = bootstrap_source(tmp_path)
    tag = uuid.uuid4().hex[:8]
    image, container = f"localhost/wd-test-bootstrap-{tag}", f"wd-test-bootstrap-{tag}"
    warpdrive = os.environ.get("WARPDRIVE_BIN", str(REPO / "build" / "warpdrive"))
    try:
        with package_index([wheel, *sorted(wheelhouse("gunicorn", "whitenoise", "uv").glob("*.whl"))],
                           serve={"s2i/bootstrap": REPO / "s2i" / "bootstrap"}) as index:
            scripts = str(REPO / "s2i" / "bootstrap") if where == "directory" else index.replace("/simple/", "/s2i/bootstrap")
            build = subprocess.run(
                [warpdrive, "image", "--builder-image", stock_image, "--scripts-url", scripts,
                 "--network", "host", "-e", f"PIP_INDEX_URL={index}", "-e", f"WARPDRIVE_VERSION={VERSION}", image],
                cwd=src, capture_output=True, text=True, timeout=1800)
        assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-6000:]
        assert f"Installing warpdrive=={VERSION} into /opt/app-root/warpdrive" in build.stdout + build.stderr
        if where == "http":
            assert "download assemble from http://127.0.0.1:" in build.stdout + build.stderr
        config = json.loads(podman("image", "inspect", image).stdout)[0]["Config"]
        assert config["Cmd"] == ["/tmp/scripts/run"]
        # The stock image stays what it was: warpdrive is only in the application image.
        assert podman("run", "--rm", stock_image, "sh", "-c", "command -v warpdrive", check=False).returncode != 0

        port = free_port()
        podman("run", "-d", "--name", container, "--user", f"{ARBITRARY_UID}:0", "-p", f"127.0.0.1:{port}:8080",
               image)
        status, _, body = wait_for_http(f"http://127.0.0.1:{port}/", timeout=120)
        logs = podman("logs", container, check=False)
        assert status == 200, logs.stdout + logs.stderr
        assert body.decode() == "hello from the bootstrap under /opt/app-root\n"
        ps = podman("exec", container, "/opt/app-root/warpdrive/bin/warpdrive", "--version")
        assert ps.stdout == f"warpdrive {VERSION}\n"
    finally:
        podman("rm", "-f", container, check=False)
        podman("rmi", "-f", image, check=False)


def test_bootstrap_incremental_build_reuses_the_wheelhouse(wheel, stock_image, tmp_path):
    """--incremental: the previous image's save-artifacts is the one the same
    --scripts-url injected (/tmp/scripts), and it hands over the wheelhouse."""
    src = bootstrap_source(tmp_path)
    image = f"localhost/wd-test-bootstrap-inc-{uuid.uuid4().hex[:8]}"
    warpdrive = os.environ.get("WARPDRIVE_BIN", str(REPO / "build" / "warpdrive"))
    ids = []
    try:
        with package_index([wheel, *sorted(wheelhouse("gunicorn", "whitenoise", "uv").glob("*.whl"))]) as index:
            argv = [warpdrive, "image", "--incremental", "--builder-image", stock_image, "--scripts-url",
                    str(REPO / "s2i" / "bootstrap"), "--network", "host", "-e", f"PIP_INDEX_URL={index}", image]
            for _ in range(2):
                build = subprocess.run(argv, cwd=src, capture_output=True, text=True, timeout=1800)
                assert build.returncode == 0, build.stdout[-6000:] + build.stderr[-6000:]
                ids.append(podman("image", "inspect", "--format", "{{.Id}}", image).stdout.strip())
        out = build.stdout + build.stderr
        assert f"run save-artifacts in the previous image {image}" in out
        assert "Restoring wheelhouse from the previous build" in out
        assert "failed" not in out
        listing = podman("run", "--rm", image, "ls", "/opt/app-root/src/.warpdrive/wheelhouse").stdout.split()
        assert "gunicorn-27.0.1-py3-none-any.whl" in listing
    finally:
        for name in [image, *ids]:
            podman("rmi", "-f", name, check=False)
