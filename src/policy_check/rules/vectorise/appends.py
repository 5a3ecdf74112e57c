"""Loops that fill lists from arrays, one element per iteration (PC504 suggestions).

Shapes beyond ``lists.py``'s single list turned into an array:

- ``vals.append(a[i] * b[i])`` where ``vals`` stays a list: ``vals = a * b``;
- several lists filled side by side (``xs.append(x[i]); ys.append(y[i] ** 2)``);
- ``if``/``else`` bodies appending to different lists (``hi.append(a[i])`` /
  ``lo.append(a[i])``): one boolean mask, ``hi = a[mask]; lo = a[~mask]``.

The result is an array, not a list, so these are suggestions (no edit), and the
message says so; a list the code goes on using as a list (appending, extending,
``+``) is written ``(…).tolist()``.  A temporary before the appends
(``x = np.mean(a[n*i:n*(i+1)]); means.append(x)``) is part of the expression.
Silent when no array read is known from where it is made or how it is used
(lists and tuples are indexed the same way), when a list held anything before
the loop, or when a value is the same for every element.
"""

from __future__ import annotations

from typing import NamedTuple

import libcst as cst

from policy_check.rules.base import FileContext
from policy_check.rules.vectorise.loops import blocked, code, parenthesise, statements_of
from policy_check.rules.vectorise.scope_walk import walk_local
from policy_check.rules.vectorise.site import LoopSite
from policy_check.rules.vectorise.vectoriser import Vectoriser

_LIST_METHODS = frozenset({"append", "extend", "insert", "pop", "remove", "sort", "reverse", "clear", "index", "count", "copy"})


class _Append(NamedTuple):
    """``name.append(value)`` under ``test`` (``None``: every iteration; ``negated``: its ``else``)."""

    name: str
    value: cst.BaseExpression
    test: cst.BaseExpression | None = None
    negated: bool = False


def _append_call(statement: object) -> tuple[str, cst.BaseExpression] | None:
    if type(statement) is not cst.Expr or type(statement.value) is not cst.Call:
        return None
    call = statement.value
    func = call.func
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return None
    if type(func) is cst.Attribute and func.attr.value == "append" and type(func.value) is cst.Name:
        return func.value.value, call.args[0].value
    return None


def _collect(statements: list) -> list[_Append] | None:
    """The appends of a body made only of appends and one level of ``if``/``else``."""
    found: list[_Append] = []
    for statement in statements:
        direct = _append_call(statement)
        if direct is not None:
            found.append(_Append(*direct))
            continue
        if _temporary(statement) is not None and not found:
            continue  # `x = np.mean(…)` before the appends: bound by `_bind_temporaries`
        if type(statement) is not cst.If or type(statement.orelse) is cst.If:
            return None
        branches = [(statements_of(statement.body), False)]
        if statement.orelse is not None:
            branches.append((statements_of(statement.orelse.body), True))
        for body, negated in branches:
            calls = [_append_call(s) for s in body or [None]]
            if any(c is None for c in calls):
                return None
            found.extend(_Append(name, value, statement.test, negated) for name, value in calls)  # type: ignore[misc]
    return found


def _temporary(statement: object) -> tuple[str, cst.BaseExpression] | None:
    if type(statement) is cst.Assign and len(statement.targets) == 1 and type(statement.targets[0].target) is cst.Name:
        return statement.targets[0].target.value, statement.value
    return None


def _bind_temporaries(site: LoopSite, vec: Vectoriser) -> bool:
    """The temporaries before the appends, as array expressions; none read after the loop."""
    for statement in site.statements:
        bound = _temporary(statement)
        if bound is None:
            continue
        value = vec.expr(bound[1])
        if value is None or site.used_outside(bound[0]):
            return False
        vec.temporaries[bound[0]] = value
    return True


def planned_appends(context: FileContext, site: LoopSite, block: list[cst.CSTNode], position: int) -> tuple[list[str], list[str], Vectoriser, bool] | None:
    """For a loop that fills lists from arrays: the lists, the array statements that
    make them, the vectoriser (its notes and evidence), and whether every list stays a
    list (``.tolist()``); ``None`` otherwise."""
    appends = _collect(site.statements)
    if not appends:
        return None
    names = [a.name for a in appends]
    if not _only_filled(context, site, names) or not all(_fresh_list(block, position, name) for name in names):
        return None
    vec = site.vectoriser(context)
    as_lists = {name for name in names if _used_as_list_after(block, position, name)}
    lines = _lines(appends, vec, site, as_lists) if _bind_temporaries(site, vec) else None
    if lines is None or not vec.varies or not any(name in vec.seen for name in vec.reads):
        # Lists and tuples are indexed like arrays: one array read must be known from
        # where it is made or how it is used, not only from being indexed here.
        return None
    return names, lines, vec, as_lists == set(names)


def _only_filled(context: FileContext, site: LoopSite, names: list[str]) -> bool:
    """Each list is appended to once, and the loop reads none of them (`len(hi)` would be
    state between iterations) and does nothing it could not do on whole arrays."""
    if len(set(names)) != len(names) or blocked(site.loop.body, context, allow_append_to=frozenset(names)):
        return False
    mentioned = [n.value for n in walk_local(site.loop.body) if type(n) is cst.Name and n.value in names]
    return len(mentioned) == len(names)


def _lines(appends: list[_Append], vec: Vectoriser, site: LoopSite, as_lists: set[str]) -> list[str] | None:
    """``mask = …; kept = a[mask]`` per list; ``.tolist()`` for a list the code goes on
    using as a list (appending, concatenating)."""
    lines: list[str] = []
    masks: dict[int, str] = {}
    np_name = site.evidence.numpy_alias or "np"
    for append in appends:
        if append.test is not None and id(append.test) not in masks:
            mask = _varying(vec, append.test)
            if mask is None:
                return None  # a test the loop never changes is not a mask
            masks[id(append.test)] = name = "mask" if not masks else f"mask{len(masks) + 1}"
            lines.append(f"{name} = {code(mask)}")
        value = _varying(vec, append.value)
        if value is None:
            return None  # a value the same for every element: not a whole-array expression
        kept = _kept(append, value, masks, vec, np_name, site)
        lines.append(f"{append.name} = {_as_list(kept) if append.name in as_lists else kept}")
    return lines


def _as_list(expression: str) -> str:
    node = cst.parse_expression(expression)
    return f"{code(parenthesise(node))}.tolist()"


def _varying(vec: Vectoriser, node: cst.BaseExpression) -> cst.BaseExpression | None:
    """The array expression of ``node`` when it changes from element to element."""
    before, vec.varies = vec.varies, False
    converted = vec.expr(node)
    varies, vec.varies = vec.varies, vec.varies or before
    return converted if varies else None


def _kept(append: _Append, value: cst.BaseExpression, masks: dict[int, str], vec: Vectoriser, np_name: str, site: LoopSite) -> str:
    if append.test is None:
        return code(value)
    mask = masks[id(append.test)]
    mask = f"~{mask}" if append.negated else mask
    if vec.is_index(append.value) and site.header.start == 0:
        return f"{np_name}.flatnonzero({mask})"
    return f"{code(parenthesise(value))}[{mask}]"


def _fresh_list(block: list[cst.CSTNode], position: int, name: str) -> bool:
    """``name = []`` is the last statement before the loop that mentions ``name``."""
    for statement in reversed(block[: max(position, 0)]):
        if _mentions(statement, name):
            return _is_empty_list(statement, name)
    return False


def _is_empty_list(statement: cst.CSTNode, name: str) -> bool:
    if type(statement) is not cst.SimpleStatementLine:
        return False
    for small in statement.body:
        if type(small) is cst.Assign and len(small.targets) == 1:
            target, value = small.targets[0].target, small.value
            if type(target) is cst.Name and target.value == name:
                return type(value) is cst.List and not value.elements
    return False


def _used_as_list_after(block: list[cst.CSTNode], position: int, name: str) -> bool:
    """Whether the statements after the loop use ``name`` as only a list can be used:
    its list methods, ``+``/``*`` (concatenation, repetition), ``+=``."""
    for statement in block[position + 1 :]:
        for node in walk_local(statement):
            if type(node) is cst.Attribute and _is_name(node.value, name) and node.attr.value in _LIST_METHODS:
                return True
            if type(node) is cst.BinaryOperation and type(node.operator) in (cst.Add, cst.Multiply) and (_is_name(node.left, name) or _is_name(node.right, name)):
                return True
            if type(node) is cst.AugAssign and _is_name(node.target, name):
                return True
    return False


def _is_name(node: cst.CSTNode, name: str) -> bool:
    return type(node) is cst.Name and node.value == name


def _mentions(statement: cst.CSTNode, name: str) -> bool:
    return any(_is_name(n, name) for n in walk_local(statement))
