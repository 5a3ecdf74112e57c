"""The real pre-commit, using this repository as a hook repository, in a fresh git
repository: the hook fails on a messy file, passes on a clean one, and the fix hook
rewrites the file (which pre-commit reports as a modification)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _commands import git, init_repo

REPO = Path(__file__).resolve().parents[1]
# What a hook repository needs: the package and the hook manifest (the working
# tree, not HEAD, so uncommitted work is tested too).
HOOK_REPO_FILES = ("src", "pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "LICENSE")

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is required")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("hook-repo")
    for name in HOOK_REPO_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        elif source.exists():
            shutil.copy2(source, root / name)
    init_repo(root)
    git(root, "add", "-A")
    git(root, "commit", "-qm", "hook repo snapshot")
    return root, git(root, "rev-parse", "HEAD")


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # One hook environment for all tests of this module: pre-commit builds it once.
    return tmp_path_factory.mktemp("pre-commit-home")


def _project(tmp_path: Path, hook_repo: tuple[Path, str], hook_id: str) -> Path:
    path, rev = hook_repo
    project = tmp_path / "lab"
    init_repo(project)
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path.as_posix()}\n    rev: {rev}\n    hooks:\n      - id: {hook_id}\n"
    )
    # A project in order apart from the file under test, so project rules stay quiet.
    (project / "pyproject.toml").write_text(
        '[build-system]\nrequires = ["setuptools>=77"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "lab"\nversion = "0.1.0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
    )
    (project / "tests").mkdir()
    (project / "tests" / "test_calibration.py").write_text("def test_nothing():\n    assert True\n")
    return project


def _run_pre_commit(project: Path, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )


MESSY = 'def calibrate(gain):\n    print("gain", gain)\n    return gain * 2\n'
CLEAN = 'import logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef calibrate(gain):\n    logger.info("gain %s", gain)\n    return gain * 2\n'
# Configured first thing, in a format without the logger's name: PC302's fix is safe.
ROOT_LOGGING = (
    'import logging\n\n\ndef calibrate(gain):\n    logging.info("gain %s", gain)\n    return gain * 2\n\n\n'
    'if __name__ == "__main__":\n    logging.basicConfig(level=logging.INFO, format="%(message)s")\n    calibrate(1.5)\n'
)


def test_hook_fails_on_a_messy_file(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> None:
    project = _project(tmp_path, hook_repo, "policy-check")
    (project / "calibration.py").write_text(MESSY)
    git(project, "add", "-A")
    result = _run_pre_commit(project, pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "calibration.py:2:5: PC301" in result.stdout


def test_hook_passes_on_a_clean_file(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> None:
    project = _project(tmp_path, hook_repo, "policy-check")
    (project / "calibration.py").write_text(CLEAN)
    git(project, "add", "-A")
    result = _run_pre_commit(project, pre_commit_home)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


def test_fix_hook_rewrites_the_file(tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path) -> None:
    project = _project(tmp_path, hook_repo, "policy-check-fix")
    (project / "calibration.py").write_text(ROOT_LOGGING)
    git(project, "add", "-A")
    result = _run_pre_commit(project, pre_commit_home)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "files were modified by this hook" in result.stdout
    fixed = (project / "calibration.py").read_text()
    assert "logger.info(\"gain %s\", gain)" in fixed or "logger.info('gain %s', gain)" in fixed
    assert "logger = logging.getLogger(__name__)" in fixed
    # Second run: nothing left to fix, the hook passes.
    git(project, "add", "-A")
    again = _run_pre_commit(project, pre_commit_home)
    assert again.returncode == 0, again.stdout + again.stderr


def test_file_hook_checks_only_the_files_and_the_project_hook_the_project(
    tmp_path: Path, hook_repo: tuple[Path, str], pre_commit_home: Path
) -> None:
    # No tests/ folder: PC104 is a project finding, for the project hook alone.
    project = _project(tmp_path, hook_repo, "policy-check")
    shutil.rmtree(project / "tests")
    (project / "calibration.py").write_text(CLEAN)
    git(project, "add", "-A")
    files_only = _run_pre_commit(project, pre_commit_home)
    assert files_only.returncode == 0, files_only.stdout + files_only.stderr
    path, rev = hook_repo
    (project / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {path.as_posix()}\n    rev: {rev}\n    hooks:\n      - id: policy-check-project\n"
    )
    git(project, "add", "-A")
    project_run = _run_pre_commit(project, pre_commit_home)
    assert project_run.returncode == 1, project_run.stdout + project_run.stderr
    assert "PC104" in project_run.stdout and "PC301" not in project_run.stdout
