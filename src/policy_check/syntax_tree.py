"""Fast child iteration over libcst trees.

libcst's ``node.children`` and ``node.visit`` rebuild nodes as they go (they run a
transformer underneath) and cost about half a parse per full traversal; reading
the dataclass fields directly costs a tenth.  Whitespace and comment fields are
skipped: no rule looks at them.

libcst nodes are dataclasses with fixed fields, so each node type gets its own
small function, written once from its fields, that reads them in order (fields
typed ``str``, ``bool`` or a ``Literal`` never hold a node and are not read).  A
walk over research code meets each node two or three times (the engine's
traversal, PC5, finding positions), and this costs about half of a loop over the
field names.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import functools
import re
import typing
from collections.abc import Callable, Iterator

import libcst as cst

_SKIPPED_FIELDS = re.compile(r"^(whitespace|leading_lines|lines_after|trailing_whitespace|header|footer|comma|semicolon)")
_CHILD_FIELDS: dict[type, tuple[str, ...]] = {}
# Field annotations whose values are never nodes.
_NEVER_NODES = (str, bool)

NODE = 1
SEQUENCE = 2
OTHER = 3
# type → NODE, SEQUENCE (a list or tuple of children) or OTHER.
_KIND: dict[type, int] = {list: SEQUENCE, tuple: SEQUENCE}


def child_fields(node_type: type) -> tuple[str, ...]:
    names = _CHILD_FIELDS.get(node_type)
    if names is None:
        names = tuple(f.name for f in dataclasses.fields(node_type) if not _SKIPPED_FIELDS.match(f.name))
        _CHILD_FIELDS[node_type] = names
    return names


def _classify(value: object) -> int:
    # Asked once per type, and of the type's MRO: CSTNode is an abstract base class, so
    # a failing isinstance searches every libcst node class (~3M instructions each
    # for str, int, MaybeSentinel... on a process's first walk).
    kind = NODE if cst.CSTNode in type(value).__mro__ else OTHER
    _KIND[type(value)] = kind
    return kind


def _may_hold_nodes(annotation: object) -> bool:
    if annotation in _NEVER_NODES:
        return False
    return typing.get_origin(annotation) is not typing.Literal


# How a field is read, from its annotation: its value is always a node, a node or
# None, a node or MaybeSentinel, or a sequence of nodes; else its value is looked at
# (`str | None`, forward references, a sequence of a union with a string).
_NODE, _OPTIONAL, _MAYBE, _NODES, _LOOKED_AT = range(5)

# A field looked at: a node is a child; a list or tuple gives its nodes.
_LOOKED_AT_SOURCE = """\
    value = node.{name}
    kind = kind_of(value.__class__) or classify(value)
    if kind == 1:
        children.append(value)
    elif kind == 2 and value:
        for child in value:
            if (kind_of(child.__class__) or classify(child)) == 1:
                children.append(child)
"""
_FIELD_SOURCE = {
    _NODE: "    children.append(node.{name})\n",
    _NODES: "    children.extend(node.{name})\n",
    _OPTIONAL: "    value = node.{name}\n    if value is not None:\n        children.append(value)\n",
    _MAYBE: "    value = node.{name}\n    if value.__class__ is not MaybeSentinel:\n        children.append(value)\n",
    _LOOKED_AT: _LOOKED_AT_SOURCE,
}


def _is_node_type(annotation: object) -> bool:
    return isinstance(annotation, type) and cst.CSTNode in annotation.__mro__  # not issubclass: see _classify


def _field_kind(annotation: object) -> int:
    if _is_node_type(annotation):
        return _NODE
    origin, arguments = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union:
        others = [argument for argument in arguments if not _is_node_type(argument)]
        if len(others) < len(arguments):
            return {(): _NODE, (type(None),): _OPTIONAL, (cst.MaybeSentinel,): _MAYBE}.get(tuple(others), _LOOKED_AT)
    elif origin is collections.abc.Sequence and len(arguments) == 1 and _field_kind(arguments[0]) == _NODE:
        return _NODES
    return _LOOKED_AT


def _node_fields(node_type: type) -> list[str]:
    """The child fields that can hold a node."""
    annotations = {f.name: f.type for f in dataclasses.fields(node_type)}
    return [name for name in child_fields(node_type) if _may_hold_nodes(annotations[name])]


def _children_source(node_type: type, names: list[str]) -> str:
    """The children function's text.  Where every field holds a node or a sequence of
    nodes, one list: ``[node.func, *node.args, ...]``."""
    annotations = {f.name: f.type for f in dataclasses.fields(node_type)}
    kinds = [(name, _field_kind(annotations[name])) for name in names]
    if all(kind in (_NODE, _NODES) for _, kind in kinds):
        listed = ", ".join(f"node.{name}" if kind == _NODE else f"*node.{name}" for name, kind in kinds)
        return f"def children(node):\n    return [{listed}]\n"
    source = "def children(node, kind_of=kind_of, classify=classify, MaybeSentinel=MaybeSentinel):\n    children = []\n"
    source += "".join(_FIELD_SOURCE[kind].format(name=name) for name, kind in kinds)
    return source + "    return children\n"


def _children_function(node_type: type) -> Callable[[cst.CSTNode], list[cst.CSTNode]]:
    """The function that lists a ``node_type`` node's children, written from its fields."""
    names = _node_fields(node_type)
    if not names:
        return _no_children
    namespace: dict[str, object] = {"kind_of": _KIND.get, "classify": _classify, "MaybeSentinel": cst.MaybeSentinel}
    code = compile(_children_source(node_type, names), f"<children of {node_type.__name__}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own text, from dataclass field names
    return namespace["children"]  # type: ignore[return-value]


def _no_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    return []


class _ChildrenFunctions(dict):
    """node type → the function listing a node's children."""

    def __missing__(self, node_type: type) -> Callable[[cst.CSTNode], list[cst.CSTNode]]:
        function = _children_function(node_type)
        self[node_type] = function
        return function


CHILDREN = _ChildrenFunctions()


@functools.cache
def leaf_types() -> frozenset[type]:
    """libcst's node types whose nodes never have children (tokens: ``.``, ``(``, ``+``, ``=``)."""
    found = set()
    pending = [cst.CSTNode]
    while pending:
        node_type = pending.pop()
        pending.extend(node_type.__subclasses__())
        if dataclasses.is_dataclass(node_type) and not _node_fields(node_type):
            found.add(node_type)
    return frozenset(found)


def child_nodes(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The node's children (not whitespace or comments), in field order."""
    return CHILDREN[node.__class__](node)


def descendants(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """``node`` and every node below it, in the order a visitor meets them (parents
    first, then children in source order) - without the cost of ``node.visit``."""
    children_of = CHILDREN
    stack = [node]
    pop, extend = stack.pop, stack.extend
    while stack:
        current = pop()
        yield current
        children = children_of[current.__class__](current)
        if children:
            children.reverse()
            extend(children)
