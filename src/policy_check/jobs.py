"""What a check run hands the engine and gets back, per file: the job, the result and
the fix options.  Plain records with no parser behind them, so the run, the cache and
the run-level checks can use them without importing libcst (a warm run that finds
every file in the cache never does)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import NamedTuple

from policy_check.diagnostics import Applicability, Diagnostic


class Mode(str, enum.Enum):
    CHECK = "check"
    FIX = "fix"
    DIFF = "diff"


# NamedTuples and a plain class, not dataclasses: each dataclass costs ~2-3M
# instructions to define, paid by every start-up.
class FixOptions(NamedTuple):
    mode: Mode = Mode.CHECK
    unsafe: bool = False

    def allows(self, applicability: Applicability) -> bool:
        return applicability is Applicability.SAFE or self.unsafe


class FileJob(NamedTuple):
    path: Path
    relative_path: str
    display_path: str
    is_test_code: bool


class FileResult:
    __slots__ = ("display_path", "diagnostics", "fixed", "diff", "cached", "source_path", "fixed_text")

    def __init__(
        self,
        display_path: str,
        diagnostics: list[Diagnostic] | None = None,
        fixed: list[Diagnostic] | None = None,
        diff: str = "",
        cached: bool = False,
        source_path: str = "",
        fixed_text: str | None = None,
    ) -> None:
        self.display_path = display_path
        self.diagnostics: list[Diagnostic] = [] if diagnostics is None else diagnostics
        self.fixed: list[Diagnostic] = [] if fixed is None else fixed
        self.diff = diff
        self.cached = cached
        # In diff mode: the file's absolute path and its text after every fix, so that
        # project fixes to the same file (a notebook's outputs) compose with ours.
        self.source_path = source_path
        self.fixed_text = fixed_text

    def __repr__(self) -> str:
        return f"FileResult({self.display_path!r}, {len(self.diagnostics)} findings, {len(self.fixed)} fixed)"
