"""``--add-noqa [REASON]`` and ``--report-unused-noqa`` on real files."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from _adoption_repo import Repo

MESSY = '''\
import sys


def report(values, path):
    print("values:", values)
    print("""multi
line""", file=sys.stderr)
    total = 0 + \\
        print(len(values))
    print(  # explain the output
        "total",
        total,
    )
    print(path)  # noqa: E501 - long path
    print(path)  # a plain comment
    if values: print(values[0])
    text = "print('inside a string') # noqa"
    return text
'''


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path)
    repo.write("src/legacy/__init__.py", "")
    repo.write("src/legacy/messy.py", MESSY)
    repo.write("src/legacy/clean.py", "VALUE = 1\n")
    repo.commit("legacy code")
    return repo


def test_add_noqa_then_rerun_reports_nothing_and_files_parse(repo: Repo) -> None:
    assert len(repo.findings()) == 7
    code, _, err = repo.run("--add-noqa")
    assert code == 0, err
    assert "Added 7 noqa directives to 1 files." in err
    assert repo.findings() == []
    for path in (repo.root / "src").rglob("*.py"):
        ast.parse(path.read_text())
    # A second run has nothing left to add and changes nothing.
    before = repo.read("src/legacy/messy.py")
    assert repo.run("--add-noqa")[0] == 0
    assert repo.read("src/legacy/messy.py") == before


def test_add_noqa_places_comments_where_ruff_looks(repo: Repo) -> None:
    assert repo.run("--add-noqa", "legacy code")[0] == 0
    lines = repo.read("src/legacy/messy.py").splitlines()
    assert lines[4] == '    print("values:", values)  # noqa: PC301 - legacy code'
    # A multi-line string: the comment goes after the string's last line.
    assert lines[5] == '    print("""multi'
    assert lines[6] == 'line""", file=sys.stderr)  # noqa: PC301 - legacy code'
    # A backslash continuation: the comment goes at its end.
    assert lines[7] == "    total = 0 + \\"
    assert lines[8] == "        print(len(values))  # noqa: PC301 - legacy code"
    # A bracketed multi-line call: the row the finding starts on.
    assert lines[9] == "    print(  # explain the output  # noqa: PC301 - legacy code"
    # Another tool's directive is extended, its codes and reason kept.
    assert lines[13] == "    print(path)  # noqa: E501, PC301 - long path"
    assert lines[14] == "    print(path)  # a plain comment  # noqa: PC301 - legacy code"
    # A string that looks like a directive is not one, and stays as it was.
    assert lines[16] == "    text = \"print('inside a string') # noqa\""


def test_add_noqa_respects_a_baseline(repo: Repo) -> None:
    assert repo.run("--write-baseline", "baseline.json")[0] == 0
    repo.write("src/legacy/clean.py", 'VALUE = 1\nprint(VALUE)\n')
    assert repo.run("--baseline", "baseline.json", "--add-noqa")[0] == 0
    assert repo.read("src/legacy/clean.py") == "VALUE = 1\nprint(VALUE)  # noqa: PC301\n"
    assert repo.read("src/legacy/messy.py") == MESSY


def test_add_noqa_refuses_a_path_as_its_reason(repo: Repo) -> None:
    code, _, err = repo.run("--add-noqa", "src")
    assert code == 2
    assert "policy-check src --add-noqa" in err
    assert repo.read("src/legacy/messy.py") == MESSY


def test_unused_noqa_is_reported_only_when_asked(repo: Repo) -> None:
    repo.write(
        "src/legacy/clean.py",
        "VALUE = 1  # noqa: PC301\n"
        "LONG = 2  # noqa: E501\n"
        "BARE = 3  # noqa\n"
        "print(VALUE)  # noqa: PC301, PC302\n"
        'TEXT = "# noqa: PC301"\n',
    )
    assert repo.findings("src/legacy/clean.py") == []
    code, out, _ = repo.run("src/legacy/clean.py", "--report-unused-noqa", "--output-format", "concise")
    assert code == 1
    assert [line.split(":")[1] for line in out.splitlines() if "PC001" in line] == ["1", "4"]
    assert "unused: `PC302`" in out


def test_unused_noqa_fix_removes_only_the_unused_codes(repo: Repo) -> None:
    repo.write(
        "src/legacy/clean.py",
        "VALUE = 1  # noqa: PC301 - was a print\nprint(VALUE)  # noqa: PC301, PC302\nLONG = 2  # noqa: E501, PC301\n",
    )
    code, _, err = repo.run("src/legacy/clean.py", "--report-unused-noqa", "--fix")
    assert code == 0, err
    assert repo.read("src/legacy/clean.py") == "VALUE = 1\nprint(VALUE)  # noqa: PC301\nLONG = 2  # noqa: E501\n"


def test_add_noqa_then_unused_noqa_finds_nothing(repo: Repo) -> None:
    assert repo.run("--add-noqa")[0] == 0
    assert repo.findings("--report-unused-noqa") == []


def test_unused_noqa_in_a_file_without_findings(repo: Repo) -> None:
    repo.write("src/legacy/clean.py", "VALUE = 1  # noqa: PC301\n")
    findings = repo.findings("src/legacy/clean.py", "--report-unused-noqa")
    assert [(f.code, f.row) for f in findings] == [("PC001", 1)]
