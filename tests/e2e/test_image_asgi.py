"""A FastAPI application in a container built by `warpdrive image` (issue 11):
it runs as an arbitrary UID in group 0 with no passwd entry and warpdrive as
process 1, serves JSON with its startup handler's side effect visible, and
`podman stop` completes within 3 s with the shutdown handler run. The
packages (PINS versions) come from a wheelhouse downloaded on the host and
shipped in .warpdrive/wheelhouse: the build container installs offline."""
import json
import shutil
import time

import pytest

from conftest import PINS, wheelhouse
from test_image import Resources, build_ok, logs, podman, start, wait_http, write, builder  # noqa: F401

FASTAPI_MAIN = '''\
import os
from contextlib import asynccontextmanager

from fastapi import FastAPI

STATE = {}


@asynccontextmanager
async def lifespan(app):
    STATE["uid"] = os.getuid()
    yield
    print("warpdrive-test: shutdown handler ran", flush=True)


api_for_the_image = FastAPI(lifespan=lifespan)


@api_for_the_image.get("/")
def root():
    return {"uid": STATE.get("uid"), "pid1": open("/proc/1/comm").read().strip()}
'''


@pytest.fixture(scope="module")
def res():
    r = Resources()
    yield r
    r.cleanup()


def test_fastapi_image_as_arbitrary_uid_and_pid1(res, builder, tmp_path):  # noqa: F811
    src = tmp_path / "fastapi"
    write(src, "main.py", FASTAPI_MAIN)
    write(src, "requirements.txt", f"{PINS['fastapi']}\n{PINS['granian']}\n{PINS['servestatic']}\n")
    write(src, ".s2i/environment", "WARPDRIVE_PIP_NO_INDEX=1\n")
    shutil.copytree(wheelhouse("fastapi", "granian", "servestatic"), src / ".warpdrive" / "wheelhouse")
    image = res.image("fastapi")
    build_ok(src, "--builder-image", builder, image)
    name, port = start(res, image, "fastapi")
    status, _, body = wait_http(name, f"http://127.0.0.1:{port}/", timeout=120)
    assert status == 200
    answer = json.loads(body)
    assert answer["uid"] == 1000123456  # the startup handler ran in the serving process, as that UID
    assert answer["pid1"] == "warpdrive"
    t0 = time.monotonic()
    podman("stop", "-t", "10", name)
    elapsed = time.monotonic() - t0
    state = json.loads(podman("inspect", name).stdout)[0]["State"]
    out = logs(name)
    assert elapsed < 3.0, f"podman stop took {elapsed:.1f}s\n{out}"
    assert state["ExitCode"] in (0, 143), f"exit code {state['ExitCode']}\n{out}"
    assert "Starting granian" in out, out
    assert "warpdrive-test: shutdown handler ran" in out, out
