"""The rule catalogue (src/policy_check/rules/catalogue.json) is what the rule classes
say, byte for byte, and the registry imports a family only when one of its rules is
asked for."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from policy_check.docs import catalogue_text, render_rule
from policy_check.rules import FAMILIES, family_rules, known_codes, rule_by_code, rules_for
from policy_check.rules.catalogue import CATALOGUE_FILE, entries


def test_the_committed_catalogue_is_the_generated_one() -> None:
    assert CATALOGUE_FILE.read_text(encoding="utf-8") == catalogue_text(), (
        "src/policy_check/rules/catalogue.json is out of date: run `python -m policy_check.docs`"
    )


@pytest.mark.parametrize("family", list(FAMILIES))
def test_every_rule_is_catalogued_under_its_family_with_its_page(family: str) -> None:
    for rule in family_rules(family):
        entry = entries()[rule.code]
        assert (entry.family, entry.name, entry.summary, entry.page) == (family, rule.name, rule.summary, render_rule(rule))
        assert entry.fix_safety == rule.fix_safety.value and entry.default_enabled == rule.default_enabled
        assert entry.trigger_words == tuple(rule.trigger_words)
        assert rule_by_code(rule.code.lower()) is rule


def test_the_catalogue_holds_no_code_without_a_class() -> None:
    classes = {rule.code for family in FAMILIES for rule in family_rules(family)}
    assert set(entries()) == classes
    assert set(known_codes()) == classes | {"PC000", "PC001", "PC002", "E902", "E999"}
    assert rule_by_code("PC999") is None and rules_for(["F401", "E999"]) == []


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint(__import__('json').dumps(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(result.stdout))


def test_looking_up_a_rule_imports_its_family_alone() -> None:
    loaded = _modules_after("from policy_check.rules import rule_by_code\nassert rule_by_code('PC301').code == 'PC301'")
    families = {name.split(".")[2] for name in loaded if name.startswith("policy_check.rules.") and name.count(".") >= 2}
    assert "logs" in families
    assert families.isdisjoint({"imports", "concurrency", "complexity", "vectorise", "project"}), families


def test_reading_the_catalogue_imports_no_rule_and_no_libcst() -> None:
    loaded = _modules_after("from policy_check.rules.catalogue import entries\nassert entries()['PC501'].family == 'vectorise'")
    assert "libcst" not in loaded and "policy_check.rules.base" not in loaded
