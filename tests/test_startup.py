"""What a command imports before it answers (behaviour, not timing): --version,
--help, `rule` and `rules` import neither libcst, radon, gitpython nor any rule (the
catalogue answers); a check imports the families of the rules it runs, no others; a
warm run hands ruff its own cache unless --no-cache is given."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = ("libcst", "radon", "git", "yaml")
# The registry and the catalogue are not rules: every command may read them.
REGISTRY = ("policy_check.rules", "policy_check.rules.catalogue")


def imported_modules(*args: str, cwd: Path) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "policy_check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    # -X importtime writes "import time: self | cumulative | <indent>module" lines.
    return [line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines() if line.startswith("import time:") and "|" in line]


def _heavy(modules: list[str]) -> list[str]:
    """The heavy libraries, the engine and the rule modules among ``modules``."""
    rules = [name for name in modules if name.startswith("policy_check.rules") and name not in REGISTRY]
    return [name for name in modules if name.split(".")[0] in HEAVY or name == "policy_check.engine"] + rules


@pytest.mark.parametrize("arguments", [["--version"], ["--help"], ["rule", "PC301"], ["rule", "PC101"], ["rule", "E999"], ["rules"]])
def test_commands_that_answer_from_the_catalogue_import_no_engine_rule_or_heavy_library(tmp_path: Path, arguments: list[str]) -> None:
    modules = imported_modules(*arguments, cwd=tmp_path)
    assert "policy_check.cli" in modules
    assert _heavy(modules) == []


def test_help_reads_no_configuration_and_no_adoption_flag_module(tmp_path: Path) -> None:
    modules = imported_modules("--help", cwd=tmp_path)
    assert not {"tomlkit", "hashlib", "policy_check.config", "policy_check.cache", "policy_check.adoption.baseline"} & set(modules)


def test_rules_lists_every_rule_without_importing_one(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.ruff.lint]\nignore = ["B"]\n')
    modules = imported_modules("rules", cwd=tmp_path)
    assert "policy_check.rules.catalogue" in modules and _heavy(modules) == []
    if sys.version_info >= (3, 11):  # valid TOML is read by the standard library's tomllib
        assert "tomllib" in modules and "tomlkit" not in modules


def test_version_imports_nothing_but_the_entry_point(tmp_path: Path) -> None:
    modules = imported_modules("--version", cwd=tmp_path)
    ours = {name for name in modules if name.startswith("policy_check")}
    assert ours == {"policy_check", "policy_check.cli"}
    assert not {"tomlkit", "argparse", "logging", "json", "typing"} & set(modules)


def loaded_by_a_check(*args: str, cwd: Path) -> set[str]:
    """Every module loaded once a check run in a fresh interpreter has ended."""
    listing = cwd / "modules.json"
    script = (
        "import json, sys\nfrom policy_check.cli import main\nmain(sys.argv[2:])\n"
        "open(sys.argv[1], 'w').write(json.dumps(sorted(sys.modules)))"
    )
    result = subprocess.run([sys.executable, "-c", script, str(listing), *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0 and listing.is_file(), result.stderr[-2000:]
    return set(json.loads(listing.read_text()))


def _families(modules: set[str]) -> set[str]:
    return {name.split(".")[2] for name in modules if name.startswith("policy_check.rules.") and name.count(".") >= 3}


def test_a_check_imports_the_families_of_its_rules_alone(tmp_path: Path) -> None:
    (tmp_path / "script.py").write_text("import numpy as np\n\nfor x in np.arange(3):\n    print(x)\n")
    check = ("--isolated", "--no-cache", "--exit-zero", "-q", "--scope", "files")
    modules = loaded_by_a_check(*check, "--select", "PC301", "script.py", cwd=tmp_path)
    # The project rules' modules are the run-level check's (run_checks.py), not file rules.
    assert _families(modules) - {"project"} == {"logs"}
    assert "radon" not in modules and "git" not in modules
    everything = loaded_by_a_check(*check, "script.py", cwd=tmp_path)
    assert _families(everything) >= {"logs", "imports", "complexity", "vectorise"} and "radon" in everything


def test_a_check_keeps_ruffs_cache_in_ours_unless_no_cache(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.policy-check]\n")
    (tmp_path / "script.py").write_text("import os\nprint('hello')\n")
    command = [sys.executable, "-m", "policy_check", "--output-format", "concise", "script.py"]
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    (fresh / "script.py").write_text("import os\n")
    first = subprocess.run([*command[:-1], "--no-cache", "fresh/script.py"], cwd=tmp_path, capture_output=True, text=True)
    assert "F401" in first.stdout, first.stderr
    assert not (tmp_path / ".policy_check_cache" / "ruff").exists()
    for _ in range(2):  # the second run reads ruff's cache
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
        assert "script.py:1:8: F401" in run.stdout and "PC301" in run.stdout, run.stderr
    assert (tmp_path / ".policy_check_cache" / "ruff").is_dir()


ONE_FILE_HEAVY = {
    "git",
    "tomlkit",
    "multiprocessing",
    "concurrent.futures.process",
    "configparser",
    # adoption flags' modules, only with their flags (--baseline, --diff-base)
    "policy_check.adoption.baseline",
    "policy_check.adoption.changed_lines",
}


def _lab_in_git(root: Path, pre_commit: bool) -> Path:
    """pre-commit's setting: a small project in git, checked from its root."""
    from _project_repos import make_repo

    files = {
        "pyproject.toml": '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        '[project]\nname = "lab"\nversion = "1.0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        "src/lab/__init__.py": "",
        "src/lab/model.py": "import numpy as np\n\n\ndef fit(x):\n    return np.polyfit(x, x, 1)\n",
        "tests/test_model.py": "def test_fit():\n    pass\n",
    }
    if pre_commit:
        files[".pre-commit-config.yaml"] = "repos:\n  - repo: local\n    hooks:\n      - id: policy-check\n"
    return make_repo(root, files)


def test_the_file_hook_on_one_module_imports_no_project_rule_git_yaml_tomlkit_or_pool(tmp_path: Path) -> None:
    lab = _lab_in_git(tmp_path / "lab", pre_commit=True)
    modules = loaded_by_a_check("--no-cache", "--exit-zero", "-q", "--scope", "files", "src/lab/model.py", cwd=lab)
    assert "libcst" in modules
    assert not (ONE_FILE_HEAVY | {"yaml", "policy_check.rules.project"}) & modules


def test_one_module_with_the_project_rules_reads_a_block_style_pre_commit_config_without_pyyaml(tmp_path: Path) -> None:
    for pre_commit in (True, False):
        lab = _lab_in_git(tmp_path / f"lab-{pre_commit}", pre_commit)
        modules = loaded_by_a_check("--no-cache", "--exit-zero", "-q", "src/lab/model.py", cwd=lab)
        assert "policy_check.rules.project.hygiene" in modules and "policy_check.git_repo" in modules
        assert ("policy_check.rules.project.block_yaml" in modules) == pre_commit
        assert not (ONE_FILE_HEAVY | {"yaml"}) & modules


def test_the_project_hook_imports_no_parser(tmp_path: Path) -> None:
    lab = _lab_in_git(tmp_path / "lab", pre_commit=False)
    modules = loaded_by_a_check("--no-cache", "--exit-zero", "-q", "--scope", "project", cwd=lab)
    assert "policy_check.rules.project.layout" in modules
    assert not {"libcst", "policy_check.engine", "radon", "yaml"} & modules and not ONE_FILE_HEAVY & modules


# What a one-module run without the cache has no use for: digests (hashlib loads
# OpenSSL), temporary files (tempfile loads random and shutil), shutil (with bz2 and
# lzma; argparse's help formatter asked it the terminal's width), the project fixes'
# workspace and the GitHub job summary's reporter.
NO_CACHE_UNUSED = {"hashlib", "tempfile", "shutil", "policy_check.rules.project.workspace", "policy_check.reporters.github"}


def test_one_module_without_the_cache_imports_no_digest_temporary_file_or_fix_workspace(tmp_path: Path) -> None:
    lab = _lab_in_git(tmp_path / "lab", pre_commit=True)
    modules = loaded_by_a_check("--no-cache", "--exit-zero", "-q", "src/lab/model.py", cwd=lab)
    assert "policy_check.rules.project.hygiene" in modules and "policy_check.rules.project.block_yaml" in modules
    assert not NO_CACHE_UNUSED & modules
    cached = loaded_by_a_check("--exit-zero", "-q", "src/lab/model.py", cwd=lab)
    assert "hashlib" in cached and (lab / ".policy_check_cache").is_dir()  # the cache's keys are digests
