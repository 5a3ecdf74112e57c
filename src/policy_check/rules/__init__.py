"""The rule registry: every rule family's classes, looked up by code.

Adding a family is one import and one line in ``FILE_RULES``.  Which of them a run
reports (with ruff's codes) is ``selection.py``'s business.
"""

from __future__ import annotations

from policy_check.rules import complexity, concurrency, imports, logs
from policy_check.rules import vectorise
from policy_check.rules.base import Rule, rule_page_url
from policy_check.rules.project import PROJECT_RULES

FILE_RULES: tuple[type[Rule], ...] = (
    *logs.RULES,
    *imports.RULES,
    *concurrency.RULES,
    *complexity.RULES,
    *vectorise.RULES,
)

# Codes the engine reports itself; always selected, never ignorable by prefix "PC".
ENGINE_CODES = {
    "PC000": "internal error: a rule crashed on a file (the rest of the file and run went on)",
    "PC001": "unused-noqa: a `# noqa: PCxxx` that silences nothing (reported with --report-unused-noqa)",
    "PC002": "not-analysed: code Python accepts that policy-check cannot read was skipped (a notebook cell "
    "that is not Python, a statement libcst cannot parse); the rest of the file was checked",
    "E902": "the file could not be read or decoded",
    "E999": "the file is not valid Python",
}


def all_rules() -> tuple[type[Rule], ...]:
    return (*FILE_RULES, *PROJECT_RULES)


def rule_by_code(code: str) -> type[Rule] | None:
    for rule in all_rules():
        if rule.code == code.upper():
            return rule
    return None


def known_codes() -> list[str]:
    return [rule.code for rule in all_rules()] + list(ENGINE_CODES)


def is_engine_code(code: str) -> bool:
    return code in ENGINE_CODES


def engine_code_url(code: str) -> str | None:
    """The page of a code the engine reports itself (no rule class behind it)."""
    return rule_page_url(code) if code in ENGINE_CODES else None
