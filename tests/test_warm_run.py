"""The warm run: an unchanged file is known by its stat and its findings come from the
cache without reading it, parsing it or importing the engine; every change that can
change a finding (the file, the configuration, the selection, policy-check itself)
makes it a miss."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from policy_check import cache as cache_module
from policy_check.cache import INDEX_FILE, ResultCache, stat_of, text_digest
from policy_check.config import Settings
from policy_check.jobs import FileJob, FixOptions
from policy_check.rules import all_rules
from policy_check import runner
from policy_check.runner import cached_results, run_jobs

PRINTS = "def report(values):\n    print(values)\n"
MORE_PRINTS = "def report(values):\n    print(values)\n    print(len(values))\n"
OLD = time.time() - 3600  # well before any run: a stat the index may trust


def _job(folder: Path, name: str = "a.py") -> FileJob:
    return FileJob(folder / name, name, name, False)


def _write(path: Path, text: str, when: float = OLD) -> None:
    path.write_text(text)
    os.utime(path, (when, when))


def _codes(results) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(d.code for result in results for d in result.diagnostics)


def _run(folder: Path, salt: str = "salt", jobs: list[FileJob] | None = None):  # type: ignore[no-untyped-def]
    cache = ResultCache.at_root(folder, salt)
    assert cache is not None
    return run_jobs(jobs or [_job(folder)], Settings(root=folder), all_rules(), FixOptions(), cache, workers=1)


def test_a_second_run_reads_every_result_from_the_cache(tmp_path: Path) -> None:
    _write(tmp_path / "a.py", PRINTS)
    _write(tmp_path / "b.py", MORE_PRINTS)
    jobs = [_job(tmp_path, "a.py"), _job(tmp_path, "b.py")]
    first = _run(tmp_path, jobs=jobs)
    second = _run(tmp_path, jobs=jobs)
    assert [r.cached for r in first] == [False, False]
    assert [r.cached for r in second] == [True, True]
    assert [[d.to_dict() for d in r.diagnostics] for r in first] == [[d.to_dict() for d in r.diagnostics] for r in second]
    assert _codes(second).count("PC301") == 3


def test_an_unchanged_file_is_known_by_its_stat_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "a.py", PRINTS)
    _run(tmp_path)
    index = json.loads((tmp_path / ".policy_check_cache" / INDEX_FILE).read_text())
    assert index["a.py"] == [*stat_of(tmp_path / "a.py"), text_digest(PRINTS)]  # type: ignore[misc]

    def no_reading(path: Path) -> None:
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(runner, "read_source", no_reading)
    cache = ResultCache.at_root(tmp_path, "salt")
    assert cache is not None
    found, missing = cached_results([_job(tmp_path)], cache)
    assert not missing and _codes(found) == ["PC301"]


def test_a_changed_file_is_checked_again(tmp_path: Path) -> None:
    _write(tmp_path / "a.py", PRINTS)
    _run(tmp_path)
    _write(tmp_path / "a.py", MORE_PRINTS)
    again = _run(tmp_path)
    assert not again[0].cached and _codes(again) == ["PC301", "PC301"]


def test_a_change_that_keeps_size_and_modification_time_is_seen(tmp_path: Path) -> None:
    """Same size, modification time put back (``touch -d``, an editor that restores
    it): the change time still moves, and the file is read again."""
    _write(tmp_path / "a.py", "x = 1\nprint(x)\n")
    _run(tmp_path)
    _write(tmp_path / "a.py", "x = 1\nx = (x)\n")
    again = _run(tmp_path)
    assert not again[0].cached and _codes(again) == []


def test_a_file_written_just_now_is_not_indexed(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(PRINTS)
    _run(tmp_path)
    index_file = tmp_path / ".policy_check_cache" / INDEX_FILE
    index = json.loads(index_file.read_text()) if index_file.exists() else {}
    assert "a.py" not in index
    assert _run(tmp_path)[0].cached  # read and hashed: the entry is still found


def test_a_touched_but_unchanged_file_comes_from_the_cache(tmp_path: Path) -> None:
    _write(tmp_path / "a.py", PRINTS)
    _run(tmp_path)
    _write(tmp_path / "a.py", PRINTS, when=OLD + 60)  # a checkout writes the same text
    assert _run(tmp_path)[0].cached


def test_other_settings_or_rules_are_a_miss(tmp_path: Path) -> None:
    """The caller's salt holds the settings' fingerprint and the selected codes."""
    _write(tmp_path / "a.py", PRINTS)
    _run(tmp_path, salt="settings one")
    assert not _run(tmp_path, salt="settings two")[0].cached
    assert _run(tmp_path, salt="settings one")[0].cached


def test_another_policy_check_is_a_miss(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _write(tmp_path / "a.py", PRINTS)
    _run(tmp_path)
    monkeypatch.setattr(cache_module, "__version__", "999.0")
    assert not _run(tmp_path)[0].cached
    monkeypatch.undo()
    monkeypatch.setattr(cache_module, "code_stamp", lambda: "an edited rule")
    assert not _run(tmp_path)[0].cached


def test_a_damaged_index_costs_a_read_not_the_run(tmp_path: Path) -> None:
    _write(tmp_path / "a.py", PRINTS)
    _run(tmp_path)
    index_file = tmp_path / ".policy_check_cache" / INDEX_FILE
    for damage in ("{not json", "[1, 2]", json.dumps({"a.py": [1, 2, 3]}), json.dumps({"a.py": "x"})):
        index_file.write_text(damage)
        again = _run(tmp_path)
        assert again[0].cached and _codes(again) == ["PC301"]


def test_an_index_entry_that_lies_about_the_digest_costs_a_read(tmp_path: Path) -> None:
    _write(tmp_path / "a.py", PRINTS)
    _run(tmp_path)
    index_file = tmp_path / ".policy_check_cache" / INDEX_FILE
    index = json.loads(index_file.read_text())
    index["a.py"][4] = "0" * 64
    index_file.write_text(json.dumps(index))
    cache = ResultCache.at_root(tmp_path, "salt")
    assert cache is not None
    found, missing = cached_results([_job(tmp_path)], cache)
    assert not found and missing == [_job(tmp_path)]
    again = _run(tmp_path)  # the check reads the file and finds its entry
    assert _codes(again) == ["PC301"]


WARM_RUN = """
import sys
from pathlib import Path
from policy_check.cache import ResultCache
from policy_check.config import Settings
from policy_check.jobs import FileJob, FixOptions
from policy_check.runner import run_jobs

folder = Path(sys.argv[1])
cache = ResultCache.at_root(folder, "salt")
jobs = [FileJob(folder / name, name, name, False) for name in ("a.py", "b.py")]
results = run_jobs(jobs, Settings(root=folder), [], FixOptions(), cache, workers=2)
print(sum(result.cached for result in results), "libcst" in sys.modules, "policy_check.engine" in sys.modules)
"""


def test_a_warm_run_imports_neither_the_engine_nor_libcst(tmp_path: Path) -> None:
    _write(tmp_path / "a.py", PRINTS)
    _write(tmp_path / "b.py", MORE_PRINTS)
    _run(tmp_path, jobs=[_job(tmp_path, "a.py"), _job(tmp_path, "b.py")])
    run = subprocess.run([sys.executable, "-c", WARM_RUN, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["2", "False", "False"], run.stderr
    _write(tmp_path / "b.py", PRINTS)
    run = subprocess.run([sys.executable, "-c", WARM_RUN, str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert run.stdout.split() == ["1", "True", "True"], run.stderr


def test_the_command_line_sees_a_changed_file_and_configuration(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.policy-check]\n")
    _write(tmp_path / "a.py", PRINTS)
    command = [sys.executable, "-m", "policy_check", "--output-format", "json", "--exit-zero", "a.py"]

    def codes() -> list[str]:
        run = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=300)
        return sorted(row["code"] for row in json.loads(run.stdout))

    assert "PC301" in codes()
    assert "PC301" in codes()  # from the cache
    _write(tmp_path / "a.py", "import os\n" + MORE_PRINTS, when=OLD + 60)  # ruff goes by the time
    assert codes().count("PC301") == 2 and "F401" in codes()
    (tmp_path / "pyproject.toml").write_text("[tool.policy-check]\nignore = ['PC301']\n")
    assert "PC301" not in codes()
    command[-1:] = ["--select", "F401", "a.py"]
    assert codes() == ["F401"]


CLI_RUN = """
import sys
from policy_check.cli import main
main(["--output-format", "json", "--exit-zero", "--jobs", "2", "."])
print("\\nimported:", *(name for name in ("libcst", "policy_check.engine", "git") if name in sys.modules), file=sys.stderr)
"""


def test_a_warm_command_line_run_imports_no_parser_rule_or_gitpython(tmp_path: Path) -> None:
    """JSON output, a project with a package (PC1 looks at it) outside git: with every
    file in the cache, nothing parses, and nothing imports what parsing needs."""
    (tmp_path / "pyproject.toml").write_text("[tool.policy-check]\n")
    (tmp_path / "lab").mkdir()
    _write(tmp_path / "lab" / "__init__.py", "")
    for index in range(12):
        _write(tmp_path / "lab" / f"m{index}.py", PRINTS if index % 2 else "import os\n" + MORE_PRINTS)

    def run() -> tuple[list[object], str]:
        done = subprocess.run([sys.executable, "-c", CLI_RUN], cwd=tmp_path, capture_output=True, text=True, timeout=300)
        return json.loads(done.stdout), done.stderr.rsplit("imported:", 1)[-1].split()

    first, cold_imports = run()
    assert "libcst" in cold_imports
    second, warm_imports = run()
    assert warm_imports == [] and second == first
    assert {row["code"] for row in second} >= {"PC301", "F401"}  # type: ignore[index]


def test_an_entry_gives_back_each_finding_field_for_field_and_refuses_what_we_did_not_write(tmp_path: Path) -> None:
    from policy_check.diagnostics import Applicability, Diagnostic, Edit, Fix, Location, Severity

    found = [
        Diagnostic("PC301", "print → logger.info", "old/path.py", Location(3, 5), Location(3, 17), Severity.ERROR, "print-call",
                   Fix("use logging", Applicability.UNSAFE, (Edit("logger.info", Location(3, 5), Location(3, 10)), Edit("", Location(1, 1), Location(2, 1)))),
                   "print(x)", False, {"source": "ruff", "related_rows": [1, 2], "nested": {"a": None}}, "Model.fit"),
        Diagnostic("PC101", "flat layout", "lab", Location(1, 1), Location(1, 1), project_level=True),
    ]
    cache = ResultCache.at_root(tmp_path, "salt")
    assert cache is not None
    cache.store("k" * 64, found)
    loaded = cache.load("k" * 64, "shown/path.py")
    assert loaded is not None
    assert [d.to_dict() for d in loaded] == [{**d.to_dict(), "path": "shown/path.py"} for d in found]
    entry = next((tmp_path / ".policy_check_cache").rglob("*.json"))
    row = json.loads(entry.read_text())[0]
    hostile = [row[:-1], [*row[:2], 0, *row[3:]], [*row[:2], True, *row[3:]], [*row[:6], "fatal", *row[7:]],
               [*row[:8], ["m", "safe", [["x", 1, 1, 1]]], *row[9:]], [*row[:11], {"k": object.__name__, "deep": [[[[[[[[[[1]]]]]]]]]]}, row[12]],
               [*row[:11], [], row[12]], [None, *row[1:]], "row", {"code": "PC301"}]
    for bad in hostile:
        entry.write_text(json.dumps([bad]))
        assert cache.load("k" * 64, "shown/path.py") is None, bad
