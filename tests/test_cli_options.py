"""The command line a ruff user expects, run for real: excludes, per-file ignores,
--show-settings/--show-files, --color, --exit-non-zero-on-fix, --target-version
(handed to ruff), --scope, --help naming every subcommand, `rule` for ruff's codes,
and the catalogue family by family."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from policy_check.cli import SUBCOMMANDS

PRINTS = 'def f(x):\n    print("x", x)\n'
# Configured first thing, in a format without the logger's name: PC302's fix is safe.
ROOT_LOG = (
    'import logging\n\n\ndef f(x):\n    logging.info("x %s", x)\n\n\n'
    'if __name__ == "__main__":\n    logging.basicConfig(level=logging.INFO, format="%(message)s")\n    f(1)\n'
)
OLD_TYPING = "from typing import List\n\n\ndef f(x: List[int]) -> List[int]:\n    return x\n"


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_check", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


@pytest.fixture
def lab(tmp_path: Path) -> Path:
    (tmp_path / "analysis.py").write_text(PRINTS)
    for folder in ("generated", "build"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "model.py").write_text(PRINTS)
    return tmp_path


def test_exclude_and_extend_exclude(lab: Path) -> None:
    every = run(lab, "--isolated", "--show-files")
    assert every.stdout.split() == ["analysis.py", "generated/model.py"]  # build/ is excluded by default
    extended = run(lab, "--isolated", "--show-files", "--extend-exclude", "generated")
    assert extended.stdout.split() == ["analysis.py"]
    replaced = run(lab, "--isolated", "--show-files", "--exclude", "generated")
    assert replaced.stdout.split() == ["analysis.py", "build/model.py"]
    checked = run(lab, "--isolated", "--no-cache", "--select", "PC301", "--extend-exclude", "generated,build")
    assert checked.returncode == 1 and "generated" not in checked.stdout and "analysis.py:2:5: PC301" in checked.stdout


def test_per_file_ignores_on_the_command_line(lab: Path) -> None:
    ignored = run(lab, "--isolated", "--no-cache", "--select", "PC301", "--per-file-ignores", "generated/*:PC301,analysis.py:PC3")
    assert ignored.returncode == 0, ignored.stdout
    bad = run(lab, "--isolated", "--per-file-ignores", "generated")
    assert bad.returncode == 2 and "GLOB:CODE" in bad.stderr
    typo = run(lab, "--isolated", "--per-file-ignores", "generated/*:PC3011")
    assert typo.returncode == 2 and "did you mean 'PC301'?" in typo.stderr


def test_show_settings_prints_the_resolved_settings(lab: Path) -> None:
    (lab / "pyproject.toml").write_text('[tool.policy-check]\nignore = ["PC303"]\nmax-complexity = 12\n')
    shown = run(lab, "--show-settings", "--extend-exclude", "generated")
    assert shown.returncode == 0
    assert f"# configuration: {lab / 'pyproject.toml'}" in shown.stdout
    assert 'ignore = ["PC303"]' in shown.stdout and "max-complexity = 12" in shown.stdout
    assert 'extend-exclude = ["generated"]' in shown.stdout
    selected = re.search(r"# selected codes \(\d+\): (.*)", shown.stdout)
    assert selected is not None and "PC301" in selected.group(1).split(", ") and "PC303" not in selected.group(1)


@pytest.mark.parametrize(("choice", "coloured"), [("always", True), ("never", False), ("auto", False)])
def test_color_choice(lab: Path, choice: str, coloured: bool) -> None:
    result = run(lab, "--isolated", "--no-cache", "--select", "PC301", "--color", choice, "analysis.py")
    assert result.returncode == 1
    assert ("\x1b[" in result.stdout) is coloured


def test_exit_non_zero_on_fix(tmp_path: Path) -> None:
    (tmp_path / "analysis.py").write_text(ROOT_LOG)
    fixed = run(tmp_path, "--isolated", "--no-cache", "--select", "PC302", "--fix", "--exit-non-zero-on-fix", "analysis.py")
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "logger.info" in (tmp_path / "analysis.py").read_text()
    again = run(tmp_path, "--isolated", "--no-cache", "--select", "PC302", "--fix", "--exit-non-zero-on-fix", "analysis.py")
    assert again.returncode == 0, again.stdout


def test_target_version_is_handed_to_ruff(tmp_path: Path) -> None:
    (tmp_path / "typed.py").write_text(OLD_TYPING)
    modern = run(tmp_path, "--isolated", "--no-cache", "--select", "UP006", "typed.py")
    assert modern.returncode == 1 and "UP006" in modern.stdout
    # Python 3.7 has no `list[int]`: ruff does not ask for it.
    old = run(tmp_path, "--isolated", "--no-cache", "--select", "UP006", "--target-version", "py37", "typed.py")
    assert old.returncode == 0, old.stdout


def test_project_scope_keeps_the_configured_ignores(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "lab"\nversion = "0.1"\n\n[tool.policy-check]\nignore = ["PC106"]\n'
    )
    (tmp_path / "analysis.py").write_text(PRINTS)
    project = run(tmp_path, "--no-cache", "--scope", "project")
    assert "PC104" in project.stdout and "PC106" not in project.stdout and "PC301" not in project.stdout
    files = run(tmp_path, "--no-cache", "--scope", "files", "analysis.py")
    assert "PC301" in files.stdout and "PC104" not in files.stdout


def test_help_lists_every_subcommand(tmp_path: Path) -> None:
    result = run(tmp_path, "--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert re.search(rf"^\s+policy-check {re.escape(name)}\b", result.stdout, re.M), name


def test_rule_hands_ruff_codes_to_ruffs_page(tmp_path: Path) -> None:
    page = run(tmp_path, "rule", "F401")
    assert page.returncode == 0, page.stderr
    assert page.stdout.startswith("F401 is one of ruff's rules; it runs in policy-check's default selection.")
    assert "# unused-import (F401)" in page.stdout
    covered = run(tmp_path, "rule", "T201")
    assert covered.returncode == 0 and "policy-check's PC301 covers the same ground" in covered.stdout
    unknown = run(tmp_path, "rule", "PC3011")
    assert unknown.returncode == 2 and "did you mean 'PC301'?" in unknown.stderr


def test_rules_lists_families_in_order_without_templates(tmp_path: Path) -> None:
    result = run(tmp_path, "rules")
    assert result.returncode == 0
    assert "{" not in result.stdout
    codes = [line.split()[0] for line in result.stdout.splitlines() if re.match(r"^PC[1-9]\d{2} ", line)]
    assert codes == sorted(codes) and codes[0].startswith("PC1") and codes[-1].startswith("PC7")
    headings = re.findall(r"^(PC\d): ", result.stdout, re.M)
    assert headings == sorted(headings) and len(headings) == len(set(headings))
    assert re.search(r"^F401 .*\[ruff\] Checks for unused imports", result.stdout, re.M)


def test_a_syntax_error_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "broken.py").write_text("import os\n\ndef broken(:\n    pass\n")
    result = run(tmp_path, "--isolated", "--no-cache", "--output-format", "json", "broken.py")
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    assert [row["code"] for row in rows] == ["E999"], rows


def test_a_nested_pyproject_governs_the_files_below_it(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "lab"\nversion = "0.1"\n\n[tool.policy-check]\nselect = ["PC3", "F401"]\n')
    (tmp_path / "analysis").mkdir()
    (tmp_path / "analysis" / "pyproject.toml").write_text(
        '[tool.policy-check]\nselect = ["PC3", "F401"]\nignore = ["PC301", "F401"]\n\n'
        '[tool.policy-check.per-file-ignores]\n"legacy/*" = ["PC302"]\n'
    )
    messy = 'import logging\nimport os\n\n\ndef f(x):\n    print(x)\n    logging.info("x %s", x)\n'
    for path in ("top.py", "analysis/run.py", "analysis/legacy/old.py"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(messy)
    result = run(tmp_path, "--no-cache", "--scope", "files", "--output-format", "concise", ".")
    found = sorted((line.split(":")[0], line.split()[1]) for line in result.stdout.splitlines() if line.count(":") >= 3)
    assert found == [
        ("analysis/run.py", "PC302"),
        ("top.py", "F401"), ("top.py", "PC301"), ("top.py", "PC302"),
    ], result.stdout
    # From inside the folder, its own table is the run's.
    inside = run(tmp_path / "analysis", "--no-cache", "--scope", "files", "--output-format", "concise", ".")
    assert sorted(line.split()[1] for line in inside.stdout.splitlines() if line.count(":") >= 3) == ["PC302"]
    # --isolated: one configuration (none) for every file.
    isolated = run(tmp_path, "--no-cache", "--isolated", "--select", "PC301", "--output-format", "concise", ".")
    assert isolated.stdout.count("PC301") == 3


def test_stdin_filename_checks_and_fixes_standard_input(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.policy-check]\nselect = ["PC3", "F401"]\n\n[tool.policy-check.per-file-ignores]\n"scripts/*" = ["PC301"]\n')
    source = 'import logging\nimport os\n\n\ndef f(x):\n    logging.info("x %s", x)\n    print(x)\n\n\n' + ROOT_LOG[ROOT_LOG.index("if __name__"):]

    def piped(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "policy_check", "--no-cache", *args], input=source, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    checked = piped("--stdin-filename", "analysis.py", "--output-format", "concise")
    assert checked.returncode == 1
    assert sorted(line.split()[1] for line in checked.stdout.splitlines() if line.startswith("analysis.py:")) == ["F401", "PC301", "PC302"]
    ignored = piped("--stdin-filename", "scripts/run.py", "--output-format", "concise")
    assert "PC301" not in ignored.stdout and "PC302" in ignored.stdout  # the file's per-file-ignores
    fixed = piped("--stdin-filename", "analysis.py", "--fix")
    assert fixed.returncode == 1  # the print is left (its output would move to stderr: no edit)
    assert "import os" not in fixed.stdout and 'logger.info("x %s", x)' in fixed.stdout
    assert "analysis.py:" in fixed.stderr and "PC301" in fixed.stderr
    compile(fixed.stdout, "analysis.py", "exec")
    assert not (tmp_path / "analysis.py").exists(), "nothing is written"
    diffed = piped("--stdin-filename", "analysis.py", "--diff")
    assert diffed.returncode == 1 and diffed.stdout.startswith("--- a/analysis.py\n+++ b/analysis.py\n")


def test_project_fixes_are_counted_and_listed_like_file_fixes(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "lab"\nversion = "0.1"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text("def test_x():\n    assert True\n")
    notebook = {"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "source": ["x = 1\n", "x"],
                           "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}]}],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "runs.ipynb").write_text(json.dumps(notebook))
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    diffed = run(tmp_path, "--no-cache", "--diff", ".")
    assert "Would fix 2 findings in 2 files" in diffed.stderr, diffed.stderr
    applies = subprocess.run(["git", "apply", "--check", "-"], input=diffed.stdout, cwd=tmp_path, capture_output=True, text=True)
    assert applies.returncode == 0, applies.stderr
    fixed = run(tmp_path, "--no-cache", "--fix", "--show-fixes", ".")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "Fixed 2 findings:" in fixed.stdout and "No safe fixes" not in fixed.stdout
    assert ".pre-commit-config.yaml: PC106" in fixed.stdout and "runs.ipynb: PC703" in fixed.stdout
    assert json.loads((tmp_path / "runs.ipynb").read_text())["cells"][0]["outputs"] == []
