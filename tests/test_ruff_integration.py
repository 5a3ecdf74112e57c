"""ruff beside the policy rules, with the real ruff binary: one report and one exit
code, ruff's fixes applied by --fix and shown in the one --diff, ruff's overlapping
rules left out, `ruff = false`, and a missing or broken ruff that only warns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from policy_check.integrations.ruff_catalogue import RUFF_ENV, RuffUnavailable, find_ruff

CLI = [sys.executable, "-m", "policy_check"]

RESEARCH_SCRIPT = '''\
"""Fit a curve."""
import os
import sys

import numpy as np


def fit(x, y, mode, weights=None):
    print("fitting", len(x))
    np.random.seed(0)
    if mode == "linear" and weights is None:
        return np.polyfit(x, y, 1)
    elif mode == "quadratic" or mode == "square":
        return np.polyfit(x, y, 2)
    for i in range(3):
        if i > 1 and x[i] > 0:
            break
    while mode:
        mode = None
    return os.getcwd()
'''


def run(project: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "--no-cache", *args],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "fits"\nversion = "0"\n\n[tool.policy-check]\nmax-complexity = 5\n', encoding="utf-8"
    )
    (tmp_path / "fit.py").write_text(RESEARCH_SCRIPT, encoding="utf-8")
    return tmp_path


def findings(result: subprocess.CompletedProcess[str]) -> list[dict]:
    return json.loads(result.stdout)


def test_one_report_holds_policy_ruff_and_complexity_findings(project: Path) -> None:
    result = run(project, "--output-format", "json", "fit.py")
    assert result.returncode == 1, result.stderr
    codes = {finding["code"] for finding in findings(result)}
    assert {"PC301", "F401", "NPY002", "PC601"} <= codes
    # PC301 covers print: ruff's T201 is never reported beside it.
    assert "T201" not in codes
    f401 = next(f for f in findings(result) if f["code"] == "F401")
    assert f401["fix"]["applicability"] == "safe" and f401["location"] == {"row": 3, "column": 8}
    complexity = next(f for f in findings(result) if f["code"] == "PC601")
    assert "`fit` has cyclomatic complexity 9 (max 5)" in complexity["message"]
    assert "boolean operators" in complexity["message"] and "loop" in complexity["message"]


def test_fix_applies_ruff_and_policy_fixes_in_one_run(project: Path) -> None:
    result = run(project, "--fix", "--unsafe-fixes", "--show-fixes", "fit.py")
    fixed = (project / "fit.py").read_text(encoding="utf-8")
    assert "import sys" not in fixed  # ruff's F401, safe fix
    assert 'logger.info("fitting %s", len(x))' in fixed  # our PC301
    assert "F401" in result.stdout and "PC301" in result.stdout
    # What is left is reported once, with rows of the fixed file.
    assert "F401" not in result.stdout.split("Found")[-1]
    assert "NPY002" in result.stdout


def test_diff_is_one_diff_with_both_fixes_and_changes_nothing(project: Path) -> None:
    result = run(project, "--diff", "--unsafe-fixes", "fit.py")
    assert result.returncode == 1
    assert result.stdout.count("--- a/fit.py") == 1
    assert "-import sys\n" in result.stdout and '+    logger.info("fitting %s", len(x))\n' in result.stdout
    assert (project / "fit.py").read_text(encoding="utf-8") == RESEARCH_SCRIPT
    applied = subprocess.run(["git", "apply", "--check", "-"], input=result.stdout, cwd=project, text=True, capture_output=True)
    assert applied.returncode == 0, applied.stderr


def test_ruff_false_turns_ruff_off(project: Path) -> None:
    with open(project / "pyproject.toml", "a", encoding="utf-8") as config:
        config.write("ruff = false\n")
    result = run(project, "--output-format", "json", "fit.py")
    codes = {finding["code"] for finding in findings(result)}
    assert "PC301" in codes and "PC601" in codes
    assert not [code for code in codes if not code.startswith("PC")]


def test_select_and_ignore_take_ruff_codes(project: Path) -> None:
    only_numpy = run(project, "--output-format", "json", "--select", "NPY", "fit.py")
    assert {f["code"] for f in findings(only_numpy)} == {"NPY002"}
    without_pyflakes = run(project, "--output-format", "json", "--ignore", "F", "fit.py")
    assert not [f for f in findings(without_pyflakes) if f["code"].startswith("F")]
    left_out = run(project, "--select", "T201", "fit.py")
    assert left_out.returncode == 2 and "PC301" in left_out.stderr


def test_noqa_and_user_ruff_ignore_are_respected(project: Path) -> None:
    source = RESEARCH_SCRIPT.replace("import sys\n", "import sys  # noqa: F401\n")
    (project / "fit.py").write_text(source, encoding="utf-8")
    with open(project / "pyproject.toml", "a", encoding="utf-8") as config:
        config.write('\n[tool.ruff.lint]\nignore = ["NPY"]\n')
    codes = {f["code"] for f in findings(run(project, "--output-format", "json", "fit.py"))}
    assert "F401" not in codes and "NPY002" not in codes and "PC301" in codes


def test_missing_ruff_warns_once_and_the_run_goes_on(project: Path) -> None:
    result = run(project, "--output-format", "json", "fit.py", env={RUFF_ENV: str(project / "no-such-ruff")})
    assert result.returncode == 1
    assert {"PC301", "PC601"} <= {f["code"] for f in findings(result)}
    warnings = [line for line in result.stderr.splitlines() if "ruff" in line]
    assert len(warnings) == 1 and "warning" in warnings[0].lower() and "no-such-ruff" in warnings[0]


def test_broken_ruff_warns_once_and_the_run_goes_on(project: Path) -> None:
    broken = project / "broken-ruff"
    broken.write_text("#!/bin/sh\necho 'ruff: something went wrong' >&2\nexit 2\n", encoding="utf-8")
    broken.chmod(0o755)
    result = run(project, "--output-format", "json", "fit.py", env={RUFF_ENV: str(broken)})
    assert result.returncode == 1
    assert {"PC301", "PC601"} <= {f["code"] for f in findings(result)}
    warnings = [line for line in result.stderr.splitlines() if "ruff" in line]
    assert len(warnings) == 1 and "something went wrong" in warnings[0]


def test_find_ruff_looks_beside_the_interpreter_then_on_path(tmp_path: Path) -> None:
    interpreter_dir = tmp_path / "venv" / "bin"
    interpreter_dir.mkdir(parents=True)
    path_dir = tmp_path / "path"
    path_dir.mkdir()
    (path_dir / "ruff").write_text("#!/bin/sh\n", encoding="utf-8")
    (path_dir / "ruff").chmod(0o755)
    fake_python = str(interpreter_dir / "python")
    assert find_ruff({"PATH": str(path_dir)}, fake_python) == str(path_dir / "ruff")
    (interpreter_dir / "ruff").write_text("#!/bin/sh\n", encoding="utf-8")
    assert find_ruff({"PATH": str(path_dir)}, fake_python) == str(interpreter_dir / "ruff")
    with pytest.raises(RuffUnavailable, match="not a file"):
        find_ruff({RUFF_ENV: str(tmp_path / "missing")}, fake_python)


def test_rules_lists_the_ruff_codes_that_run(tmp_path: Path) -> None:
    listing = subprocess.run([*CLI, "rules"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    lines = {line.split()[0]: line for line in listing.splitlines()[1:] if line.strip()}
    assert "[ruff]" in lines["NPY002"] and "[ruff]" in lines["F401"]
    assert "PC601" in lines and "T201" not in lines and "G004" not in lines and "C901" not in lines
    # "F" is pyflakes only: not flake8-boolean-trap (FBT) nor flake8-fixme (FIX).
    assert not [code for code in lines if code.startswith(("FBT", "FIX", "FURB"))]


def test_ruff_findings_appear_when_the_project_is_not_the_working_directory(tmp_path: Path) -> None:
    # The project root (where its pyproject.toml is) differs from where the command runs.
    project = tmp_path / "lab"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "lab"\nversion = "0.1"\n')
    (project / "mod.py").write_text("import os\n\n\ndef f():\n    return 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "policy_check", "--no-cache", "--select", "F401", "--output-format", "json", "lab"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert [finding["code"] for finding in json.loads(result.stdout)] == ["F401"]
