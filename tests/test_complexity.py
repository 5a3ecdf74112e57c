"""PC601 / PC602 as radon measures them (PC601's count checked against radon itself): thresholds from config, asserts not counted, the message
names what drives the number, test code exempt, and the cheap pre-check is exact."""

from __future__ import annotations

import ast
import textwrap

import pytest
from radon.complexity import cc_visit_ast
from radon.visitors import Function

from policy_check.rules.complexity import ComplexFunction, UnmaintainableModule
from policy_check.rules.complexity.measure import complexity_drivers, decision_words_at_least, function_complexities
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


# Shapes where radon's counting has corners: closures under an `if`, a class inside a
# function and a class inside a class (radon drops their methods), asserts holding
# boolean operators, conditional decorators and defaults (not counted), a lambda's
# conditional (counted for the enclosing function), try/else, loops with else,
# comprehensions with several `if`s, async loops, and match with a catch-all.
RADON_CORNERS = textwrap.dedent(
    """\
    import asyncio


    @cache if FAST else (lambda f: f)
    def outer(data, mode=1 if FAST else 2):
        assert data and mode or not data
        if mode:
            def closure(x):
                return [y for y in x if y if y > 1 for z in y]
        else:
            closure = lambda x: x if x else None
        class Local:
            def method(self):
                if self and data:
                    return 1
        try:
            value = closure(data)
        except ValueError:
            value = None
        except (TypeError, KeyError):
            value = 0
        else:
            value = value or 0
        finally:
            pass
        for item in data:
            while item:
                item -= 1
            else:
                break
        else:
            pass
        return value


    class Model:
        def fit(self, x):
            return {k: v for k, v in x.items() if v} or None

        class Inner:
            def hidden(self, y):
                return y if y else 0

        if FAST:
            def fast(self):
                return (a for a in self if a)


    async def gather(tasks):
        async for task in tasks:
            if task.done() and not task.cancelled():
                await asyncio.sleep(0)
        async with lock:
            return [t async for t in tasks if t]


    def route(command):
        match command:
            case ["go", direction] if direction:
                return direction
            case {"stop": True}:
                return None
            case other:
                return other
    """
)


def _radon_complexities(tree: ast.Module) -> dict[tuple[int, int], int]:
    found: dict[tuple[int, int], int] = {}
    pending: list[object] = list(cc_visit_ast(tree, no_assert=True))
    while pending:
        block = pending.pop()
        if isinstance(block, Function):
            found[(block.lineno, block.col_offset)] = block.complexity
            pending.extend(block.closures)
        else:  # a class: its methods
            pending.extend(getattr(block, "methods", ()))
    return found


TRY_STAR = "def group(work):\n    try:\n        work()\n    except* ValueError:\n        if work:\n            pass\n"


@pytest.mark.parametrize("code", [RADON_CORNERS, BRANCHY, TRY_STAR, "x = 1\n", "class Empty:\n    pass\n"])
def test_function_complexities_are_radons(code: str) -> None:
    if code is TRY_STAR and not hasattr(ast, "TryStar"):
        pytest.skip("except* is Python 3.11+ syntax")
    tree = ast.parse(code)
    ours = {(function.lineno, function.col_offset): complexity for function, complexity in function_complexities(tree)}
    assert ours == _radon_complexities(tree)


def test_function_complexities_of_the_corner_shapes() -> None:
    ours = {function.name: complexity for function, complexity in function_complexities(ast.parse(RADON_CORNERS))}
    # `method` (in a class inside a function) and `hidden` (in a class inside a class) are radon's blind spots.
    assert ours == {"outer": 11, "closure": 5, "fit": 4, "fast": 3, "gather": 6, "route": 3}


def test_drivers_of_the_corner_shapes() -> None:
    # What the message names is counted over the whole `def` (a conditional decorator
    # and default, an assert's operators), but not inside nested functions, classes or
    # lambdas; `except*` handlers are branches.
    trees = [ast.parse(RADON_CORNERS)] + ([ast.parse(TRY_STAR)] if hasattr(ast, "TryStar") else [])
    drivers = {function.name: complexity_drivers(function) for tree in trees for function, _ in function_complexities(tree)}
    assert drivers["outer"] == "8 branches, 3 boolean operators, 2 loops"
    assert drivers["closure"] == "2 branches, 2 loops"
    assert drivers["gather"] == "2 branches, 1 boolean operator, 2 loops"
    assert drivers["route"] == "3 branches"
    assert drivers.get("group", "2 branches") == "2 branches"


def test_a_single_driver_is_named_in_the_singular() -> None:
    function = ast.parse("def f(x):\n    if x and x > 1:\n        for _ in x:\n            pass\n").body[0]
    assert complexity_drivers(function) == "1 branch, 1 boolean operator, 1 loop"
