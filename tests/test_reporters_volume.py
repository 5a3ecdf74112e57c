"""A long report stays usable: the summary counts findings per code with what the
fixes would change, and gives the bulk advice for prints once, with a glob that
really exempts the folder."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_check", "--no-cache", "--select", "PC3", *args],
        cwd=cwd, capture_output=True, text=True, timeout=300,
    )


def _scripts(root: Path, files: int, prints: int) -> None:
    (root / "scripts").mkdir(parents=True)
    for index in range(files):
        lines = [f"print('step', {step})" for step in range(prints)] + ["print('end', end='')"]
        (root / "scripts" / f"try_{index}.py").write_text("\n".join(lines) + "\n")
    (root / "model.py").write_text("def fit(x):\n    print('fitting')\n    return x\n")


def test_many_prints_are_summarised_per_code_with_the_advice_once(tmp_path: Path) -> None:
    _scripts(tmp_path, files=6, prints=10)
    result = run_cli(".", cwd=tmp_path)
    out = result.stdout
    assert "Found 67 findings in 7 files checked." in out
    assert "By code:\n      67  PC301   print-call  (61 with --unsafe-fixes)\n" in out
    assert out.count("allow-print") == 1
    assert 'allow-print = ["scripts/**"]' in out
    # The advice works as given: the folder is exempt, the library module is still checked.
    (tmp_path / "pyproject.toml").write_text('[tool.policy-check]\nallow-print = ["scripts/**"]\n')
    again = run_cli(".", cwd=tmp_path)
    assert "Found 1 finding in 7 files checked." in again.stdout
    assert "model.py:2:5: PC301" in again.stdout


def test_a_short_report_has_no_breakdown(tmp_path: Path) -> None:
    _scripts(tmp_path, files=1, prints=3)
    out = run_cli(".", cwd=tmp_path).stdout
    assert "Found 5 findings" in out
    assert "By code:" not in out and "allow-print" not in out
