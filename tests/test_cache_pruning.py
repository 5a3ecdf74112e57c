"""Caches do not grow forever: the file index forgets deleted files when a run over
the project rewrites it, and the folder of ruff rule lists (``$XDG_CACHE_HOME/policy-check``,
here always a temporary folder) keeps only the newest few."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from policy_check.cache import INDEX_FILE, PRUNE_FLOOR, ResultCache
from policy_check.config import Settings
from policy_check.integrations import ruff_catalogue
from policy_check.jobs import FileJob, FixOptions
from policy_check.rules import logs
from policy_check.runner import run_jobs

OLD = time.time() - 3600  # a stat the index may trust


def _project(folder: Path, count: int) -> list[FileJob]:
    jobs = []
    for index in range(count):
        path = folder / "pkg" / f"m{index}.py"
        path.parent.mkdir(exist_ok=True)
        path.write_text(f"def f{index}(x):\n    print(x)\n")
        os.utime(path, (OLD, OLD))
        jobs.append(FileJob(path, f"pkg/m{index}.py", f"pkg/m{index}.py", False))
    return jobs


def _run(folder: Path, jobs: list[FileJob]) -> None:
    cache = ResultCache.at_root(folder, "salt")
    assert cache is not None
    run_jobs(jobs, Settings(root=folder), logs.RULES, FixOptions(), cache, workers=1)


def _indexed(folder: Path) -> set[str]:
    return set(json.loads((folder / ".policy_check_cache" / INDEX_FILE).read_text()))


def test_a_run_over_the_project_forgets_deleted_files(tmp_path: Path) -> None:
    jobs = _project(tmp_path, 5)
    _run(tmp_path, jobs)
    assert _indexed(tmp_path) == {job.relative_path for job in jobs}
    jobs[1].path.unlink()
    jobs[3].path.unlink()
    _run(tmp_path, [jobs[0], jobs[2], jobs[4]])  # nothing changed but the deletions
    assert _indexed(tmp_path) == {"pkg/m0.py", "pkg/m2.py", "pkg/m4.py"}


def test_files_outside_the_run_that_still_exist_are_kept(tmp_path: Path) -> None:
    jobs = _project(tmp_path, 4)
    _run(tmp_path, jobs)
    _run(tmp_path, jobs[:1])  # `policy-check pkg/m0.py`
    assert _indexed(tmp_path) == {job.relative_path for job in jobs}


def test_a_run_on_one_file_does_not_look_up_a_large_index(tmp_path: Path) -> None:
    jobs = _project(tmp_path, PRUNE_FLOOR + 6)
    _run(tmp_path, jobs)
    jobs[-1].path.unlink()
    jobs[0].path.write_text("def f0(x):\n    return x\n")  # changed: the index is rewritten
    os.utime(jobs[0].path, (OLD + 1, OLD + 1))
    _run(tmp_path, jobs[:1])  # a pre-commit run: 1 file looked at, 70 not
    assert jobs[-1].relative_path in _indexed(tmp_path)
    _run(tmp_path, jobs[:-1])  # the next run over the project forgets it
    assert jobs[-1].relative_path not in _indexed(tmp_path)


@pytest.fixture
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``$XDG_CACHE_HOME`` in the test's folder: the real ~/.cache is never touched."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    folder = tmp_path / "xdg" / "policy-check"
    folder.mkdir(parents=True)
    return folder


def _aged(path: Path, text: str, age: float) -> Path:
    path.write_text(text)
    os.utime(path, (time.time() - age, time.time() - age))
    return path


def test_only_the_newest_ruff_rule_lists_are_kept(cache_home: Path) -> None:
    binary = ruff_catalogue.find_ruff()
    own = ruff_catalogue._catalogue_cache_file(binary)
    assert own is not None and own.parent == cache_home
    others = [_aged(cache_home / f"ruff-catalogue-{index:020x}.json", "[]", 60 * (index + 1)) for index in range(12)]
    old_format = [_aged(cache_home / f"ruff-rules-{index:020x}.json", "[]", 60) for index in range(3)]
    left_over = _aged(cache_home / "ruff-catalogue-0.123.tmp", "", 2 * 3600)
    being_written = _aged(cache_home / "ruff-catalogue-1.456.tmp", "", 1)
    rules = ruff_catalogue._stable_rules(binary)
    assert any(rule.code == "F401" for rule in rules)
    kept = set(cache_home.iterdir())
    assert kept == {own, *others[: ruff_catalogue.KEPT_CATALOGUES - 1], being_written}
    assert not {*old_format, left_over} & kept
    assert ruff_catalogue._stable_rules(binary) == rules, "read back from the kept list"


def test_reading_a_kept_rule_list_removes_nothing(cache_home: Path) -> None:
    binary = ruff_catalogue.find_ruff()
    rules = ruff_catalogue._stable_rules(binary)
    others = [_aged(cache_home / f"ruff-catalogue-{index:020x}.json", "[]", 60) for index in range(12)]
    assert ruff_catalogue._stable_rules(binary) == rules
    assert set(others) <= set(cache_home.iterdir())


def test_a_check_reads_the_codes_of_a_kept_rule_list_and_a_damaged_list_is_made_again(cache_home: Path) -> None:
    binary = ruff_catalogue.find_ruff()
    rules = ruff_catalogue._stable_rules(binary)
    own = ruff_catalogue._catalogue_cache_file(binary)
    assert own is not None
    codes, _, rows = own.read_text(encoding="utf-8").partition("\n")
    assert codes.split() == [rule.code for rule in rules] and json.loads(rows)[0][0] == rules[0].code
    own.write_text(codes + "\n[damaged", encoding="utf-8")
    assert ruff_catalogue._stable_codes(binary) == [rule.code for rule in rules]
    assert own.read_text(encoding="utf-8").endswith("[damaged")  # the rows were not read (nor made again)
    assert ruff_catalogue._stable_rules(binary) == rules  # ruff asked again
    assert own.read_text(encoding="utf-8").partition("\n")[2] == rows
