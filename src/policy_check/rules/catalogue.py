"""What the commands know about every rule without importing it: ``catalogue.json``,
generated from the rule classes (``python -m policy_check.docs``, see ``docs.py``) and
committed in the package, as ruff generates its rule docs.  ``tests/test_catalogue.py``
checks that regenerating it gives the same bytes, so the classes stay the one source
of truth.

``rules``, ``rule CODE``, code validation and the selection read it; a check run
imports only the families of the rules it runs."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import NamedTuple

CATALOGUE_FILE = Path(__file__).with_name("catalogue.json")
REGENERATE = "python -m policy_check.docs"


class RuleEntry(NamedTuple):
    # A NamedTuple, not a frozen dataclass: ~0.4M instructions to define instead of
    # ~4M, and every command that reads the catalogue pays it.
    code: str
    name: str
    summary: str
    message: str
    severity: str
    fix_safety: str
    default_enabled: bool
    # The family package (``logs``: policy_check.rules.logs) that defines the class.
    family: str
    project_level: bool
    exempt_in_tests: bool
    # The rule cannot report on a text holding none of these (empty: any text).
    trigger_words: tuple[str, ...]
    # ``policy-check rule CODE``: the page, as docs/rules/CODE.md holds it.
    page: str


@functools.lru_cache(maxsize=1)
def entries() -> dict[str, RuleEntry]:
    """Every rule by code, in code order, as the committed catalogue says."""
    document = json.loads(CATALOGUE_FILE.read_text(encoding="utf-8"))
    found = {}
    for row in document["rules"]:
        row["trigger_words"] = tuple(row["trigger_words"])
        found[row["code"]] = RuleEntry(**row)
    return found


def entry(code: str) -> RuleEntry | None:
    return entries().get(code.upper())


def rule_page_url(code: str) -> str:
    """Where a code's page lives: docs/rules/CODE.md of the release, generated from the
    same source as `policy-check rule CODE` (tests/test_rule_pages.py keeps them equal)."""
    from policy_check import HOME_URL, __version__

    return f"{HOME_URL}/blob/v{__version__}/docs/rules/{code}.md"
