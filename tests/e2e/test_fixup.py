"""warpdrive fixup: group 0, group read/write, group execute where it belongs."""
import os
import stat

from conftest import ARBITRARY_UID, as_arbitrary_uid


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def make_tree(root):
    (root / "dir" / "sub").mkdir(parents=True)
    (root / "dir").chmod(0o700)
    (root / "dir" / "sub").chmod(0o700)
    plain = root / "dir" / "plain.txt"
    plain.write_text("x")
    plain.chmod(0o600)
    script = root / "dir" / "sub" / "run.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o700)
    for p in (root / "dir", root / "dir" / "sub", plain, script):
        os.chown(p, 0, 100)
    return plain, script


def test_fixup_as_root(app, shared_tmp):
    tree = shared_tmp / "tree"
    plain, script = make_tree(tree)
    outside_file = shared_tmp / "outside.txt"
    outside_file.write_text("y")
    outside_file.chmod(0o600)
    outside_dir = shared_tmp / "outside-dir"
    outside_dir.mkdir()
    (outside_dir / "inner.txt").write_text("z")
    (outside_dir / "inner.txt").chmod(0o600)
    (tree / "dir" / "link-to-file").symlink_to(outside_file)
    (tree / "dir" / "link-to-dir").symlink_to(outside_dir)
    (tree / "dir" / "dangling").symlink_to(shared_tmp / "nowhere")

    r = app.run("fixup", str(tree), check=True)
    assert r.stderr == ""
    for p in (tree / "dir", tree / "dir" / "sub", plain, script):
        assert os.stat(p).st_gid == 0
    assert mode(tree / "dir") == 0o770
    assert mode(tree / "dir" / "sub") == 0o770
    assert mode(plain) == 0o660
    assert mode(script) == 0o770
    # A link's target is changed, as chmod on it would; a linked directory is not walked.
    assert mode(outside_file) == 0o660
    assert mode(outside_dir / "inner.txt") == 0o600


def test_fixup_missing_path_is_reported_with_status_0(app, shared_tmp):
    missing = shared_tmp / "nope"
    r = app.run("fixup", str(missing))
    assert r.returncode == 0
    assert r.stderr == f"warpdrive: warning: fixup: {missing} does not exist; nothing to fix\n"


def test_fixup_as_non_root_changes_only_own_files(app, shared_tmp):
    tree = shared_tmp / "tree"
    tree.mkdir()
    tree.chmod(0o777)
    mine = tree / "mine.txt"
    mine.write_text("m")
    mine.chmod(0o600)
    os.chown(mine, ARBITRARY_UID, 0)
    theirs = tree / "theirs.txt"
    theirs.write_text("t")
    theirs.chmod(0o644)
    os.chown(theirs, 0, 100)
    r = app.run("fixup", str(tree), as_uid=True)
    assert r.returncode == 0, r.stderr
    assert mode(mine) == 0o660
    assert mode(theirs) == 0o644 and os.stat(theirs).st_gid == 100


def test_fixup_needs_a_path(app):
    r = app.run("fixup")
    assert r.returncode == 2
    assert "DIR is required" in r.stderr


assert as_arbitrary_uid
