"""A real git repository in a temporary folder, and policy-check run on it, for the
adoption tests (``--diff-base``, baselines, ``--add-noqa``)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from policy_check.cli import main

PYPROJECT = """\
[project]
name = "legacy"
version = "0.1"

[tool.policy-check]
select = ["PC3"]
ruff = false
"""

GIT_ENV = {
    "GIT_AUTHOR_NAME": "Test",
    "GIT_AUTHOR_EMAIL": "test@example.com",
    "GIT_COMMITTER_NAME": "Test",
    "GIT_COMMITTER_EMAIL": "test@example.com",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_CONFIG_NOSYSTEM": "1",
}


@dataclass
class Finding:
    code: str
    path: str
    row: int


class Repo:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.git("init", "-q", "-b", "main")
        self.write("pyproject.toml", PYPROJECT)

    def git(self, *args: str) -> str:
        result = subprocess.run(
            ["git", *args], cwd=self.root, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    def write(self, relative: str, text: str) -> Path:
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text()

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        return self.git("rev-parse", "HEAD")

    def run(self, *args: str) -> tuple[int, str, str]:
        """policy-check in the repository: exit code, stdout, stderr."""
        import contextlib
        import io

        stdout, stderr = io.StringIO(), io.StringIO()
        previous = Path.cwd()
        os.chdir(self.root)
        try:
            with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                code = main(["--no-cache", "--jobs", "1", *args])
        finally:
            os.chdir(previous)
        return code, stdout.getvalue(), stderr.getvalue()

    def findings(self, *args: str) -> list[Finding]:
        code, out, err = self.run("--output-format", "json", *args)
        assert code in (0, 1), err
        return [
            Finding(item["code"], Path(item["filename"]).relative_to(self.root.resolve()).as_posix(), item["location"]["row"])
            for item in json.loads(out)
        ]
