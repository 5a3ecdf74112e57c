"""Real runs the tests share: the command line in a subprocess (isolated from any
configuration, no cache), and git repositories in a temporary folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import _project_repos


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m policy_check --isolated --no-cache ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def git(cwd: Path, *args: str) -> str:
    """``git ARGS`` in ``cwd`` (it must succeed), isolated from the user's git
    configuration as the project-rule repositories are; its output, stripped."""
    return _project_repos.git(cwd, *args).strip()


def init_repo(path: Path) -> None:
    """A new repository on ``main`` with a committer and no signing (whatever the
    user's git configuration says)."""
    path.mkdir(parents=True, exist_ok=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "lab@example.org")
    git(path, "config", "user.name", "Lab")
    git(path, "config", "commit.gpgsign", "false")
    git(path, "config", "tag.gpgsign", "false")
