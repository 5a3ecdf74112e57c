"""A name bound to the loop's row of an array (``X = x[i, :]``, ``row = grid[i]``).

Research loops often read a row through a short name and then its cells
(``X[0] * X[1]``).  The plan records the alias; a cell read through it is the
element ``x[i, 0]`` of the array, so it vectorises to the column ``x[:, 0]``.
Trailing full slices (``x[i, :]``) are the same row as ``x[i]``.
"""

from __future__ import annotations

import libcst as cst


def _full_slice(element: cst.SubscriptElement) -> bool:
    part = element.slice
    return type(part) is cst.Slice and part.lower is None and part.upper is None and part.step is None


def row_of(value: cst.BaseExpression, index_names: set[str]) -> cst.Subscript | None:
    """``x[i]`` or ``x[i, :]`` (``i`` a loop index) → ``x[i]``; ``None`` for anything else."""
    if type(value) is not cst.Subscript or type(value.value) is not cst.Name or value.lpar:
        return None
    elements = list(value.slice)
    while len(elements) > 1 and _full_slice(elements[-1]):
        elements.pop()
    if not all(type(e.slice) is cst.Index and e.slice.star is None for e in elements):
        return None
    if not any(type(e.slice.value) is cst.Name and e.slice.value.value in index_names for e in elements):  # type: ignore[union-attr]
        return None
    last = elements[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
    return value.with_changes(slice=[*elements[:-1], last])


def cell_of(node: cst.Subscript, aliases: dict[str, cst.Subscript]) -> cst.Subscript | None:
    """``X[0]`` with ``X`` an alias of ``x[i]`` → ``x[i, 0]``."""
    base = node.value
    if type(base) is not cst.Name or base.value not in aliases or node.lpar:
        return None
    if not all(type(e.slice) is cst.Index and e.slice.star is None for e in node.slice):
        return None
    row = aliases[base.value]
    head = [e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in row.slice]
    tail = [e.with_changes(comma=cst.MaybeSentinel.DEFAULT) for e in node.slice]
    return row.with_changes(slice=[*head, *tail])
