"""Project-level rules (PC1 layout and packaging, PC7 repository hygiene): checks of
the repository as a whole, run once per run from the facts in ``facts.py``.

``PROJECT_RULES`` is their registry; ``runner.run_project_checks`` is the run-level
check that the CLI calls (see ``run_checks.RUN_CHECKS``).
"""

from __future__ import annotations

from policy_check.rules.project import hygiene, layout
from policy_check.rules.project.base import ProjectRule

PROJECT_RULES: tuple[type[ProjectRule], ...] = (*layout.RULES, *hygiene.RULES)

__all__ = ["PROJECT_RULES", "ProjectRule"]
