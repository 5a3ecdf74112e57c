"""What a check run hands the engine and gets back, per file: the job, the result and
the fix options.  Plain records with no parser behind them, so the run, the cache and
the run-level checks can use them without importing libcst (a warm run that finds
every file in the cache never does)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path

from policy_check.diagnostics import Applicability, Diagnostic


class Mode(str, enum.Enum):
    CHECK = "check"
    FIX = "fix"
    DIFF = "diff"


@dataclass(frozen=True)
class FixOptions:
    mode: Mode = Mode.CHECK
    unsafe: bool = False

    def allows(self, applicability: Applicability) -> bool:
        return applicability is Applicability.SAFE or self.unsafe


@dataclass(frozen=True)
class FileJob:
    path: Path
    relative_path: str
    display_path: str
    is_test_code: bool


@dataclass
class FileResult:
    display_path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    fixed: list[Diagnostic] = field(default_factory=list)
    diff: str = ""
    cached: bool = False
    # In diff mode: the file's absolute path and its text after every fix, so that
    # project fixes to the same file (a notebook's outputs) compose with ours.
    source_path: str = ""
    fixed_text: str | None = None
