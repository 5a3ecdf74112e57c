"""A small sample of the generated-program check (benchmarks/generated_programs.py,
which runs thousands), run as anyone would run it: programs nobody wrote, plain and
as BOM, CRLF and tab variants, never cause an internal error or a traceback, and
every fix compiles, still runs where the original ran, and is idempotent."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("hypothesmith", reason="the generated-program check needs hypothesmith (the test extra)")
pytest.importorskip("pysource_codegen", reason="the generated-program check needs pysource-codegen (the test extra)")

BENCHMARK = Path(__file__).parent.parent / "benchmarks" / "generated_programs.py"


def _count(table: str, measure: str) -> int:
    match = re.search(rf"^\| {re.escape(measure)}[^|]* \| (\d+) \|$", table, re.MULTILINE)
    assert match, table
    return int(match.group(1))


def test_generated_programs_never_break_a_run_or_a_fix(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), "--count", "24", "--seed", "3", "--keep", str(tmp_path / "work")],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    names = {path.name.rsplit("_", 1)[1] for path in (tmp_path / "work" / "originals").iterdir()}
    assert {"plain.py", "bom.py", "crlf.py", "tabs.py"} <= names, "every variant is in the sample"
    assert _count(result.stdout, "files changed by --fix") > 0, "the sample gives the fixes work"
    assert _count(result.stdout, "internal errors") == 0
    assert _count(result.stdout, "files a second --fix changed again") == 0
