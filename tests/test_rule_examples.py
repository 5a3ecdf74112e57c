"""Every example of every rule is a test: failing examples report (and their fix
matches, parses, is idempotent and silences the rule); passing examples do not."""

from __future__ import annotations

import ast

import pytest

from policy_check.docs import render_rule
from policy_check.rules import all_rules
from policy_check.rules.base import Invalid, Rule, Valid
from policy_check.testing import check_snippet, fix_snippet


def _cases(kind: str) -> list:
    cases = []
    for rule in all_rules():
        if getattr(rule, "project_level", False):
            continue  # examples are repositories: tests/test_project_examples.py builds them
        for index, example in enumerate(getattr(rule, kind)):
            cases.append(pytest.param(rule, example, id=f"{rule.code}-{kind.lower()}-{index}"))
    return cases


def _as(example, cls):
    return example if isinstance(example, cls) else cls(example)


@pytest.mark.parametrize(("rule", "example"), _cases("VALID"))
def test_valid_example_does_not_report(rule: type[Rule], example) -> None:
    example = _as(example, Valid)
    found = [d for d in check_snippet(example.code, [rule], example.path, example.config) if d.code == rule.code]
    assert found == [], f"{rule.code} reported on a passing example:\n{example.code}"


@pytest.mark.parametrize(("rule", "example"), _cases("INVALID"))
def test_invalid_example_reports(rule: type[Rule], example) -> None:
    example = _as(example, Invalid)
    diagnostics = check_snippet(example.code, [rule], example.path, example.config)
    assert [d.code for d in diagnostics if d.code.startswith(("PC000", "E9"))] == []
    found = [d for d in diagnostics if d.code == rule.code]
    assert len(found) == example.count, f"{rule.code} expected {example.count} findings on:\n{example.code}\ngot {found}"
    if example.expected is None:
        assert all(d.fix is None for d in found), "an example without `expected` must not offer an edit"


@pytest.mark.parametrize(
    ("rule", "example"), [case for case in _cases("INVALID") if _as(case.values[1], Invalid).expected is not None]
)
def test_fix_matches_parses_is_idempotent_and_silences(rule: type[Rule], example) -> None:
    example = _as(example, Invalid)
    fixed, remaining, applied = fix_snippet(example.code, [rule], example.path, example.config)
    assert applied, "the fix was not applied"
    assert fixed == example.expected
    ast.parse(fixed)
    again, _, applied_again = fix_snippet(fixed, [rule], example.path, example.config)
    assert again == fixed and applied_again == []
    assert [d for d in remaining if d.code == rule.code] == []


@pytest.mark.parametrize("rule", all_rules(), ids=lambda rule: rule.code)
def test_rule_is_documented(rule: type[Rule]) -> None:
    assert rule.__doc__ and len(rule.__doc__.split()) >= 20, "the docstring is the 'why' and must explain it"
    assert rule.VALID and rule.INVALID
    page = render_rule(rule)
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in page
