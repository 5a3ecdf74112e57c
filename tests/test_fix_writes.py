"""``--fix`` writes as the user could by hand, and never loses data: the bytes written
are the bytes checked, a file the user may not write is left alone, owner, mode and
hard links stay, a symlink out of the project is not followed, and a full disk
leaves the file as it was with nothing counted as fixed."""

from __future__ import annotations

import codecs
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from _commands import run_cli
from _privileges import folder_owned_by, other_user, run_as

PRINTS = 'def f(x):\n    print("x", x)\n\n\nf(1)\n'
UNUSED_IMPORT = "import os\n\n\ndef f(x):\n    return x\n"


def fix(*paths: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_cli("--fix", "--unsafe-fixes", "--output-format", "concise", *paths, cwd=cwd)


def test_fix_keeps_one_byte_order_mark_and_the_file_runs(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(codecs.BOM_UTF8 + PRINTS.encode())
    result = fix("bom.py", cwd=tmp_path)
    assert "Traceback" not in result.stderr
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and not data[3:].startswith(codecs.BOM_UTF8)
    assert b"logger.info" in data
    ran = subprocess.run([sys.executable, "bom.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stderr


def test_ruff_fixes_keep_one_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "bom.py"
    path.write_bytes(codecs.BOM_UTF8 + UNUSED_IMPORT.encode())
    fix("bom.py", cwd=tmp_path)
    data = path.read_bytes()
    assert data.startswith(codecs.BOM_UTF8) and not data[3:].startswith(codecs.BOM_UTF8)
    assert b"import os" not in data
    compile(data, "bom.py", "exec")


def test_a_file_the_user_may_not_write_is_reported_not_replaced() -> None:
    user = other_user()
    with folder_owned_by(user) as folder:  # the user may write the folder, not the file
        path = folder / "theirs.py"
        path.write_text(PRINTS)
        path.chmod(0o644)
        result = run_as(user, "--fix", "--unsafe-fixes", "--output-format", "concise", "theirs.py", cwd=folder)
        assert path.read_text() == PRINTS
        assert path.stat().st_uid == 0
        assert "theirs.py:1:1: E902 fixes not written: permission denied" in result.stdout, result.stdout + result.stderr
        assert "Fixed" not in result.stdout
        assert result.returncode == 1


def test_ruff_fixes_to_a_file_the_user_may_not_write_are_not_written() -> None:
    user = other_user()
    with folder_owned_by(user) as folder:
        path = folder / "theirs.py"
        path.write_text(UNUSED_IMPORT)
        path.chmod(0o644)
        result = run_as(user, "--fix", "--output-format", "concise", "theirs.py", cwd=folder)
        assert path.read_text() == UNUSED_IMPORT
        assert "E902 fixes not written: permission denied" in result.stdout, result.stdout + result.stderr
        assert "F401" in result.stdout, "the finding that was not fixed is still reported"
        assert "Fixed" not in result.stdout


def test_fix_keeps_the_owner_and_mode_of_another_users_file(tmp_path: Path) -> None:
    user = other_user()
    path = tmp_path / "theirs.py"
    path.write_text(PRINTS)
    os.chown(path, *user)
    path.chmod(0o640)
    fix("theirs.py", cwd=tmp_path)
    assert "logger.info" in path.read_text()
    info = path.stat()
    assert (info.st_uid, info.st_gid) == user
    assert info.st_mode & 0o777 == 0o640


def test_fix_keeps_hard_links(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    path = project / "linked.py"
    path.write_text(PRINTS)
    other_name = tmp_path / "elsewhere.py"
    os.link(path, other_name)
    fix("linked.py", cwd=project)
    assert "logger.info" in path.read_text()
    assert path.stat().st_nlink == 2
    assert other_name.read_text() == path.read_text()


def test_fix_does_not_write_through_a_symlink_out_of_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text(PRINTS)
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (project / "link.py").symlink_to(outside)
    result = fix("link.py", cwd=project)
    assert outside.read_text() == PRINTS
    assert "link.py:1:1: E902 fixes not written: is a symlink to" in result.stdout
    assert "outside the project" in result.stdout


def test_fix_writes_a_symlink_inside_the_project_through_to_its_target(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "real.py").write_text(PRINTS)
    (tmp_path / "link.py").symlink_to("real.py")
    fix("link.py", cwd=tmp_path)
    assert (tmp_path / "link.py").is_symlink()
    assert "logger.info" in (tmp_path / "real.py").read_text()


@pytest.fixture()
def small_disk(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A 1 MB tmpfs of our own (root only), unmounted afterwards."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs to fill needs root")
    mount_point = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)], capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _fill(folder: Path) -> None:
    descriptor = os.open(folder / "filler.bin", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(descriptor, b"\0" * 4096)
    except OSError:
        pass  # the disk is full
    finally:
        os.close(descriptor)


def test_full_disk_leaves_the_file_whole_and_nothing_counted_fixed(small_disk: Path) -> None:
    # 400 functions, each with an unused local import (ruff's F401) and a print (ours).
    text = "".join(f"def function_{i}(x):\n    import os\n    print('value', x)\n    return x\n\n\n" for i in range(400))
    path = small_disk / "analysis.py"
    path.write_text(text)
    _fill(small_disk)
    result = fix("analysis.py", cwd=small_disk)
    assert path.read_text() == text, "the file is whole"
    assert "Traceback" not in result.stderr
    assert "E902 fixes not written" in result.stdout
    assert "Fixed" not in result.stdout
    assert result.returncode == 1


def test_diff_splits_lines_as_git_does_so_the_patch_applies(tmp_path: Path) -> None:
    # A form feed between functions, U+2028 inside a string, a lone CR in a comment:
    # str.splitlines cuts at each, git does not.
    text = 'def f(x):\n    print("x", x)\n\x0c\ndef g():\n    return "a\u2028b"  # old\r# mac note\n\n\nf(1)\n'
    source = tmp_path / "odd.py"
    source.write_bytes(text.encode())
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    # Bytes: text mode would turn the lone CR into a newline on the way.
    result = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--diff", "--unsafe-fixes", "odd.py"],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert b"logger.info" in result.stdout
    patch = tmp_path / "fix.patch"
    patch.write_bytes(result.stdout)
    applied = subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert applied.returncode == 0, applied.stderr
    diffed = source.read_bytes()
    source.write_bytes(text.encode())
    fix("odd.py", cwd=tmp_path)
    assert diffed == source.read_bytes(), "applying the diff gives what --fix writes"
    assert "\u2028".encode() in diffed and b"\x0c" in diffed and b"# old\r# mac note" in diffed


def _notebook(*sources: str) -> str:
    cells = [
        {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source.splitlines(keepends=True)}
        for source in sources
    ]
    return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)


@pytest.mark.parametrize(
    "cells",
    [
        # No magic at all: the look-alike once made --fix fail with IndexError.
        ("import logging\nx = 1\npass  # policy-check: magic 5\nlogging.warning('%s', x)",),
        # A real magic: the look-alike once came back as that magic.
        ("%matplotlib inline\nimport logging", "pass  # policy-check: magic 0\nlogging.warning('%s', 1)"),
    ],
)
def test_a_notebook_line_like_the_magic_placeholder_is_kept(tmp_path: Path, cells: tuple[str, ...]) -> None:
    path = tmp_path / "explore.ipynb"
    path.write_text(_notebook(*cells))
    result = fix("explore.ipynb", cwd=tmp_path)
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr + result.stdout
    sources = ["".join(cell["source"]) for cell in json.loads(path.read_text())["cells"]]
    assert any("pass  # policy-check: magic" in source for source in sources), sources
    # PC302's fix (PC301 leaves a notebook's prints alone: they are its display).
    assert "logger.warning" in sources[-1]
    if len(cells) == 2:
        assert "%matplotlib inline" in sources[0]
        assert sources[1].count("%matplotlib") == 0


def test_the_src_layout_migration_is_all_or_nothing(tmp_path: Path) -> None:
    root = tmp_path / "riverflow"
    root.mkdir()
    (root / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "riverflow"\nversion = "1.0"\n'
    )
    setup_py = "# -*- coding: latin-1 -*-\nfrom setuptools import find_packages, setup\n\nsetup(author='J\xe9r\xf4me', packages=find_packages())\n"
    (root / "setup.py").write_bytes(setup_py.encode("latin-1"))
    (root / "riverflow").mkdir()
    (root / "riverflow" / "__init__.py").write_text("VERSION = 1\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    subprocess.run(["git", "add", "."], cwd=root, check=True)
    result = run_cli("--select", "PC101", "--fix", "--unsafe-fixes", ".", cwd=root)
    assert (root / "riverflow" / "__init__.py").is_file() and not (root / "src").exists(), "nothing moved"
    assert (root / "setup.py").read_bytes() == setup_py.encode("latin-1")
    assert "setup.py cannot be read as UTF-8" in result.stderr
    assert result.returncode == 1, "the layout finding stands"
