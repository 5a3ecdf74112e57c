"""``--write-baseline`` / ``--baseline`` / ``--show-stale`` on real repositories:
fingerprints survive inserted lines and moved functions, and still catch new findings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _adoption_repo import Repo

LEGACY = '''\
def load(path):
    print("loading", path)
    return open(path).read()


def train(data):
    for row in data:
        print(row)
    print("done")
'''


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path)
    repo.write("src/legacy/__init__.py", "")
    repo.write("src/legacy/model.py", LEGACY)
    repo.commit("legacy code")
    code, _, err = repo.run("--write-baseline", "baseline.json")
    assert code == 0, err
    return repo


def test_baseline_hides_every_recorded_finding(repo: Repo) -> None:
    assert len(repo.findings()) == 3
    assert repo.findings("--baseline", "baseline.json") == []
    code, _, _ = repo.run("--baseline", "baseline.json")
    assert code == 0


def test_baseline_survives_inserted_lines_above(repo: Repo) -> None:
    repo.write("src/legacy/model.py", '"""Model code."""\n\nimport os\n\n\n' + LEGACY)
    assert repo.findings("--baseline", "baseline.json") == []


def test_baseline_survives_a_moved_function(repo: Repo) -> None:
    load, train = LEGACY.split("\n\n\n")
    repo.write("src/legacy/model.py", train.rstrip("\n") + "\n\n\n" + load + "\n")
    assert repo.findings("--baseline", "baseline.json") == []


def test_baseline_survives_reformatting_inside_the_call(repo: Repo) -> None:
    repo.write("src/legacy/model.py", LEGACY.replace('print("loading", path)', 'print(\n        "loading",\n        path,\n    )'))
    assert repo.findings("--baseline", "baseline.json") == []


def test_a_repeat_of_a_known_finding_in_the_same_function_is_new(repo: Repo) -> None:
    repo.write("src/legacy/model.py", LEGACY.replace('    print("done")\n', '    print("done")\n    print("done")\n'))
    findings = repo.findings("--baseline", "baseline.json")
    assert [(f.code, f.row) for f in findings] == [("PC301", 10)]


def test_a_new_finding_in_the_same_function_is_reported(repo: Repo) -> None:
    repo.write("src/legacy/model.py", LEGACY.replace("    return open", '    print("read")\n    return open'))
    findings = repo.findings("--baseline", "baseline.json")
    assert [(f.code, f.row) for f in findings] == [("PC301", 3)]


def test_the_same_print_in_another_function_is_new(repo: Repo) -> None:
    repo.write("src/legacy/model.py", LEGACY + '\n\ndef evaluate(row):\n    print(row)\n')
    assert [f.row for f in repo.findings("--baseline", "baseline.json")] == [13]


def test_baseline_file_is_sorted_readable_and_byte_stable(repo: Repo) -> None:
    first = (repo.root / "baseline.json").read_bytes()
    document = json.loads(first)
    entries = document["findings"]
    assert entries == sorted(entries, key=lambda e: (e["path"], e["code"], e["function"], e["snippet"]))
    assert {"code": "PC301", "count": 1, "function": "train", "path": "src/legacy/model.py", "snippet": "print(row)"} in entries
    # Rerunning, even after unrelated edits that move lines, writes the same bytes.
    repo.write("src/legacy/model.py", "import os\n\n" + LEGACY)
    assert repo.run("--write-baseline", "baseline.json")[0] == 0
    assert (repo.root / "baseline.json").read_bytes() == first


def test_show_stale_lists_fixed_entries(repo: Repo) -> None:
    repo.write("src/legacy/model.py", LEGACY.replace('    print("done")\n', ""))
    code, _, err = repo.run("--baseline", "baseline.json", "--show-stale")
    assert code == 0
    assert "1 baseline entries are stale" in err
    assert 'src/legacy/model.py: PC301 in train: print("done") (1 fixed)' in err
    assert "print(row)" not in err


def test_writing_a_baseline_for_some_paths_keeps_the_other_files_entries(repo: Repo) -> None:
    repo.write("src/legacy/other.py", 'print("other")\n')
    assert repo.run("--write-baseline", "baseline.json")[0] == 0
    repo.write("src/legacy/other.py", "")
    assert repo.run("src/legacy/model.py", "--write-baseline", "baseline.json")[0] == 0
    paths = {entry["path"] for entry in json.loads(repo.read("baseline.json"))["findings"]}
    assert paths == {"src/legacy/model.py", "src/legacy/other.py"}


def test_missing_baseline_file_is_a_usage_error(repo: Repo) -> None:
    code, _, err = repo.run("--baseline", "nope.json")
    assert code == 2
    assert "nope.json" in err


def test_baseline_and_diff_base_together_report_new_findings_on_changed_lines(repo: Repo) -> None:
    repo.write("src/legacy/model.py", LEGACY + '\n\ndef evaluate(row):\n    print(row)\n')
    assert [f.row for f in repo.findings("--baseline", "baseline.json", "--diff-base", "main")] == [13]


def test_ruff_findings_are_fingerprinted_by_their_function_too(tmp_path: Path) -> None:
    repo = Repo(tmp_path)
    repo.write("pyproject.toml", repo.read("pyproject.toml").replace('select = ["PC3"]\nruff = false', 'select = ["PC3", "FBT002"]'))
    source = "def load(path, cache=True):\n    return path\n\n\ndef save(path, cache=True):\n    return path\n"
    repo.write("src/legacy/io.py", source)
    repo.commit("legacy")
    assert [f.code for f in repo.findings()] == ["FBT002", "FBT002"]
    assert repo.run("--write-baseline", "baseline.json")[0] == 0
    assert {entry["function"] for entry in json.loads(repo.read("baseline.json"))["findings"]} == {"load", "save"}
    repo.write("src/legacy/io.py", "def fetch(path, cache=True):\n    return path\n\n\n" + source)
    assert [(f.code, f.row) for f in repo.findings("--baseline", "baseline.json")] == [("FBT002", 1)]
