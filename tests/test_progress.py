"""The progress bar shows on a terminal for long runs, and nowhere else."""

from __future__ import annotations

import io
from pathlib import Path

from ci_fixtures import run_policy_check

from policy_check import progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bar_wanted_only_on_a_terminal_outside_ci_and_pre_commit() -> None:
    assert progress.wanted(Terminal(), 500, {})
    assert not progress.wanted(io.StringIO(), 500, {}), "a pipe or a file"
    assert not progress.wanted(Terminal(), 5, {}), "a short run"
    for variable in ("CI", "GITHUB_ACTIONS", "BITBUCKET_BUILD_NUMBER", "PRE_COMMIT"):
        assert not progress.wanted(Terminal(), 500, {variable: "1"}), variable
    assert not progress.wanted(Terminal(), 500, {"TERM": "dumb"})


def test_bar_appears_only_after_a_while_and_is_erased() -> None:
    now = [0.0]
    stream = Terminal()
    bar = progress.ProgressBar(200, stream, clock=lambda: now[0])
    bar.advance(50)
    assert stream.getvalue() == "", "quick runs never draw"
    now[0] = 1.0
    bar.advance(50)
    assert stream.getvalue().endswith("checking [###############...............] 100/200 files")
    bar.close()
    assert stream.getvalue().endswith("\r\033[K")


def test_piped_run_has_no_bar(tmp_path: Path) -> None:
    for index in range(progress.MIN_FILES + 20):
        (tmp_path / f"m{index}.py").write_text("x = 1\n")
    result = run_policy_check(tmp_path, "--select", "PC3", "--jobs", "1", ".")
    assert result.returncode == 0
    assert "\r" not in result.stderr and "checking [" not in result.stderr
