"""PC101's src-layout migration, for real: a flat setuptools project with two root
packages is migrated by `policy-check --fix --unsafe-fixes`, installed with
`pip install -e .` into a fresh virtual environment, and imported from elsewhere."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from _project_repos import git, make_repo

setuptools = pytest.importorskip("setuptools")
if tuple(int(part) for part in setuptools.__version__.split(".")[:2]) < (70, 1):
    pytest.importorskip("wheel", reason="setuptools < 70.1 needs wheel to build an editable install")

PYPROJECT = """\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "riverflow"
version = "1.3.0"

# both packages ship in one distribution
[tool.setuptools]
packages = ["riverflow", "riverflow_cli"]
"""


def test_migrated_flat_project_installs_and_imports(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": PYPROJECT,
        "riverflow/__init__.py": "from riverflow.routing import route\n",
        "riverflow/routing.py": "def route(q):\n    return q\n",
        "riverflow_cli/__init__.py": "from riverflow import route\n",
    }
    root = make_repo(tmp_path / "riverflow", files, untracked={"riverflow/scratch.py": "X = 1\n"})
    fixed = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC101",
         "--fix", "--unsafe-fixes", "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert (root / "src/riverflow/routing.py").is_file() and not (root / "riverflow").exists()
    assert (root / "src/riverflow/scratch.py").is_file(), "untracked files move too"
    assert "src/riverflow/routing.py" in git(root, "ls-files"), "tracked files are moved with git mv"
    text = (root / "pyproject.toml").read_text()
    assert "# both packages ship in one distribution" in text and 'package-dir = {"" = "src"}' in text

    # A fresh environment that borrows this one's setuptools and pip (no network needed).
    env_dir = tmp_path / "env"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    env_python = env_dir / "bin" / "python"
    env_site = subprocess.run(
        [str(env_python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    Path(env_site, "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    install = subprocess.run(
        [str(env_python), "-m", "pip", "install", "--no-build-isolation", "--no-deps", "--no-index", "-q", "-e", "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert install.returncode == 0, install.stdout + install.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    imported = subprocess.run(
        [str(env_python), "-c", "import riverflow, riverflow_cli; print(riverflow.__file__)"],
        cwd=elsewhere, capture_output=True, text=True, timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    assert "/src/riverflow/" in imported.stdout
