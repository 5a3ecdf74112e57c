"""What runs in the worker processes: one check or one fix-all of one document,
through ``policy_check.in_memory``.  Nothing here raises: a problem comes back as text.

The server's own process imports this module only for ``Job``, ``Outcome`` and the
functions it hands to the workers; the engine, the rules and ruff are imported in the
workers alone (inside the functions), so the server answers ``initialize`` quickly."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from policy_check.diagnostics import Diagnostic
from policy_check.server.cells import CellLayout

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    """One document to check (or fix): a Python text, or a notebook's code cells."""

    path: str
    text: str = ""
    cells: tuple[str, ...] | None = None
    fix: bool = False
    # Whether the findings' fixes carry their edits (a check for diagnostics only
    # skips them: code actions ask for them when needed).
    fix_edits: bool = True


@dataclass
class Outcome:
    # On the joined module's rows for a notebook (``layout`` puts them in cells).
    diagnostics: list[Diagnostic] = field(default_factory=list)
    layout: CellLayout | None = None
    # Fix-all: the fixed text, or each cell's fixed text.
    fixed: str | list[str] | None = None
    # Why nothing could be checked (a configuration error): shown to the user once.
    problem: str = ""


def start_worker() -> None:
    """The worker's set-up: its standard output is the server's protocol channel, so
    anything printed (by a library, by a native crash) goes to standard error instead."""
    try:
        os.dup2(2, 1)
    except OSError:
        pass
    sys.stdout = sys.stderr
    from policy_check.engine import raise_recursion_limit

    raise_recursion_limit()
    logging.getLogger("policy_check").setLevel(logging.WARNING)
    warm_up()


def warm_up() -> None:
    """Import the engine and the rules, list ruff's rules and check a line once, so
    the first document does not wait for that."""
    from policy_check import in_memory
    from policy_check.config import Settings

    in_memory.check_source("x = 1\n", Path.cwd() / "warm_up.py", Settings(), with_ruff=False)


def _with_rule_pages(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """Each finding with its rule's page, where there is one (ruff's come with theirs)."""
    from policy_check.rules import rule_by_code

    for diagnostic in diagnostics:
        rule = rule_by_code(diagnostic.code)
        url = rule.url() if rule is not None else None
        if url:
            diagnostic.extra["url"] = url
    return diagnostics


def run_job(job: Job) -> Outcome:
    from policy_check import in_memory
    from policy_check.config import ConfigError

    path = Path(job.path)
    try:
        settings = in_memory.settings_for(path)
    except ConfigError as error:
        return Outcome(problem=str(error))
    if in_memory.is_excluded_file(path, settings):
        return Outcome()
    try:
        if job.fix:
            if job.cells is not None:
                return Outcome(fixed=in_memory.fix_cells(job.cells, path, settings))
            return Outcome(fixed=in_memory.fix_source(job.text, path, settings))
        if job.cells is None:
            return Outcome(_with_rule_pages(in_memory.check_source(job.text, path, settings, fix_edits=job.fix_edits)))
        module = in_memory.notebook_of_cells(job.cells)
        found = in_memory.check_source(module.text, path, settings, fix_edits=job.fix_edits)
        return Outcome(_with_rule_pages(found), CellLayout.of(job.cells, module))
    except Exception as error:  # noqa: BLE001 - one document's failure must not end the server
        logger.debug("internal error on %s", job.path, exc_info=True)
        return Outcome(problem=f"internal error while checking {path.name}: {type(error).__name__}: {error}")
