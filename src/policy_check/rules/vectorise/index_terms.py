"""Index expressions as ``stride * i + shift``: what element of an array a loop reads.

Research loops often compute an index into a temporary first (``k = 2 * i + 1``,
then ``a[k]``, ``a[k - 1]``).  ``affine`` reads such an expression, through the
temporaries already bound in the body, as (loop axis, stride, shift) with integer
stride and shift, and ``written_as`` writes it back in the one form the window
code reads (``2 * i + 1``, ``i - 1``, ``i``).  Anything else (an array's value, a
name the loop changes some other way, a negative stride) is ``None``: not an
affine index, so not a window.
"""

from __future__ import annotations

import libcst as cst

# (axis, stride, shift); axis None for a constant.
Affine = tuple[int | None, int, int]


def affine(node: cst.BaseExpression, axis_of: dict[str, int], aliases: dict[str, Affine]) -> Affine | None:
    """``node`` as (axis, stride, shift), or ``None`` when it is not an integer affine
    function of one loop index."""
    if type(node) is cst.Name:
        if node.value in axis_of:
            return axis_of[node.value], 1, 0
        return aliases.get(node.value)
    if type(node) is cst.Integer:
        return None, 0, int(node.value, 0)
    if type(node) is cst.UnaryOperation and type(node.operator) is cst.Minus:
        inner = affine(node.expression, axis_of, aliases)
        return None if inner is None else (inner[0], -inner[1], -inner[2])
    if type(node) is cst.BinaryOperation:
        left, right = affine(node.left, axis_of, aliases), affine(node.right, axis_of, aliases)
        if left is None or right is None:
            return None
        return _combine(left, node.operator, right)
    return None


def _combine(left: Affine, operator: cst.BaseBinaryOp, right: Affine) -> Affine | None:
    if type(operator) in (cst.Add, cst.Subtract):
        sign = 1 if type(operator) is cst.Add else -1
        if left[0] is not None and right[0] is not None and left[0] != right[0]:
            return None
        axis = left[0] if left[0] is not None else right[0]
        return axis, left[1] + sign * right[1], left[2] + sign * right[2]
    if type(operator) is cst.Multiply:
        if left[0] is None and right[0] is None:
            return None, 0, left[2] * right[2]
        constant, variable = (left, right) if left[0] is None else (right, left)
        if constant[0] is not None:
            return None  # i * j
        return variable[0], variable[1] * constant[2], variable[2] * constant[2]
    return None


def loop_index(term: Affine | None) -> tuple[int, int, int] | None:
    """The term when it reads one loop axis forwards (stride at least 1)."""
    if term is None or term[0] is None or term[1] < 1:
        return None
    return term[0], term[1], term[2]


def written_as(term: tuple[int, int, int], index_name: str) -> cst.BaseExpression:
    """(axis, stride, shift) as ``stride * i + shift`` with the loop's index name."""
    _, stride, shift = term
    scaled: cst.BaseExpression = cst.Name(index_name)
    if stride != 1:
        scaled = cst.BinaryOperation(left=cst.Integer(str(stride)), operator=cst.Multiply(), right=scaled)
    if shift == 0:
        return scaled
    operator = cst.Add() if shift > 0 else cst.Subtract()
    return cst.BinaryOperation(left=scaled, operator=operator, right=cst.Integer(str(abs(shift))))
