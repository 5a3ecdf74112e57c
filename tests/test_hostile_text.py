"""Text that comes from files never reaches the terminal or a CI log raw: a newline
plus ``::error`` in a file name or a string value cannot forge a GitHub workflow
command, and ESC/BEL sequences are printed as escapes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from _commands import run_cli

HOSTILE_NAME = "x\n::error file=app.py,line=1::forged\x1b[2J\x07.py"
HOSTILE_VALUE = 'data = open("/home/me/run\\n::error::forged\\x1b]0;owned\\x07.npy")\n'


def _assert_clean(output: str) -> None:
    assert not any(line.startswith("::") for line in output.splitlines()), output
    assert "\x1b" not in output and "\x07" not in output


@pytest.mark.parametrize("output_format", ["text", "concise"])
def test_file_names_and_quoted_values_are_escaped(tmp_path: Path, output_format: str) -> None:
    (tmp_path / HOSTILE_NAME).write_text('print("hi")\n')
    (tmp_path / "paths.py").write_text(HOSTILE_VALUE)
    result = run_cli("--output-format", output_format, ".", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    _assert_clean(result.stdout)
    _assert_clean(result.stderr)
    assert "x\\n::error file=app.py,line=1::forged\\x1b[2J\\x07.py:1:1: PC301" in result.stdout
    assert "PC202" in result.stdout and "\\n::error::forged\\x1b]0;owned\\x07" in result.stdout


def test_show_stale_escapes_what_the_baseline_holds(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    entry = {"code": "PC301", "count": 1, "function": "", "path": "a.py", "snippet": "print(1)\n::error::forged\x1b[31m"}
    (tmp_path / "baseline.json").write_text(json.dumps({"version": 1, "findings": [entry]}))
    result = run_cli("--baseline", "baseline.json", "--show-stale", "a.py", cwd=tmp_path)
    assert "baseline entries are stale" in result.stderr
    _assert_clean(result.stderr)
    assert "print(1)\\n::error::forged\\x1b[31m" in result.stderr


def test_a_diff_header_quotes_a_hostile_file_name_as_git_does(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    name = "odd\n::error::x.py"
    (tmp_path / name).write_text('def f(x):\n    print("x", x)\n')
    result = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--diff", "--unsafe-fixes", "--select", "PC301", name],
        cwd=tmp_path,
        capture_output=True,
        timeout=300,
        check=False,
    )
    _assert_clean(result.stdout.decode())
    (tmp_path / "fix.patch").write_bytes(result.stdout)
    applied = subprocess.run(["git", "apply", "fix.patch"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert applied.returncode == 0, applied.stderr
    assert "logger.info" in (tmp_path / name).read_text()
