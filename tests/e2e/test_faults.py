"""Faults and bad input (issue 10): stop requests at any moment, builds that
must not be trusted when unfinished, names and files that are not what they
seem. Every test runs the real binary (and real servers)."""
import os
import random
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import (ARBITRARY_UID, SYSTEM_PYTHON, App, as_arbitrary_uid, free_port, http_get,
                      make_shared_dir, make_venv, process_output, session_members, warpdrive_binary)

# --- stopping: SIGTERM at a random moment of start-up and service --------------------------------

# A WSGI application that takes a while to import, so that a good share of the
# stops land while the server loads it (uWSGI ignores SIGTERM meanwhile).
SLOW_WSGI = '''import time
time.sleep(0.4)

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ready"]
'''

# python mode: app.py serves by itself.
APP_PY = SLOW_WSGI + '''
if __name__ == "__main__":
    import os
    from wsgiref.simple_server import make_server
    make_server("127.0.0.1", int(os.environ["WARPDRIVE_HTTP_PORT"]), application).serve_forever()
'''

# shell mode: app.sh runs the server as a child (no exec), the way many do;
# the shell dies of SIGTERM at once and the server must not outlive it.
APP_SH = f'''#!/bin/sh
{SYSTEM_PYTHON} app.py
'''


@dataclass
class StopCase:
    """How to start one kind of application; add a row to STOP_CASES for another server."""
    files: dict
    env: dict = field(default_factory=dict)
    runs: int = 20


STOP_CASES = {
    "gunicorn": StopCase({"wsgi.py": SLOW_WSGI}, {"WARPDRIVE_SERVER_TYPE": "gunicorn"}),
    "uwsgi": StopCase({"wsgi.py": SLOW_WSGI}, {"WARPDRIVE_SERVER_TYPE": "uwsgi"}),
    "waitress": StopCase({"wsgi.py": SLOW_WSGI}, {"WARPDRIVE_SERVER_TYPE": "waitress"}),
    "mod_wsgi": StopCase({"wsgi.py": SLOW_WSGI}, {"WARPDRIVE_SERVER_TYPE": "mod_wsgi"}),
    "python": StopCase({"app.py": APP_PY}, runs=10),
    "app.sh": StopCase({"app.py": APP_PY, "app.sh": APP_SH}, runs=10),
}

STOP_BOUND = 5.0  # seconds from SIGTERM to an empty session (issue 10)


def stop_app(tmp_root: Path, name: str) -> App:
    """One app root per case, reused by all its runs (no virtualenv: Debian's servers)."""
    app = App(make_shared_dir(tmp_root / f"stop-{name.replace('.', '-')}"), warpdrive_binary())
    for relpath, text in STOP_CASES[name].files.items():
        app.write(relpath, text, executable=relpath.endswith(".sh"))
    return app


def time_to_first_answer(app: App, env: dict, port: int) -> float:
    """Seconds from start to the first 200 (then stopped); the span the stop moments cover."""
    began = time.monotonic()
    proc = app.popen("start", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.monotonic() - began < 60:
            assert proc.poll() is None, f"start exited with {proc.returncode}"
            try:
                if http_get(f"http://127.0.0.1:{port}/", timeout=1)[0] == 200:
                    return time.monotonic() - began
            except OSError:
                time.sleep(0.02)
        raise AssertionError("no answer within 60 s")
    finally:
        stop_within_bound(proc)


def stop_within_bound(proc: subprocess.Popen, in_flight_port: int | None = None) -> float:
    """SIGTERM to warpdrive; it and its whole session must be gone within STOP_BOUND.
    Whatever is left is SIGKILLed afterwards, so one failure does not spoil the next run."""
    began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        try:
            proc.wait(timeout=STOP_BOUND)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"warpdrive still running {STOP_BOUND} s after SIGTERM")
        while session_members(proc.pid) and time.monotonic() - began < STOP_BOUND:
            time.sleep(0.02)
        left = session_members(proc.pid)
        assert left == [], f"left running {time.monotonic() - began:.1f} s after SIGTERM: {left}"
        return time.monotonic() - began
    finally:
        kill_session(proc)


def kill_session(proc: subprocess.Popen):
    """SIGKILL to whatever is left of a test's session (after its assertions)."""
    for pid in session_members(proc.pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if proc.poll() is None:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("name", list(STOP_CASES))
def test_sigterm_at_any_moment_stops_everything(shared_tmp, name):
    case = STOP_CASES[name]
    app = stop_app(shared_tmp, name)
    port = free_port()
    env = app.env(WARPDRIVE_HTTP_PORT=port, WARPDRIVE_PYTHON=SYSTEM_PYTHON, **case.env)
    span = time_to_first_answer(app, env, port)
    # Fixed moments (seeded by the case's name), spread over start-up and the
    # first part of service: from before warpdrive has read its settings to
    # well after the first answer.
    rng = random.Random(name)
    moments = sorted(rng.uniform(0, span * 1.5) for _ in range(case.runs))
    failures = []
    for moment in moments:
        proc = app.popen("start", env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(moment)
        try:
            stop_within_bound(proc)
        except AssertionError as e:
            failures.append(f"SIGTERM {moment:.2f} s after start: {e}")
    assert failures == []


def test_pid1_sigterm_during_the_deploy_hook_stops_before_the_server(app, shared_tmp):
    started = shared_tmp / "server-started"
    in_hook = shared_tmp / "in-deploy-hook"
    app.hook("deploy", f'touch "{in_hook}"\nsleep 2\n')
    app.write("app.py", f'open("{started}", "w").close()\nimport time\ntime.sleep(60)\n')
    proc = subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", str(app.binary), "start"],
                            env=app.env(WARPDRIVE_PYTHON=SYSTEM_PYTHON), cwd=app.src, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        init = None
        while time.monotonic() < deadline and init is None:
            children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
            init = int(children[0]) if children else None
        while not in_hook.exists():
            assert time.monotonic() < deadline, "the deploy hook never ran"
            time.sleep(0.02)
        os.kill(init, signal.SIGTERM)
        assert proc.wait(timeout=STOP_BOUND) == 128 + signal.SIGTERM
        out = proc.stdout.read()
        time.sleep(0.5)  # a server started anyway would have written its file by now
        assert not started.exists(), out
        assert "warpdrive: error: stopped by SIGTERM" in out
        assert session_members(proc.pid) == []
    finally:
        kill_session(proc)


# --- build: stopped, serialised ------------------------------------------------------------------


@pytest.fixture(scope="module")
def built_app(tmp_path_factory):
    """An app root with a virtualenv (Debian's interpreter, system site packages), run in shell
    mode so that build installs no server; the tests add hooks."""
    root = tmp_path_factory.mktemp("faults-build")
    root.chmod(0o777)
    app = App(make_shared_dir(root / "app-root"), warpdrive_binary())
    make_venv(app.root)
    app.write("app.sh", "#!/bin/sh\nexec sleep 60\n", executable=True)
    return app


def build_env(app: App, **extra) -> dict:
    return app.env(WARPDRIVE_PYTHON=SYSTEM_PYTHON, WARPDRIVE_SYSTEM_SITE_PACKAGES="1", **extra)


def wait_for_file(path: Path, proc: subprocess.Popen, timeout: float = 60):
    deadline = time.monotonic() + timeout
    while not path.exists():
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode} first:\n{process_output(proc)}")
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP], ids=lambda s: s.name)
def test_build_passes_a_stop_on_and_leaves_nothing(built_app, sig):
    app = built_app
    pids = app.root / "pre-build.pids"
    pids.unlink(missing_ok=True)
    # pip stands in for the hook's long-running child, in the hook's place a build step would be.
    app.hook("pre-build", f'sleep 300 &\necho "$$ $!" > "{pids}.tmp"\nmv "{pids}.tmp" "{pids}"\nwait\n')
    try:
        proc = app.popen("build", env=build_env(app))
        wait_for_file(pids, proc)
        hook_pid, sleep_pid = map(int, pids.read_text().split())
        proc.send_signal(sig)
        assert proc.wait(timeout=STOP_BOUND) == 128 + sig
        out = process_output(proc)
        assert f"warpdrive: error: stopped by {sig.name}" in out
        assert not alive(hook_pid) and not alive(sleep_pid), out
        assert session_members(proc.pid) == []
    finally:
        kill_session(proc)
        (app.src / ".warpdrive/action_hooks/pre-build").unlink()


def test_two_builds_of_one_app_root_take_turns(built_app):
    app = built_app
    gate, log = app.root / "gate", app.root / "turns.log"
    gate.unlink(missing_ok=True)
    log.unlink(missing_ok=True)
    app.hook("pre-build", f'echo "start $$" >> "{log}"\nwhile [ ! -e "{gate}" ]; do sleep 0.05; done\n'
                          f'echo "end $$" >> "{log}"\n')
    try:
        first = app.popen("build", env=build_env(app))
        wait_for_file(log, first)
        second_out = app.root / "second.out"
        with open(second_out, "wb") as out:
            second = app.popen("build", env=build_env(app), stdout=out)
        lock = app.root / "markers" / ".build.lock"
        waiting = (f"warpdrive build: another build of {app.root} is running; waiting for it to finish "
                   f"(lock {lock})\n")
        # The second says that it waits, and does not start its pre-build hook.
        deadline = time.monotonic() + 30
        while waiting not in second_out.read_text():
            assert time.monotonic() < deadline and second.poll() is None, second_out.read_text()
            time.sleep(0.05)
        assert len(log.read_text().splitlines()) == 1
        gate.touch()
        assert first.wait(timeout=120) == 0, process_output(first)
        assert second.wait(timeout=120) == 0, second_out.read_text()
        turns = [line.split()[0] for line in log.read_text().splitlines()]
        assert turns == ["start", "end", "start", "end"]
    finally:
        gate.touch()
        for proc in [p for p in (locals().get("first"), locals().get("second")) if p is not None]:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        (app.src / ".warpdrive/action_hooks/pre-build").unlink()


# --- build: collectstatic and the virtualenv are trusted only when complete -----------------------


def test_incomplete_static_files_are_collected_again(shared_tmp):
    app = App(make_shared_dir(shared_tmp / "app-root"), warpdrive_binary())
    make_venv(app.root)
    subprocess.run([SYSTEM_PYTHON, "-m", "django", "startproject", "mysite", str(app.src)], check=True)
    env = build_env(app, WARPDRIVE_SERVER_TYPE="gunicorn")
    app.run("build", env=env, check=True, timeout=300)
    static = app.root / "tmp" / "django" / "static"
    files = sorted(p for p in static.rglob("*") if p.is_file())
    assert len(files) > 20
    # As an interrupted collectstatic leaves it: part of the files.
    for p in files[len(files) // 2:]:
        p.unlink()
    r = app.run("build", env=env, check=True, timeout=300)
    assert "not collecting static files again" not in r.stdout
    assert "Collecting static files for Django" in r.stdout
    assert sorted(p for p in static.rglob("*") if p.is_file()) == files
    # Complete now: the next build trusts it.
    r = app.run("build", env=env, check=True, timeout=300)
    assert "not collecting static files again" in r.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="mounts a small file system")
def test_full_disk_during_venv_creation_is_reported_and_repaired(shared_tmp):
    root = shared_tmp / "app-root"
    root.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(root)], check=True)
    try:
        app = App(make_shared_dir(root), warpdrive_binary())
        app.write("app.sh", "#!/bin/sh\nexec sleep 60\n", executable=True)
        env = app.env(WARPDRIVE_PYTHON=SYSTEM_PYTHON)
        r = app.run("build", env=env, timeout=300)
        assert r.returncode != 0
        assert "no space left on device" in r.stderr, r.stderr
        assert "python3-venv" not in r.stderr
        assert not (root / "pyvenv.cfg").exists() and not (root / "bin").exists()
        # Room again: the next build makes a whole virtualenv.
        subprocess.run(["mount", "-o", "remount,size=200m", str(root)], check=True)
        r = app.run("build", env=env, timeout=300)
        assert r.returncode == 0, r.stdout + r.stderr
        check = subprocess.run([str(root / "bin" / "python"), "-m", "pip", "--version"], capture_output=True)
        assert check.returncode == 0, check.stderr
    finally:
        subprocess.run(["umount", "-l", str(root)], check=False)


def test_build_stopped_while_creating_the_venv_recreates_it(shared_tmp):
    app = App(make_shared_dir(shared_tmp / "app-root"), warpdrive_binary())
    app.write("app.sh", "#!/bin/sh\nexec sleep 60\n", executable=True)
    env = app.env(WARPDRIVE_PYTHON=SYSTEM_PYTHON)
    proc = app.popen("build", env=env)
    # SIGKILL (nothing can be passed on) once the venv has begun.
    wait_for_file(app.root / "pyvenv.cfg", proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert (app.root / "markers" / "venv-incomplete").exists()
    r = app.run("build", env=env, timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"Removing the virtualenv at {app.root}: a build stopped while it was being created" in r.stdout
    assert subprocess.run([str(app.root / "bin" / "python"), "-m", "pip", "--version"],
                          capture_output=True).returncode == 0
    assert not (app.root / "markers" / "venv-incomplete").exists()


# --- the environment: names, channels, files that are not files ----------------------------------


ODD_NAMES = {"my-var": "dash", "spring.datasource.url": "jdbc:x", "BASH_FUNC_f%%": "() {  echo f\n}"}


def test_env_never_prints_a_name_as_code(app, shared_tmp):
    touched = shared_tmp / "touched"
    app.write(".warpdrive/environment", "FROM_FILE=1\n")
    evil = f"X$(touch {touched})"
    env = app.env(**{evil: "v"})
    r = app.run("env", env=env)
    assert r.returncode == 0, r.stderr
    subprocess.run(["sh", "-c", r.stdout], check=True, env=env)
    subprocess.run(["bash", "-c", r.stdout], check=True, env=env)
    assert not touched.exists()
    assert "FROM_FILE" in r.stdout


def test_env_with_a_changed_odd_name_warns_instead_of_printing(app, shared_tmp):
    # An odd name warpdrive would print (WARPDRIVE_ names always are).
    r = app.run("env", env=app.env(**{"WARPDRIVE_X;touch y": "1"}))
    assert r.returncode == 0
    assert "touch y" not in r.stdout
    assert ("warpdrive: warning: not printing the variable 'WARPDRIVE_X;touch y': its name is not a "
            "shell variable name\n") in r.stderr


@pytest.mark.parametrize("trigger", ["environment", "deploy-env"])
def test_odd_names_pass_through_to_the_app(app, trigger):
    if trigger == "environment":
        app.write(".warpdrive/environment", "FROM_FILE=1\n")
    else:
        app.hook("deploy-env", "FROM_FILE=1\n")
    r = app.run("exec", "env", "-0", env=app.env(**ODD_NAMES))
    assert r.returncode == 0, r.stderr
    got = dict(item.split("=", 1) for item in r.stdout.split("\0") if item)
    assert got["FROM_FILE"] == "1"
    for name, value in ODD_NAMES.items():
        assert got.get(name) == value, name


def test_environment_file_writing_to_descriptors_reveals_nothing(app):
    app.write(".warpdrive/environment",
              "SECRET=hunter2\n(printf 'junk\\0=\\0' >&3) 2>/dev/null\nprintf 'junk\\0' >&1\necho to-stderr >&2\n")
    r = app.run("env", env=app.env())
    assert r.returncode == 0, r.stderr
    assert "export SECRET='hunter2'\n" in r.stdout
    assert "hunter2" not in r.stderr
    assert "junk" not in r.stdout


def test_failing_environment_file_does_not_show_the_environment(app):
    app.write(".warpdrive/environment", "SECRET=hunter2\nprintf 'x\\0' >&3\nfalse_command_xyz\nexit 3\n")
    r = app.run("env", env=app.env())
    assert r.returncode == 1
    assert "hunter2" not in r.stderr + r.stdout
    assert r.stderr.endswith(f"warpdrive: error: cannot source {app.src}/.warpdrive/environment: "
                             "/bin/sh exited with status 3\n")


def test_fifo_as_environment_file_is_an_error_not_a_hang(app):
    (app.src / ".warpdrive").mkdir()
    os.mkfifo(app.src / ".warpdrive" / "environment")
    r = app.run("env", env=app.env(), timeout=20)
    assert r.returncode == 1
    assert r.stderr == (f"warpdrive: error: {app.src}/.warpdrive/environment: is a FIFO (named pipe), not a "
                        "regular file; expected a shell file\n")


@pytest.mark.parametrize("kind", ["fifo", "dangling-link"])
def test_hook_that_is_not_a_file_gets_a_clear_message(app, kind):
    hooks = app.src / ".warpdrive" / "action_hooks"
    hooks.mkdir(parents=True)
    path = hooks / "setup"
    if kind == "fifo":
        os.mkfifo(path)
        why = "is a FIFO (named pipe), not a regular file"
    else:
        path.symlink_to(hooks / "missing")
        why = f"is a symbolic link to {hooks / 'missing'}, which does not exist"
    r = app.run("setup", env=app.env(), timeout=20)
    assert r.returncode == 1
    assert r.stderr == f"warpdrive: error: hook {path} {why}; a hook must be an executable file\n"


@pytest.mark.parametrize("as_uid", [False, True], ids=["root", "arbitrary-uid"])
def test_deploy_cfg_lock_is_not_opened_through_a_link(app, shared_tmp, as_uid):
    target = shared_tmp / "created-through-the-link"
    markers = make_shared_dir(app.root / "markers")
    (markers / ".deploy-cfg.lock").symlink_to(target)
    app.hook("deploy-cfg", "echo cfg\n")
    r = app.run("setup", env=app.env(), as_uid=as_uid)
    assert r.returncode == 1
    assert not target.exists()
    assert r.stderr == (f"warpdrive: error: cannot open the lock file {markers}/.deploy-cfg.lock: it is a "
                        "symbolic link (remove it)\n")


def test_build_lock_is_not_opened_through_a_link(built_app, shared_tmp):
    target = shared_tmp / "build-lock-target"
    lock = built_app.root / "markers" / ".build.lock"
    lock.parent.mkdir(exist_ok=True)
    lock.unlink(missing_ok=True)
    lock.symlink_to(target)
    try:
        r = built_app.run("build", env=build_env(built_app))
        assert r.returncode == 1
        assert not target.exists()
        assert f"cannot open the lock file {lock}: it is a symbolic link (remove it)" in r.stderr
    finally:
        lock.unlink()


# --- main_entry: one error line, whatever happens -------------------------------------------------


def test_env_json_with_bytes_that_are_not_utf8(app):
    env = {k.encode(): v.encode() for k, v in app.env().items()}
    env[b"WARPDRIVE_ODD"] = b"caf\xe9"
    r = subprocess.run([str(app.binary), "env", "--json"], env=env, cwd=app.src, capture_output=True)
    assert r.returncode == 0, r.stderr
    assert '"WARPDRIVE_ODD": "caf\ufffd"'.encode() in r.stdout


def test_build_with_a_source_path_that_is_not_utf8_says_so_in_one_line(shared_tmp):
    # JSON (the build record) holds only UTF-8: this used to abort ("terminate called ...").
    root = make_shared_dir(shared_tmp / "app-root")
    make_venv(root, with_pip=False)
    src = os.fsencode(shared_tmp) + b"/caf\xe9"
    os.mkdir(src)
    with open(src + b"/app.sh", "w") as f:
        f.write("#!/bin/sh\nexec sleep 60\n")
    os.chmod(src + b"/app.sh", 0o755)
    env = {b"PATH": b"/usr/bin:/bin", b"WARPDRIVE_APP_ROOT": os.fsencode(root), b"WARPDRIVE_SRC_ROOT": src,
           b"WARPDRIVE_PYTHON": SYSTEM_PYTHON.encode(), b"WARPDRIVE_SYSTEM_SITE_PACKAGES": b"1"}
    r = subprocess.run([str(warpdrive_binary()), "build"], env=env, cwd=src, capture_output=True, timeout=120)
    assert r.returncode == 1, r.stderr
    assert r.stderr.endswith(b"warpdrive: error: cannot write " + os.fsencode(root) + b"/markers/build.json: a path "
                             b"or setting in it is not valid UTF-8 (APP_HOME " + src + b")\n"), r.stderr
    assert r.stderr.count(b"warpdrive: error:") == 1
