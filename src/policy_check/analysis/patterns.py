"""Small structural questions several rule families ask: is this the main guard,
what function encloses this node, is this name rebound here.

Plain isinstance checks rather than libcst.matchers: importing the matchers module
costs more than the rest of libcst together, and pre-commit runs on one file
must start fast."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from policy_check.analysis.literals import string_value


def _is_dunder_name(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.Name) and node.value == "__name__"


def is_main_guard(node: cst.CSTNode) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    if not isinstance(node, cst.If) or not isinstance(node.test, cst.Comparison):
        return False
    test = node.test
    if len(test.comparisons) != 1 or not isinstance(test.comparisons[0].operator, cst.Equal):
        return False
    left, right = test.left, test.comparisons[0].comparator
    return (_is_dunder_name(left) and string_value(right) == "__main__") or (
        _is_dunder_name(right) and string_value(left) == "__main__"
    )


def inside_main_guard(stack: Sequence[cst.CSTNode]) -> bool:
    """Whether the current node runs only when the module is executed as a script
    (inside the body of a main guard, not inside a function defined there)."""
    for ancestor in reversed(stack):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return False
        if is_main_guard(ancestor):
            return True
    return False


def enclosing_function(stack: Sequence[cst.CSTNode]) -> cst.FunctionDef | None:
    for ancestor in reversed(stack):
        if isinstance(ancestor, cst.FunctionDef):
            return ancestor
    return None


def parameter_names(function: cst.FunctionDef) -> set[str]:
    params = function.params
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names


_DEFINITIONS = frozenset({cst.FunctionDef, cst.ClassDef})


def assigned_names(statements: Sequence[cst.BaseStatement]) -> set[str]:
    """Names bound by the given statements themselves (assignments, defs, classes,
    imports), not inside nested functions."""
    names: set[str] = set()
    for statement in statements:
        # Exact types: isinstance with libcst's classes goes through ABCMeta, and this
        # runs over every statement of a module.
        if type(statement) in _DEFINITIONS:
            names.add(statement.name.value)  # type: ignore[attr-defined]
        elif type(statement) is cst.SimpleStatementLine:
            for small in statement.body:  # type: ignore[attr-defined]
                names.update(_bound_by_small_statement(small))
    return names


def _bound_by_small_statement(small: cst.BaseSmallStatement) -> set[str]:
    names: set[str] = set()
    if isinstance(small, cst.Assign):
        for target in small.targets:
            names.update(target_names(target.target))
    elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
        names.update(target_names(small.target))
    elif isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
        for alias in small.names:
            bound = alias.asname.name if alias.asname else alias.name
            if isinstance(bound, cst.Name):
                names.add(bound.value)
    return names


def target_names(target: cst.BaseExpression) -> set[str]:
    """Names an assignment target binds (``a``, ``a, (b, c)``); none for ``x.y`` or ``x[i]``."""
    if isinstance(target, cst.Name):
        return {target.value}
    if isinstance(target, (cst.Tuple, cst.List)):
        return {name for element in target.elements for name in target_names(element.value)}
    return set()
