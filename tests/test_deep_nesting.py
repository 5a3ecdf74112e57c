"""Deeply nested code ends as findings or one clear per-file error: never a crash of
the process, never a run that reports nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def _and_chain(terms: int) -> str:
    return " and ".join(f"a{i}" for i in range(terms))


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--output-format", "json", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _codes(result: subprocess.CompletedProcess[str]) -> dict[str, list[tuple[str, int]]]:
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    found: dict[str, list[tuple[str, int]]] = {}
    for finding in json.loads(result.stdout):
        found.setdefault(Path(finding["filename"]).name, []).append((finding["code"], finding["location"]["row"]))
    return found


@pytest.mark.parametrize("terms", [5_000, 10_000])
def test_a_long_and_chain_is_checked_in_process(tmp_path: Path, terms: int) -> None:
    # 5,000 terms raised RecursionError while placing findings (exit 2, nothing
    # reported); 10,000 crashed the process in libcst's parser.  One file is checked
    # in this process, as pre-commit runs it.
    (tmp_path / "chain.py").write_text(f"x = {_and_chain(terms)}\nprint(x)\n")
    found = _codes(run_cli("--select", "PC3", "chain.py", cwd=tmp_path))
    assert found == {"chain.py": [("PC301", 2)]}


def test_a_finding_inside_a_long_chain_is_placed_and_fixed(tmp_path: Path) -> None:
    script = tmp_path / "chain.py"
    script.write_text(f"print({_and_chain(5_000)})\n")
    assert _codes(run_cli("--select", "PC301", "chain.py", cwd=tmp_path)) == {"chain.py": [("PC301", 1)]}
    fixed = run_cli("--select", "PC301", "--fix", "--unsafe-fixes", "chain.py", cwd=tmp_path)
    assert fixed.returncode == 0, fixed.stderr
    assert script.read_text().startswith(
        'import logging\nimport sys\n\nlogger = logging.getLogger(__name__)\n'
        'logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)\n\n'
        'logger.info("%s", a0 and a1'
    )


def test_long_chains_among_many_files_are_checked_by_the_workers(tmp_path: Path) -> None:
    (tmp_path / "chain.py").write_text(f"x = {_and_chain(10_000)}\nprint(x)\n")
    for index in range(9):  # more than a handful: worker processes check them
        (tmp_path / f"module_{index}.py").write_text("print('hello')\n")
    found = _codes(run_cli("--select", "PC301", "--jobs", "2", ".", cwd=tmp_path))
    assert found["chain.py"] == [("PC301", 2)]
    assert len(found) == 10


def test_a_chain_libcst_would_take_minutes_over_is_one_clear_error(tmp_path: Path) -> None:
    # libcst parses `a + b + ...` in quadratic time: 10,000 terms took 9 minutes.
    (tmp_path / "sum.py").write_text("x = " + " + ".join(f"a{i}" for i in range(5_000)) + "\nprint(x)\n")
    (tmp_path / "good.py").write_text("print('hello')\n")
    result = run_cli("--select", "PC3", ".", cwd=tmp_path)
    found = _codes(result)
    assert found == {"sum.py": [("PC000", 1)], "good.py": [("PC301", 1)]}
    message = next(f["message"] for f in json.loads(result.stdout) if f["code"] == "PC000")
    assert "too deeply nested to analyse" in message and "3,000 terms" in message
