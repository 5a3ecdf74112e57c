"""Fast child iteration over libcst trees.

libcst's ``node.children`` and ``node.visit`` rebuild nodes as they go (they run a
transformer underneath) and cost about half a parse per full traversal; reading
the dataclass fields directly costs a tenth.  Whitespace and comment fields are
skipped: no rule looks at them.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import libcst as cst

_SKIPPED_FIELDS = re.compile(r"^(whitespace|leading_lines|lines_after|trailing_whitespace|header|footer|comma|semicolon)")
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
# type → 1 for a node, 2 for a list or tuple of children, 0 for anything else.
_KIND: dict[type, int] = {list: 2, tuple: 2}


def child_fields(node_type: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(node_type)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(node_type) if not _SKIPPED_FIELDS.match(f.name))
        _CHILD_FIELDS[node_type] = names
    return names


def _kind(value: object) -> int:
    value_type = type(value)
    kind = _KIND.get(value_type)
    if kind is None:
        # isinstance against libcst's abstract base classes is slow; ask once per type.
        kind = 1 if isinstance(value, cst.CSTNode) else 0
        _KIND[value_type] = kind
    return kind


def child_nodes(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The node's children (not whitespace or comments), in field order."""
    for name in child_fields(type(node)):
        value = getattr(node, name)
        kind = _kind(value)
        if kind == 1:
            yield value  # type: ignore[misc]
        elif kind == 2:
            for child in value:  # type: ignore[union-attr]
                if _kind(child) == 1:
                    yield child


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node below it, in the order a visitor meets them (parents
    first, then children in source order) - without the cost of ``node.visit``."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        children = list(child_nodes(current))
        children.reverse()
        stack.extend(children)
