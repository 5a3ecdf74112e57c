"""Installing policy-check as a newcomer does: one home URL everywhere, the version in
one place and a tag made from it, `python -m build` giving an sdist and a wheel that
install in a fresh virtual environment and run, and the README's `repo: local`
pre-commit recipe run by the real pre-commit on that wheel."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
import yaml

import policy_check
from policy_check import HOME_URL, __version__
from policy_check.rules.project import precommit

from _commands import git, init_repo

REPO = Path(__file__).resolve().parents[1]
# What a source checkout needs to build (the working tree, so uncommitted work counts).
SOURCE_FILES = ("src", "pyproject.toml", "README.md", "LICENSE", "CHANGELOG.md")
GITHUB_REPO_URL = re.compile(r"https://github\.com/[\w.-]+/policy-check\b")
ACTION_USE = re.compile(r"uses: ([\w.-]+)/policy-check/hooks/github@(\S+)")
MESSY = 'def calibrate(gain):\n    print("gain", gain)\n    return gain * 2\n'


def _texts() -> dict[str, str]:
    """Every tracked text file that could name the project's home."""
    names = git(REPO, "ls-files", "--cached", "--others", "--exclude-standard").splitlines()
    texts = {}
    for name in names:
        path = REPO / name
        if name.startswith(("tests/data/", "fixtures/")) or not path.is_file():
            continue
        if path.suffix in (".py", ".md", ".yml", ".yaml", ".toml", ".cfg", "") or name.startswith(".ci/"):
            texts[name] = path.read_text(encoding="utf-8", errors="replace")
    return texts


def test_one_home_url_everywhere() -> None:
    texts = _texts()
    named = {url for text in texts.values() for url in GITHUB_REPO_URL.findall(text)}
    assert named == {HOME_URL}, named
    owner = HOME_URL.rsplit("/", 2)[-2]
    uses = [match for text in texts.values() for match in ACTION_USE.findall(text)]
    assert uses and all(found_owner == owner and ref == f"v{__version__}" for found_owner, ref in uses), uses
    # What `policy-check init` and the PC106 fix write.
    config = yaml.safe_load(precommit.new_config())
    assert config["repos"][0]["repo"] == HOME_URL and config["repos"][0]["rev"] == f"v{__version__}"
    readme = texts["README.md"]
    assert f"repo: {HOME_URL}\n    rev: v{__version__}" in readme


def test_the_version_is_written_once() -> None:
    pyproject = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject and "policy_check.__version__" in pyproject
    assert not re.search(r"(?m)^version\s*=\s*\"", pyproject)
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{__version__}]" in changelog


@pytest.mark.parametrize("args", [["--version"], ["-V"], ["version"]])
def test_version_flags_and_subcommand(args: list[str]) -> None:
    result = subprocess.run([sys.executable, "-m", "policy_check", *args], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"policy-check {__version__}\n"


def test_tag_script_tags_the_version_once(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    init_repo(clone)
    (clone / ".ci").mkdir()
    shutil.copy2(REPO / ".ci" / "tag", clone / ".ci" / "tag")
    (clone / "src" / "policy_check").mkdir(parents=True)
    shutil.copy2(Path(policy_check.__file__), clone / "src" / "policy_check" / "__init__.py")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "release")
    first = subprocess.run([str(clone / ".ci" / "tag")], capture_output=True, text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    assert git(clone, "rev-parse", f"v{__version__}^{{commit}}") == git(clone, "rev-parse", "HEAD")
    again = subprocess.run([str(clone / ".ci" / "tag")], capture_output=True, text=True, timeout=60)
    assert again.returncode == 0 and "already tags HEAD" in again.stdout
    # A new commit without a version bump must not move the tag.
    (clone / "notes.txt").write_text("more\n")
    git(clone, "add", "-A")
    git(clone, "commit", "-qm", "more")
    moved = subprocess.run([str(clone / ".ci" / "tag")], capture_output=True, text=True, timeout=60)
    assert moved.returncode == 1 and "bump __version__" in moved.stderr


def _environment() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PRE_COMMIT", "POLICY_CHECK_"))}
    for name in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME"):
        env.pop(name, None)
    env["NO_COLOR"] = "1"
    return env


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` on a copy of the working tree: the sdist, then the wheel
    built from that sdist (so the sdist is complete enough to build)."""
    source = tmp_path_factory.mktemp("source")
    for name in SOURCE_FILES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(path, source / name)
    out = source / "dist"
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True, text=True, env=_environment(), timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def test_build_gives_an_sdist_and_a_wheel_that_install_and_run(dist: Path, tmp_path: Path) -> None:
    [sdist] = dist.glob("policy_check-*.tar.gz")
    [wheel] = dist.glob("policy_check-*.whl")
    assert sdist.name == f"policy_check-{__version__}.tar.gz"
    assert wheel.name == f"policy_check-{__version__}-py3-none-any.whl"
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE", "src/policy_check/cli.py"} <= names
    with zipfile.ZipFile(wheel) as archive:
        assert "policy_check/py.typed" in archive.namelist()
        # `rule`, `rules` and the selection read it instead of importing the rules.
        assert "policy_check/rules/catalogue.json" in archive.namelist()
    environment = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(environment)
    python = environment / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True, text=True, env=_environment(), timeout=900
    )
    assert install.returncode == 0, install.stderr[-3000:]
    tool = environment / "bin" / "policy-check"
    version = subprocess.run([str(tool), "--version"], capture_output=True, text=True, timeout=60)
    assert version.stdout == f"policy-check {__version__}\n"
    (tmp_path / "calibration.py").write_text(MESSY)
    run = subprocess.run(
        [str(tool), "--isolated", "--no-cache", "calibration.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env=_environment(),
    )
    assert run.returncode == 1, run.stderr
    assert "calibration.py:2:5: PC301" in run.stdout
    # The installed copy, not this checkout, ran.
    where = subprocess.run([str(python), "-c", "import policy_check; print(policy_check.__file__)"], capture_output=True, text=True, env=_environment())
    assert str(environment) in where.stdout


def _readme_local_hooks(requirement: str) -> str:
    """The README's `repo: local` recipe, with the requirement swapped for a local one."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    [block] = [b for b in re.findall(r"```yaml\n(.*?)```", readme, re.S) if "repo: local" in b]
    remote = re.search(r'additional_dependencies: \["(.*?)"\]', block)
    assert remote is not None and HOME_URL in remote.group(1)
    return block.replace(remote.group(1), requirement)


@pytest.mark.skipif(shutil.which("git") is None, reason="git is required")
def test_readme_repo_local_recipe_runs_with_the_real_pre_commit(dist: Path, tmp_path: Path) -> None:
    [wheel] = dist.glob("policy_check-*.whl")
    project = tmp_path / "lab"
    init_repo(project)
    (project / ".pre-commit-config.yaml").write_text(_readme_local_hooks(str(wheel)))
    (project / "calibration.py").write_text(MESSY)
    git(project, "add", "-A")
    env = {**_environment(), "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=project, capture_output=True, text=True, env=env, timeout=900,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    # The file hook reports the file's finding; the project rules (no pyproject.toml,
    # no tests: PC102, PC104) come from the project hook alone.
    assert "calibration.py:2:5: PC301" in result.stdout
    file_hook, project_hook = result.stdout.split("policy-check (project)", 1)
    assert "PC102" not in file_hook and "PC104" not in file_hook
    assert "PC104" in project_hook and "PC301" not in project_hook
