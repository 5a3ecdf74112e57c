"""Real permission drops for tests that run as root: another user's files and folders."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HERE = Path(__file__).parent


def other_user() -> tuple[int, int]:
    """The unprivileged ``nobody`` account; the test is skipped (with the reason) when
    it cannot be used: not root, or no such account."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("needs root to act as another user (setuid to nobody)")
    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:
        pytest.skip("no 'nobody' account on this machine")
    return entry.pw_uid, entry.pw_gid


def run_as(user: tuple[int, int], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """policy-check run by ``user`` (uid, gid), in ``cwd``."""
    uid, gid = user
    return subprocess.run(
        [sys.executable, str(HERE / "_run_as_user.py"), str(uid), str(gid), "--isolated", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


@contextmanager
def folder_owned_by(user: tuple[int, int]) -> Iterator[Path]:
    """A fresh folder ``user`` owns, reachable by every user (pytest's own folders are
    private to root), removed afterwards."""
    folder = Path(os.path.realpath(tempfile.mkdtemp(prefix="policy-check-test-")))
    try:
        folder.chmod(0o755)
        os.chown(folder, *user)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
