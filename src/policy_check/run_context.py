"""What a run-level check is given: the run's settings, paths, files, selection and
fix mode.  A plain record: the checks (``run_checks.RUN_CHECKS``) import it, it
imports none of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policy_check.config import Settings
from policy_check.diagnostics import Diagnostic
from policy_check.discovery import SourceFile, display_path
from policy_check.jobs import FixOptions


@dataclass(frozen=True)
class RunContext:
    settings: Settings
    # What the user passed (default: the working directory).
    paths: tuple[Path, ...]
    # The Python files this run checks.
    files: tuple[SourceFile, ...]
    selected_codes: frozenset[str]
    options: FixOptions
    # --diff: the checked files' text after the file rules' fixes (absolute path →
    # text), for run-level fixes to build on; and the files whose diff a run-level
    # check printed itself (already including those fixes).
    fixed_sources: Mapping[str, str] = field(default_factory=dict)
    diffed_paths: set[str] = field(default_factory=set)
    # What the checks fixed (--fix) or would fix (--diff), counted and listed with the
    # file rules' fixes; and how many files their changes touch (--diff).
    fixed: list[Diagnostic] = field(default_factory=list)
    changed_files: set[str] = field(default_factory=set)

    def display_path(self, path: Path) -> str:
        return display_path(path)


RunCheck = Callable[[RunContext], Sequence[Diagnostic]]
