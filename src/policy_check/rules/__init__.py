"""The rule registry: every rule family's classes, and selection by code prefix.

Adding a family is one import and one line in ``FILE_RULES``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from policy_check.config import ConfigError, Settings
from policy_check.rules import concurrency, logs
from policy_check.rules.base import Rule

FILE_RULES: tuple[type[Rule], ...] = (
    *logs.RULES,
    *concurrency.RULES,
)

# Codes the engine reports itself; always selected, never ignorable by prefix "PC".
ENGINE_CODES = {
    "PC000": "internal error: a rule crashed on a file (the rest of the file and run went on)",
    "E902": "the file could not be read or decoded",
    "E999": "the file is not valid Python",
}


def all_rules() -> tuple[type[Rule], ...]:
    return FILE_RULES


def rule_by_code(code: str) -> type[Rule] | None:
    for rule in all_rules():
        if rule.code == code.upper():
            return rule
    return None


def _matches(code: str, prefixes: Iterable[str]) -> bool:
    return any(code.startswith(prefix) for prefix in prefixes)


def known_codes() -> list[str]:
    return [rule.code for rule in all_rules()] + list(ENGINE_CODES)


def validate_codes(codes: Iterable[str], where: str) -> None:
    """Every selector must name at least one known code."""
    known = known_codes()
    for selector in codes:
        if selector == "ALL":
            continue
        if not any(code.startswith(selector) for code in known):
            raise ConfigError(f"{where}: unknown rule code or prefix '{selector}'")


def selected_codes(settings: Settings, codes: Sequence[str] | None = None) -> set[str]:
    """The codes a run reports, by ruff's logic: ``select`` (default: every rule on
    by default), plus ``extend-select``, minus ``ignore``."""
    codes = list(codes) if codes is not None else [rule.code for rule in all_rules()]
    by_code = {rule.code: rule for rule in all_rules()}
    if settings.select is None:
        chosen = {code for code in codes if code not in by_code or by_code[code].default_enabled}
    else:
        select = ["PC", "E9"] if "ALL" in settings.select else list(settings.select)
        chosen = {code for code in codes if _matches(code, select)}
    chosen |= {code for code in codes if _matches(code, settings.extend_select)}
    chosen -= {code for code in codes if _matches(code, settings.ignore)}
    return chosen


def selected_rules(settings: Settings) -> list[type[Rule]]:
    chosen = selected_codes(settings)
    return [rule for rule in all_rules() if rule.code in chosen]


def is_engine_code(code: str) -> bool:
    return code in ENGINE_CODES
