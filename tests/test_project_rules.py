"""Project rules on real repositories: layouts (flat, src, namespace), backends
(setuptools, hatch, poetry), a monorepo, a repository without commits, a folder
outside git, keys in the history, git-lfs pointers, and the CLI's fix modes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import tomlkit

from policy_check.config import Settings, settings_from_table
from policy_check.rules.project.migrate import update_pyproject
from policy_check.rules.project.precommit import add_hooks, hook_ids
from policy_check.rules.project.runner import check_project

from _commands import run_cli
from _project_repos import git, make_repo

KEY_HEADER = "-" * 5 + "BEGIN OPENSSH PRIVATE KEY" + "-" * 5
KEY_FOOTER = "-" * 5 + "END OPENSSH PRIVATE KEY" + "-" * 5
FAKE_KEY = f"{KEY_HEADER}\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n{KEY_FOOTER}\n"
SETUPTOOLS = '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "lab"\nversion = "1.0"\n\n[tool.pytest.ini_options]\ntestpaths = ["tests"]\n'
PRECOMMIT = "repos:\n  - repo: https://github.com/policy-check/policy-check\n    rev: v0.1.0\n    hooks:\n      - id: policy-check\n"
CLEAN = {"pyproject.toml": SETUPTOOLS, ".pre-commit-config.yaml": PRECOMMIT, "tests/test_lab.py": "def test():\n    pass\n"}


def codes(root: Path, settings: Settings | None = None, select: tuple[str, ...] | None = None) -> list[str]:
    settings = settings or settings_from_table({}, root, None)
    return sorted(code for code, _ in check_project(root, settings, select))


def test_clean_src_layout_reports_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {**CLEAN, "src/lab/__init__.py": "", "src/lab/core.py": "X = 1\n"})
    assert codes(root) == []


def test_namespace_package_under_src_is_not_missing_init(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {**CLEAN, "src/acme/lab/__init__.py": "", "src/acme/lab/core.py": ""})
    assert codes(root) == []


def test_flat_package_reports_pc101_at_the_package_folder(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {**CLEAN, "lab/__init__.py": "", "docs/conf.py": "", "scripts/run.py": ""})
    found = check_project(root, settings_from_table({}, root, None))
    assert [(code, finding.path.name) for code, finding in found] == [("PC101", "lab")]


def test_monorepo_checks_each_package_project(tmp_path: Path) -> None:
    files = {
        ".pre-commit-config.yaml": PRECOMMIT,
        "packages/alpha/pyproject.toml": SETUPTOOLS, "packages/alpha/src/alpha/__init__.py": "",
        "packages/alpha/tests/test_a.py": "",
        "packages/beta/pyproject.toml": SETUPTOOLS, "packages/beta/beta/__init__.py": "",
        "packages/beta/tests/test_b.py": "",
    }
    root = make_repo(tmp_path / "mono", files)
    found = check_project(root, settings_from_table({}, root, None))
    assert [(code, finding.path.relative_to(root).as_posix()) for code, finding in found] == [
        ("PC101", "packages/beta/beta")
    ]


def test_repository_without_commits_uses_the_index(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "new", {**CLEAN, "src/lab/__init__.py": "", "deploy/id_ed25519": FAKE_KEY}, commit=False)
    assert codes(root) == ["PC701"]


def test_folder_outside_git_checks_layout_but_has_no_tracked_files(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "plain", {**CLEAN, "lab/__init__.py": "", "key.pem": FAKE_KEY}, use_git=False)
    assert codes(root) == ["PC101"]


def test_loose_folder_outside_git_without_build_file_is_not_a_project(tmp_path: Path) -> None:
    make_repo(tmp_path / "scratch", {"analysis.py": "x = 1\n"}, use_git=False)
    result = run_cli("--select", "PC1,PC7", ".", cwd=tmp_path / "scratch")
    assert result.returncode == 0, result.stdout


def test_key_deleted_at_head_is_still_reported_from_history(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {**CLEAN, "src/lab/__init__.py": "", "ops/cluster": FAKE_KEY})
    git(root, "rm", "-q", "ops/cluster")
    git(root, "commit", "-q", "-m", "remove key")
    found = check_project(root, settings_from_table({}, root, None), ["PC701"])
    assert len(found) == 1 and "history" in found[0][1].message
    assert KEY_HEADER not in found[0][1].message


def test_public_keys_certificates_and_docs_are_not_private_keys(tmp_path: Path) -> None:
    cert = "-" * 5 + "BEGIN CERTIFICATE" + "-" * 5 + "\nMIIBszCCAVmgAwIBAgIUXYZexampleexampleexample\n" + "-" * 5 + "END CERTIFICATE" + "-" * 5 + "\n"
    files = {
        **CLEAN, "src/lab/__init__.py": "", "ca.pem": cert, "id_rsa.pub": "ssh-rsa AAAAB3NzaC1yc2E lab\n",
        "docs/keys.md": f"Never commit a file that starts with `{KEY_HEADER}`.\n",
    }
    assert codes(make_repo(tmp_path / "lab", files)) == []


def test_large_file_size_comes_from_git_and_lfs_pointers_pass(tmp_path: Path) -> None:
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "a" * 64 + "\nsize 734003200\n"
    files = {**CLEAN, "src/lab/__init__.py": "", "data/dem.tif": pointer, "models/w.npy": bytes(6 * 1024 * 1024)}
    root = make_repo(tmp_path / "lab", files, untracked={"outputs/big.npy": bytes(7 * 1024 * 1024)})
    found = check_project(root, settings_from_table({}, root, None), ["PC702"])
    assert [finding.path.name for _, finding in found] == ["w.npy"]
    assert "6.0 MB" in found[0][1].message
    assert codes(root, settings_from_table({"max-file-mb": 8}, root, None), ["PC702"]) == []


def test_notebook_fix_strips_outputs_and_keeps_metadata(tmp_path: Path) -> None:
    notebook = {
        "cells": [{"cell_type": "code", "execution_count": 4, "id": "a", "metadata": {"tags": ["keep"]},
                   "outputs": [{"output_type": "stream", "name": "stdout", "text": ["1\n"]}], "source": ["print(1)"]}],
        "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5,
    }
    root = make_repo(tmp_path / "lab", {**CLEAN, "src/lab/__init__.py": "", "nb/a.ipynb": json.dumps(notebook, indent=1) + "\n"})
    result = run_cli("--select", "PC703", "--fix", ".", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    stripped = json.loads((root / "nb/a.ipynb").read_text())
    cell = stripped["cells"][0]
    assert cell["outputs"] == [] and cell["execution_count"] is None and cell["metadata"] == {"tags": ["keep"]}
    assert stripped["metadata"] == notebook["metadata"]


def test_diff_prints_project_fixes_and_writes_nothing(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {"setup.py": "from setuptools import setup\nsetup(name='lab')\n", "lab/__init__.py": ""})
    result = run_cli("--select", "PC1", "--diff", "--unsafe-fixes", ".", cwd=root)
    # The move is part of the patch, as a rename (git apply moves the file).
    assert "rename from lab/__init__.py\nrename to src/lab/__init__.py\n" in result.stdout
    assert "+++ b/pyproject.toml" in result.stdout and "Would fix 3 findings in 4 files" in result.stderr
    assert "+++ b/.pre-commit-config.yaml" in result.stdout
    assert not (root / "pyproject.toml").exists() and (root / "lab/__init__.py").exists()
    assert not (root / ".pre-commit-config.yaml").exists()
    (tmp_path / "fixes.patch").write_text(result.stdout)
    git(root, "apply", "--check", str(tmp_path / "fixes.patch"))


def test_json_output_places_project_findings_at_row_one(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {**CLEAN, "lab/__init__.py": ""})
    result = run_cli("--select", "PC1", "--output-format", "json", ".", cwd=root)
    findings = json.loads(result.stdout)
    assert [(f["code"], f["filename"].endswith("lab"), f["location"]["row"]) for f in findings] == [("PC101", True, 1)]


def test_fix_adds_build_system_only_when_setup_py_holds_the_metadata(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {**CLEAN, "pyproject.toml": "# tools\n[tool.black]\nline-length = 100\n",
                                         "setup.py": "from setuptools import setup\nsetup(name='lab', version='1')\n",
                                         "src/lab/__init__.py": ""})
    assert codes(root) == ["PC102", "PC103", "PC104"]
    run_cli("--select", "PC102", "--fix", ".", cwd=root)
    text = (root / "pyproject.toml").read_text()
    assert text.startswith("[build-system]") and "# tools\n[tool.black]" in text and "[project]" not in text


def test_testpaths_fix_and_missing_tests_folder_suggestion(tmp_path: Path) -> None:
    files = {"pyproject.toml": SETUPTOOLS.split("\n[tool.pytest")[0] + "\n", ".pre-commit-config.yaml": PRECOMMIT,
             "src/lab/__init__.py": ""}
    root = make_repo(tmp_path / "a", files)
    assert codes(root) == ["PC104"]
    run_cli("--select", "PC104", "--fix", ".", cwd=root)
    assert codes(root) == ["PC104"] and not (root / "tests").exists(), "tests/ must not be invented"
    (root / "tests").mkdir()
    (root / "tests/test_x.py").write_text("")
    assert codes(root) == ["PC104"] and "tests/ holds no test functions" in run_cli("--select", "PC104", ".", cwd=root).stdout
    (root / "tests/test_x.py").write_text("def test_x():\n    assert True\n")
    assert codes(root) == ["PC104"]
    run_cli("--select", "PC104", "--fix", ".", cwd=root)
    assert codes(root) == [] and 'testpaths = ["tests"]' in (root / "pyproject.toml").read_text()


def test_pre_commit_extension_keeps_comments_and_other_hooks() -> None:
    text = "# lint\nrepos:\n- repo: https://github.com/psf/black\n  rev: 24.4.2\n  hooks:\n  - id: black  # formatter\n# old:\n#- repo: x\nci:\n  autofix_prs: false\n"
    updated = add_hooks(text)
    assert updated is not None and "# formatter" in updated and "# old:" in updated and "autofix_prs" in updated
    assert {"black", "policy-check", "policy-check-project"} <= hook_ids(updated)
    assert add_hooks(updated) == updated


def test_migration_updates_hatch_and_poetry_configuration() -> None:
    hatch = '[build-system]\nbuild-backend = "hatchling.build"\n\n[tool.hatch.version]\npath = "lab/__about__.py"  # version here\n'
    updated = tomlkit.parse(update_pyproject(hatch, "hatch", ["lab"]))
    assert updated["tool"]["hatch"]["version"]["path"] == "src/lab/__about__.py"
    assert updated["tool"]["hatch"]["build"]["targets"]["wheel"]["packages"] == ["src/lab"]
    assert "# version here" in update_pyproject(hatch, "hatch", ["lab"])
    poetry = '[tool.poetry]\nname = "lab"\nversion = "1"\npackages = [{include = "lab"}]\n'
    assert tomlkit.parse(update_pyproject(poetry, "poetry", ["lab"]))["tool"]["poetry"]["packages"] == [
        {"include": "lab", "from": "src"}
    ]
    setuptools = '[tool.setuptools.packages.find]\nwhere = ["."]\n'
    assert tomlkit.parse(update_pyproject(setuptools, "setuptools", ["lab"]))["tool"]["setuptools"]["packages"]["find"]["where"] == ["src"]


def test_init_writes_config_and_hooks_and_is_idempotent(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {"pyproject.toml": "# mine\n[project]\nname = 'lab'\n"})
    first = subprocess.run([sys.executable, "-m", "policy_check", "init"], cwd=root, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    text = (root / "pyproject.toml").read_text()
    assert text.startswith("# mine\n") and "[tool.policy-check]" in text and "# select = [" in text
    assert {"policy-check", "policy-check-project"} <= hook_ids((root / ".pre-commit-config.yaml").read_text())
    again = subprocess.run([sys.executable, "-m", "policy_check", "init"], cwd=root, capture_output=True, text=True)
    assert again.returncode == 0 and (root / "pyproject.toml").read_text() == text
    (root / "pyproject.toml").write_text(text.replace("# max-file-mb = 5", "max-file-mb = 20"))
    refused = subprocess.run([sys.executable, "-m", "policy_check", "init"], cwd=root, capture_output=True, text=True)
    assert refused.returncode == 1 and "max-file-mb = 20" in (root / "pyproject.toml").read_text()
    forced = subprocess.run([sys.executable, "-m", "policy_check", "init", "--force"], cwd=root, capture_output=True, text=True)
    assert forced.returncode == 0 and "max-file-mb = 20" not in (root / "pyproject.toml").read_text()


def test_key_scan_remembers_clean_blobs_and_still_finds_a_key_added_later(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "lab", {**CLEAN, "src/lab/__init__.py": "", "src/lab/notes.txt": "cluster login\n"})
    settings = settings_from_table({}, root, None)
    assert check_project(root, settings, ["PC701"]) == []
    remembered = (root / ".policy_check_cache" / "keyscan-clean-blobs.txt").read_text().split()
    notes_blob = git(root, "rev-parse", "HEAD:src/lab/notes.txt").strip()
    assert notes_blob in remembered
    # The same file now holds a key and is staged: a new blob, so it is scanned again.
    (root / "src" / "lab" / "notes.txt").write_text("cluster login\n" + FAKE_KEY)
    git(root, "add", "src/lab/notes.txt")
    found = check_project(root, settings, ["PC701"])
    assert len(found) == 1 and "src/lab/notes.txt holds a private key" in found[0][1].message


def test_script_imports_are_kept_by_stat_and_read_again_when_a_script_changes(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "scripts", {"analysis.py": "from helpers import load\n", "helpers.py": "def load():\n    pass\n"}, use_git=False)
    (root / "pyproject.toml").write_text("[tool.policy-check]\n")
    settings = settings_from_table({}, root, None)
    hour_ago = time.time() - 3600  # a file changed within the clock's resolution is never kept
    for name in ("analysis.py", "helpers.py"):
        os.utime(root / name, (hour_ago, hour_ago))

    def helper_findings() -> list[str]:
        return [finding.message for code, finding in check_project(root, settings, ["PC101"]) if "helper" in finding.message]

    first = helper_findings()
    assert first and "helpers.py" in first[0]
    facts_file = (root / ".policy_check_cache" / "project-facts").read_text()
    assert facts_file.count('"imports:') == 2, facts_file
    assert helper_findings() == first  # read back, not from the scripts
    (root / "analysis.py").write_text("import numpy\n")
    os.utime(root / "analysis.py", (hour_ago + 60, hour_ago + 60))
    assert helper_findings() == []


def test_a_pre_commit_config_pyyaml_cannot_build_is_an_unparsed_config_not_an_internal_error(tmp_path: Path) -> None:
    impossible_date = "repos: [{repo: local, hooks: [{id: fetch, name: fetch, entry: fetch, language: system, since: 2023-02-30}]}]\n"
    too_deep = "repos: " + "[" * 5000 + "]" * 5000 + "\n"
    for config in (impossible_date, too_deep):
        root = make_repo(tmp_path / str(len(config)), {**CLEAN, ".pre-commit-config.yaml": config, "src/lab/__init__.py": ""})
        assert hook_ids(config) == set() and add_hooks(config) is None
        assert codes(root) == ["PC106"]  # as for any config that does not parse: no PC000
