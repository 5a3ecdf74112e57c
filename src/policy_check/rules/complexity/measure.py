"""Measuring complexity for PC6: a cheap keyword count that rules a file out before
radon runs, radon's functions as one list, and what drives a function's count."""

from __future__ import annotations

import ast
import re
from collections import Counter

from radon.visitors import Function

# Every keyword that can add one to a function's complexity (and some that cannot):
# a file with fewer of them than the threshold has no function over it.
_DECISION_WORD = re.compile(rb"\b(?:if|elif|for|while|and|or|except|else|case)\b")
_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def decision_words_at_least(source: str, count: int) -> bool:
    """Whether ``source`` holds at least ``count`` decision keywords (stops at ``count``)."""
    found = 0
    for _ in _DECISION_WORD.finditer(source.encode("utf-8", "surrogatepass")):
        found += 1
        if found >= count:
            return True
    return False


def flatten(blocks: list[object]) -> list[Function]:
    """radon's functions, methods and closures as one list."""
    functions: list[Function] = []
    pending = list(blocks)
    while pending:
        block = pending.pop()
        if isinstance(block, Function):
            functions.append(block)
            pending.extend(block.closures)
        else:  # a Class: its methods
            pending.extend(getattr(block, "methods", ()))
    return functions


def complexity_drivers(function: ast.AST) -> str:
    """What makes a function complex, in words: branches, boolean operators, loops."""
    counts: Counter[str] = Counter()
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        if isinstance(node, _NESTED_SCOPES):
            continue  # nested functions and classes are measured on their own
        if isinstance(node, (ast.If, ast.IfExp)):
            counts["branches"] += 1
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            counts["branches"] += len(node.handlers) + bool(node.orelse)  # type: ignore[attr-defined]
        elif type(node).__name__ == "Match":
            counts["branches"] += len(node.cases)  # type: ignore[attr-defined]
        elif isinstance(node, ast.BoolOp):
            counts["boolean operators"] += len(node.values) - 1
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            counts["loops"] += 1
            counts["branches"] += bool(node.orelse)
        elif isinstance(node, ast.comprehension):
            counts["loops"] += 1
            counts["branches"] += len(node.ifs)
        pending.extend(ast.iter_child_nodes(node))
    parts = [f"{counts[kind]} {kind if counts[kind] != 1 else kind[:-1]}" for kind in ("branches", "boolean operators", "loops") if counts[kind]]
    return ", ".join(parts) if parts else "its structure"

