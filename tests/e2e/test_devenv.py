"""Local development projects, end to end: a real bash sources the rcfile
that `warpdrive rcfile` writes, and the `warpdrive` shell function creates,
switches, deactivates and destroys real virtualenvs (Debian's python3, no
network). Projects live in a temporary WARPDRIVE_VIRTUALENVS, HOME is a
temporary directory too.
"""
import os
import subprocess
from pathlib import Path

import pytest

from conftest import SYSTEM_PYTHON, make_venv

# Prints the state a project changes, one NAME=value line each; an unset
# variable prints as NAME (unset). Used before and after to compare.
SHOW = r'''
show() {
  for v in WARPDRIVE_ENV_NAME WARPDRIVE_APP_ROOT WARPDRIVE_SRC_ROOT VIRTUAL_ENV VIRTUAL_ENV_PROMPT \
           PYTHONHOME PATH PS1; do
    if eval "[ -n \"\${$v+set}\" ]"; then eval "printf '%s=%s\n' $v \"\$$v\""; else printf '%s (unset)\n' $v; fi
  done
}
'''

NAME_RULE = ("a project name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or "
             "digit, without '..'")


class DevEnv:
    """A HOME, a projects directory and a work directory, and a bash to drive them."""

    def __init__(self, root: Path, binary: Path):
        self.root = root
        self.binary = binary
        self.home = root / "home"
        self.venvs = root / "venvs"
        self.work = root / "work"
        for d in (self.home, self.work):
            d.mkdir(parents=True)

    def venv(self, name: str) -> Path:
        return self.venvs / f"warpdrive+{name}"

    def env(self, **extra) -> dict:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith("WARPDRIVE_") and k not in ("VIRTUAL_ENV", "PYTHONHOME", "PS1")}
        env["HOME"] = str(self.home)
        env["WARPDRIVE_VIRTUALENVS"] = str(self.venvs)
        # `warpdrive` is found on PATH, as in the bash -c line.
        env["PATH"] = f"{self.binary.parent}:{env.get('PATH', '/usr/bin:/bin')}"
        env.update({k: str(v) for k, v in extra.items()})
        return env

    def bash(self, script: str, cwd: Path | None = None, env: dict | None = None,
             timeout: float = 180) -> subprocess.CompletedProcess:
        """bash -c '. "$(warpdrive rcfile)"; SCRIPT' in `cwd` (default: the work directory)."""
        # bash drops an inherited PS1 when not interactive: set it here.
        full = '. "$(warpdrive rcfile)" || exit 99\nPS1=\'base$ \'\n' + SHOW + script
        return subprocess.run(["bash", "--norc", "--noprofile", "-c", full], cwd=cwd or self.work,
                              env=env or self.env(), capture_output=True, text=True, timeout=timeout)

    def run(self, *args, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
        """The binary on its own, not through the shell function."""
        return subprocess.run([str(self.binary), *map(str, args)], cwd=cwd or self.work,
                              env=env or self.env(), capture_output=True, text=True, timeout=120)


def parse_show(text: str) -> dict:
    """The NAME=value lines of show() (and other KEY=value lines) as a dict; unset = None."""
    out = {}
    for line in text.splitlines():
        if line.endswith(" (unset)"):
            out[line[: -len(" (unset)")]] = None
        elif "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


def ok(result: subprocess.CompletedProcess) -> subprocess.CompletedProcess:
    assert result.returncode == 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


@pytest.fixture
def dev(shared_tmp, warpdrive) -> DevEnv:
    return DevEnv(shared_tmp, warpdrive)


def test_create_switches_this_shell_to_the_new_project(dev):
    r = ok(dev.bash(f'''
warpdrive project --create --python {SYSTEM_PYTHON} demo
show
printf 'PYTHON_PREFIX=%s\\n' "$(python -c 'import sys; print(sys.prefix)')"
printf 'EXPORTED=%s\\n' "$(env | grep -E '^WARPDRIVE_(ENV_NAME|APP_ROOT|SRC_ROOT)=' | sort | tr '\\n' ' ')"
printf 'LIST=%s\\n' "$(warpdrive project --list | tr '\\n' ' ')"
'''))
    venv = dev.venv("demo")
    state = parse_show(r.stdout)
    assert state["WARPDRIVE_ENV_NAME"] == "demo"
    assert state["WARPDRIVE_APP_ROOT"] == str(venv)
    assert state["WARPDRIVE_SRC_ROOT"] == str(dev.work)
    assert state["VIRTUAL_ENV"] == str(venv)
    assert state["PATH"] == f"{venv}/bin:{dev.env()['PATH']}"
    assert state["PS1"] == "(warpdrive+demo) base$ "
    assert state["PYTHON_PREFIX"] == str(venv)
    assert state["EXPORTED"] == (f"WARPDRIVE_APP_ROOT={venv} WARPDRIVE_ENV_NAME=demo "
                                 f"WARPDRIVE_SRC_ROOT={dev.work} ")
    assert state["LIST"] == "demo "
    assert f"warpdrive: created project 'demo' in {venv} with {SYSTEM_PYTHON}\n" in r.stderr
    # A real virtualenv made offline: nothing of warpdrive's is installed in it.
    assert (venv / "bin" / "activate").is_file()
    assert (venv / "pyvenv.cfg").read_text().count("prompt = 'warpdrive+demo'") == 1
    site = list((venv / "lib").glob("python3*/site-packages"))
    assert site and not [p for p in site[0].iterdir() if "warpdrive" in p.name.lower()]


def test_project_without_create_refuses_a_missing_one(dev):
    r = dev.bash('warpdrive project demo; echo "status=$?"; show')
    assert r.stderr == (f"warpdrive: error: there is no project 'demo' in {dev.venvs}; "
                        "create it with: warpdrive project --create demo\n")
    state = parse_show(r.stdout)
    assert state["status"] == "1"
    assert state["WARPDRIVE_ENV_NAME"] is None
    assert state["PATH"] == dev.env()["PATH"]
    assert state["PS1"] == "base$ "
    assert not dev.venv("demo").exists()


def test_create_on_an_existing_project_switches_to_it(dev):
    """As the original: --create makes a missing project and switches to an existing one."""
    make_venv(dev.venv("demo"), with_pip=False)
    (dev.venv("demo") / "keep").write_text("untouched")
    r = dev.bash(f'warpdrive project --create --python {SYSTEM_PYTHON} demo; echo "status=$?"; show')
    assert r.stderr == ("warpdrive: project 'demo' exists; switching to it (--python and --system-site-packages "
                        "apply only to a new project)\n")
    state = parse_show(r.stdout)
    assert state["status"] == "0"
    assert state["WARPDRIVE_ENV_NAME"] == "demo"
    assert (dev.venv("demo") / "keep").read_text() == "untouched"


def test_project_without_a_name_is_the_default_project(dev):
    r = dev.bash('warpdrive project; echo "missing=$?"; warpdrive project --create; echo "status=$?"; show')
    assert r.stderr.startswith(f"warpdrive: error: there is no project 'default' in {dev.venvs}; "
                               "create it with: warpdrive project --create default\n")
    state = parse_show(r.stdout)
    assert state["missing"] == "1" and state["status"] == "0"
    assert state["WARPDRIVE_ENV_NAME"] == "default"
    assert state["VIRTUAL_ENV"] == str(dev.venv("default"))
    listed = dev.bash("warpdrive project --list")
    assert listed.stdout == "default\n"


def test_switch_between_projects(dev):
    make_venv(dev.venv("other"), with_pip=False)
    other_src = dev.work / "other-src"
    other_src.mkdir()
    r = ok(dev.bash(f'''
warpdrive project --create --python {SYSTEM_PYTHON} demo
cd {other_src}
warpdrive project other
show
printf 'PYTHON_PREFIX=%s\\n' "$(python -c 'import sys; print(sys.prefix)')"
'''))
    state = parse_show(r.stdout)
    other = dev.venv("other")
    assert state["WARPDRIVE_ENV_NAME"] == "other"
    assert state["WARPDRIVE_APP_ROOT"] == str(other)
    assert state["WARPDRIVE_SRC_ROOT"] == str(other_src)
    assert state["VIRTUAL_ENV"] == str(other)
    # The first project's bin is gone from PATH, and the prompt has one prefix.
    assert state["PATH"] == f"{other}/bin:{dev.env()['PATH']}"
    assert state["PS1"] == "(warpdrive+other) base$ "
    assert state["PYTHON_PREFIX"] == str(other)
    assert r.stdout.splitlines().count("demo") == 0


def test_deactivate_restores_path_prompt_and_variables(dev):
    make_venv(dev.venv("demo"), with_pip=False)
    make_venv(dev.venv("other"), with_pip=False)
    # Before: some of the variables set (one to an empty value), others unset.
    env = dev.env(WARPDRIVE_APP_ROOT="/opt/app-root", VIRTUAL_ENV_PROMPT="", PYTHONHOME="/nowhere")
    r = ok(dev.bash('''
echo BEFORE; show
warpdrive project demo
warpdrive project other
echo ACTIVE; show
warpdrive deactivate; echo "deactivate=$?"
echo AFTER; show
printf 'CHILD=%s\\n' "$(env | grep -c '^WARPDRIVE_ENV_NAME=')"
warpdrive deactivate; echo "again=$?"
''', env=env))
    before = r.stdout.split("BEFORE\n")[1].split("ACTIVE\n")[0]
    active = r.stdout.split("ACTIVE\n")[1].split("AFTER\n")[0]
    after = r.stdout.split("AFTER\n")[1].split("CHILD=")[0].replace("deactivate=0\n", "")
    assert "deactivate=0" in r.stdout
    assert parse_show(active)["WARPDRIVE_ENV_NAME"] == "other"
    assert parse_show(active)["PYTHONHOME"] is None
    assert after == before
    assert parse_show(before) == {
        "WARPDRIVE_ENV_NAME": None, "WARPDRIVE_APP_ROOT": "/opt/app-root", "WARPDRIVE_SRC_ROOT": None,
        "VIRTUAL_ENV": None, "VIRTUAL_ENV_PROMPT": "", "PYTHONHOME": "/nowhere", "PATH": env["PATH"],
        "PS1": "base$ "}
    assert "CHILD=0" in r.stdout  # no longer exported to children either
    assert "again=1" in r.stdout
    assert r.stderr == "warpdrive: error: no warpdrive project is active in this shell\n"


def test_build_inside_a_project_uses_its_virtualenv_and_the_working_directory(dev):
    src = dev.work / "app"
    (src / ".warpdrive" / "action_hooks").mkdir(parents=True)
    (src / ".warpdrive" / "server_type").write_text("gunicorn\n")
    (src / "wsgi.py").write_text("def application(environ, start_response):\n"
                                 "    start_response('200 OK', [])\n    return [b'hi']\n")
    hook = src / ".warpdrive" / "action_hooks" / "build"
    hook.write_text('#!/bin/sh\n{\n'
                    '  echo "APP_ROOT=$WARPDRIVE_APP_ROOT"\n'
                    '  echo "SRC_ROOT=$WARPDRIVE_SRC_ROOT"\n'
                    '  echo "PWD=$(pwd)"\n'
                    '  echo "PYTHON_PREFIX=$(python -c \'import sys; print(sys.prefix)\')"\n'
                    '} > "$HOME/build-seen"\n')
    hook.chmod(0o755)
    # Debian's gunicorn and WhiteNoise are importable through the system site
    # packages, so the build needs no index (PyPI is not reachable here).
    r = dev.bash(f'''
warpdrive project --create --python {SYSTEM_PYTHON} --system-site-packages demo || exit 10
warpdrive build
''', cwd=src, env=dev.env(WARPDRIVE_PIP_NO_INDEX=1))
    ok(r)
    venv = dev.venv("demo")
    seen = parse_show((dev.home / "build-seen").read_text())
    assert seen == {"APP_ROOT": str(venv), "SRC_ROOT": str(src), "PWD": str(src), "PYTHON_PREFIX": str(venv)}
    # build's own directories go to the project's APP_ROOT, not /opt/app-root or src/.
    assert (venv / "tmp").is_dir() and (venv / "data").is_dir()


def test_start_dry_run_inside_a_project_plans_from_the_working_directory(dev):
    src = dev.work / "app"
    (src / ".warpdrive" / "action_hooks").mkdir(parents=True)
    (src / "app.py").write_text("print('hello')\n")
    deploy_env = src / ".warpdrive" / "action_hooks" / "deploy-env"
    deploy_env.write_text('printf "APP_ROOT=%s\\nSRC_ROOT=%s\\n" "$WARPDRIVE_APP_ROOT" "$WARPDRIVE_SRC_ROOT" '
                          '> "$HOME/deploy-env-seen"\n')
    deploy_env.chmod(0o755)
    r = ok(dev.bash(f'''
warpdrive project --create --python {SYSTEM_PYTHON} demo || exit 10
warpdrive start --dry-run
''', cwd=src))
    venv = dev.venv("demo")
    assert parse_show((dev.home / "deploy-env-seen").read_text()) == {"APP_ROOT": str(venv), "SRC_ROOT": str(src)}
    # The plan: python mode (app.py) with the project's interpreter, run from
    # the working directory; planned, not started.
    lines = r.stdout.splitlines()
    assert "mode: python" in lines
    assert f"argv: {venv}/bin/python {src}/app.py" in lines
    assert f"cwd: {src}" in lines
    assert "hello" not in r.stdout


def test_destroy_refuses_the_active_project_and_removes_an_inactive_one(dev):
    make_venv(dev.venv("demo"), with_pip=False)
    venv = dev.venv("demo")
    r = dev.bash('''
warpdrive project demo
warpdrive destroy demo; echo "active=$?"
warpdrive deactivate
warpdrive destroy demo; echo "inactive=$?"
warpdrive destroy demo; echo "missing=$?"
printf 'LIST=%s\\n' "$(warpdrive project --list 2>/dev/null)"
''')
    assert r.stdout.splitlines() == [
        "active=1", f"destroyed project 'demo' ({venv})", "inactive=0", "missing=1", "LIST="]
    assert r.stderr == (
        "warpdrive: error: project 'demo' is active in this shell; leave it with 'warpdrive deactivate' "
        "before destroying it\n"
        f"warpdrive: error: there is no project 'demo' in {dev.venvs} (warpdrive project --list lists the projects)\n")
    assert not venv.exists()


def test_destroy_never_follows_a_symlink_out_of_the_projects_directory(dev):
    outside = dev.root / "outside"
    outside.mkdir()
    (outside / "precious").write_text("keep me")
    dev.venvs.mkdir()
    # A project that is itself a link, and one with a link inside.
    dev.venv("linked").symlink_to(outside, target_is_directory=True)
    make_venv(dev.venv("demo"), with_pip=False)
    (dev.venv("demo") / "lib" / "escape").symlink_to(outside, target_is_directory=True)
    ok(dev.run("destroy", "linked"))
    ok(dev.run("destroy", "demo"))
    assert (outside / "precious").read_text() == "keep me"
    assert not os.path.lexists(dev.venv("linked")) and not dev.venv("demo").exists()


@pytest.mark.parametrize("name,problem", [
    ("../evil", "it contains '/'"),
    ("a/b", "it contains '/'"),
    ("..", "it contains '..'"),
    ("a..b", "it contains '..'"),
    ("-rf", "it does not start with a letter or digit"),
    (".hidden", "it does not start with a letter or digit"),
    ("x;touch pwned", "it contains a character that is not allowed"),
    ("$(touch pwned)", "it does not start with a letter or digit"),
    ("n" * 65, "it is too long"),
])
def test_a_bad_name_is_refused_and_nothing_is_touched(dev, name, problem):
    (dev.root / "evil").mkdir()
    (dev.root / "evil" / "precious").write_text("keep me")
    quoted = "'" + name.replace("'", "'\\''") + "'"
    r = dev.bash(f'''
warpdrive project --create --python {SYSTEM_PYTHON} -- {quoted}; echo "create=$?"
warpdrive project -- {quoted}; echo "switch=$?"
warpdrive destroy -- {quoted}; echo "destroy=$?"
''')
    message = f"warpdrive: error: bad project name '{name}': {problem}; {NAME_RULE}\n"
    assert r.stderr == message * 3
    assert r.stdout.splitlines() == ["create=2", "switch=2", "destroy=2"]
    assert sorted(p.name for p in dev.venvs.iterdir()) == [".rcfile.sh"]
    assert (dev.root / "evil" / "precious").read_text() == "keep me"
    assert not (dev.work / "pwned").exists()


def test_an_empty_name_is_refused(dev):
    r = dev.bash('''warpdrive project --create ''; echo "create=$?"; warpdrive destroy ''; echo "destroy=$?"''')
    assert r.stderr == f"warpdrive: error: the project name is empty: {NAME_RULE}\n" * 2
    assert r.stdout.splitlines() == ["create=2", "destroy=2"]


def test_the_binary_alone_cannot_change_the_shell_and_says_so(dev):
    for args, what in ((["project", "--create", "demo"], "project demo"), (["deactivate"], "deactivate")):
        r = dev.run(*args)
        assert r.returncode == 2
        assert r.stdout == ""
        assert r.stderr == (
            f"warpdrive: error: 'warpdrive {what}' has to change the shell it is typed in, which only the "
            "warpdrive shell function can do; load it with '. \"$(warpdrive rcfile)\"', or add the lines "
            "'warpdrive profile' prints to ~/.bash_profile\n")
    assert not dev.venv("demo").exists()
    # Listing changes nothing, so the binary does it.
    r = ok(dev.run("project", "--list"))
    assert r.stdout == ""
    assert r.stderr == f"warpdrive: no projects in {dev.venvs} (create one: warpdrive project --create NAME)\n"


def test_activate_prints_code_that_eval_applies_with_hostile_paths_quoted(dev, shared_tmp):
    # A projects directory and a working directory no shell may evaluate.
    venvs = shared_tmp / "it's $(touch pwned) `touch pwned2` \"dq\" dir"
    src = shared_tmp / "src $HOME 'x'"
    src.mkdir()
    make_venv(venvs / "warpdrive+demo", with_pip=False)
    env = dev.env(WARPDRIVE_VIRTUALENVS=venvs)
    r = ok(subprocess.run(["bash", "--norc", "--noprofile", "-c",
                           'eval "$(warpdrive activate demo)" || exit 9\n' + SHOW + "show"],
                          cwd=src, env=env, capture_output=True, text=True, timeout=60))
    state = parse_show(r.stdout)
    assert state["WARPDRIVE_APP_ROOT"] == str(venvs / "warpdrive+demo")
    assert state["WARPDRIVE_SRC_ROOT"] == str(src)
    assert state["PATH"].startswith(f"{venvs}/warpdrive+demo/bin:")
    assert not list(shared_tmp.rglob("pwned*"))


def test_profile_lines_give_a_login_shell_the_function(dev):
    r = ok(dev.run("profile"))
    binary = str(dev.binary)
    assert r.stdout == (
        "# warpdrive: the shell function that lets 'warpdrive project NAME' and\n"
        "# 'warpdrive deactivate' change this shell (from 'warpdrive profile').\n"
        f"if _warpdrive_rcfile=$('{binary}' rcfile); then . \"$_warpdrive_rcfile\"; fi\n"
        "unset _warpdrive_rcfile\n")
    (dev.home / ".bash_profile").write_text(r.stdout)
    make_venv(dev.venv("demo"), with_pip=False)
    # Without warpdrive on PATH: the function is bound to the binary that wrote it.
    env = dev.env(PATH="/usr/bin:/bin")
    r = ok(subprocess.run(["bash", "--login", "-c", 'type -t warpdrive; warpdrive project demo && '
                           'printf "%s\\n" "$WARPDRIVE_ENV_NAME" "$(command -v python)"; warpdrive --version'],
                          cwd=dev.work, env=env, capture_output=True, text=True, timeout=60))
    assert r.stdout.splitlines() == ["function", "demo", f"{dev.venv('demo')}/bin/python",
                                     ok(dev.run("--version")).stdout.strip()]


def test_rcfile_prints_the_path_of_the_function_file(dev):
    r = ok(dev.run("rcfile"))
    path = dev.venvs / ".rcfile.sh"
    assert r.stdout == f"{path}\n"
    text = path.read_text()
    assert text.splitlines()[1] == f"_warpdrive_program='{dev.binary}'"
    assert "\nwarpdrive() {\n" in text
    # bash -n: the file is valid shell.
    ok(subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True))
