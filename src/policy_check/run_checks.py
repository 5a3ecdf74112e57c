"""Checks that run once per run rather than once per file: the project-level rules
(PC1, PC7) and external tools (ruff).  Each is a function of a ``RunContext``
(``run_context.py``) returning diagnostics; adding one is one line in ``RUN_CHECKS``."""

from __future__ import annotations

from policy_check.integrations.ruff import check_with_ruff
from policy_check.rules.project.runner import run_project_checks
from policy_check.run_context import RunCheck

RUN_CHECKS: list[RunCheck] = [
    check_with_ruff,
    run_project_checks,
]
