"""The rule registry: every rule family's classes, and selection by code prefix.

Adding a family is one import and one line in ``FILE_RULES``.
"""

from __future__ import annotations

import functools

from collections.abc import Iterable, Sequence

from policy_check.config import ConfigError, Settings
from policy_check.rules import complexity, concurrency, imports, logs
from policy_check.rules import vectorise
from policy_check.rules.base import Rule
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


def _matches(code: str, prefixes: Iterable[str]) -> bool:
    # As in ruff, a prefix of letters names a whole linter: "F" is pyflakes, not FBT or FURB.
    return any(
        code.startswith(prefix) and not (prefix.isalpha() and code[len(prefix) : len(prefix) + 1].isalpha())
        for prefix in prefixes
    )


def known_codes() -> list[str]:
    return [rule.code for rule in all_rules()] + list(ENGINE_CODES)


def validate_codes(codes: Iterable[str], where: str) -> None:
    """Every selector must name at least one known code."""
    known = known_codes()
    for selector in codes:
        if selector == "ALL":
            continue
        if not any(code.startswith(selector) for code in known):
            from policy_check.integrations import ruff  # ruff's codes select too (imported late: no cycle)

            reason = ruff.rejects_selector(selector)
            if reason is not None:
                raise ConfigError(f"{where}: {reason}")


def selected_codes(settings: Settings, codes: Sequence[str] | None = None) -> set[str]:
    """The codes a run reports, by ruff's logic: ``select`` (default: every rule on
    by default), plus ``extend-select``, minus ``ignore``."""
    return set(_selected_codes(settings, tuple(codes) if codes is not None else None))


@functools.lru_cache(maxsize=16)
def _selected_codes(settings: Settings, codes: tuple[str, ...] | None) -> frozenset[str]:
    # Asked several times a run (rules, ruff, project checks); matching ~900 ruff codes
    # against the selectors each time would cost more than checking a small file.
    from policy_check.integrations import ruff  # ruff's codes join the selection (imported late: no cycle)

    ruff_codes = set(ruff.ruff_catalogue(settings)) if codes is None else set()
    codes = list(codes) if codes is not None else [rule.code for rule in all_rules()] + sorted(ruff_codes)
    by_code = {rule.code: rule for rule in all_rules()}
    if settings.select is None:
        chosen = {
            code
            for code in codes
            if (by_code[code].default_enabled if code in by_code else code not in ruff_codes or ruff.is_default(code))
        }
    else:
        select = ["PC", "E9", *ruff.DEFAULT_SELECTION] if "ALL" in settings.select else list(settings.select)
        chosen = {code for code in codes if _matches(code, select)}
    chosen |= {code for code in codes if _matches(code, settings.extend_select)}
    chosen -= {code for code in codes if _matches(code, settings.ignore)}
    return frozenset(chosen)


def selected_rules(settings: Settings) -> list[type[Rule]]:
    chosen = selected_codes(settings)
    # Project rules run once per run (run_checks.RUN_CHECKS), never per file.
    return [rule for rule in FILE_RULES if rule.code in chosen]


def is_engine_code(code: str) -> bool:
    return code in ENGINE_CODES
