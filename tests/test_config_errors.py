"""A wrong configuration is one line naming the file, the line and the key, exit 2,
and nothing is checked or written: duplicate keys, bad globs, non-finite numbers,
`tool` that is not a table, a pyproject.toml that is a folder, unknown codes (with
the closest one), and a [tool.ruff] table that ruff cannot read."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from policy_check.cli import main
from policy_check.globs import matches

MESSY = 'import os\n\n\ndef f(x):\n    print("x", x)\n'


def _run(tmp_path: Path, pyproject: str, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    (tmp_path / "pyproject.toml").write_text(pyproject)
    (tmp_path / "analysis.py").write_text(MESSY)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        status = main(["--no-cache", *args, "analysis.py"])
    finally:
        os.chdir(cwd)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


@pytest.mark.parametrize(
    ("pyproject", "place", "words"),
    [
        pytest.param("[tool.policy-check]\nmax-complexity = 3\nmax-complexity = 4\n", ":3:", "max-complexity", id="duplicate-key"),
        pytest.param("[tool.policy-check]\nignore = []\n\n[tool.policy-check]\nselect = []\n", ":4:", "policy-check", id="duplicate-table"),
        pytest.param('[tool.policy-check]\nexclude = ["[z-a]"]\n', ":2:", "[z-a]", id="backwards-glob-range"),
        pytest.param('[tool.policy-check.per-file-ignores]\n"data/[z-a]*.py" = ["PC301"]\n', ":", "[z-a]", id="bad-per-file-glob"),
        pytest.param("[tool.policy-check]\nmax-file-mb = nan\n", ":2:", "max-file-mb", id="nan"),
        pytest.param("[tool.policy-check]\nmin-maintainability = inf\n", ":2:", "min-maintainability", id="inf"),
        pytest.param("tool = 5\n", ":1:", "tool", id="tool-not-a-table"),
        pytest.param("[tool]\npolicy-check = 5\n", ":2:", "policy-check", id="table-not-a-table"),
        pytest.param('[tool.policy-check]\nselect = ["PC3"]\nignore = ["PC3011"]\n', ":3:", "ignore", id="unknown-code"),
        pytest.param('[tool.policy-check.per-file-ignores]\n"tests/*" = ["PC319"]\n', ":2:", "tests/*", id="unknown-code-per-file"),
        pytest.param('[tool.ruff]\nline-length = "long"\n', ":2:", "line-length", id="ruff-bad-type"),
        pytest.param('[tool.ruff.lint]\nselectt = ["F"]\n', ":2:", "selectt", id="ruff-unknown-key"),
    ],
)
def test_a_config_error_is_one_line_with_file_line_and_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pyproject: str, place: str, words: str
) -> None:
    status, out, err = _run(tmp_path, pyproject, capsys, "--fix")
    assert status == 2, err
    [line] = err.strip().splitlines()
    assert f"{tmp_path / 'pyproject.toml'}{place}" in line and words in line, line
    assert "internal error" not in line and "ruff failed" not in line
    assert out == ""
    assert (tmp_path / "analysis.py").read_text() == MESSY  # nothing written


def test_a_typo_in_a_code_gets_the_closest_code(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, _, err = _run(tmp_path, '[tool.policy-check]\nignore = ["PC3011"]\n', capsys)
    assert "did you mean 'PC301'?" in err
    status, _, err = _run(tmp_path, "[tool.policy-check]\n", capsys, "--select", "F4011")
    assert status == 2 and "command line: --select" in err and "did you mean 'F401'?" in err


def test_a_pyproject_that_is_a_folder_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "pyproject.toml").mkdir()
    (tmp_path / "analysis.py").write_text(MESSY)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        status = main(["--no-cache", "analysis.py"])
    finally:
        os.chdir(cwd)
    err = capsys.readouterr().err
    assert status == 2 and "pyproject.toml: is a folder" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("path", "pattern", "expected"),
    [
        ("b.py", "[!a].py", True),
        ("a.py", "[!a].py", False),
        ("a.py", "[^a].py", False),
        ("data/x.py", "data[!a]x.py", False),  # a class never matches the folder separator
        ("c.py", "[a-c].py", True),
    ],
)
def test_glob_classes_negate_as_in_gitignore(path: str, pattern: str, expected: bool) -> None:
    assert matches(path, pattern) is expected
