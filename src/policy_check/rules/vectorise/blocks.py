"""A reduction over the loop's block of an array (``np.mean(a[n*i:n*(i+1)])``).

Binning loops average (sum, take the maximum of…) consecutive blocks of ``n``
values, one block per iteration.  Over ``range(k)`` the blocks are the rows of
``a[:k * n].reshape(-1, n)``, so the loop is one reduction along ``axis=1``:
``np.mean(a[:k * n].reshape(-1, n), axis=1)``.  Always a suggestion: the array
must be 1-D, and ``k * n`` must not run past its end (the loop would average a
short last block; ``reshape`` raises).
"""

from __future__ import annotations

from typing import Any

import libcst as cst

from policy_check.rules.vectorise.loops import code, parenthesise

# The vectoriser calls in here: typed loosely to keep the import one way.
Vectoriser = Any

BLOCK_REDUCTIONS = frozenset({"mean", "sum", "max", "min", "std", "var", "median", "nanmean", "nansum", "nanmax", "nanmin", "amax", "amin", "prod"})


def _scaled(node: cst.BaseExpression, index: str) -> cst.BaseExpression | None:
    """``n*i`` or ``i*n`` → ``n``."""
    if type(node) is not cst.BinaryOperation or type(node.operator) is not cst.Multiply:
        return None
    for loop_side, size in ((node.right, node.left), (node.left, node.right)):
        if type(loop_side) is cst.Name and loop_side.value == index:
            return size
    return None


def _next_block(node: cst.BaseExpression, index: str, size: str) -> bool:
    """``n*(i+1)``, ``(i+1)*n``, ``n*i + n`` or ``i*n + n``: the start of block ``i + 1``."""
    if type(node) is cst.BinaryOperation and type(node.operator) is cst.Add:
        scaled = _scaled(node.left, index)
        return scaled is not None and code(scaled) == size and code(node.right) == size
    if type(node) is not cst.BinaryOperation or type(node.operator) is not cst.Multiply:
        return False
    for step, other in ((node.left, node.right), (node.right, node.left)):
        inner = step
        if type(inner) is cst.BinaryOperation and type(inner.operator) is cst.Add and code(other) == size:
            if type(inner.left) is cst.Name and inner.left.value == index and code(inner.right) == "1":
                return True
    return False


def block_of(subscript: cst.BaseExpression, index: str) -> tuple[cst.BaseExpression, cst.BaseExpression] | None:
    """``a[n*i:n*(i+1)]`` → (``a``, ``n``)."""
    if type(subscript) is not cst.Subscript or len(subscript.slice) != 1:
        return None
    part = subscript.slice[0].slice
    if type(part) is not cst.Slice or part.step is not None or part.lower is None or part.upper is None:
        return None
    size = _scaled(part.lower, index)
    if size is None or not _next_block(part.upper, index, code(size)):
        return None
    return subscript.value, size


def _one_dimensional(vec: Vectoriser, array: cst.BaseExpression, size: cst.BaseExpression) -> bool:
    """The blocked array and the block size do not change in the loop, and the array is
    (as far as we see) 1-D."""
    if not vec.invariant(array) or not vec.invariant(size) or (type(size) is cst.Name and vec.evidence.is_array(size)):
        return False
    facts = vec.base_facts(array)
    return facts is not None and facts.ndim in (None, 1) and facts.min_ndim <= 1


def block_reduction(vec: Vectoriser, name: str, args: list[cst.BaseExpression]) -> cst.BaseExpression | None:
    """``np.mean(a[n*i:n*(i+1)])`` in a loop over ``range(k)`` → ``np.mean(a[:k * n].reshape(-1, n), axis=1)``."""
    header = vec.header
    if name not in BLOCK_REDUCTIONS or len(args) != 1 or len(vec.headers) != 1 or header.index is None or header.start != 0 or header.stop is None:
        return None
    block = block_of(args[0], header.index)
    if block is None or not _one_dimensional(vec, *block):
        return None
    array, size = block
    vec.varies = True
    vec.exact = False
    vec.reads[code(array)] = vec.reads.get(code(array), 0) + 1
    stop, width = code(parenthesise(header.stop)), code(parenthesise(size))
    vec.note(f"the blocks are the rows of `{code(parenthesise(array))}[:{stop} * {width}].reshape(-1, {width})` when `{code(array)}` is 1-D")
    return cst.parse_expression(f"{vec.np}.{name}({code(parenthesise(array))}[:{stop} * {width}].reshape(-1, {width}), axis=1)")
