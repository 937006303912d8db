"""Builder images for more than one Python (issue 12), with real podman:
`warpdrive image` picks the builder of the Python version the application
asks for, refuses a version no builder has, and a password for a private
package index reaches the build but no layer, no image configuration and no
output line.

The Debian 13 (Python 3.13) builder is built by image/build.sh --python 3.13
and cached by digest like the default one."""
import contextlib
import gzip
import json
import shutil
import subprocess
import tarfile
import time
from pathlib import Path

import pytest

from conftest import REPO, wheelhouse, warpdrive_binary
from test_image import Resources, build_ok, podman, warpdrive_image, write

WSGI = '''\
def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"hello"]
'''


@pytest.fixture(scope="module")
def res():
    if not shutil.which("podman"):
        pytest.fail("podman is not installed (scripts/deps.sh installs it; scripts/podman-setup.sh configures it)")
    r = Resources()
    yield r
    r.cleanup()


@pytest.fixture(scope="session")
def builder313() -> str:
    """The Python 3.13 builder with the binary under test; also tagged
    localhost/warpdrive-python3.13:latest, which warpdrive picks by itself."""
    result = subprocess.run([str(REPO / "image" / "build.sh"), "--python", "3.13", "--binary",
                             str(warpdrive_binary())], capture_output=True, text=True, timeout=2400)
    assert result.returncode == 0, f"image/build.sh --python 3.13 failed:\n{result.stderr[-4000:]}"
    return result.stdout.strip().splitlines()[-1]


def offline_app(root: Path, python: str) -> Path:
    """A WSGI app that pins six 1.16.0, installed offline from its wheelhouse."""
    write(root, "wsgi.py", WSGI)
    write(root, ".python-version", python + "\n")
    write(root, "requirements.txt", "six==1.16.0\n")
    house = root / ".warpdrive" / "wheelhouse"
    house.mkdir(parents=True)
    for wheel in wheelhouse("six").glob("six-*.whl"):
        shutil.copy(wheel, house)
    return root


def run_in(image: str, *argv) -> str:
    r = podman("run", "--rm", "--user", "1000123456:0", "--passwd=false", image, *argv)
    return r.stdout + r.stderr


def test_python_version_picks_the_builder_with_that_python(res, builder313, tmp_path):
    src = offline_app(tmp_path, "3.13")
    builder_line = ("Builder image localhost/warpdrive-python3.13:latest (Python 3.13 for 3.13 (.python-version), "
                    "Debian 13 (trixie))")
    dry = warpdrive_image(src, "--dry-run", "x")
    assert dry.returncode == 0, dry.stderr
    assert ("builder image: localhost/warpdrive-python3.13:latest (from Python 3.13 for 3.13 (.python-version), "
            "Debian 13 (trixie); id ") in dry.stdout
    image = res.image("py313")
    r = build_ok(src, "--no-index", image)
    assert f" -----> {builder_line}" in r.stdout
    assert run_in(image, "python", "--version").startswith("Python 3.13.")
    assert run_in(image, "python", "-c", "import six; print(six.__version__)") == "1.16.0\n"
    # uv is in the builder, where build looks for its default pin.
    assert run_in(builder313, "/opt/warpdrive/tools/uv-0.13.9/bin/uv", "--version").startswith("uv 0.13.9")
    # --builder-image still wins over the version asked for.
    dry = warpdrive_image(src, "--dry-run", "--builder-image", "localhost/warpdrive-python3:latest", "x")
    if dry.returncode == 0:
        assert "builder image: localhost/warpdrive-python3:latest (from --builder-image; id " in dry.stdout
    else:  # the default builder has not been built on this machine yet: the option is still what was looked for
        assert "builder image 'localhost/warpdrive-python3:latest' (from --builder-image) not found" in dry.stderr


def test_a_version_no_builder_has_is_refused_with_the_list(tmp_path):
    write(tmp_path, "wsgi.py", WSGI)
    write(tmp_path, ".python-version", "3.9\n")
    r = warpdrive_image(tmp_path, "x")
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr == ("warpdrive: error: the application asks for Python 3.9 (.python-version), and no builder "
                        "image has it; the builders are: localhost/warpdrive-python3.11:latest (Python 3.11, "
                        "Debian 12 (bookworm)), localhost/warpdrive-python3.13:latest (Python 3.13, Debian 13 "
                        "(trixie)); change the version asked for, or name a builder with --builder-image\n")


# --- A private index that wants a password --------------------------------------

USER, PASSWORD = "imagebuilder", "pw-Kd83-not-in-any-layer"


# The index runs in a container of its own on podman's default network, where
# the build container reaches it (the host's 127.0.0.1 is not the
# container's, and the host's bridge address exists only while a container
# runs); the test reads what it served from its log.
INDEX_SERVER = r'''
import base64, http.server, os, re, sys
from pathlib import Path

WHEELS = Path("/wheels")
EXPECTED = "Basic " + base64.b64encode(os.environ["INDEX_AUTH"].encode()).decode()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):  # uv asks whether a wheel can be read in ranges
        self.do_GET(head=True)

    def do_GET(self, head=False):
        if self.headers.get("Authorization") != EXPECTED:
            print("refused", self.path, flush=True)
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="private"')
            self.end_headers()
            return
        parts = [p for p in self.path.split("?")[0].split("/") if p]
        body, kind = None, "text/html"
        if len(parts) == 2 and parts[0] == "simple":
            files = [w for w in WHEELS.glob("*.whl")
                     if re.sub(r"[-_.]+", "-", w.name.split("-")[0]).lower() == parts[1]]
            if files:
                body = "".join(f'<a href="/files/{w.name}">{w.name}</a>\n' for w in files).encode()
        elif len(parts) == 2 and parts[0] == "files" and (WHEELS / parts[1]).is_file():
            body, kind = (WHEELS / parts[1]).read_bytes(), "application/octet-stream"
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        print("served" if not head else "head", self.path, flush=True)
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)


server = http.server.ThreadingHTTPServer(("0.0.0.0", 8080), Handler)
print("ready", flush=True)
server.serve_forever()
'''


@contextlib.contextmanager
def private_index(res, image: str, wheels: Path, tmp_path: Path):
    """A PEP 503 simple index of `wheels` behind HTTP basic auth, in a
    container; yields its URL (with the credentials) and a function that
    returns its log."""
    script = tmp_path / "index_server.py"
    script.write_text(INDEX_SERVER)
    name = res.container("index")
    podman("run", "-d", "--name", name, "--user", "1000123456:0", "--passwd=false", "--entrypoint", "python3",
           "-e", f"INDEX_AUTH={USER}:{PASSWORD}", "-v", f"{wheels}:/wheels:ro,Z", "-v", f"{script}:/index.py:ro,Z",
           image, "/index.py")
    deadline = time.monotonic() + 60
    while "ready" not in podman("logs", name).stdout:
        assert time.monotonic() < deadline, podman("logs", name, check=False).stderr
        time.sleep(0.1)
    address = podman("inspect", "--format", "{{.NetworkSettings.IPAddress}}", name).stdout.strip()
    assert address, "the index container has no address on podman's network"
    try:
        yield f"http://{USER}:{PASSWORD}@{address}:8080/simple/", lambda: podman("logs", name).stdout
    finally:
        podman("rm", "-f", "-t", "0", name, check=False)


def layers_containing(archive: Path, needle: bytes) -> list[str]:
    """Members of a `podman save` archive (layers, configuration, manifest)
    whose bytes, or whose decompressed bytes, contain `needle`."""
    hits = []
    with tarfile.open(archive) as outer:
        for member in outer.getmembers():
            if not member.isfile():
                continue
            data = outer.extractfile(member).read()
            with contextlib.suppress(OSError, EOFError):
                data = gzip.decompress(data)
            if needle in data:
                hits.append(member.name)
    return hits


def test_private_index_password_in_no_layer_nor_output(res, builder313, tmp_path):
    src = tmp_path / "src"
    write(src, "wsgi.py", WSGI)
    write(src, ".python-version", "3.13\n")
    write(src, "requirements.txt", "six==1.16.0\n")
    image = res.image("private-index")
    with private_index(res, builder313, wheelhouse("six"), tmp_path) as (url, log):
        # (plain HTTP on a private network: pip wants the host named as trusted)
        index = ["-e", f"PIP_INDEX_URL={url}", "-e", f"PIP_TRUSTED_HOST={url.split('@')[1].split(':')[0]}"]
        dry = warpdrive_image(src, "--dry-run", *index, image)
        assert dry.returncode == 0, dry.stderr
        r = build_ok(src, *index, image)
        served = log()
    # The password reached the installer: the wheel came from the private index.
    assert "served /files/six-1.16.0-" in served, served
    assert run_in(image, "python", "-c", "import six; print(six.__version__)") == "1.16.0\n"
    output = dry.stdout + dry.stderr + r.stdout + r.stderr
    assert PASSWORD not in output
    assert (f"PIP_INDEX_URL='http://{USER}:****@" in dry.stdout
            and "(-e; holds a credential: for assemble only, not kept in the image)" in dry.stdout), dry.stdout
    # Not in the image's configuration (environment, labels, history) ...
    inspect = podman("image", "inspect", image).stdout + podman("history", "--no-trunc", image).stdout
    assert PASSWORD not in inspect
    assert "PIP_INDEX_URL" not in json.dumps(json.loads(podman("image", "inspect", image).stdout)[0]["Config"])
    # ... nor in any layer.
    archive = tmp_path / "image.tar"
    podman("save", "--format", "docker-archive", "-o", archive, image, timeout=900)
    assert layers_containing(archive, PASSWORD.encode()) == []
    # The search can find what is there: the application's source is in a layer.
    assert layers_containing(archive, b'return [b"hello"]')
