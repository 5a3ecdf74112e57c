"""The rule registry: the rule families, and every rule looked up by code.

Adding a family is one line in ``FAMILIES``.  What a command needs to know about a
rule without running it (its code, name, summary, page, family) is in the catalogue
(``catalogue.json``, generated from the classes: see ``catalogue.py``), so ``rules``,
``rule CODE`` and the selection import no rule module, and a run imports only the
families of the rules it runs.  Which of them a run reports (with ruff's codes) is
``selection.py``'s business.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from policy_check.rules.catalogue import entries, rule_page_url

if TYPE_CHECKING:
    from policy_check.rules.base import Rule

# Family package → the name of its tuple of rule classes.  File rules first, in the
# order the engine runs them; then the project rules (run once per run).
FAMILIES: dict[str, str] = {
    "logs": "RULES",
    "imports": "RULES",
    "concurrency": "RULES",
    "complexity": "RULES",
    "vectorise": "RULES",
    "project": "PROJECT_RULES",
}
PROJECT_FAMILY = "project"

# Codes the engine reports itself; always selected, never ignorable by prefix "PC".
ENGINE_CODES = {
    "PC000": "internal error: a rule crashed on a file (the rest of the file and run went on)",
    "PC001": "unused-noqa: a `# noqa: PCxxx` that silences nothing (reported with --report-unused-noqa)",
    "PC002": "not-analysed: code Python accepts that policy-check cannot read was skipped (a notebook cell "
    "that is not Python, a statement libcst cannot parse); the rest of the file was checked",
    "E902": "the file could not be read or decoded",
    "E999": "the file is not valid Python",
}


def family_rules(family: str) -> tuple[type[Rule], ...]:
    """The rule classes of one family (importing it: the only place a family is imported)."""
    module = importlib.import_module(f"{__name__}.{family}")
    return tuple(getattr(module, FAMILIES[family]))


def file_rules() -> tuple[type[Rule], ...]:
    return tuple(rule for family in FAMILIES if family != PROJECT_FAMILY for rule in family_rules(family))


def all_rules() -> tuple[type[Rule], ...]:
    return tuple(rule for family in FAMILIES for rule in family_rules(family))


def rules_for(codes: Iterable[str]) -> list[type[Rule]]:
    """The classes of these codes, in the engine's order, importing only their families."""
    catalogue = entries()
    wanted = {code for code in codes if code in catalogue}
    families = {catalogue[code].family for code in wanted}
    return [rule for family in FAMILIES if family in families for rule in family_rules(family) if rule.code in wanted]


def rule_by_code(code: str) -> type[Rule] | None:
    found = rules_for([code.upper()])
    return found[0] if found else None


def known_codes() -> list[str]:
    return [*entries(), *ENGINE_CODES]


def is_engine_code(code: str) -> bool:
    return code in ENGINE_CODES


def engine_code_url(code: str) -> str | None:
    """The page of a code the engine reports itself (no rule class behind it)."""
    return rule_page_url(code) if code in ENGINE_CODES else None


def __getattr__(name: str) -> tuple[type[Rule], ...]:
    # `FILE_RULES`, as before the registry was lazy (benchmarks and tests read it).
    if name == "FILE_RULES":
        return file_rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
