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
    return type(node) is cst.Name and node.value == "__name__"  # type: ignore[attr-defined]


def is_main_guard(node: cst.CSTNode) -> bool:
    """``if __name__ == "__main__":`` (either operand order)."""
    # Exact types: libcst's node classes have no subclasses, and isinstance with them
    # costs a call into ABCMeta when it fails (these run for many nodes of every file).
    if type(node) is not cst.If or type(node.test) is not cst.Comparison:  # type: ignore[attr-defined]
        return False
    test = node.test  # type: ignore[attr-defined]
    if len(test.comparisons) != 1 or type(test.comparisons[0].operator) is not cst.Equal:
        return False
    left, right = test.left, test.comparisons[0].comparator
    return (_is_dunder_name(left) and string_value(right) == "__main__") or (
        _is_dunder_name(right) and string_value(left) == "__main__"
    )


# Nodes whose body does not run when the enclosing code runs (exact types, for
# `type(node) in SCOPE_TYPES`).
SCOPE_TYPES = frozenset({cst.FunctionDef, cst.Lambda, cst.ClassDef})


def inside_main_guard(stack: Sequence[cst.CSTNode]) -> bool:
    """Whether the current node runs only when the module is executed as a script
    (inside the body of a main guard, not inside a function defined there)."""
    for ancestor in reversed(stack):
        if type(ancestor) in SCOPE_TYPES:
            return False
        if is_main_guard(ancestor):
            return True
    return False


def enclosing_function(stack: Sequence[cst.CSTNode]) -> cst.FunctionDef | None:
    for ancestor in reversed(stack):
        if type(ancestor) is cst.FunctionDef:
            return ancestor  # type: ignore[return-value]
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
        # Exact types, as in is_main_guard: this runs over every statement of a module.
        if type(statement) in _DEFINITIONS:
            names.add(statement.name.value)  # type: ignore[attr-defined]
        elif type(statement) is cst.SimpleStatementLine:
            for small in statement.body:  # type: ignore[attr-defined]
                names.update(_bound_by_small_statement(small))
    return names


_TARGETED = frozenset({cst.AnnAssign, cst.AugAssign})
_SEQUENCES = frozenset({cst.Tuple, cst.List})


def _bound_by_small_statement(small: cst.BaseSmallStatement) -> set[str]:
    names: set[str] = set()
    kind = type(small)  # exact types, as in is_main_guard: most small statements are none of these
    if kind is cst.Assign:
        for target in small.targets:  # type: ignore[attr-defined]
            names.update(target_names(target.target))
    elif kind in _TARGETED:
        names.update(target_names(small.target))  # type: ignore[attr-defined]
    elif kind is cst.ImportFrom and type(small.names) is not cst.ImportStar:  # type: ignore[attr-defined]
        for alias in small.names:  # type: ignore[attr-defined]
            bound = alias.asname.name if alias.asname else alias.name
            if type(bound) is cst.Name:
                names.add(bound.value)
    return names


def target_names(target: cst.BaseExpression) -> set[str]:
    """Names an assignment target binds (``a``, ``a, (b, c)``); none for ``x.y`` or ``x[i]``."""
    if type(target) is cst.Name:
        return {target.value}  # type: ignore[attr-defined]
    if type(target) in _SEQUENCES:
        return {name for element in target.elements for name in target_names(element.value)}  # type: ignore[attr-defined]
    return set()
