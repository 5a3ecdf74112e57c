"""Checks that run once per run rather than once per file: the project-level rules
(PC1, PC7) and external tools (ruff).  Each is a function of a ``RunContext``
returning diagnostics; adding one is one line in ``RUN_CHECKS``."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from policy_check.config import Settings
from policy_check.diagnostics import Diagnostic
from policy_check.discovery import SourceFile, display_path
from policy_check.engine import FixOptions
from policy_check.integrations.ruff import check_with_ruff
from policy_check.rules.project.runner import run_project_checks


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

    def display_path(self, path: Path) -> str:
        return display_path(path)


RunCheck = Callable[[RunContext], Sequence[Diagnostic]]

RUN_CHECKS: list[RunCheck] = [
    check_with_ruff,
    run_project_checks,
]
