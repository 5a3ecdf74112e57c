"""One walk over a function (or module) body that records what PC5's array evidence
needs: every binding of every name, the parameters, and how names are *used*
(``x.shape``, ``x[i, j]``, ``np.mean(x)``, ``hasattr(x, ...)``).  Nothing is
decided here; ``evidence`` reads these records lazily, only for the names loops use.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Iterator

import libcst as cst
from libcst import MaybeSentinel

from policy_check.rules.base import FileContext
from policy_check.rules.vectorise.makers import FRAME_ATTRIBUTES, TAKES_ARRAY
from policy_check.syntax_tree import child_fields, leaf_types

# Attributes only arrays (and array-likes) have: certain evidence for a parameter.
CERTAIN_ATTRIBUTES = frozenset({"shape", "ndim", "dtype"})
_DUCK_TYPING = frozenset({"hasattr", "isinstance", "getattr"})
# A binding we cannot see as a value (a loop target, a `with ... as`, `global`).
UNKNOWN = None


_SCOPE_TYPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


# Childless tokens (operators, brackets, dots, commas, `=`): a quarter of a tree's nodes,
# and no PC5 walk looks at them (a rule reads an operator through its parent's field).
# Childless statements (`break`, `continue`, `pass`) are walked.
_TOKENS = frozenset(node_type for node_type in leaf_types() if cst.BaseSmallStatement not in node_type.__mro__)


def _is_node_type(kind: type) -> bool:
    """``issubclass(kind, cst.CSTNode)`` without the ABC machinery: a failing ``issubclass``
    against an ABC searches every subclass of it (hundreds for libcst's node base), and
    the types asked about here (``str``, ``MaybeSentinel``...) fail; libcst's nodes are
    real subclasses, never registered ones, so the MRO answers the same."""
    return cst.CSTNode in kind.__mro__


def _holds_walked_nodes(annotation: object) -> bool:
    """Whether a field typed ``annotation`` can hold a node the walk yields (not only
    tokens, strings or flags); anything not understood is read."""
    if typing.get_origin(annotation) is typing.Literal or annotation in (str, bool, type(None), MaybeSentinel):
        return False
    arguments = typing.get_args(annotation)
    if arguments:
        return any(_holds_walked_nodes(argument) for argument in arguments)
    if not isinstance(annotation, type) or not _is_node_type(annotation):
        return True
    return not all(kind in _TOKENS for kind in _self_and_subclasses(annotation))


def _self_and_subclasses(node_type: type) -> Iterator[type]:
    yield node_type
    for subclass in node_type.__subclasses__():
        yield from _self_and_subclasses(subclass)


class _ChildFields(dict):
    """node type → the fields that can hold a node the walk yields (parentheses and tokens
    left out: no rule reads them through a walk)."""

    def __missing__(self, node_type: type) -> tuple[str, ...]:
        annotations = {f.name: f.type for f in dataclasses.fields(node_type)}
        names = tuple(
            name for name in child_fields(node_type) if name not in ("lpar", "rpar") and _holds_walked_nodes(annotations[name])
        )
        self[node_type] = names
        return names


class _Kinds(dict):
    """value type → 1 for a node walked, 2 for a sequence of nodes, 0 for anything else
    (the node types left out included)."""

    def __init__(self, left_out: frozenset[type], expressions: bool = True) -> None:
        super().__init__()
        self.left_out = left_out
        self.expressions = expressions

    def __missing__(self, value_type: type) -> int:
        if value_type in (list, tuple):
            kind = 2
        else:
            kind = int(_is_node_type(value_type) and value_type not in self.left_out and (self.expressions or not _is_expression_type(value_type)))
        self[value_type] = kind
        return kind


def _is_expression_type(kind: type) -> bool:
    return cst.BaseExpression in kind.__mro__


_FIELDS = _ChildFields()
_KINDS = _Kinds(_TOKENS)
# Names and literals are childless too: a third of what is left of a tree.
_KINDS_WITHOUT_LEAVES = _Kinds(_TOKENS | {cst.Name, cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString})
# Statements and their blocks only: no expression holds a statement.
_KINDS_OF_STATEMENTS = _Kinds(_TOKENS, expressions=False)


def walk_local(
    node: cst.CSTNode, local: bool = True, known: dict | None = None, leaves: bool = True, expressions: bool = True
) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included; tokens left out), not entering nested functions,
    lambdas or classes (their names are another scope) unless ``local`` is false,
    nor nodes whose id is in ``known`` (answered already: the caller looks them up).
    Without ``leaves``, names and literals are left out too (for walks that look for
    statements, calls or subscripts and read names through them); without
    ``expressions``, every expression is (for walks that look for statements only).
    Written for speed: PC5 walks loop bodies and scopes with it many times a file."""
    stack = [node]
    pop, push = stack.pop, stack.append
    kinds = (_KINDS if leaves else _KINDS_WITHOUT_LEAVES) if expressions else _KINDS_OF_STATEMENTS
    all_fields = _FIELDS
    scopes = _SCOPE_TYPES if local else frozenset()
    known = known or {}
    while stack:
        current = pop()
        yield current
        node_type = type(current)
        if (node_type in scopes or id(current) in known) and current is not node:
            continue
        for name in all_fields[node_type]:
            value = getattr(current, name)
            kind = kinds[type(value)]
            if kind == 1:
                push(value)
            elif kind == 2:
                for child in value:
                    if kinds[type(child)] == 1:
                        push(child)


class ScopeWalk:
    """The raw records of one scope."""

    __slots__ = ("bindings", "params", "certain_uses", "likely_uses", "duck_typed", "shape_unpacks", "min_ndim", "frame_uses")

    def __init__(self) -> None:
        self.bindings: dict[str, list[cst.BaseExpression | None]] = {}
        self.params: dict[str, cst.Param] = {}
        # name → how it is used as an array; certain (`x.shape`) and likely (`x[i, j]`, `np.mean(x)`).
        self.certain_uses: dict[str, str] = {}
        self.likely_uses: dict[str, str] = {}
        self.duck_typed: set[str] = set()
        # `ny, nx = a.shape` → {"ny": ("a", 0), "nx": ("a", 1)}.
        self.shape_unpacks: dict[str, tuple[str, int]] = {}
        # Lower bounds on dimensions: `a.shape[1]`, `a[i, j]` → 2.
        self.min_ndim: dict[str, int] = {}
        # Names used like a DataFrame (`df.iloc`, `df.columns`).
        self.frame_uses: set[str] = set()

    def bind(self, name: str, value: cst.BaseExpression | None) -> None:
        self.bindings.setdefault(name, []).append(value)

    def hint_ndim(self, name: str, ndim: int) -> None:
        self.min_ndim[name] = max(ndim, self.min_ndim.get(name, 0))


def walk_scope(context: FileContext, function: cst.FunctionDef | None, body: cst.CSTNode) -> ScopeWalk:
    """The records of the scope whose body is ``body`` (``function``'s, or a class's, a
    lambda's or the module's: ``function`` is ``None``)."""
    walk = ScopeWalk()
    if function is not None:
        params = function.params
        for param in (*params.posonly_params, *params.params, *params.kwonly_params):
            walk.params[param.name.value] = param
    handlers = _HANDLERS
    for node in walk_local(body, leaves=False):
        handler = handlers.get(type(node))
        if handler is not None:
            handler(walk, node, context)
    return walk


# -- bindings ------------------------------------------------------------------


def _assign(walk: ScopeWalk, node: cst.Assign, context: FileContext) -> None:
    for target in node.targets:
        bind_target(walk, target.target, node.value)


def _ann_assign(walk: ScopeWalk, node: cst.AnnAssign, context: FileContext) -> None:
    if type(node.target) is not cst.Name:
        return
    value = node.value
    if annotation_is_array(node.annotation, context):
        # An annotated array: the annotation is the evidence, whatever the value.
        walk.bind(node.target.value, value if value is not None and type(value) is not cst.Name else cst.Name("__array__"))
    elif value is not None:
        walk.bind(node.target.value, value)


def _loop_target(walk: ScopeWalk, node: cst.For | cst.CompFor, context: FileContext) -> None:
    bind_unknown(walk, node.target)


def _with(walk: ScopeWalk, node: cst.With, context: FileContext) -> None:
    for item in node.items:
        if item.asname is not None:
            # `with h5py.File(p) as f`: the item's value, so containers are seen.
            bind_target(walk, item.asname.name, item.item)


def _named_expr(walk: ScopeWalk, node: cst.NamedExpr, context: FileContext) -> None:
    bind_unknown(walk, node.target)


def _definition(walk: ScopeWalk, node: cst.FunctionDef | cst.ClassDef, context: FileContext) -> None:
    # A nested definition (the walk starts at a body, so never at the scope's own
    # function) binds its name to something that is not an array.
    walk.bind(node.name.value, UNKNOWN)


def _global(walk: ScopeWalk, node: cst.Global | cst.Nonlocal, context: FileContext) -> None:
    for item in node.names:
        walk.bind(item.name.value, UNKNOWN)


def _except(walk: ScopeWalk, node: cst.ExceptHandler, context: FileContext) -> None:
    if node.name is not None:
        bind_unknown(walk, node.name.name)


def bind_target(walk: ScopeWalk, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
    if type(target) is cst.Name:
        walk.bind(target.value, value)
        return
    if type(target) not in (cst.Tuple, cst.List):
        return
    if type(value) in (cst.Tuple, cst.List) and len(value.elements) == len(target.elements):
        for element, item in zip(target.elements, value.elements):
            bind_target(walk, element.value, item.value)
        return
    # `ny, nx = a.shape`: each is a length of `a`; `x, y = f()`: unknown.
    shape_of = _shape_owner(value)
    for position, element in enumerate(target.elements):
        bind_unknown(walk, element.value)
        if shape_of is not None and type(element.value) is cst.Name:
            walk.shape_unpacks[element.value.value] = (shape_of, position)
    if shape_of is not None and not any(type(e) is cst.StarredElement for e in target.elements):
        walk.hint_ndim(shape_of, len(target.elements))


def _shape_owner(value: cst.BaseExpression) -> str | None:
    if type(value) is cst.Attribute and value.attr.value == "shape" and type(value.value) is cst.Name:
        return value.value.value
    return None


def bind_unknown(walk: ScopeWalk, target: cst.BaseExpression) -> None:
    if type(target) is cst.Name:
        walk.bind(target.value, UNKNOWN)
    elif type(target) in (cst.Tuple, cst.List):
        for element in target.elements:
            bind_unknown(walk, element.value)
    elif type(target) is cst.StarredElement:
        bind_unknown(walk, target.value)


# -- uses ----------------------------------------------------------------------


def _attribute(walk: ScopeWalk, node: cst.Attribute, context: FileContext) -> None:
    if type(node.value) is not cst.Name:
        return
    name, attr = node.value.value, node.attr.value
    if attr in CERTAIN_ATTRIBUTES:
        walk.certain_uses.setdefault(name, f"`{name}.{attr}`")
    elif attr == "T":
        walk.likely_uses.setdefault(name, f"`{name}.T`")
    if attr in FRAME_ATTRIBUTES:
        walk.frame_uses.add(name)


def _subscript(walk: ScopeWalk, node: cst.Subscript, context: FileContext) -> None:
    value = node.value
    if type(value) is cst.Attribute and value.attr.value == "shape" and type(value.value) is cst.Name:
        _shape_index(walk, value.value.value, node)
        return
    if type(value) is not cst.Name or len(node.slice) < 2:
        return
    if all(type(e.slice) is cst.Slice or type(e.slice.value) not in (cst.SimpleString, cst.FormattedString) for e in node.slice):
        walk.likely_uses.setdefault(value.value, f"`{value.value}[i, j]`")
        walk.hint_ndim(value.value, len(node.slice))


def _shape_index(walk: ScopeWalk, name: str, node: cst.Subscript) -> None:
    first = node.slice[0].slice
    if type(first) is cst.Index and type(first.value) is cst.Integer:
        walk.hint_ndim(name, int(first.value.value) + 1)


def _call(walk: ScopeWalk, node: cst.Call, context: FileContext) -> None:
    if not node.args or type(node.args[0].value) is not cst.Name:
        return
    first = node.args[0].value.value
    func = node.func
    if type(func) is cst.Name and func.value in _DUCK_TYPING:
        # Duck typing: the parameter may be anything, whatever attributes it uses.
        walk.duck_typed.add(first)
        return
    qualified = context.names.qualify_ending(func, _TAKES_ARRAY_LAST_NAMES)
    if not qualified or not qualified.startswith("numpy.") or node.args[0].keyword is not None:
        return
    if qualified[len("numpy."):] not in TAKES_ARRAY:
        return  # `np.asarray(x)` says x may not be an array yet; `np.zeros(n)` takes a size
    walk.likely_uses.setdefault(first, f"passed to `{_short_call(func)}`")


# The last names of those functions: a call ending otherwise is never qualified.
_TAKES_ARRAY_LAST_NAMES = frozenset(name.rpartition(".")[2] for name in TAKES_ARRAY)


def _short_call(func: cst.BaseExpression) -> str:
    if type(func) is cst.Attribute and type(func.value) is cst.Name:
        return f"{func.value.value}.{func.attr.value}"
    return func.value if type(func) is cst.Name else "np.*"


_HANDLERS = {
    cst.Assign: _assign,
    cst.AnnAssign: _ann_assign,
    cst.For: _loop_target,
    cst.CompFor: _loop_target,
    cst.With: _with,
    cst.NamedExpr: _named_expr,
    cst.FunctionDef: _definition,
    cst.ClassDef: _definition,
    cst.Global: _global,
    cst.Nonlocal: _global,
    cst.ExceptHandler: _except,
    cst.Attribute: _attribute,
    cst.Subscript: _subscript,
    cst.Call: _call,
}


def annotation_is_array(annotation: cst.Annotation | None, context: FileContext) -> bool:
    if annotation is None:
        return False
    node = annotation.annotation
    if type(node) is cst.SimpleString:
        text = node.value.strip("\"'")
        return text.endswith("ndarray") or text.startswith(("NDArray", "npt.NDArray", "np.ndarray"))
    if type(node) is cst.Subscript:
        node = node.value
    qualified = context.names.qualify(node) if type(node) in (cst.Name, cst.Attribute) else None
    return qualified in ("numpy.ndarray", "numpy.typing.NDArray")
