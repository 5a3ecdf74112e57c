"""PC601 / PC602 with radon: thresholds from config, asserts not counted, the message
names what drives the number, test code exempt, and the cheap pre-check is exact."""

from __future__ import annotations

import textwrap

from policy_check.rules.complexity import ComplexFunction, UnmaintainableModule
from policy_check.rules.complexity.measure import decision_words_at_least
from policy_check.testing import check_snippet

BRANCHY = textwrap.dedent(
    """\
    def route(kind, value, strict):
        assert value is not None
        assert kind
        if kind == "a" and strict:
            return 1
        if kind == "b" or kind == "c":
            return 2
        for step in range(value):
            if step > 3:
                break
        return 0
    """
)


def test_complex_function_reports_number_threshold_and_drivers() -> None:
    [finding] = check_snippet(BRANCHY, [ComplexFunction], config={"max-complexity": 5})
    assert finding.code == "PC601" and finding.start.row == 1
    assert finding.message.startswith("`route` has cyclomatic complexity 7 (max 5), from 3 branches, 2 boolean operators, 1 loop")


def test_asserts_do_not_count() -> None:
    # 7 without asserts; radon would say 9 if it counted them.
    assert check_snippet(BRANCHY, [ComplexFunction], config={"max-complexity": 7}) == []


def test_default_threshold_is_ten() -> None:
    assert check_snippet(BRANCHY, [ComplexFunction]) == []


def test_test_code_is_exempt() -> None:
    assert check_snippet(BRANCHY, [ComplexFunction], path="tests/test_route.py", config={"max-complexity": 2}) == []


def test_nested_and_same_named_functions_are_placed_on_their_own_def() -> None:
    code = "def outer():\n    def route(x):\n        return x\n    return route\n\n\n" + BRANCHY
    [finding] = check_snippet(code, [ComplexFunction], config={"max-complexity": 5})
    assert finding.start.row == 7 and "`route`" in finding.message


def test_noqa_on_the_def_line_silences() -> None:
    code = BRANCHY.replace("strict):", "strict):  # noqa: PC601", 1)
    assert check_snippet(code, [ComplexFunction], config={"max-complexity": 5}) == []


def test_unmaintainable_module_is_off_by_default_and_informational() -> None:
    assert UnmaintainableModule.default_enabled is False
    [finding] = check_snippet(BRANCHY, [UnmaintainableModule], config={"min-maintainability": 95})
    assert finding.severity.value == "info"
    assert "maintainability index" in finding.message and "(min 95)" in finding.message


def test_pre_check_counts_decision_keywords() -> None:
    assert decision_words_at_least("if a and b or c:\n    pass\n", 3)
    assert not decision_words_at_least("x = 1\nassert x\n", 1)
    assert not decision_words_at_least("elsewhere = iffy + ordinal\n", 1)
