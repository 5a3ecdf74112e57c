"""Checks that run once per run rather than once per file: the project-level rules
(PC1, PC7) and external tools (ruff).  Each is a function of a ``RunContext``
(``run_context.py``) returning diagnostics; adding one is one line in ``RUN_CHECKS``.

Each is imported when it runs, and ruff's findings are kept per file in the cache
(``ruff_results.py``): a warm run with nothing changed neither starts ruff nor
imports its integration (and through it the engine)."""

from __future__ import annotations

import os
from collections.abc import Sequence

from policy_check.diagnostics import Diagnostic
from policy_check.ruff_results import Uncached, cached_per_file
from policy_check.run_context import RunCheck, RunContext


def _ruff(context: RunContext) -> Sequence[Diagnostic]:
    if not context.settings.ruff or not context.files:
        return []  # `--scope project` (the project hook): no engine imported for ruff
    from policy_check.integrations import ruff_catalogue
    from policy_check.integrations.ruff import check_with_ruff

    # A warning means ruff did not answer as asked (missing, failing, timed out): its
    # silence is then no finding to keep.
    failures = ruff_catalogue.failures()
    found = check_with_ruff(context)
    if ruff_catalogue.failures() > failures:
        raise Uncached(found)
    return found


def _ruff_identity(context: RunContext) -> str | None:
    """What ruff's findings depend on besides each file and the configuration files
    it reads: the binary, the codes, the settings; None when ruff does not run."""
    from policy_check.integrations.ruff_catalogue import RuffUnavailable, find_ruff, ruff_codes_to_run

    if not context.settings.ruff:
        return None
    codes = ruff_codes_to_run(context.settings, context.selected_codes)
    if not codes:
        return None
    try:
        binary = os.path.abspath(find_ruff())
        info = os.stat(binary)
    except (RuffUnavailable, OSError):
        return None
    return f"ruff\0{binary}\0{info.st_mtime_ns}\0{info.st_size}\0{','.join(codes)}\0{context.settings.fingerprint()}"


def _project(context: RunContext) -> Sequence[Diagnostic]:
    from policy_check.rules.catalogue import entries

    # `--scope files` (the file hook) selects no project rule: their modules stay unread.
    if not any(entry.project_level for code, entry in entries().items() if code in context.selected_codes):
        return []
    from policy_check.rules.project.runner import run_project_checks

    return run_project_checks(context)


RUN_CHECKS: list[RunCheck] = [
    cached_per_file(_ruff, _ruff_identity),
    _project,
]
