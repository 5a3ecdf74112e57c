"""Project rules on repositories of scripts (issue 14): every finding true and
actionable where there is no package — a setup.py that never calls setup() is a script,
tests inside a package count, PC101 says where shared code goes, PC703 and PC701 say
exactly what they found; and which test-named files are really test code."""

from __future__ import annotations

import json
from pathlib import Path

from policy_check.config import Settings, settings_from_table
from policy_check.engine import check_text
from policy_check.rules.project.hygiene import _fake_key
from policy_check.rules.project.runner import check_project
from policy_check.selection import selected_rules

from _project_repos import make_repo

PRECOMMIT = "repos:\n  - repo: https://github.com/policy-check/policy-check\n    rev: v0.1.0\n    hooks:\n      - id: policy-check\n"
PYPROJECT = '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "lab"\nversion = "0.1.0"\n'
TEST = "def test_flow():\n    assert True\n"


def findings(root: Path, select: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    settings = settings_from_table({}, root, None)
    return sorted((code, finding.message) for code, finding in check_project(root, settings, select))


def test_setup_py_without_setup_call_is_a_script_not_a_build_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "lab", {
        ".pre-commit-config.yaml": PRECOMMIT,
        "pipeline/setup.py": "import os\nos.makedirs('output', exist_ok=True)\nprint('folders ready')\n",
        "pipeline/run.py": "print('run')\n",
    })
    found = findings(repo / "pipeline")
    codes = [code for code, _ in found]
    assert "PC102" not in codes and "PC103" not in codes, found
    # The root stays the repository: the script did not make pipeline/ a project.
    assert all("pipeline/" not in message for _, message in found)


def test_setup_py_that_calls_setup_is_still_a_build_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "lab", {
        ".pre-commit-config.yaml": PRECOMMIT, "tests/test_flow.py": TEST, "src/lab/__init__.py": "",
        "setup.py": "from setuptools import setup\nsetup(name='lab', version='1.0')\n",
    })
    assert [code for code, _ in findings(repo)] == ["PC102", "PC103", "PC104"]


def test_scripts_sharing_a_helper_module_are_told_where_shared_code_goes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "gauges", {
        ".pre-commit-config.yaml": PRECOMMIT,
        "analysis/readers.py": "def read(path):\n    return path\n",
        "analysis/plot_flow.py": "from readers import read\nread('a.csv')\n",
        "analysis/fit.py": "import readers\n",
    })
    found = findings(repo, ("PC101", "PC102"))
    assert [code for code, _ in found] == ["PC101"], "no pyproject.toml asked of a folder with nothing to build"
    message = found[0][1]
    assert message.startswith("scripts import helper modules from beside them (analysis/readers.py)")
    assert "src/gauges/" in message and "pip install -e ." in message


def test_scripts_that_share_nothing_get_no_layout_finding(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "lab", {"plot.py": "import numpy\n", "fit.py": "import scipy\n"})
    assert findings(repo, ("PC101", "PC102", "PC103")) == []


def test_tests_inside_the_package_count_and_testpaths_names_their_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "lab", {
        "pyproject.toml": PYPROJECT, ".pre-commit-config.yaml": PRECOMMIT,
        "src/lab/__init__.py": "", "src/lab/test_flow.py": TEST,
        # A pipeline script named like a test is not where the tests are.
        "scripts/test_run_2019.py": "print('running the 2019 batch')\n",
    })
    assert findings(repo, ("PC104",)) == [("PC104", 'pytest is not told where the tests are: add testpaths = ["src/lab"]')]


def test_notebook_with_execution_counts_and_no_outputs_says_so(tmp_path: Path) -> None:
    cell = {"cell_type": "code", "execution_count": 4, "metadata": {}, "outputs": [], "source": ["x = 1\n"]}
    notebook = {"cells": [cell, dict(cell, execution_count=5)], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    repo = make_repo(tmp_path / "lab", {"explore.ipynb": json.dumps(notebook)})
    assert findings(repo, ("PC703",)) == [(
        "PC703",
        "explore.ipynb is committed with execution counts on 2 cells but no outputs: clear them before "
        "committing (they change the file on every run)",
    )]


def test_keys_hidden_in_json_and_python_strings_are_found_and_never_printed(tmp_path: Path) -> None:
    key = _fake_key()
    repo = make_repo(tmp_path / "lab", {
        "config/service-account.json": json.dumps({"type": "service_account", "private_key": key}),
        "upload.py": "KEY = (\n    " + "\n    ".join(repr(line + "\n") for line in key.splitlines()) + "\n)\n",
        "README.md": "Never commit a private key block.\n",
    })
    found = findings(repo, ("PC701",))
    assert [message.split(" holds")[0] for _, message in found] == ["config/service-account.json", "upload.py"]
    body = key.splitlines()[1]
    assert all(body not in message and "BEGIN" not in message for _, message in found)


def _print_findings(tmp_path: Path, relative: str, text: str) -> list[str]:
    settings = Settings(root=tmp_path, select=("PC301",))
    is_test = True  # what the path alone says for every file below
    found = check_text(text, tmp_path / relative, relative, relative, settings, selected_rules(settings), is_test)
    return [d.code for d in found]


def test_a_test_named_pipeline_script_is_checked_as_a_script(tmp_path: Path) -> None:
    script = "import numpy as np\n\nif __name__ == '__main__':\n    print(np.ones(3))\n"
    assert _print_findings(tmp_path, "nose/test_mnist.py", script) == ["PC301"]
    assert _print_findings(tmp_path, "k-s_distribution_test.py", script) == ["PC301"]


def test_real_tests_and_test_folders_keep_their_exemption(tmp_path: Path) -> None:
    with_test = "def test_ones():\n    print('checking')\n    assert True\n"
    assert _print_findings(tmp_path, "nose/test_ones.py", with_test) == []
    assert _print_findings(tmp_path, "tests/test_mnist.py", "print('x')\n") == []
    assert _print_findings(tmp_path, "conftest.py", "print('x')\n") == []


def test_tests_among_scripts_at_the_root_are_asked_into_tests_folder(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "lab", {".pre-commit-config.yaml": PRECOMMIT, "run.py": "print(1)\n", "test_run.py": TEST})
    assert findings(repo, ("PC104",)) == [(
        "PC104",
        'the tests sit among the scripts at the project root: move them into tests/ and add '
        '[tool.pytest.ini_options] testpaths = ["tests"]',
    )]


def test_a_folder_mixing_tests_and_test_named_pipelines_is_never_suggested(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "lab", {
        ".pre-commit-config.yaml": PRECOMMIT,
        "nose/test_subbox.py": TEST, "nose/test_mnist.py": "import numpy\nprint('training')\n",
    })
    (code, message), = findings(repo, ("PC104",))
    assert "testpaths" in message and '"nose"' not in message


def test_a_sub_folder_project_tested_from_the_repository_tests_is_not_told_it_has_none(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "imaging", {
        ".pre-commit-config.yaml": PRECOMMIT, "tests/test_session.py": TEST, "analysis.py": "print(1)\n",
        "src/setup.py": "import setuptools\nsetuptools.setup(name='alm', packages=setuptools.find_packages())\n",
        "src/alm/__init__.py": "",
    })
    assert findings(repo, ("PC104",)) == []
