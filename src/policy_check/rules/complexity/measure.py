"""Measuring complexity for PC6: a cheap keyword count that rules a file out before
anything is measured, radon's cyclomatic complexity of every function it lists
(computed here in one walk), and what drives a function's count."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from typing import Any

# Every keyword that can add one to a function's complexity (and some that cannot):
# a file with fewer of them than the threshold has no function over it.
_DECISION_WORD = re.compile(rb"\b(?:if|elif|for|while|and|or|except|else|case)\b")
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def decision_words_at_least(source: str, count: int) -> bool:
    """Whether ``source`` holds at least ``count`` decision keywords (stops at ``count``)."""
    found = 0
    for _ in _DECISION_WORD.finditer(source.encode("utf-8", "surrogatepass")):
        found += 1
        if found >= count:
            return True
    return False


def function_complexities(tree: ast.Module) -> list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, int]]:
    """Each function radon's ``cc_visit_ast(tree, no_assert=True)`` lists (functions,
    methods, closures; not the methods of a class inside a function or inside another
    class, which radon drops), with radon's number for it.

    radon's visitor (an ``ast.NodeVisitor`` per statement) cost about a sixth of a
    libcst parse on research code; this walk counts the same decisions: one, plus one
    per ``if``/``elif``/conditional expression, loop (and its ``else``), ``except``
    (and a ``try``'s ``else``), comprehension (and each of its ``if``), ``match`` case
    but a catch-all, and ``and``/``or`` operand after the first; nothing inside an
    ``assert``, a nested function or a nested class."""
    found: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, int]] = []
    # Functions and classes are statements: the way to them is through statement blocks.
    pending: list[tuple[ast.stmt, bool]] = [(statement, False) for statement in reversed(tree.body)]
    while pending:
        statement, in_class = pending.pop()  # in_class: in a class body, nested or not
        if isinstance(statement, DEFS):
            _measure_function(statement, found)
        elif isinstance(statement, ast.ClassDef):
            if not in_class:  # radon keeps the methods of a nested class to itself
                pending.extend((child, True) for child in reversed(statement.body))
        else:
            pending.extend((child, in_class) for child in reversed(_statements_in(statement)))
    return found


def _statements_in(statement: ast.stmt) -> list[ast.stmt]:
    statements: list[ast.stmt] = []
    for name in _BLOCK_FIELDS:
        block = getattr(statement, name, None)
        if block:
            statements += block
    for clause in (*getattr(statement, "handlers", ()), *getattr(statement, "cases", ())):
        statements += clause.body
    return statements


_BLOCK_FIELDS = ("body", "orelse", "finalbody")


def _measure_function(function: ast.FunctionDef | ast.AsyncFunctionDef, found: list[tuple[ast.FunctionDef | ast.AsyncFunctionDef, int]]) -> None:
    """The function's complexity, then its closures' (radon lists both)."""
    index = len(found)
    found.append((function, 0))
    complexity = 1
    pending: list[ast.AST] = list(function.body)
    fields_of = _CHILD_FIELDS
    while pending:
        node = pending.pop()
        kind = type(node)
        counter = _DECISIONS.get(kind)
        if counter is not None:
            if counter is _NESTED_FUNCTION:
                _measure_function(node, found)  # type: ignore[arg-type]
                continue
            if counter is _NOT_COUNTED:
                continue
            complexity += counter(node)
        _push_children(node, fields_of, _LEAF_FIELDS, pending)
    found[index] = (function, complexity)


def _push_children(node: ast.AST, fields_of: dict[type, tuple[str, ...]], skipped: frozenset[str], pending: list[Any]) -> None:
    """Push the node's children (nodes, and the nodes of its lists) onto ``pending``;
    the fields to read are found once per node type (``skipped``: fields that never
    hold a node that counts)."""
    kind = type(node)
    fields = fields_of.get(kind)
    if fields is None:
        fields = fields_of[kind] = tuple(name for name in getattr(kind, "_fields", ()) if name not in skipped)
    for name in fields:
        value = getattr(node, name, None)
        if type(value) is list:
            pending += value
        elif value is not None and not isinstance(value, (str, int, float, complex, bytes)):
            pending.append(value)


def _nested_function(node: ast.AST) -> int:
    raise AssertionError("measured on its own")


def _not_counted(node: ast.AST) -> int:
    raise AssertionError("skipped")


_NESTED_FUNCTION: Callable[[Any], int] = _nested_function
_NOT_COUNTED: Callable[[Any], int] = _not_counted
# Fields that never hold a node (``ctx`` holds Load/Store, which count nothing).
_LEAF_FIELDS = frozenset({"ctx", "id", "arg", "attr", "name", "kind", "type_comment", "level", "module", "conversion", "is_async", "simple", "names", "kwd_attrs"})
# None stands in lists for what is absent (`{**rest}` keys, keyword-only defaults).
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: (), ast.Name: (), type(None): ()}


def _match_paths(node: ast.AST) -> int:
    cases = node.cases  # type: ignore[attr-defined]
    # radon's rule: a case whose pattern is a bare capture (`case _:`, `case x:`) adds nothing.
    catch_all = any(getattr(case.pattern, "pattern", False) is None for case in cases)
    return max(0, len(cases) - catch_all)


# radon's increments by node type (by name there: `TryStar` is not counted); a nested
# function is measured on its own, and nothing in a nested class or an assert counts.
_DECISIONS: dict[type, Callable[[Any], int]] = {
    ast.FunctionDef: _NESTED_FUNCTION,
    ast.AsyncFunctionDef: _NESTED_FUNCTION,
    ast.ClassDef: _NOT_COUNTED,
    ast.Assert: _NOT_COUNTED,
    ast.If: lambda node: 1,
    ast.IfExp: lambda node: 1,
    ast.For: lambda node: 1 + bool(node.orelse),
    ast.AsyncFor: lambda node: 1 + bool(node.orelse),
    ast.While: lambda node: 1 + bool(node.orelse),
    ast.Try: lambda node: len(node.handlers) + bool(node.orelse),
    ast.BoolOp: lambda node: len(node.values) - 1,
    ast.comprehension: lambda node: len(node.ifs) + 1,
}
if hasattr(ast, "Match"):
    _DECISIONS[ast.Match] = _match_paths


def complexity_drivers(function: ast.AST) -> str:
    """What makes a function complex, in words: branches, boolean operators, loops.

    Counted in a walk like ``_measure_function``'s (by node type, fields read
    directly), over everything under the ``def`` (decorators and defaults too; an
    assert's content too) but nested functions, classes and lambdas."""
    branches = operators = loops = 0
    fields_of = _DRIVER_FIELDS
    pending: list[Any] = [function]
    while pending:
        node = pending.pop()
        kind = type(node)
        driver = _DRIVERS.get(kind)
        if driver is not None:
            if driver is _NOT_COUNTED:
                if node is not function:
                    continue  # nested functions and classes are measured on their own
            else:
                more_branches, more_operators, more_loops = driver(node)
                branches += more_branches
                operators += more_operators
                loops += more_loops
        _push_children(node, fields_of, _NO_DRIVER_FIELDS, pending)
    counts = {"branches": branches, "boolean operators": operators, "loops": loops}
    parts = [f"{count} {kind if count != 1 else _ONE[kind]}" for kind, count in counts.items() if count]
    return ", ".join(parts) if parts else "its structure"


_ONE = {"branches": "branch", "boolean operators": "boolean operator", "loops": "loop"}


def _loop_drivers(node: Any) -> tuple[int, int, int]:
    return bool(node.orelse), 0, 1


def _try_drivers(node: Any) -> tuple[int, int, int]:
    return len(node.handlers) + bool(node.orelse), 0, 0


# Node type → (branches, boolean operators, loops) it adds; _NOT_COUNTED: not walked into.
_DRIVERS: dict[type, Callable[[Any], tuple[int, int, int]]] = {
    ast.FunctionDef: _NOT_COUNTED,
    ast.AsyncFunctionDef: _NOT_COUNTED,
    ast.ClassDef: _NOT_COUNTED,
    ast.Lambda: _NOT_COUNTED,
    ast.If: lambda node: (1, 0, 0),
    ast.IfExp: lambda node: (1, 0, 0),
    ast.Try: _try_drivers,
    ast.BoolOp: lambda node: (0, len(node.values) - 1, 0),
    ast.For: _loop_drivers,
    ast.AsyncFor: _loop_drivers,
    ast.While: _loop_drivers,
    ast.comprehension: lambda node: (len(node.ifs), 0, 1),
}
if hasattr(ast, "TryStar"):
    _DRIVERS[ast.TryStar] = _try_drivers
if hasattr(ast, "Match"):
    _DRIVERS[ast.Match] = lambda node: (len(node.cases), 0, 0)
# The fields of _LEAF_FIELDS but an `except`'s `type` (an expression) never hold a node
# that counts; None in lists has no fields and counts nothing.
_NO_DRIVER_FIELDS = _LEAF_FIELDS - {"type"}
_DRIVER_FIELDS: dict[type, tuple[str, ...]] = {ast.Constant: (), ast.Name: (), type(None): ()}
