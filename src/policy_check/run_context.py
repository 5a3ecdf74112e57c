"""What a run-level check is given: the run's settings, paths, files, selection and
fix mode.  A plain record: the checks (``run_checks.RUN_CHECKS``) import it, it
imports none of them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from policy_check.config import Settings
from policy_check.diagnostics import Diagnostic
from policy_check.discovery import SourceFile, display_path
from policy_check.jobs import FixOptions


class _RunContextFields(NamedTuple):
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
    fixed_sources: Mapping[str, str]
    diffed_paths: set[str]
    # What the checks fixed (--fix) or would fix (--diff), counted and listed with the
    # file rules' fixes; and how many files their changes touch (--diff).
    fixed: list[Diagnostic]
    changed_files: set[str]


class RunContext(_RunContextFields):
    """``_replace`` gives a copy with some fields changed (sharing the others)."""

    # A NamedTuple, not a frozen dataclass: ~0.4M instructions to define instead of
    # ~4M, on every run.
    __slots__ = ()

    def __new__(
        cls,
        settings: Settings,
        paths: tuple[Path, ...],
        files: tuple[SourceFile, ...],
        selected_codes: frozenset[str],
        options: FixOptions,
        fixed_sources: Mapping[str, str] | None = None,
        diffed_paths: set[str] | None = None,
        fixed: list[Diagnostic] | None = None,
        changed_files: set[str] | None = None,
    ) -> RunContext:
        return super().__new__(
            cls, settings, paths, files, selected_codes, options,
            {} if fixed_sources is None else fixed_sources,
            set() if diffed_paths is None else diffed_paths,
            [] if fixed is None else fixed,
            set() if changed_files is None else changed_files,
        )

    def display_path(self, path: Path) -> str:
        return display_path(path)


RunCheck = Callable[[RunContext], Sequence[Diagnostic]]
