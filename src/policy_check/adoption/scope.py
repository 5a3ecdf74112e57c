"""The enclosing function or class of a finding, by row, from CPython's tree.

Baseline fingerprints use it instead of row numbers: ``Model.fit`` stays
``Model.fit`` when lines are inserted above it or the method moves in the file.
"""

from __future__ import annotations

import ast

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def enclosing_scope(tree: ast.Module | None, row: int) -> str:
    """The dotted name of the innermost function or class whose ``def``/``class``
    line to last line holds ``row`` (``""`` at module level).

    It descends only into the statement that holds the row, so the cost is the
    nesting depth times the statements per block, not the size of the file."""
    if tree is None:
        return ""
    names: list[str] = []
    node: ast.AST = tree
    while True:
        child = _statement_holding(node, row)
        if child is None:
            return ".".join(names)
        if isinstance(child, _SCOPES):
            names.append(child.name)
        node = child


def _statement_holding(node: ast.AST, row: int) -> ast.stmt | None:
    for field_name in ("body", "orelse", "finalbody", "handlers", "cases"):
        block = getattr(node, field_name, None)
        if not isinstance(block, list):
            continue
        for child in block:
            start, end = getattr(child, "lineno", None), getattr(child, "end_lineno", None)
            if start is None or end is None or not start <= row <= end:
                continue
            if isinstance(child, (ast.stmt, ast.excepthandler)) or type(child).__name__ == "match_case":
                return child  # type: ignore[return-value]
    return None
