"""The values of literal expressions in a libcst tree."""

from __future__ import annotations

import libcst as cst


def string_value(node: cst.BaseExpression) -> str | None:
    """The value of a plain (non-bytes, non-f) string literal or implicit concatenation."""
    if isinstance(node, cst.SimpleString):
        if "b" in node.prefix.lower():
            return None
        value = node.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(node, cst.ConcatenatedString):
        left, right = string_value(node.left), string_value(node.right)
        return None if left is None or right is None else left + right
    return None
