"""Which names in a function hold NumPy arrays, and how we know.

A name is an array when every binding of it is array-valued: made by NumPy, by
another library's reader or function that returns arrays (``makers``), taken from
``.values``/``.to_numpy()`` or from a container's item (``nc.variables["t"][:]``,
``npz["x"]``), or computed from arrays.  A parameter is an array when annotated
``np.ndarray``/``NDArray`` or used as one (``.shape``, ``.ndim``, ``.dtype``).
That is *certain* evidence.  *Likely* evidence — a name used as an array that
could still be a list (``x[i, j]``, ``np.mean(x)``, ``x.T``), a DataFrame column,
a parameter to which a call in the same module passes an array — is kept apart:
rules report it as a suggestion, "if `x` is a NumPy array", never with an edit.
Lists, tuples, dicts, strings and scalars are never arrays.

Facts are worked out lazily, name by name, the first time a rule asks: a function
whose loops read two names costs two look-ups, not an analysis of every binding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

import libcst as cst

from policy_check.analysis.names import dotted_name
from policy_check.rules.base import FileContext
from policy_check.rules.vectorise import makers
from policy_check.rules.vectorise.attributes import attribute_facts
from policy_check.rules.vectorise.scope_walk import (
    ScopeWalk,
    annotation_is_array,
    walk_local,
    walk_scope,
)

__all__ = ["ArrayEvidence", "ArrayFacts", "dotted", "evidence_for", "walk_local"]


class ArrayFacts(NamedTuple):
    """What is known of one array name."""

    ndim: int | None = None
    # Allocated in this function (np.zeros/empty/array/copy…): no alias of another array.
    fresh: bool = False
    # Names with the same key have the same length along the first axis.
    length_key: str | None = None
    # Allocated with the default dtype float64 (for exactness of scans).
    float64: bool = False
    # Arrays with the same shape source have the same shape (`*_like(x)`, `x.copy()`).
    shape_source: str | None = None
    # The evidence, for messages: "made by `np.loadtxt`", "used as an array (`x.shape`)".
    why: str = ""
    # Likely, not certain: the name may still be a list (suggestions only, no edits).
    likely: bool = False
    # At least this many dimensions (`a.shape[1]`, `a[i, j]`), when ndim is unknown.
    min_ndim: int = 1


def _view(facts: ArrayFacts, **changes: object) -> ArrayFacts:
    """The facts of another name for the same memory: never fresh."""
    return facts._replace(fresh=False, **changes)


class _Arrays:
    """``evidence.arrays``: a read-only mapping name → facts, resolved on demand."""

    def __init__(self, evidence: ArrayEvidence) -> None:
        self._evidence = evidence

    def get(self, name: str, default: ArrayFacts | None = None) -> ArrayFacts | None:
        facts = self._evidence.name_facts(name)
        return default if facts is None else facts

    def __getitem__(self, name: str) -> ArrayFacts:
        facts = self._evidence.name_facts(name)
        if facts is None:
            raise KeyError(name)
        return facts

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self._evidence.name_facts(name) is not None

    def __iter__(self) -> Iterator[str]:
        return iter([name for name in self._evidence.candidate_names() if name in self])


# Values that are visibly not arrays: a name bound to one of these is never an array.
# Containers and comprehensions: a value holding one is not an array we can see.
_CONTAINER_NODES = frozenset({cst.List, cst.Tuple, cst.Dict, cst.Set, cst.ListComp, cst.DictComp, cst.SetComp, cst.GeneratorExp})
_NOT_ARRAY_NODES = _CONTAINER_NODES | {cst.SimpleString, cst.FormattedString, cst.ConcatenatedString, cst.Integer, cst.Float, cst.Lambda}
_NOT_ARRAY_BUILTINS = frozenset(
    {"list", "tuple", "dict", "set", "str", "range", "len", "int", "float", "sum", "sorted", "zip", "enumerate", "map", "open", "print", "bytearray", "bool"}
)


class ArrayEvidence:
    """The arrays of one function (or module body), and the scalars that hold lengths."""

    def __init__(self, context: FileContext, function: cst.FunctionDef | None, walk: ScopeWalk, has_outer: bool) -> None:
        self.context = context
        self.function = function
        self.walk = walk
        # A top-level function sees the module's names (its `outer` evidence).
        self.has_outer = has_outer
        self._outer: ArrayEvidence | None = None
        self.numpy_alias: str | None = next(iter(sorted(context.names.local_names_for("numpy"))), None)
        self.bound_names: set[str] = set(walk.bindings) | set(walk.params)
        self._memo: dict[str, ArrayFacts | None] = {}
        self._resolving: set[str] = set()
        self._containers_resolving: set[str] = set()
        self._provisional: dict[str, ArrayFacts] = {}

    # Views made on each use, not kept: kept, each would refer back to this evidence,
    # and the cycle would hold the file's nodes until a garbage collection.
    @property
    def arrays(self) -> _Arrays:
        return _Arrays(self)

    @property
    def lengths(self) -> _Lengths:
        return _Lengths(self)

    @property
    def outer(self) -> ArrayEvidence | None:
        """The module's evidence, for a top-level function: made on first use (most
        functions' loops read no module name, and the module's walk is the longest)."""
        if self.has_outer and self._outer is None:
            self._outer = evidence_for_scope(self.context, self.context.module)
        return self._outer

    # -- the public questions --------------------------------------------------

    def is_array(self, expr: cst.BaseExpression) -> bool:
        return self.facts(expr) is not None

    def facts(self, expr: cst.BaseExpression) -> ArrayFacts | None:
        if type(expr) is cst.Name:
            return self.name_facts(expr.value)
        return None

    def expression_facts(self, expr: cst.BaseExpression) -> ArrayFacts | None:
        """The facts of any expression (arithmetic, slices, np.* calls of arrays)."""
        return self._value_facts(expr, "")

    def certain(self, name: str) -> bool:
        facts = self.name_facts(name)
        return facts is not None and not facts.likely

    def candidate_names(self) -> list[str]:
        return sorted(self.bound_names)

    def has_candidates(self) -> bool:
        return bool(self.bound_names) or self.has_outer

    def name_facts(self, name: str) -> ArrayFacts | None:
        if name in self._memo:
            return self._memo[name]
        if name in self._resolving:
            # A cycle (`a = f(b); b = g(a)`): no evidence from it, unless the name's own
            # other bindings already said what it is (`y = y[mask]` after `y = np.load(p)`).
            return self._provisional.get(name)
        self._resolving.add(name)
        try:
            facts = self._resolve(name)
        finally:
            self._resolving.discard(name)
        self._memo[name] = facts
        return facts

    def opaque(self, value: cst.BaseExpression | None) -> bool:
        """A binding we cannot see through (a loop target, an unknown call, an item of
        something unknown, a `None` placeholder) that is not visibly a list or a scalar."""
        if value is None or (type(value) is cst.Name and value.value == "None"):
            return True
        if _visibly_not_array(value, self.context) or type(value) in (cst.Comparison, cst.BooleanOperation, cst.UnaryOperation):
            return False
        if type(value) is cst.Call and (self.context.names.qualify(value.func) or "").startswith(("numpy.", "math.")):
            return False  # NumPy or math said what it is: not an array (else it had facts)
        return not any(type(node) in _CONTAINER_NODES for node in walk_local(value))

    def visibly_not_array(self, expr: cst.BaseExpression) -> bool:
        """A list, tuple or string literal, or a name every binding of which is one."""
        if _visibly_not_array(expr, self.context):
            return True
        if type(expr) is not cst.Name:
            return False
        values = self.walk.bindings.get(expr.value)
        if values:
            return all(v is not None and _visibly_not_array(v, self.context) for v in values)
        return self.outer.visibly_not_array(expr) if self.has_outer and expr.value not in self.walk.params else False  # type: ignore[union-attr]

    def is_generator(self, name: str) -> bool:
        values = self.walk.bindings.get(name)
        return bool(values) and all(v is not None and _numpy_short(v, self.context) in ("random.default_rng", "random.Generator") for v in values)  # type: ignore[arg-type]

    def container(self, expr: cst.BaseExpression) -> str | None:
        """What container a name holds (a DataFrame, an HDF5 file…), or ``None``."""
        if type(expr) is not cst.Name or expr.value in self._containers_resolving:
            return None
        values = self.walk.bindings.get(expr.value)
        if values:
            self._containers_resolving.add(expr.value)
            try:
                kinds = {self._container_of_value(v) for v in values}
            finally:
                self._containers_resolving.discard(expr.value)
            if len(kinds) > 1 and _only_rebinding(values, expr.value):
                kinds.discard(None)  # `df = df.dropna()` keeps what df was
            return kinds.pop() if len(kinds) == 1 else None
        if expr.value in self.walk.params:
            return None
        return self.outer.container(expr) if self.outer is not None else None

    def is_frame(self, expr: cst.BaseExpression) -> bool:
        """Whether the expression holds a pandas DataFrame (made by pandas, or used like one)."""
        if self.container(expr) == "a pandas DataFrame":
            return True
        return type(expr) is cst.Name and expr.value in self.walk.frame_uses

    def length_key_of_range_stop(self, stop: cst.BaseExpression, context: FileContext) -> str | None:
        """The length key a ``range`` stop stands for: ``len(a)``, ``a.size``,
        ``a.shape[0]``, ``n`` bound to one of those."""
        if type(stop) is cst.Name:
            return self.lengths.get(stop.value)
        source = length_source(stop)
        if source is not None:
            facts = self.name_facts(source)
            if facts is not None:
                return facts.length_key
        return None

    # -- resolving one name ----------------------------------------------------

    def _resolve(self, name: str) -> ArrayFacts | None:
        values = self.walk.bindings.get(name)
        if values:
            return self._from_bindings(name, values)
        if name in self.walk.params:
            return self._from_parameter(name, self.walk.params[name])
        if self.outer is not None:
            facts = self.outer.name_facts(name)
            return _view(facts) if facts is not None else None
        return None

    def _from_bindings(self, name: str, values: list[cst.BaseExpression | None]) -> ArrayFacts | None:
        converted = self._converted_list(name, values)
        if converted:
            values = [v for v in values if v is None or type(v) not in (cst.List, cst.ListComp)]
        if any(value is not None and _visibly_not_array(value, self.context) for value in values):
            return None
        all_facts = self._binding_facts(name, values)
        if converted:
            all_facts = [_from_list(f) for f in all_facts]
        known = [f for f in all_facts if f is not None]
        if len(known) == len(all_facts):
            return self._with_hints(name, _combined(known))
        return self._from_use(name)

    def _from_use(self, name: str) -> ArrayFacts | None:
        """Bound by something we cannot see (a loop target, an unknown call) but used as an array."""
        if name in self.walk.duck_typed:
            return None
        use = self.walk.certain_uses.get(name) or self.walk.likely_uses.get(name)
        if use is None:
            return None
        return self._with_hints(name, ArrayFacts(length_key=name, shape_source=name, why=f"used as an array ({use})", likely=True))

    def _converted_list(self, name: str, values: list[cst.BaseExpression | None]) -> bool:
        """`x = []` … `x.append(v)` … `x = np.array(x)`: a list that becomes an array.
        Without flow analysis, which the loop sees is a guess: likely, never an edit."""
        lists = [v for v in values if type(v) in (cst.List, cst.ListComp)]
        if not lists or any(v is not None and _visibly_not_array(v, self.context) and v not in lists for v in values):
            return False
        return any(_converts_name(v, name, self.context) for v in values if v is not None)

    def _binding_facts(self, name: str, values: list[cst.BaseExpression | None]) -> list[ArrayFacts | None]:
        """The facts of each binding: those that do not read the name first, then
        `y = y[mask]` with those standing for `y`."""
        own = [v for v in values if v is not None and _mentions_name(v, name)]
        facts = [None if v is None else self._value_facts(v, name) for v in values if v is None or v not in own]
        if facts and not all(f is not None for f in facts):
            return facts + [None]
        if facts:
            self._provisional[name] = facts[0]  # type: ignore[assignment]
        try:
            return facts + self._own_facts(name, own)
        finally:
            self._provisional.pop(name, None)

    def _own_facts(self, name: str, own: list[cst.BaseExpression]) -> list[ArrayFacts | None]:
        """Twice, as the walk does not keep source order: `x = np.asarray(x)` reads the
        parameter, then `x = x / 100` reads the array it made."""
        own_facts: list[ArrayFacts | None] = []
        for _ in range(2):
            own_facts = [self._value_facts(value, name) for value in own]
            found = next((f for f in own_facts if f is not None), None)
            if found is None or all(f is not None for f in own_facts):
                break
            self._provisional.setdefault(name, found)
        return own_facts

    def _from_parameter(self, name: str, param: cst.Param) -> ArrayFacts | None:
        if annotation_is_array(param.annotation, self.context):
            return self._with_hints(name, ArrayFacts(length_key=name, shape_source=name, why="annotated as an array"))
        if param.annotation is not None or name in self.walk.duck_typed:
            return None
        use = self.walk.certain_uses.get(name)
        if use is not None:
            return self._with_hints(name, ArrayFacts(length_key=name, shape_source=name, why=f"used as an array ({use})"))
        use = self.walk.likely_uses.get(name)
        if use is not None:
            return self._with_hints(name, ArrayFacts(length_key=name, shape_source=name, why=f"used as an array ({use})", likely=True))
        call = _call_site_passing_array(self.context, self.function, name)
        if call is not None:
            return self._with_hints(name, ArrayFacts(length_key=name, shape_source=name, why=f"a call in this module passes an array: `{call}`", likely=True))
        return None

    def _with_hints(self, name: str, facts: ArrayFacts) -> ArrayFacts:
        hint = self.walk.min_ndim.get(name, 1)
        if facts.ndim is None and hint > facts.min_ndim:
            return facts._replace(min_ndim=hint)
        return facts

    # -- what a value is -------------------------------------------------------

    def _value_facts(self, value: cst.BaseExpression, bound_name: str) -> ArrayFacts | None:
        handler = _VALUE_HANDLERS.get(type(value))
        return handler(self, value, bound_name) if handler is not None else None

    def _name_value(self, value: cst.Name, bound_name: str) -> ArrayFacts | None:
        if value.value == "__array__":
            return ArrayFacts(why="annotated as an array")
        facts = self.name_facts(value.value)
        if facts is None and value.value in self._resolving and value.value in self.walk.params:
            # `m = m.reshape(-1, 3)`: the name on the right is the parameter.
            facts = self._from_parameter(value.value, self.walk.params[value.value])
        # A plain alias shares the other array's memory: never fresh.
        return _view(facts) if facts is not None else None

    def _call_value(self, value: cst.Call, bound_name: str) -> ArrayFacts | None:
        qualified = self.context.names.qualify(value.func)
        if qualified is not None and qualified.startswith("numpy."):
            return _numpy_call_facts(self, qualified[len("numpy."):], value, bound_name)
        if qualified is not None and makers.is_other_array_maker(qualified):
            return ArrayFacts(fresh=True, length_key=bound_name or None, why=f"made by `{dotted_name(value.func)}`")
        if type(value.func) is cst.Attribute:
            return self._method_value(value, value.func, bound_name)
        return None

    def _method_value(self, value: cst.Call, func: cst.Attribute, bound_name: str) -> ArrayFacts | None:
        method = func.attr.value
        receiver = func.value
        if method == "to_numpy":
            return ArrayFacts(length_key=bound_name or None, why="made by `.to_numpy()`")
        if type(receiver) is cst.Name and self.is_generator(receiver.value):
            if method in makers.GENERATOR_METHODS and _has_size(value, 2):
                return ArrayFacts(fresh=True, length_key=bound_name or None, why=f"drawn by `{receiver.value}.{method}`")
            return None
        if method not in makers.ARRAY_METHODS_RETURNING_ARRAYS:
            return None
        source = self.expression_facts(receiver)
        if source is None:
            if method in makers.ARRAY_ONLY_METHODS:
                # `.astype(int)` of something unknown: an array (or a pandas object), likely.
                return ArrayFacts(length_key=bound_name or None, why=f"made by `.{method}()`", likely=True)
            return None
        if method in ("copy", "astype"):
            return source._replace(fresh=True)
        ndim = source.ndim if method in makers.SAME_SHAPE_METHODS else _reshaped_ndim(method, value)
        key = source.length_key if ndim == source.ndim else None
        return ArrayFacts(ndim=ndim, length_key=key, why=source.why, likely=source.likely)

    def _attribute_value(self, value: cst.Attribute, bound_name: str) -> ArrayFacts | None:
        attr = value.attr.value
        if attr == "values":
            return ArrayFacts(length_key=bound_name or None, why="taken from `.values`")
        if attr == "T":
            source = self.expression_facts(value.value)
            return ArrayFacts(ndim=source.ndim, why=source.why, likely=source.likely) if source else None
        return attribute_facts(self, value, evidence_for_scope)

    def _subscript_value(self, value: cst.Subscript, bound_name: str) -> ArrayFacts | None:
        item = self._container_item(value, bound_name)
        if item is not None:
            return item
        base = self.expression_facts(value.value)
        if base is None:
            return None
        if any(type(element.slice) is cst.Slice for element in value.slice):
            return ArrayFacts(ndim=base.ndim if len(value.slice) == 1 else None, why=base.why, likely=base.likely)
        if all(self._selects(element.slice) for element in value.slice):
            # `a[mask]`, `a[idx]`: a boolean mask or an index array selects an array.
            return ArrayFacts(fresh=True, why=base.why, likely=base.likely)
        return None

    def _selects(self, index: cst.BaseSlice) -> bool:
        """Whether an index is an array (a mask, indices); a name still being worked out
        (`valid = y > 0` while resolving `y = y[valid]`) is taken as one."""
        if type(index) is not cst.Index:
            return False
        value = index.value
        if type(value) is cst.Name and value.value in self._resolving:
            return True
        return self.expression_facts(value) is not None

    def _container_item(self, value: cst.Subscript, bound_name: str) -> ArrayFacts | None:
        """``npz["x"]``, ``f["x"][:]``, ``nc.variables["x"][:]``, ``df["x"]`` (a Series: likely)."""
        inner = value.value
        if _is_full_read(value) and type(inner) is cst.Subscript and _string_key(inner):
            kind = self._container_of_holder(inner.value)
            if kind is not None:
                return ArrayFacts(fresh=True, length_key=bound_name or None, why=f"read from {kind}")
        if _string_key(value):
            kind = self._container_of_holder(inner)
            if kind in makers.ITEM_IS_ARRAY:
                return ArrayFacts(fresh=True, length_key=bound_name or None, why=f"read from {kind}")
            if kind in makers.COLUMN_CONTAINERS:
                return ArrayFacts(length_key=code_of(inner), why=f"a column of {kind}", likely=True, ndim=1)
        return None

    def _container_of_holder(self, holder: cst.BaseExpression) -> str | None:
        if type(holder) is cst.Attribute and holder.attr.value == "variables":
            return self._container_of_holder(holder.value)
        if type(holder) is cst.Call:
            return self._container_of_value(holder)
        return self.container(holder)

    def _container_of_value(self, value: cst.BaseExpression | None) -> str | None:
        if type(value) is not cst.Call:
            return None
        qualified = self.context.names.qualify(value.func)
        kind = makers.container_kind(qualified) if qualified is not None else None
        if kind is not None:
            return kind
        func = value.func
        if type(func) is cst.Attribute and func.attr.value in makers.FRAME_METHODS and self.container(func.value) == "a pandas DataFrame":
            return "a pandas DataFrame"
        return None

    def _binary_value(self, value: cst.BinaryOperation, bound_name: str) -> ArrayFacts | None:
        if type(value.operator) is cst.MatrixMultiply:
            return None
        left = self.expression_facts(value.left)
        right = self.expression_facts(value.right)
        if left is None or right is None:
            one = left or right
            if one is None:
                return None
            return ArrayFacts(fresh=True, ndim=one.ndim, length_key=one.length_key, why=one.why, likely=one.likely)
        ndim = left.ndim if left.ndim == right.ndim else None
        return ArrayFacts(fresh=True, ndim=ndim, why=left.why, likely=left.likely or right.likely)

    def _unary_value(self, value: cst.UnaryOperation, bound_name: str) -> ArrayFacts | None:
        if type(value.operator) is cst.Not:
            return None
        inner = self.expression_facts(value.expression)
        return inner._replace(fresh=True, shape_source=None, float64=False) if inner else None

    def _comparison_value(self, value: cst.Comparison, bound_name: str) -> ArrayFacts | None:
        if len(value.comparisons) != 1:
            return None
        left = self.expression_facts(value.left)
        if left is None:
            return None
        return ArrayFacts(fresh=True, ndim=left.ndim, length_key=left.length_key, why=left.why, likely=left.likely)

    def _length_key_of(self, expr: cst.BaseExpression) -> str | None:
        if type(expr) is cst.Name:
            return self.lengths.get(expr.value)
        source = length_source(expr)
        if source is None:
            return None
        facts = self.name_facts(source)
        return facts.length_key if facts else None


_VALUE_HANDLERS = {
    cst.Name: ArrayEvidence._name_value,
    cst.Call: ArrayEvidence._call_value,
    cst.Attribute: ArrayEvidence._attribute_value,
    cst.Subscript: ArrayEvidence._subscript_value,
    cst.BinaryOperation: ArrayEvidence._binary_value,
    cst.UnaryOperation: ArrayEvidence._unary_value,
    cst.Comparison: ArrayEvidence._comparison_value,
}


class _Lengths:
    """``evidence.lengths``: scalar names bound to the length of an array
    (``n = len(a)``, ``ny, nx = a.shape``) → the array's length key."""

    def __init__(self, evidence: ArrayEvidence) -> None:
        self._evidence = evidence

    def get(self, name: str, default: str | None = None) -> str | None:
        evidence = self._evidence
        walk = evidence.walk
        values = walk.bindings.get(name, [])
        if name in walk.shape_unpacks and len(values) == 1:
            owner, position = walk.shape_unpacks[name]
            facts = evidence.name_facts(owner)
            if facts is None:
                return default
            return facts.length_key if position == 0 else f"{owner}.shape[{position}]"
        if len(values) != 1 or values[0] is None:
            if not values and name not in walk.params and evidence.outer is not None:
                return evidence.outer.lengths.get(name, default)
            return default
        source = length_source(values[0])
        if source is None:
            return default
        facts = evidence.name_facts(source)
        return facts.length_key if facts is not None and facts.length_key else default


def length_source(expr: cst.BaseExpression) -> str | None:
    """``a`` when ``expr`` is ``len(a)``, ``a.size`` (1-D), ``a.shape[0]``."""
    if type(expr) is cst.Call:
        return _len_argument(expr)
    if type(expr) is cst.Attribute and expr.attr.value == "size" and type(expr.value) is cst.Name:
        return expr.value.value
    if type(expr) is cst.Subscript:
        return _shape_zero_owner(expr)
    return None


def _len_argument(call: cst.Call) -> str | None:
    if not (type(call.func) is cst.Name and call.func.value == "len" and len(call.args) == 1):
        return None
    arg = call.args[0].value
    return arg.value if type(arg) is cst.Name else None


def _shape_zero_owner(expr: cst.Subscript) -> str | None:
    shape = expr.value
    if not (type(shape) is cst.Attribute and shape.attr.value == "shape" and type(shape.value) is cst.Name):
        return None
    if len(expr.slice) != 1 or type(expr.slice[0].slice) is not cst.Index:
        return None
    index = expr.slice[0].slice.value
    return shape.value.value if type(index) is cst.Integer and index.value == "0" else None


def _only_rebinding(values: list[cst.BaseExpression | None], name: str) -> bool:
    """Whether the bindings other than the first are methods of the name itself
    (`df = df.dropna()`), which keep a DataFrame a DataFrame."""
    return all(
        type(v) is cst.Call and type(v.func) is cst.Attribute and type(v.func.value) is cst.Name and v.func.value.value == name
        for v in values[1:]
    )


def _combined(known: list[ArrayFacts]) -> ArrayFacts:
    """One name bound to several arrays: what they share (no length, no freshness)."""
    first = known[0]
    if len(known) == 1:
        return first
    return ArrayFacts(ndim=first.ndim, why=first.why, likely=any(f.likely for f in known), min_ndim=first.min_ndim)


def _from_list(facts: ArrayFacts | None) -> ArrayFacts | None:
    return facts._replace(likely=True, why=LIST_TURNED_ARRAY) if facts is not None else None


LIST_TURNED_ARRAY = "a list turned into an array"


def list_until_converted(context: FileContext, stack: list[cst.CSTNode], name: str) -> bool:
    """Whether `name`, a list later turned into an array (`x = np.array(x)`), is still
    the list where the current node is: no statement of the scope before the one
    holding the node (or that one) converts it.  `m = max(lows)` before
    `lows = np.array(lows)` reads the list."""
    scope_index = max(
        (i for i, node in enumerate(stack) if type(node) in (cst.FunctionDef, cst.ClassDef, cst.Lambda)),
        default=-1,
    )
    scope = stack[scope_index] if scope_index >= 0 else context.module
    if type(scope) not in (cst.FunctionDef, cst.Module):
        return False
    statements = list(scope.body) if type(scope) is cst.Module else list(getattr(scope.body, "body", ()))
    holder = next((node for node in stack[scope_index + 1 :] if any(node is s for s in statements)), None)
    if holder is None:
        return False
    for statement in statements:
        if _converts_in(statement, name, context):
            return False
        if statement is holder:
            return True
    return False


def _converts_in(statement: cst.CSTNode, name: str, context: FileContext) -> bool:
    return any(
        type(node) is cst.Assign
        and any(type(t.target) is cst.Name and t.target.value == name for t in node.targets)
        and _converts_name(node.value, name, context)
        for node in walk_local(statement, expressions=False)
    )


def _converts_name(value: cst.BaseExpression, name: str, context: FileContext) -> bool:
    if type(value) is not cst.Call or not value.args:
        return False
    short = _numpy_short(value, context)
    first = value.args[0].value
    return short in makers.CONVERTERS and type(first) is cst.Name and first.value == name


def _mentions_name(value: cst.BaseExpression, name: str) -> bool:
    return any(type(node) is cst.Name and node.value == name for node in walk_local(value))


def _reshaped_ndim(method: str, call: cst.Call) -> int | None:
    if method in ("ravel", "flatten"):
        return 1
    if method != "reshape" or not call.args or any(arg.keyword is not None for arg in call.args):
        return None
    if len(call.args) == 1:
        shape = call.args[0].value
        return len(shape.elements) if type(shape) in (cst.Tuple, cst.List) else 1
    return len(call.args)


def _string_key(subscript: cst.Subscript) -> bool:
    if len(subscript.slice) != 1 or type(subscript.slice[0].slice) is not cst.Index:
        return False
    return type(subscript.slice[0].slice.value) in (cst.SimpleString, cst.FormattedString)


def _is_full_read(subscript: cst.Subscript) -> bool:
    """``x[:]``, ``x[...]`` or ``x[()]``: reads a whole dataset into memory."""
    if len(subscript.slice) != 1:
        return False
    element = subscript.slice[0].slice
    if type(element) is cst.Slice:
        return element.lower is None and element.upper is None and element.step is None
    value = element.value
    return type(value) is cst.Ellipsis or (type(value) is cst.Tuple and not value.elements)


def _numpy_short(value: cst.BaseExpression, context: FileContext) -> str | None:
    if type(value) is not cst.Call:
        return None
    qualified = context.names.qualify(value.func)
    return qualified[len("numpy."):] if qualified and qualified.startswith("numpy.") else None


def _visibly_not_array(value: cst.BaseExpression, context: FileContext) -> bool:
    if type(value) in _NOT_ARRAY_NODES:
        return True
    if type(value) is cst.BinaryOperation:
        # `[0.0] * n`, `xs + [x]`: list arithmetic.
        return type(value.left) in (cst.List, cst.ListComp) or type(value.right) in (cst.List, cst.ListComp)
    if type(value) is cst.Call and type(value.func) is cst.Name:
        return value.func.value in _NOT_ARRAY_BUILTINS and not context.names.is_imported(value.func.value)
    return False


def code_of(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


# -- NumPy calls ---------------------------------------------------------------


def _numpy_call_facts(evidence: ArrayEvidence, numpy_name: str, call: cst.Call, bound_name: str) -> ArrayFacts | None:
    short = numpy_name.rsplit(".", 1)[-1]
    why = f"made by `{_call_text(call, numpy_name)}`"
    if numpy_name.startswith("random."):
        return _random_facts(short, call, bound_name, why)
    if _not_an_array_function(numpy_name, short):
        return None
    positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    for names, builder in _NUMPY_BUILDERS:
        if short in names:
            return builder(evidence, short, positional, keywords, bound_name, why)
    return _ufunc_facts(evidence, short, numpy_name, positional, bound_name, why)


def _call_text(call: cst.Call, numpy_name: str) -> str:
    name = dotted_name(call.func)
    return name if name is not None else f"np.{numpy_name}"


def _not_an_array_function(numpy_name: str, short: str) -> bool:
    if short in makers.NUMPY_NON_ARRAY or numpy_name.startswith(makers.NUMPY_OTHER_NAMESPACES):
        return True
    return numpy_name.startswith("linalg.") and short not in makers.NUMPY_LINALG_ARRAYS


def _random_facts(short: str, call: cst.Call, bound_name: str, why: str) -> ArrayFacts | None:
    if short in ("default_rng", "Generator"):
        return None
    if short in makers.RANDOM_ARRAY_IF_ANY_ARG:
        return ArrayFacts(fresh=True, length_key=bound_name or None, why=why) if call.args else None
    return ArrayFacts(fresh=True, length_key=bound_name or None, why=why) if _has_size(call, 2) else None


def _like_facts(evidence: ArrayEvidence, short: str, positional: list, keywords: dict, bound_name: str, why: str) -> ArrayFacts | None:
    if not positional:
        return None
    source = evidence.expression_facts(positional[0])
    dtype = keywords.get("dtype")
    return ArrayFacts(
        fresh=True,
        ndim=source.ndim if source else None,
        length_key=source.length_key if source else None,
        float64=_is_float64(dtype, evidence.context) if dtype is not None else False,
        shape_source=source.shape_source if source else None,
        why=why,
        min_ndim=source.min_ndim if source else 1,
    )


def _allocator_facts(evidence: ArrayEvidence, short: str, positional: list, keywords: dict, bound_name: str, why: str) -> ArrayFacts | None:
    if not positional:
        return None
    shape = positional[0]
    dtype = keywords.get("dtype", _positional_dtype(short, positional))
    float64 = short != "full" and (dtype is None or _is_float64(dtype, evidence.context))
    ndim = _shape_ndim(shape)
    first = shape.elements[0].value if type(shape) in (cst.Tuple, cst.List) and shape.elements else shape
    key = evidence._length_key_of(first)
    if type(shape) is cst.Attribute and shape.attr.value == "shape" and type(shape.value) is cst.Name:
        source = evidence.name_facts(shape.value.value)
        key = source.length_key if source else None
        ndim = source.ndim if source else None
    return ArrayFacts(fresh=True, ndim=ndim, length_key=key or (bound_name or None), float64=float64, why=why)


def _positional_dtype(short: str, positional: list) -> cst.BaseExpression | None:
    position = 2 if short == "full" else 1
    return positional[position] if len(positional) > position else None


def _converter_facts(evidence: ArrayEvidence, short: str, positional: list, keywords: dict, bound_name: str, why: str) -> ArrayFacts | None:
    data = positional[0] if positional else None
    if _non_numeric(data, keywords.get("dtype")):
        return None  # strings or objects: no arithmetic, no `.min()`
    source = evidence.expression_facts(data) if data is not None else None
    copies = short in ("array", "copy") and keywords.get("copy") is None
    ndim = source.ndim if source else None
    if type(data) in (cst.List, cst.Tuple):
        ndim = 1 if not any(type(e.value) in (cst.List, cst.Tuple) for e in data.elements) else None
    return ArrayFacts(
        fresh=copies,
        ndim=ndim,
        length_key=(source.length_key if source else None) or (bound_name or None),
        shape_source=source.shape_source if source else None,
        why=why,
    )


def _range_facts(evidence: ArrayEvidence, short: str, positional: list, keywords: dict, bound_name: str, why: str) -> ArrayFacts | None:
    return ArrayFacts(fresh=True, ndim=1, length_key=bound_name or None, why=why)


def _reader_facts(evidence: ArrayEvidence, short: str, positional: list, keywords: dict, bound_name: str, why: str) -> ArrayFacts | None:
    return ArrayFacts(fresh=True, length_key=bound_name or None, why=why)


def _stack_facts(evidence: ArrayEvidence, short: str, positional: list, keywords: dict, bound_name: str, why: str) -> ArrayFacts | None:
    """``np.column_stack([a, b])`` and ``np.stack([a, b], axis=1)`` of 1-D arrays are 2-D."""
    pieces = positional[0] if positional else None
    if type(pieces) not in (cst.List, cst.Tuple) or not pieces.elements:
        return ArrayFacts(fresh=True, why=why)
    facts = [evidence.expression_facts(element.value) for element in pieces.elements]
    flat = all(f is not None and f.ndim == 1 for f in facts)
    return ArrayFacts(fresh=True, ndim=2 if flat else None, why=why)


def _ufunc_facts(evidence: ArrayEvidence, short: str, numpy_name: str, positional: list, bound_name: str, why: str) -> ArrayFacts | None:
    """A ufunc or other array function of array arguments: elementwise keeps the length."""
    source = evidence.expression_facts(positional[0]) if positional else None
    if source is not None and not numpy_name.startswith("linalg."):
        key = source.length_key if short in makers.ELEMENTWISE else None
        return ArrayFacts(fresh=True, ndim=source.ndim, length_key=key, why=source.why, likely=source.likely)
    return ArrayFacts(fresh=True, length_key=bound_name or None, why=why)


_NUMPY_BUILDERS = (
    (makers.LIKE, _like_facts),
    (makers.ALLOCATORS, _allocator_facts),
    (makers.CONVERTERS, _converter_facts),
    (makers.RANGES, _range_facts),
    (makers.NUMPY_READERS, _reader_facts),
    (frozenset({"column_stack", "stack", "vstack"}), _stack_facts),
)


def _shape_ndim(arg: cst.BaseExpression) -> int | None:
    if type(arg) in (cst.Tuple, cst.List):
        return len(arg.elements)
    return 1 if type(arg) in (cst.Integer, cst.Name, cst.Call, cst.Attribute, cst.BinaryOperation) else None


_STRING_NODES = frozenset({cst.SimpleString, cst.FormattedString, cst.ConcatenatedString})


def _non_numeric(data: cst.BaseExpression | None, dtype: cst.BaseExpression | None) -> bool:
    """Whether an `np.array(...)` call visibly holds strings or Python objects."""
    if dtype is not None and _non_numeric_dtype(dtype):
        return True
    if type(data) in (cst.ListComp, cst.GeneratorExp):
        return type(data.elt) in _STRING_NODES
    if type(data) in (cst.List, cst.Tuple):
        return any(type(element.value) in _STRING_NODES for element in data.elements)
    return False


def _non_numeric_dtype(dtype: cst.BaseExpression) -> bool:
    if type(dtype) is cst.Name:
        return dtype.value in ("str", "object", "bytes")
    return type(dtype) is cst.SimpleString and dtype.value.strip("\"'")[:1] in ("U", "S", "O")


def _has_size(call: cst.Call, positional_before_size: int) -> bool:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "size":
            return not (type(arg.value) is cst.Name and arg.value.value == "None")
    positional = [arg for arg in call.args if arg.keyword is None]
    return len(positional) > positional_before_size


def _is_float64(dtype: cst.BaseExpression, context: FileContext) -> bool:
    if type(dtype) is cst.Name and dtype.value == "float":
        return True
    if type(dtype) is cst.SimpleString:
        return dtype.value.strip("\"'") in ("float64", "f8", "float", "d")
    qualified = context.names.qualify(dtype) if type(dtype) in (cst.Name, cst.Attribute) else None
    return qualified in ("numpy.float64", "numpy.double", "numpy.float_")


# -- call sites ----------------------------------------------------------------


def _call_site_passing_array(context: FileContext, function: cst.FunctionDef | None, param: str) -> str | None:
    """A call of ``function`` in this module that passes an array to ``param``
    (and no call that passes something else), as code for the message."""
    if function is None or not _is_top_level(context, function) or not _called_in_text(context, function.name.value):
        return None  # methods are called as `self.f(...)`; a function never called here has no call site
    position = _param_position(function, param)
    found = None
    for call, scope in _call_sites(context).get(function.name.value, ()):
        argument = _argument_for(call, param, position)
        if argument is None:
            continue
        if evidence_for_scope(context, scope).expression_facts(argument) is None:
            return None
        found = found or code_of(call)
    if found is not None and len(found) > 60:
        found = found[:57] + "..."
    return found


def call_site_passes_non_array(context: FileContext, function: cst.FunctionDef | None, param: str) -> bool:
    """Whether a call of ``function`` in this module passes ``param`` something visibly
    not an array (a list, a tuple, a string, a name bound to one)."""
    if function is None or not _is_top_level(context, function) or not _called_in_text(context, function.name.value):
        return False
    position = _param_position(function, param)
    for call, scope in _call_sites(context).get(function.name.value, ()):
        argument = _argument_for(call, param, position)
        if argument is not None and evidence_for_scope(context, scope).visibly_not_array(argument):
            return True
    return False


def _called_in_text(context: FileContext, name: str) -> bool:
    """Whether the module's text calls ``name`` anywhere (a cheap test before the walk)."""
    called = context.__dict__.get("_pc5_called")
    if called is None:
        # One pass over the text: every name followed by `(` that is not being defined.
        called = {m.group(2) for m in _CALLED.finditer(context.source) if m.group(1) is None}
        context.__dict__["_pc5_called"] = called
    return name in called


_CALLED = re.compile(r"(?<![\w.])(def )?(\w+)\s*\(")


def _param_position(function: cst.FunctionDef, param: str) -> int | None:
    names = [p.name.value for p in (*function.params.posonly_params, *function.params.params)]
    return names.index(param) if param in names else None


def _argument_for(call: cst.Call, param: str, position: int | None) -> cst.BaseExpression | None:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == param:
            return arg.value
    positional = [arg for arg in call.args if arg.keyword is None]
    if any(arg.star for arg in positional) or position is None or position >= len(positional):
        return None
    return positional[position].value


def _call_sites(context: FileContext) -> dict[str, list[tuple[cst.Call, cst.CSTNode]]]:
    """Calls of plain names in the module, with the scope each is in (built once)."""
    cached = context.__dict__.get("_pc5_call_sites")
    if cached is not None:
        return cached
    sites: dict[str, list[tuple[cst.Call, cst.CSTNode]]] = {}
    _collect_calls(context.module, sites)
    context.__dict__["_pc5_call_sites"] = sites
    return sites


def _collect_calls(scope: cst.CSTNode, sites: dict[str, list[tuple[cst.Call, cst.CSTNode]]]) -> None:
    """Depth first, a nested function's calls where the walk meets the function."""
    for node in walk_local(scope, leaves=False):
        node_type = type(node)
        if node_type is cst.Call and type(node.func) is cst.Name:  # type: ignore[attr-defined]
            sites.setdefault(node.func.value, []).append((node, scope))  # type: ignore[attr-defined]
        elif node is not scope and node_type in _SCOPE_TYPES:
            _collect_calls(node, sites)


_SCOPE_TYPES = frozenset({cst.FunctionDef, cst.ClassDef, cst.Lambda})


# -- scopes --------------------------------------------------------------------


def evidence_for(context: FileContext, stack: list[cst.CSTNode]) -> ArrayEvidence:
    """The evidence of the innermost function around the current node (or the module),
    computed once per function and shared by every PC5 rule."""
    scope: cst.CSTNode = context.module
    for ancestor in reversed(stack):
        if type(ancestor) in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            scope = ancestor
            break
    return evidence_for_scope(context, scope)


def evidence_for_scope(context: FileContext, scope: cst.CSTNode) -> ArrayEvidence:
    cache: dict[int, tuple[cst.CSTNode, ArrayEvidence]] = context.__dict__.setdefault("_pc5_evidence", {})
    hit = cache.get(id(scope))
    if hit is not None and hit[0] is scope:
        return hit[1]
    function = scope if type(scope) is cst.FunctionDef else None
    body = scope.body if type(scope) in (cst.FunctionDef, cst.ClassDef, cst.Lambda) else scope
    has_outer = function is not None and _is_top_level(context, function)
    evidence = ArrayEvidence(context, function, walk_scope(context, function, body), has_outer)  # type: ignore[arg-type]
    cache[id(scope)] = (scope, evidence)
    return evidence


def _is_top_level(context: FileContext, function: cst.FunctionDef) -> bool:
    top = context.__dict__.get("_pc5_top_functions")
    if top is None:
        top = {id(s) for s in context.module.body if type(s) is cst.FunctionDef}
        context.__dict__["_pc5_top_functions"] = top
    return id(function) in top


def dotted(expr: cst.BaseExpression) -> str | None:
    return dotted_name(expr)
