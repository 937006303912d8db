"""The foundation: the CLI, the deploy environment, exec/shell, PID 1,
arbitrary UIDs and the runtime hook commands, run through the real binary."""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import SYSTEM_PYTHON, as_arbitrary_uid

PROBE = Path(__file__).with_name("probe.py")

TRICKY = {
    "SPACES": "a value  with   spaces",
    "QUOTES": "it's \"quoted\" 'twice'",
    "NEWLINES": "line one\nline two\n",
    "DOLLARS": "$HOME ${PATH} $(echo no) `echo no`",
    "BACKSLASH": "back\\slash\\n and \\' mixed",
    "EMPTY": "",
}


# --- the CLI ---------------------------------------------------------------

def test_help_lists_every_command(app):
    out = app.run("help", check=True).stdout
    for name in ["build", "start", "env", "exec", "shell", "setup", "migrate", "verify", "alive",
                 "ready", "fixup", "image", "wheels", "project", "activate", "deactivate",
                 "destroy", "profile", "rcfile", "help"]:
        assert f"\n  {name} " in out, name


def test_help_command_and_dash_dash_help_describe_one(app):
    by_help = app.run("help", "ready", check=True).stdout
    by_flag = app.run("ready", "--help", check=True).stdout
    assert by_help == by_flag
    assert "127.0.0.1:$WARPDRIVE_HTTP_PORT" in by_help


def test_version(app):
    r = app.run("--version", check=True)
    assert r.stdout.startswith("warpdrive ")


def test_unknown_command_suggests_and_exits_2(app):
    r = app.run("strat")
    assert r.returncode == 2
    assert r.stderr == ("warpdrive: error: unknown command 'strat'; did you mean 'start'? "
                        "(warpdrive help lists the commands)\n")


def test_unknown_option_exits_2(app):
    r = app.run("env", "--bogus")
    assert r.returncode == 2
    assert r.stderr == ("warpdrive: error: warpdrive env: The following argument was not expected: --bogus "
                        "(see: warpdrive env --help)\n")


# --- warpdrive env ---------------------------------------------------------

def test_env_round_trips_tricky_values_through_eval(app):
    # Written with shell quoting the environment file understands.
    def sh_quote(v):
        return "'" + v.replace("'", "'\\''") + "'"
    app.write(".warpdrive/environment", "".join(f"{n}={sh_quote(v)}\n" for n, v in TRICKY.items()))
    printed = app.run("env", check=True).stdout
    script = printed + "\n" + "".join(f'printf "%s\\0" "${n}"\n' for n in TRICKY)
    out = subprocess.run(["bash", "-c", script], capture_output=True, check=True,
                         env={"PATH": os.environ["PATH"]}).stdout.decode()
    assert out.split("\0")[:-1] == list(TRICKY.values())


def test_env_json_matches(app):
    app.write(".warpdrive/environment", "GREETING='hello world'\n")
    data = json.loads(app.run("env", "--json", check=True).stdout)
    assert data["GREETING"] == "hello world"
    assert data["WARPDRIVE_APP_ROOT"] == str(app.root)
    assert data["WARPDRIVE_SRC_ROOT"] == str(app.src)
    assert data["WARPDRIVE_PHASE"] == "deploy"
    assert data["WARPDRIVE_ACTION"] == "env"
    assert data["WARPDRIVE_HTTP_PORT"] == "8080"


def test_env_prints_only_what_warpdrive_and_the_files_set(app):
    env = app.env(UNRELATED_INHERITED="x")
    out = app.run("env", env=env, check=True).stdout
    assert "UNRELATED_INHERITED" not in out
    assert "export WARPDRIVE_SERVER_TYPE='mod_wsgi'\n" in out


def test_deploy_env_logic_and_references(app):
    app.write(".warpdrive/environment", "BASE_URL=http://example\nMODE=prod\n")
    app.hook("deploy-env", 'if [ "$MODE" = prod ]; then DEBUG_LEVEL=0; else DEBUG_LEVEL=9; fi\n'
                           'API="$BASE_URL/api"\nDATA_DIR="${WARPDRIVE_APP_ROOT}/data"\n',
             executable=False)  # deploy-env is sourced, it needs no execute bit
    data = json.loads(app.run("env", "--json", check=True).stdout)
    assert data["DEBUG_LEVEL"] == "0"
    assert data["API"] == "http://example/api"
    assert data["DATA_DIR"] == f"{app.root}/data"


def test_environment_can_set_settings(app):
    app.write(".warpdrive/environment", "WARPDRIVE_HTTP_PORT=9090\nWARPDRIVE_SERVER_TYPE=gunicorn\n")
    data = json.loads(app.run("env", "--json", check=True).stdout)
    assert data["WARPDRIVE_HTTP_PORT"] == "9090"
    assert data["WARPDRIVE_SERVER_TYPE"] == "gunicorn"


def test_env_files_output_goes_to_stderr(app):
    app.write(".warpdrive/environment", "echo chatter\nX=1\n")
    r = app.run("env", check=True)
    assert "chatter" not in r.stdout
    assert "chatter" in r.stderr


def test_paths_and_virtualenv(app):
    (app.root / "bin").mkdir()
    (app.root / "bin" / "activate").write_text("# venv\n")
    (app.src / "web").mkdir()
    app.write(".warpdrive/home", "web\n")
    env = app.env(PYTHONPATH="/already/there", PATH="/usr/bin:/bin")
    data = json.loads(app.run("env", "--json", env=env, check=True).stdout)
    assert data["WARPDRIVE_APP_HOME"] == f"{app.src}/web"
    assert data["PYTHONPATH"] == f"{app.src}/web:{app.src}:/already/there"
    assert data["PATH"] == f"{app.root}/bin:/usr/bin:/bin"
    assert data["VIRTUAL_ENV"] == str(app.root)


def test_absolute_home(app, shared_tmp):
    elsewhere = shared_tmp / "elsewhere"
    elsewhere.mkdir()
    app.write(".warpdrive/home", f"{elsewhere}\n")
    data = json.loads(app.run("env", "--json", check=True).stdout)
    assert data["WARPDRIVE_APP_HOME"] == str(elsewhere)


# --- bad input -------------------------------------------------------------

def test_home_naming_a_missing_directory(app):
    app.write(".warpdrive/home", "nowhere\n")
    r = app.run("env")
    assert r.returncode == 1
    assert r.stderr == (f"warpdrive: error: {app.src}/.warpdrive/home names {app.src}/nowhere, "
                        "which is not a directory\n")


def test_environment_syntax_error_shows_the_shells_message(app):
    app.write(".warpdrive/environment", "A=1\nif then\n")
    r = app.run("env")
    assert r.returncode == 1
    assert r.stdout == ""
    # The shell's own message (naming the line and file), then ours.
    assert r.stderr.startswith(f'sh: 2: {app.src}/.warpdrive/environment: Syntax error: "then" unexpected\n')
    assert r.stderr.endswith(f"warpdrive: error: cannot source {app.src}/.warpdrive/environment: "
                             "/bin/sh exited with status 2\n")


def test_deploy_env_syntax_error_names_deploy_env(app):
    app.write(".warpdrive/environment", "A=1\n")
    app.hook("deploy-env", "B=(\n")
    r = app.run("env")
    assert r.returncode == 1
    assert r.stderr.endswith(f"warpdrive: error: cannot source {app.src}/.warpdrive/action_hooks/deploy-env: "
                             "/bin/sh exited with status 2\n")


def test_hook_that_is_a_directory(app):
    (app.src / ".warpdrive" / "action_hooks" / "setup").mkdir(parents=True)
    r = app.run("setup")
    assert r.returncode == 1
    assert r.stderr == (f"warpdrive: error: hook {app.src}/.warpdrive/action_hooks/setup is a directory; "
                        "a hook must be an executable file\n")


def test_missing_src_root(app, shared_tmp):
    r = app.run("env", env=app.env(WARPDRIVE_SRC_ROOT=shared_tmp / "absent"))
    assert r.returncode == 1
    assert r.stderr.startswith(f"warpdrive: error: the application source directory {shared_tmp}/absent "
                               "does not exist")


def test_bad_port(app):
    r = app.run("env", env=app.env(WARPDRIVE_HTTP_PORT="80a"))
    assert r.returncode == 1
    assert r.stderr == "warpdrive: error: WARPDRIVE_HTTP_PORT is '80a', not a port number from 1 to 65535\n"


# --- exec and shell ----------------------------------------------------------

def test_exec_runs_with_the_environment(app):
    app.write(".warpdrive/environment", "GREETING=hi\n")
    r = app.run("exec", "sh", "-c", 'echo "$GREETING $WARPDRIVE_ACTION $WARPDRIVE_PHASE"', check=True)
    assert r.stdout == "hi exec deploy\n"


def test_exec_passes_options_through(app):
    r = app.run("exec", "ls", "--help", check=True)
    assert "Usage: ls" in r.stdout


def test_exec_command_not_found_is_127(app):
    r = app.run("exec", "no-such-command-xyz")
    assert r.returncode == 127
    assert r.stderr == "warpdrive: error: no-such-command-xyz: command not found\n"


def test_exec_not_executable_is_126(app):
    path = app.write("notexec.sh", "#!/bin/sh\n")
    r = app.run("exec", str(path))
    assert r.returncode == 126
    assert r.stderr == f"warpdrive: error: {path}: permission denied\n"


def test_exec_status_comes_back(app):
    assert app.run("exec", "sh", "-c", "exit 7").returncode == 7


def test_exec_searches_the_virtualenv_first(app):
    (app.root / "bin").mkdir()
    (app.root / "bin" / "activate").write_text("")
    tool = app.root / "bin" / "mytool"
    tool.write_text("#!/bin/sh\necho from-venv\n")
    tool.chmod(0o755)
    assert app.run("exec", "mytool", check=True).stdout == "from-venv\n"


def test_aliases_warpdrive_exec_and_shell(app):
    exec_alias = app.binary.with_name("warpdrive-exec")
    shell_alias = app.binary.with_name("warpdrive-shell")
    env = app.env()
    r = subprocess.run([exec_alias, "sh", "-c", "echo $WARPDRIVE_ACTION"], env=env, capture_output=True, text=True)
    assert r.stdout == "exec\n"
    r = subprocess.run([shell_alias, "-c", "echo $WARPDRIVE_ACTION $0"], env=env, capture_output=True, text=True)
    assert r.stdout.startswith("shell ")


def test_shell_runs_bash(app):
    r = app.run("shell", "-c", 'echo "$BASH_VERSION" | cut -c1', check=True)
    assert r.stdout.strip().isdigit()


# --- arbitrary UID ---------------------------------------------------------

def test_arbitrary_uid_gets_a_name(app):
    r = app.run("exec", "whoami", as_uid=True)
    assert (r.returncode, r.stdout) == (0, "warpdrive\n"), r.stderr
    r = subprocess.run(as_arbitrary_uid([str(app.binary.with_name("warpdrive-shell")), "-c", "id -un"]),
                       env=app.env(), capture_output=True, text=True, cwd=app.src)
    assert (r.returncode, r.stdout) == (0, "warpdrive\n"), r.stderr
    passwd = (app.root / "tmp" / "passwd").read_text()
    assert passwd.endswith(f"warpdrive:x:1000123456:0:warpdrive:{app.root}:/bin/bash\n")
    assert passwd.startswith("root:x:0:0:")


def test_arbitrary_uid_home_is_writable(app):
    r = app.run("exec", "sh", "-c", 'touch "$HOME/probe" && echo "$HOME"', as_uid=True,
                env=app.env(HOME="/root"))
    assert (r.returncode, r.stdout) == (0, f"{app.root}\n"), r.stderr


def test_writable_home_is_kept(app, shared_tmp):
    home = shared_tmp / "home"
    home.mkdir()
    r = app.run("exec", "sh", "-c", 'echo "$HOME"', env=app.env(HOME=home), check=True)
    assert r.stdout == f"{home}\n"


def test_ld_preload_is_appended_to(app):
    r = app.run("exec", "sh", "-c", 'echo "$LD_PRELOAD"', as_uid=True,
                env=app.env(LD_PRELOAD="libc.so.6"))
    assert r.stdout.startswith("libc.so.6 ") and r.stdout.strip().endswith("libnss_wrapper.so"), r.stdout


def test_builder_uid_and_root_get_no_entry(app):
    # The builder's UID is trusted to exist in the image; root always does.
    r = subprocess.run(["setpriv", "--reuid=1001", "--regid=0", "--clear-groups", str(app.binary), "env", "--json"],
                       env=app.env(), capture_output=True, text=True, cwd=app.src)
    assert r.returncode == 0, r.stderr
    assert "NSS_WRAPPER_PASSWD" not in json.loads(r.stdout)
    assert not (app.root / "tmp" / "passwd").exists()


# --- PID 1 -----------------------------------------------------------------

def pid1(app, *args, env=None):
    """warpdrive exec ARGS as process 1 of a new PID namespace."""
    return subprocess.Popen(["unshare", "--pid", "--fork", "--mount-proc", str(app.binary), "exec", *args],
                            env=env or app.env(), cwd=app.src, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def namespace_init(unshare_pid: int) -> int:
    """The host PID of unshare's child, PID 1 of the namespace."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = Path(f"/proc/{unshare_pid}/task/{unshare_pid}/children").read_text().split()
        if children:
            return int(children[0])
        time.sleep(0.01)
    raise AssertionError("unshare started no child")


def wait_for(path: Path, timeout=10):
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.02)


def test_pid1_forwards_sigterm_and_returns_the_childs_status(app, shared_tmp):
    proc = pid1(app, SYSTEM_PYTHON, PROBE, shared_tmp, "term", "42")
    init = namespace_init(proc.pid)
    wait_for(shared_tmp / "ready")
    assert (shared_tmp / "ready").read_text() == "2"  # the probe is PID 2: warpdrive stayed as PID 1
    os.kill(init, signal.SIGTERM)
    assert proc.wait(timeout=10) == 42
    assert (shared_tmp / "signals").read_text() == "SIGTERM pid=2\n"


def test_pid1_reaps_orphans(app, shared_tmp):
    proc = pid1(app, SYSTEM_PYTHON, PROBE, shared_tmp, "orphans", "50")
    assert proc.wait(timeout=30) == 0, proc.stdout.read()
    assert (shared_tmp / "zombies").read_text() == "0"


def test_without_init_orphans_stay_zombies(app, shared_tmp):
    # The control for the test above: with WARPDRIVE_RUN_AS_PID1 the probe
    # itself is PID 1, does not reap, and the probe sees the zombies.
    proc = pid1(app, SYSTEM_PYTHON, PROBE, shared_tmp, "orphans", "50",
                env=app.env(WARPDRIVE_RUN_AS_PID1="1"))
    assert proc.wait(timeout=30) == 0, proc.stdout.read()
    assert int((shared_tmp / "zombies").read_text()) == 50


def test_pid1_child_killed_by_sigkill_is_137(app, shared_tmp):
    proc = pid1(app, SYSTEM_PYTHON, PROBE, shared_tmp, "sigkill")
    assert proc.wait(timeout=10) == 137


def test_pid1_shell_works(app):
    proc = pid1(app, "sh", "-c", "echo $$ $WARPDRIVE_ACTION")
    out, _ = proc.communicate(timeout=10)
    assert (proc.returncode, out) == (0, "2 exec\n")


# --- runtime hooks ---------------------------------------------------------

@pytest.mark.parametrize("name", ["setup", "migrate", "verify", "alive", "ready"])
def test_runtime_hook_runs_from_src_root_with_its_action(app, name):
    app.hook(name, 'echo "$WARPDRIVE_ACTION $(pwd)"\nexit 3\n')
    r = app.run(name, cwd="/")
    assert (r.returncode, r.stdout) == (3, f"{name} {app.src}\n")


@pytest.mark.parametrize("name", ["setup", "migrate", "verify", "alive"])
def test_runtime_command_without_hook_succeeds(app, name):
    r = app.run(name)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_non_executable_hook_is_warned_about_exactly(app):
    path = app.hook("verify", "exit 1\n", executable=False)
    r = app.run("verify")
    assert r.returncode == 0
    assert r.stderr == (f"warpdrive: warning: hook {path} is not executable; not running it "
                        f"(chmod +x {path} to run it)\n")


def test_ready_without_hook_checks_the_port(app):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert app.run("ready", env=app.env(WARPDRIVE_HTTP_PORT=port)).returncode == 0
    r = app.run("ready", env=app.env(WARPDRIVE_HTTP_PORT=port))
    assert r.returncode == 1
    assert r.stderr == f"warpdrive: error: ready: nothing accepted a connection on 127.0.0.1:{port} within 1 s\n"


def test_deploy_cfg_runs_once_under_ten_concurrent_setups(app):
    log = app.root / "deploy-cfg.log"
    app.hook("deploy-cfg", f'echo "$$" >> {log}\nsleep 0.3\n')
    app.hook("setup", f'test -f {app.root}/markers/deploy-cfg && echo ok\n')
    procs = [app.popen("setup") for _ in range(10)]
    outputs = [p.communicate(timeout=30)[0].decode() for p in procs]
    assert [p.returncode for p in procs] == [0] * 10
    assert outputs == ["ok\n"] * 10  # every setup ran after deploy-cfg had finished
    assert len(log.read_text().splitlines()) == 1
    # Later commands do not run it again.
    app.run("migrate", check=True)
    assert len(log.read_text().splitlines()) == 1


def test_failing_deploy_cfg_stops_setup_and_runs_again_next_time(app):
    app.hook("deploy-cfg", "exit 5\n")
    app.hook("setup", "echo setup-ran\n")
    r = app.run("setup")
    assert r.returncode == 5
    assert r.stdout == ""
    assert r.stderr == (f"warpdrive: error: hook {app.src}/.warpdrive/action_hooks/deploy-cfg "
                        "failed with exit status 5\n")
    assert not (app.root / "markers" / "deploy-cfg").exists()
