"""PC101's src-layout migration, for real: a flat setuptools project with two root
packages is migrated by `policy-check --fix --unsafe-fixes`, installed with
`pip install -e .` into a fresh virtual environment, and imported from elsewhere."""

from __future__ import annotations

import json
import shutil
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

    assert "/src/riverflow/" in install_and_import(root, tmp_path, "riverflow, riverflow_cli")


def install_and_import(root: Path, tmp_path: Path, modules: str) -> str:
    """``pip install -e`` into a fresh environment that borrows this one's setuptools
    and pip (no network needed), then import from another folder; returns stdout."""
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
        [str(env_python), "-c", f"import {modules}; print({modules.split(',')[0]}.__file__)"],
        cwd=elsewhere, capture_output=True, text=True, timeout=60,
    )
    assert imported.returncode == 0, imported.stderr
    return imported.stdout


MESSY_LAB = Path(__file__).resolve().parent.parent / "fixtures" / "messy-lab"
KEY = "-" * 5 + "BEGIN RSA PRIVATE KEY" + "-" * 5 + "\nMIIEowIBAAKCAQEAnotarealkeyjustkeyshapedtext000000\n" + "-" * 5 + "END RSA PRIVATE KEY" + "-" * 5 + "\n"


@pytest.mark.skipif(not MESSY_LAB.is_dir(), reason="fixtures/messy-lab is not there")
def test_messy_lab_with_history_reports_layout_and_hygiene_and_fixes_to_an_installable_project(tmp_path: Path) -> None:
    root = tmp_path / "messy-lab"
    shutil.copytree(MESSY_LAB, root)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "import")
    # History built here, never committed to policy-check: a key added then deleted, a large array.
    (root / "id_rsa").write_text(KEY)
    (root / "data").mkdir(exist_ok=True)
    (root / "data" / "fields.npy").write_bytes(bytes(6 * 1024 * 1024))
    (root / "notebooks" / "run.ipynb").write_text(json.dumps(
        {"cells": [{"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [
            {"output_type": "stream", "name": "stdout", "text": ["ok\n"]}], "source": ["print('ok')"]}],
         "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "results")
    git(root, "rm", "-q", "id_rsa")
    git(root, "commit", "-q", "-m", "oops")
    checked = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC1,PC7",
         "--output-format", "json", "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    reported = {finding["code"] for finding in json.loads(checked.stdout)}
    assert {"PC101", "PC103", "PC701", "PC702", "PC703"} <= reported
    assert "MIIEow" not in checked.stdout, "a key is never printed"
    subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC1,PC7", "--fix",
         "--unsafe-fixes", "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    package = next(path.name for path in (root / "src").iterdir() if (path / "__init__.py").is_file())
    assert f"/src/{package}/" in install_and_import(root, tmp_path, package)


def test_diff_of_the_migration_is_one_patch_with_renames_that_git_applies(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": PYPROJECT,
        "riverflow/__init__.py": "from riverflow.routing import route\n",
        # A file rule's fix inside a moved file: the rename carries it.
        "riverflow/routing.py": "import logging\n\n\ndef route(q):\n    logging.info('routing %s', q)\n    return q\n",
        "riverflow_cli/__init__.py": "from riverflow import route\n",
        "analysis.py": "import logging\n\n\ndef run(q):\n    logging.info('run %s', q)\n",
    }
    root = make_repo(tmp_path / "riverflow", files)
    diffed = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC101,PC302",
         "--diff", "--unsafe-fixes", "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert diffed.returncode == 1, diffed.stderr
    patch = diffed.stdout
    assert "rename from riverflow/routing.py\nrename to src/riverflow/routing.py\n" in patch
    assert "rename from riverflow_cli/__init__.py\nrename to src/riverflow_cli/__init__.py\n" in patch
    assert patch.count("routing.py") == patch.count("riverflow/routing.py"), "no edit at the old path alone"
    # PC101 once, PC302 in routing.py and in analysis.py: 3 findings; 5 files touched
    # (3 moved, pyproject.toml edited, analysis.py fixed).
    assert "Would fix 3 findings in 5 files" in diffed.stderr, diffed.stderr
    assert (root / "riverflow" / "routing.py").is_file(), "--diff changes nothing"
    applied = subprocess.run(["git", "apply", "--index", "-"], input=patch, cwd=root, capture_output=True, text=True)
    assert applied.returncode == 0, applied.stderr + patch
    assert not (root / "riverflow").exists()
    assert "logger.info" in (root / "src" / "riverflow" / "routing.py").read_text()
    assert "logger.info" in (root / "analysis.py").read_text()
    again = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC101,PC302", "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert again.returncode == 0, again.stdout
    assert "/src/riverflow/" in install_and_import(root, tmp_path, "riverflow, riverflow_cli")


def test_fix_counts_project_fixes_and_says_to_reinstall(tmp_path: Path) -> None:
    files = {"pyproject.toml": PYPROJECT, "riverflow/__init__.py": "", "riverflow_cli/__init__.py": ""}
    root = make_repo(tmp_path / "riverflow", files)
    fixed = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC101",
         "--fix", "--unsafe-fixes", "--show-fixes", "."],
        cwd=root, capture_output=True, text=True, timeout=120,
    )
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert "Fixed 1 findings:" in fixed.stdout and ": PC101 " in fixed.stdout
    assert "No safe fixes" not in fixed.stdout
    assert "pip install -e ." in fixed.stderr and "riverflow/ to src/riverflow/" in fixed.stderr
