"""Which codes a run reports, by ruff's logic: ``select`` (default: every rule on by
default), plus ``extend-select``, minus ``ignore``; the selectors name policy-check's
codes (from the rule registry) and ruff's (from its catalogue).

The registry knows the rules; this module knows both the registry and the ruff
integration, so neither of them has to know the other."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from policy_check.config import ConfigError, Settings
from policy_check.integrations import ruff_catalogue as ruff
from policy_check.rules import known_codes, rules_for
from policy_check.rules.catalogue import RuleEntry, entries

if TYPE_CHECKING:
    from policy_check.rules.base import Rule


def validate_codes(codes: Iterable[str], where: str) -> None:
    """Every selector must name at least one known code (policy-check's or ruff's)."""
    known = known_codes()
    for selector in codes:
        if selector == "ALL":
            continue
        if not any(code.startswith(selector) for code in known):
            reason = ruff.rejects_selector(selector)
            if reason is not None:
                raise ConfigError(f"{where}: {reason}{did_you_mean(selector, [*known, *ruff.ruff_codes()])}")


def did_you_mean(selector: str, candidates: Iterable[str]) -> str:
    """`` (did you mean 'PC301'?)`` for a near miss, else nothing."""
    import difflib

    close = difflib.get_close_matches(selector.upper(), list(candidates), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _matching(candidates: Iterable[str], prefixes: Sequence[str]) -> set[str]:
    """The candidates some prefix selects.  As in ruff, a prefix of letters names a
    whole linter: "F" is pyflakes, not FBT or FURB."""
    selectors = tuple(prefixes)
    if not selectors:
        return set()
    return {code for code in candidates if ruff.matches_any_selector(code, selectors)}


def selected_codes(settings: Settings, codes: Sequence[str] | None = None) -> set[str]:
    """The codes a run reports, by ruff's logic: ``select`` (default: every rule on
    by default), plus ``extend-select``, minus ``ignore``."""
    return set(_selected_codes(settings, tuple(codes) if codes is not None else None))


@functools.lru_cache(maxsize=16)
def _selected_codes(settings: Settings, codes: tuple[str, ...] | None) -> frozenset[str]:
    # Asked several times a run (rules, ruff, project checks); matching ~900 ruff codes
    # against the selectors each time would cost more than checking a small file.
    ruff_codes = set(ruff.ruff_codes(settings)) if codes is None else set()
    by_code = entries()
    candidates = list(codes) if codes is not None else [*by_code, *sorted(ruff_codes)]
    if settings.select is None:
        chosen = {code for code in candidates if _on_by_default(code, by_code, ruff_codes)}
    else:
        select = ["PC", "E9", *ruff.DEFAULT_SELECTION] if "ALL" in settings.select else list(settings.select)
        chosen = _matching(candidates, select)
    chosen |= _matching(candidates, settings.extend_select)
    chosen -= _matching(candidates, settings.ignore)
    return frozenset(chosen)


def _on_by_default(code: str, by_code: dict[str, RuleEntry], ruff_codes: set[str]) -> bool:
    """A policy-check rule by its own flag; a ruff rule when the curated selection
    names it; any other code (the engine's) always."""
    if code in by_code:
        return by_code[code].default_enabled
    return code not in ruff_codes or ruff.is_default(code)


def selected_file_codes(settings: Settings) -> list[str]:
    """The file rules' codes a run reports (project rules run once per run, in
    run_checks.RUN_CHECKS, never per file)."""
    chosen = selected_codes(settings)
    return [code for code, rule in entries().items() if code in chosen and not rule.project_level]


class LazyRules(Sequence["type[Rule]"]):
    """Rule classes by code, imported when first used: a warm run that finds every
    file in the cache (and reports in JSON) never imports a rule or libcst."""

    def __init__(self, codes: Iterable[str]) -> None:
        self.codes = tuple(dict.fromkeys(codes))

    @functools.cached_property
    def _rules(self) -> tuple[type[Rule], ...]:
        return tuple(rules_for(self.codes))

    def __getitem__(self, index: Any) -> Any:
        return self._rules[index]

    def __len__(self) -> int:
        return len(self._rules)

    def __bool__(self) -> bool:
        return bool(self.codes)


def selected_rules(settings: Settings) -> list[type[Rule]]:
    """The file rules a run runs, importing only their families."""
    return rules_for(selected_file_codes(settings))


def ruff_catalogue_rows(settings: Settings | None = None) -> list[tuple[str, str, str, str, str]]:
    """(code, name, fix, summary, linter) of every ruff rule that runs by default, marked as
    ruff's: the rows `policy-check rules` prints after policy-check's own."""
    settings = settings or Settings()
    return ruff.catalogue_rows(settings, selected_codes(settings))
