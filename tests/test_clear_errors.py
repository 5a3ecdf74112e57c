"""Damaged state files (cache entries, baselines) cost a re-check or one clear line,
never a traceback; ``--no-cache`` writes no cache at all."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

TWO_PRINTS = 'def f(x):\n    print("x", x)\n    print("again", x)\n'
DEEP = "[" * 100_000 + "]" * 100_000


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--output-format", "concise", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _row_as_text(entry: list) -> list:
    # Rows of "1" and 3 end up compared when the findings are sorted.
    if entry:  # ruff's entry for a file it found nothing in is empty
        entry[0][2] = str(entry[0][2])  # the start row (cache.py's row layout)
    return entry


@pytest.mark.parametrize("damage", [_row_as_text, None])
def test_a_damaged_cache_entry_is_a_miss(tmp_path: Path, damage) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "a.py").write_text(TWO_PRINTS)
    first = run_cli("a.py", cwd=tmp_path)
    entries = [path for path in (tmp_path / ".policy_check_cache").rglob("*.json")]
    assert entries, "the first run wrote a cache entry"
    for path in entries:
        if damage is None:
            path.write_text(DEEP)
        else:
            path.write_text(json.dumps(damage(json.loads(path.read_text()))))
    second = run_cli("a.py", cwd=tmp_path)
    assert "Traceback" not in second.stderr and "internal error" not in second.stderr
    assert second.stdout == first.stdout
    assert second.returncode == 1


def test_no_cache_writes_nothing_in_the_cache_folder(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    (tmp_path / "a.py").write_text(TWO_PRINTS)
    subprocess.run(["git", "add", "."], cwd=tmp_path, check=True)
    run_cli("--no-cache", ".", cwd=tmp_path)
    assert not (tmp_path / ".policy_check_cache").exists()


def test_a_deeply_nested_baseline_is_one_clear_line(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(TWO_PRINTS)
    (tmp_path / "baseline.json").write_text('{"findings": ' + DEEP + "}")
    result = run_cli("--no-cache", "--baseline", "baseline.json", "a.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "baseline.json is not a policy-check baseline file" in result.stderr
