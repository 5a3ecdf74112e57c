"""A first-element special case: ``if i == 0: <A> else: <B>`` in a loop from 0.

Research loops guard a backward difference this way (``area[i] = pi * r[0] ** 2``
for the first ring, ``pi * (r[i] ** 2 - r[i - 1] ** 2)`` for the others).  The loop
is the first element on its own (the body with ``i`` = 0 and the ``if`` replaced
by ``A``) followed by the rest as a loop from 1 over ``B``, which the ordinary
planner turns into windows (``r[1:] ** 2 - r[:n - 1] ** 2``).  Also read: ``i > 0``,
``i != 0``, ``i >= 1`` (branches swapped) and ``0 == i``.  The rest must plan as
an elementwise body (a recurrence stays silent); the first element must be plain
assignments.  Always a suggestion: on an empty array the loop did nothing where
the first line raises.
"""

from __future__ import annotations

from typing import NamedTuple

import libcst as cst

from policy_check.rules.vectorise.loops import LoopHeader, code, statements_of

_SIMPLE = frozenset({cst.Assign, cst.AugAssign})


class FirstSplit(NamedTuple):
    """The first element's statements (as code) and the rest's body (from index 1)."""

    first: list[str]
    rest: list


def split_first(statements: list, index: str, start: int) -> FirstSplit | None:
    """The body split at its one ``if i == 0`` statement, or ``None``."""
    if start != 0:
        return None
    found = [(k, s, _branches(s, index)) for k, s in enumerate(statements) if type(s) is cst.If]
    found = [(k, s, b) for k, s, b in found if b is not None]
    if len(found) != 1:
        return None
    position, _, (first_branch, rest_branch) = found[0]
    first_body = statements[:position] + first_branch + statements[position + 1 :]
    rest_body = statements[:position] + rest_branch + statements[position + 1 :]
    if not first_body or not all(type(s) in _SIMPLE for s in first_body):
        return None
    at_zero = [code(s.visit(_AtZero(index))) for s in first_body]
    return FirstSplit(at_zero, rest_body)


def _branches(statement: cst.If, index: str) -> tuple[list, list] | None:
    """(first-element branch, other branch) of ``if i == 0: … else: …``."""
    first = _tests_first(statement.test, index)
    if first is None or type(statement.orelse) is not cst.Else:
        return None
    then_body, else_body = statements_of(statement.body), statements_of(statement.orelse.body)
    if not then_body or not else_body:
        return None
    return (then_body, else_body) if first else (else_body, then_body)


def _tests_first(test: cst.BaseExpression, index: str) -> bool | None:
    """True for `i == 0`, False for `i > 0`/`i != 0`/`i >= 1` (the first element is the
    `else`), None for anything else."""
    if type(test) is not cst.Comparison or len(test.comparisons) != 1:
        return None
    left, operator, right = test.left, test.comparisons[0].operator, test.comparisons[0].comparator
    if _is_int(left, 0) and _is_name(right, index) and type(operator) is cst.Equal:
        return True
    if not _is_name(left, index):
        return None
    if type(operator) is cst.Equal and _is_int(right, 0):
        return True
    if type(operator) in (cst.GreaterThan, cst.NotEqual) and _is_int(right, 0):
        return False
    if type(operator) is cst.GreaterThanEqual and _is_int(right, 1):
        return False
    return None


def _is_name(node: cst.BaseExpression, name: str) -> bool:
    return type(node) is cst.Name and node.value == name


def _is_int(node: cst.BaseExpression, value: int) -> bool:
    return type(node) is cst.Integer and node.value == str(value)


class _AtZero(cst.CSTTransformer):
    """The index name replaced by ``0``."""

    def __init__(self, index: str) -> None:
        super().__init__()
        self.index = index

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.BaseExpression:
        return cst.Integer("0") if updated.value == self.index else updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.BaseExpression:
        # `x.i` keeps its attribute name (only the value side is an expression).
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)


def rest_header(header: LoopHeader) -> LoopHeader:
    """The loop's header from index 1."""
    return header._replace(start=1)
