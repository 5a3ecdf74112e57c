"""Small research projects and real runs shared by the CI-format tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SARIF_SCHEMA = Path(__file__).resolve().parent / "data" / "sarif-schema-2.1.0.json"
MESSY_LAB = REPO / "fixtures" / "messy-lab"
VENV_BIN = Path(sys.executable).parent

ANALYSIS = (
    "import logging\n"
    "\n"
    "\n"
    "def mean(values):\n"
    '    print("averaging, 100% of", len(values))\n'
    '    logging.info(f"n={len(values)}")\n'
    "    return sum(values) / len(values)\n"
    "\n"
    "\n"
    "def report(total):\n"
    '    print("total:",\n'
    "          total)\n"
)
BROKEN = "def broken(:\n    pass\n"
CLEAN = 'import logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef f(x):\n    logger.info("x %s", x)\n'


def make_lab(root: Path, clean: bool = False) -> Path:
    """A git repository with a package under src/: prints, a root-logger call, a
    multi-line print and a syntax error (or only clean code)."""
    package = root / "src" / "lab"
    package.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "lab"\nversion = "0.1"\n')
    (package / "__init__.py").write_text("")
    if clean:
        (package / "stats.py").write_text(CLEAN)
    else:
        (package / "stats.py").write_text(ANALYSIS)
        (package / "broken.py").write_text(BROKEN)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    return root


def copy_messy_lab(root: Path) -> Path:
    target = root / "messy-lab"
    shutil.copytree(MESSY_LAB, target)
    return target


def clean_environment(**extra: str) -> dict[str, str]:
    """The environment of a run outside any CI service, plus ``extra``."""
    ci_names = ("CI", "GITHUB_", "BITBUCKET_", "RUNNER_", "PRE_COMMIT", "POLICY_CHECK_")
    environ = {key: value for key, value in os.environ.items() if not key.startswith(ci_names)}
    environ["PATH"] = f"{VENV_BIN}{os.pathsep}{environ.get('PATH', '')}"
    environ.update(extra)
    return environ


def run_policy_check(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """A check run (isolated from any configuration, no cache) or, when ``args``
    start with a subcommand, that subcommand."""
    flags = [] if args and args[0] in ("bitbucket-upload", "rule", "rules") else ["--isolated", "--no-cache"]
    return subprocess.run(
        [str(VENV_BIN / "policy-check"), *flags, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=clean_environment(**env),
        timeout=120,
    )


def output_of(cwd: Path, output_format: str, *args: str) -> str:
    result = run_policy_check(cwd, "--output-format", output_format, *args)
    assert result.returncode in (0, 1), result.stderr
    return result.stdout


def json_output(cwd: Path, output_format: str, *args: str) -> Any:
    return json.loads(output_of(cwd, output_format, *args))
