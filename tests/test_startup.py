"""What a command imports before it answers (behaviour, not timing): --version and
--help import neither libcst, radon, gitpython nor any rule; a warm run hands ruff
its own cache unless --no-cache is given."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("libcst", "radon", "git", "policy_check.rules", "policy_check.engine")


def imported_modules(*args: str, cwd: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "policy_check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # -X importtime writes "import time: self | cumulative | <indent>module" lines.
    return [line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:") and "|" in line]


@pytest.mark.parametrize("argument", ["--version", "--help"])
def test_version_and_help_import_no_engine_rule_or_heavy_library(tmp_path: Path, argument: str) -> None:
    modules = imported_modules(argument, cwd=tmp_path)
    assert "policy_check.cli" in modules
    heavy = [name for name in modules if name.split(".")[0] in ("libcst", "radon", "git") or name.startswith(HEAVY[3:])]
    assert heavy == []


def test_version_reads_no_configuration(tmp_path: Path) -> None:
    assert "tomlkit" not in imported_modules("--version", cwd=tmp_path)


def test_a_check_keeps_ruffs_cache_in_ours_unless_no_cache(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.policy-check]\n")
    (tmp_path / "script.py").write_text("import os\nprint('hello')\n")
    command = [sys.executable, "-m", "policy_check", "--output-format", "concise", "script.py"]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "script.py").write_text("import os\n")
    first = subprocess.run([*command[:-1], "--no-cache", "fresh/script.py"], cwd=tmp_path, capture_output=True, text=True)
    assert "F401" in first.stdout, first.stderr
    assert not (tmp_path / ".policy_check_cache" / "ruff").exists()
    for _ in range(2):  # the second run reads ruff's cache
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
        assert "script.py:1:8: F401" in run.stdout and "PC301" in run.stdout, run.stderr
    assert (tmp_path / ".policy_check_cache" / "ruff").is_dir()
