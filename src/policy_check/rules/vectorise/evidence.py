"""Which names in a function hold NumPy arrays: intra-procedural array evidence.

A name is an array when every binding of it in the function is array-valued (an
``np.*`` constructor or function, arithmetic or slicing of arrays, ``.to_numpy()``,
``.values``, a Generator's draws with a size) or when it is a parameter annotated
``np.ndarray``/``NDArray`` or used as one (``.shape``, ``.ndim``, ``.dtype``, passed
to ``np.*_like``).  Lists, tuples, dicts, ranges and unknown objects are not arrays.
The analysis also records, where it can tell, the number of dimensions, whether the
array is freshly allocated here (so nothing else aliases it), and a *length key*:
two arrays with the same key have the same first-axis length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import libcst as cst

from policy_check.rules.base import FileContext
from policy_check.analysis.names import dotted_name
from policy_check.syntax_tree import child_nodes

# NumPy functions that return a scalar (for 1-D input) or something else than an array.
_NUMPY_NON_ARRAY = frozenset(
    {
        "sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var", "median", "average", "any", "all",
        "argmax", "argmin", "nanmax", "nanmin", "nansum", "nanmean", "nanstd", "nanvar", "ndim", "size",
        "shape", "isscalar", "array_equal", "allclose", "array_equiv", "dtype", "errstate", "printoptions",
        "save", "savez", "savetxt", "savez_compressed", "iinfo", "finfo", "result_type", "can_cast", "trapz",
        "trapezoid", "count_nonzero", "ptp", "percentile", "quantile", "nanpercentile", "nanquantile", "vdot",
        "dot", "inner", "einsum", "tensordot", "nditer", "ndenumerate", "ndindex", "broadcast", "vectorize",
        "frompyfunc", "seterr", "geterr", "set_printoptions", "histogram", "unique", "nonzero", "where",
        "meshgrid", "gradient", "split", "array_split", "hsplit", "vsplit", "broadcast_arrays", "polyfit",
        "loadtxt_like_placeholder",
    }
)
# Allocations: the result is a fresh array nothing else refers to.
_FRESH_ALLOCATORS = frozenset(
    {"zeros", "ones", "empty", "full", "zeros_like", "ones_like", "empty_like", "full_like", "array", "copy"}
)
_LIKE = frozenset({"zeros_like", "ones_like", "empty_like", "full_like"})
# Random draws whose size comes from a keyword or a trailing positional argument.
_RANDOM_ARRAY_IF_ANY_ARG = frozenset({"rand", "randn", "random", "random_sample", "ranf", "sample", "permutation"})
_GENERATOR_METHODS = frozenset(
    {
        "normal", "uniform", "integers", "random", "standard_normal", "exponential", "gamma", "poisson",
        "binomial", "choice", "beta", "lognormal", "multivariate_normal", "permutation",
    }
)
_ARRAY_METHODS_RETURNING_ARRAYS = frozenset(
    {
        "copy", "astype", "reshape", "ravel", "flatten", "transpose", "squeeze", "cumsum", "cumprod", "clip",
        "round", "conj", "swapaxes", "repeat", "take", "compress", "diagonal", "view",
    }
)
_ARRAY_ATTRIBUTE_PARAMS = frozenset({"shape", "ndim", "dtype"})
_ARRAY_ANNOTATIONS = ("ndarray", "NDArray", "ArrayLike_is_not", "np.ndarray")


@dataclass
class ArrayFacts:
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


@dataclass
class ArrayEvidence:
    """The arrays of one function (or module body), and the scalars that hold lengths."""

    arrays: dict[str, ArrayFacts] = field(default_factory=dict)
    # Scalar names bound to the length of an array: `n = len(a)` → {"n": key of a}.
    lengths: dict[str, str] = field(default_factory=dict)
    # Names bound to a NumPy Generator (their draws are arrays, their calls random).
    generators: set[str] = field(default_factory=set)
    numpy_alias: str | None = None
    # Every name bound in the scope (a builtin rebound here is not the builtin).
    bound_names: set[str] = field(default_factory=set)
    # The array facts of any expression (arithmetic, slices, np.* calls of arrays).
    expression_facts: Callable[[cst.BaseExpression], ArrayFacts | None] = lambda expr: None

    def is_array(self, expr: cst.BaseExpression) -> bool:
        return self.facts(expr) is not None

    def facts(self, expr: cst.BaseExpression) -> ArrayFacts | None:
        if isinstance(expr, cst.Name):
            return self.arrays.get(expr.value)
        return None

    def length_key_of_range_stop(self, stop: cst.BaseExpression, context: FileContext) -> str | None:
        """The length key a ``range`` stop stands for: ``len(a)``, ``a.size``,
        ``a.shape[0]``, ``n`` bound to one of those."""
        if isinstance(stop, cst.Name):
            return self.lengths.get(stop.value)
        source = _length_source(stop, context)
        if source is not None:
            facts = self.arrays.get(source)
            if facts is not None:
                return facts.length_key
        return None


def _length_source(expr: cst.BaseExpression, context: FileContext) -> str | None:
    """``a`` when ``expr`` is ``len(a)``, ``a.size`` (1-D), ``a.shape[0]``."""
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Name) and expr.func.value == "len" and len(expr.args) == 1:
        arg = expr.args[0].value
        return arg.value if isinstance(arg, cst.Name) else None
    if isinstance(expr, cst.Attribute) and expr.attr.value == "size" and isinstance(expr.value, cst.Name):
        return expr.value.value
    if (
        isinstance(expr, cst.Subscript)
        and isinstance(expr.value, cst.Attribute)
        and expr.value.attr.value == "shape"
        and isinstance(expr.value.value, cst.Name)
        and len(expr.slice) == 1
        and isinstance(expr.slice[0].slice, cst.Index)
        and isinstance(expr.slice[0].slice.value, cst.Integer)
        and expr.slice[0].slice.value.value == "0"
    ):
        return expr.value.value.value
    return None


def walk_local(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """Every node under ``node`` (itself included), not entering nested functions,
    lambdas or classes (their names are another scope)."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if current is not node and isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(child_nodes(current))


def _is_numpy_call(call: cst.Call, context: FileContext) -> str | None:
    qualified = context.names.qualify(call.func)
    if qualified and qualified.startswith("numpy."):
        return qualified[len("numpy."):]
    return None


def _annotation_is_array(annotation: cst.Annotation | None, context: FileContext) -> bool:
    if annotation is None:
        return False
    node = annotation.annotation
    if isinstance(node, cst.SimpleString):
        text = node.value.strip("\"'")
        return text.endswith("ndarray") or text.startswith(("NDArray", "npt.NDArray", "np.ndarray"))
    if isinstance(node, cst.Subscript):
        node = node.value
    qualified = context.names.qualify(node) if isinstance(node, (cst.Name, cst.Attribute)) else None
    return qualified in ("numpy.ndarray", "numpy.typing.NDArray")


def _shape_ndim(arg: cst.BaseExpression) -> int | None:
    if isinstance(arg, (cst.Tuple, cst.List)):
        return len(arg.elements)
    return 1 if isinstance(arg, (cst.Integer, cst.Name, cst.Call, cst.Attribute, cst.BinaryOperation)) else None


class _EvidenceBuilder:
    def __init__(self, context: FileContext, function: cst.FunctionDef | None, body: cst.CSTNode) -> None:
        self.context = context
        self.function = function
        self.body = body
        self.evidence = ArrayEvidence()
        self.evidence.numpy_alias = next(iter(sorted(context.names.local_names_for("numpy"))), None)
        # name -> list of bound values (None: a binding we cannot see as a value).
        self.bindings: dict[str, list[cst.BaseExpression | None]] = {}
        self.params: dict[str, cst.Param] = {}

    def build(self) -> ArrayEvidence:
        self._collect()
        arrays = self.evidence.arrays
        for name, param in self.params.items():
            if name in self.bindings:
                continue
            if _annotation_is_array(param.annotation, self.context) or (
                name in self.used_as_array and name not in self.duck_typed
            ):
                arrays[name] = ArrayFacts(length_key=name, shape_source=name)
        # Two passes settle chains like `b = a * 2; c = b[1:]`.
        for _ in range(3):
            changed = False
            for name, values in self.bindings.items():
                if name in arrays:
                    continue
                if values and all(v is not None and self._array_facts(v, name) is not None for v in values):
                    facts = self._array_facts(values[0], name)
                    assert facts is not None
                    if len(values) > 1:
                        facts = ArrayFacts(ndim=facts.ndim, length_key=None)
                    arrays[name] = facts
                    changed = True
            if not changed:
                break
        for name, values in self.bindings.items():
            if name in arrays or len(values) != 1 or values[0] is None:
                continue
            source = _length_source(values[0], self.context)
            if source is not None and source in arrays and arrays[source].length_key:
                self.evidence.lengths[name] = arrays[source].length_key  # type: ignore[assignment]
        for name, key in self.tuple_shape_lengths.items():
            if name not in arrays and len(self.bindings.get(name, ())) == 1:
                self.evidence.lengths[name] = key
        self.evidence.bound_names = set(self.bindings) | set(self.params)
        self.evidence.expression_facts = lambda expr: self._array_facts(expr, "")
        return self.evidence

    def _collect(self) -> None:
        self.used_as_array: set[str] = set()
        self.duck_typed: set[str] = set()
        self.tuple_shape_lengths: dict[str, str] = {}
        if self.function is not None:
            params = self.function.params
            for param in (*params.posonly_params, *params.params, *params.kwonly_params):
                self.params[param.name.value] = param
        for node in walk_local(self.body):
            if isinstance(node, cst.Assign):
                for target in node.targets:
                    self._bind_target(target.target, node.value)
            elif isinstance(node, cst.AnnAssign):
                if isinstance(node.target, cst.Name):
                    value = node.value
                    if _annotation_is_array(node.annotation, self.context):
                        self.bindings.setdefault(node.target.value, []).append(
                            value if value is not None and not isinstance(value, cst.Name) else cst.Name("__array__")
                        )
                    elif value is not None:
                        self.bindings.setdefault(node.target.value, []).append(value)
            elif isinstance(node, cst.AugAssign):
                if isinstance(node.target, cst.Name):
                    # `a += 1` keeps an array an array; `s += x` on a scalar keeps it whatever it was.
                    pass
            elif isinstance(node, (cst.For, cst.CompFor)):
                self._bind_unknown(node.target)
            elif isinstance(node, (cst.With,)):
                for item in node.items:
                    if item.asname is not None:
                        self._bind_unknown(item.asname.name)
            elif isinstance(node, cst.NamedExpr):
                self._bind_unknown(node.target)
            elif isinstance(node, (cst.Global, cst.Nonlocal)):
                for item in node.names:
                    self.bindings.setdefault(item.name.value, []).append(None)
            elif isinstance(node, cst.ExceptHandler) and node.name is not None:
                self._bind_unknown(node.name.name)
            elif isinstance(node, (cst.Import, cst.ImportFrom)) and node is not self.body:
                pass
            elif isinstance(node, cst.Attribute) and node.attr.value in _ARRAY_ATTRIBUTE_PARAMS:
                if isinstance(node.value, cst.Name):
                    self.used_as_array.add(node.value.value)
            elif isinstance(node, cst.Call):
                if isinstance(node.func, cst.Name) and node.func.value in ("hasattr", "isinstance", "getattr") and node.args:
                    # Duck typing: the parameter may be anything, whatever attributes it uses.
                    if isinstance(node.args[0].value, cst.Name):
                        self.duck_typed.add(node.args[0].value.value)
                numpy_name = _is_numpy_call(node, self.context)
                if numpy_name in _LIKE and node.args and isinstance(node.args[0].value, cst.Name):
                    self.used_as_array.add(node.args[0].value.value)
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node is not self.function:
                self.bindings.setdefault(node.name.value, []).append(None)

    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.bindings.setdefault(target.value, []).append(value)
        elif isinstance(target, (cst.Tuple, cst.List)):
            # `ny, nx = a.shape`: each is a length; `x, y = f()`: unknown.
            shape_of = None
            if isinstance(value, cst.Attribute) and value.attr.value == "shape" and isinstance(value.value, cst.Name):
                shape_of = value.value.value
            values = None
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == len(target.elements):
                values = [element.value for element in value.elements]
            for position, element in enumerate(target.elements):
                if values is not None:
                    self._bind_target(element.value, values[position])
                    continue
                self._bind_unknown(element.value)
                if shape_of is not None and isinstance(element.value, cst.Name):
                    self.tuple_shape_lengths[element.value.value] = f"{shape_of}.shape[{position}]"

    def _bind_unknown(self, target: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self.bindings.setdefault(target.value, []).append(None)
        elif isinstance(target, (cst.Tuple, cst.List)):
            for element in target.elements:
                self._bind_unknown(element.value)
        elif isinstance(target, cst.StarredElement):
            self._bind_unknown(target.value)

    # -- what an expression is ------------------------------------------------

    def _name_facts(self, name: str) -> ArrayFacts | None:
        return self.evidence.arrays.get(name)

    def _array_facts(self, value: cst.BaseExpression, bound_name: str) -> ArrayFacts | None:
        context = self.context
        if isinstance(value, cst.Name):
            if value.value == "__array__":
                return ArrayFacts()
            facts = self._name_facts(value.value)
            # A plain alias shares the other array's memory: never fresh.
            return ArrayFacts(ndim=facts.ndim, length_key=facts.length_key, shape_source=facts.shape_source) if facts else None
        if isinstance(value, cst.Call):
            numpy_name = _is_numpy_call(value, context)
            if numpy_name is not None:
                return self._numpy_call_facts(numpy_name, value, bound_name)
            func = value.func
            if isinstance(func, cst.Attribute):
                method = func.attr.value
                if method == "to_numpy":
                    return ArrayFacts(length_key=bound_name)
                receiver = func.value
                if isinstance(receiver, cst.Name) and receiver.value in self.evidence.generators:
                    if method in _GENERATOR_METHODS and _has_size(value, 2):
                        return ArrayFacts(fresh=True, length_key=bound_name)
                    return None
                receiver_facts = self._expression_facts(receiver)
                if receiver_facts is not None and method in _ARRAY_METHODS_RETURNING_ARRAYS:
                    fresh = method in ("copy", "astype")
                    if fresh:
                        return ArrayFacts(
                            ndim=receiver_facts.ndim,
                            fresh=True,
                            length_key=receiver_facts.length_key,
                            shape_source=receiver_facts.shape_source,
                        )
                    ndim = receiver_facts.ndim if method in ("copy", "astype", "clip", "round", "cumsum", "cumprod") else None
                    if method in ("ravel", "flatten"):
                        ndim = 1
                    return ArrayFacts(ndim=ndim, fresh=fresh, length_key=receiver_facts.length_key if ndim == receiver_facts.ndim else None)
            return None
        if isinstance(value, cst.Attribute):
            if value.attr.value in ("values",):
                return ArrayFacts(length_key=bound_name)
            if value.attr.value == "T" and self._expression_facts(value.value) is not None:
                return ArrayFacts(ndim=self._expression_facts(value.value).ndim)  # type: ignore[union-attr]
            return None
        return self._expression_facts(value)

    def _expression_facts(self, value: cst.BaseExpression) -> ArrayFacts | None:
        """Arithmetic, comparisons and slices of arrays are arrays (not fresh: a
        slice is a view)."""
        if isinstance(value, cst.Name):
            facts = self._name_facts(value.value)
            return ArrayFacts(ndim=facts.ndim, length_key=facts.length_key, shape_source=facts.shape_source) if facts else None
        if isinstance(value, cst.BinaryOperation):
            if isinstance(value.operator, cst.MatrixMultiply):
                return None
            left = self._expression_facts(value.left)
            right = self._expression_facts(value.right)
            if left is None and right is None:
                return None
            if left is not None and right is not None:
                return ArrayFacts(fresh=True, ndim=left.ndim if left.ndim == right.ndim else None)
            one = left or right
            assert one is not None
            return ArrayFacts(fresh=True, ndim=one.ndim, length_key=one.length_key)
        if isinstance(value, cst.UnaryOperation) and not isinstance(value.operator, cst.Not):
            inner = self._expression_facts(value.expression)
            return ArrayFacts(fresh=True, ndim=inner.ndim, length_key=inner.length_key) if inner else None
        if isinstance(value, cst.Comparison) and len(value.comparisons) == 1:
            left = self._expression_facts(value.left)
            if left is not None:
                return ArrayFacts(fresh=True, ndim=left.ndim, length_key=left.length_key)
            return None
        if isinstance(value, cst.Subscript):
            base = self._expression_facts(value.value)
            if base is None:
                return None
            if any(isinstance(element.slice, cst.Slice) for element in value.slice):
                return ArrayFacts(ndim=base.ndim if len(value.slice) == 1 else None)
            return None
        if isinstance(value, cst.Call):
            numpy_name = _is_numpy_call(value, self.context)
            if numpy_name is not None:
                return self._numpy_call_facts(numpy_name, value, "")
        return None

    def _numpy_call_facts(self, numpy_name: str, call: cst.Call, bound_name: str) -> ArrayFacts | None:
        short = numpy_name.rsplit(".", 1)[-1]
        if numpy_name.startswith("random."):
            if short == "default_rng" or short == "Generator":
                self.evidence.generators.add(bound_name)
                return None
            if short in _RANDOM_ARRAY_IF_ANY_ARG:
                return ArrayFacts(fresh=True, length_key=bound_name) if call.args else None
            return ArrayFacts(fresh=True, length_key=bound_name) if _has_size(call, 2) else None
        if short in _NUMPY_NON_ARRAY or numpy_name.startswith(("typing.", "testing.", "ma.", "lib.")):
            return None
        if numpy_name.startswith("linalg.") and short not in ("inv", "pinv", "solve", "cholesky", "eigvals", "eigvalsh", "lstsq_placeholder"):
            return None
        positional = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
        keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
        if short in _LIKE and positional:
            source = self._expression_facts(positional[0])
            dtype = keywords.get("dtype")
            return ArrayFacts(
                fresh=True,
                ndim=source.ndim if source else None,
                length_key=source.length_key if source else None,
                float64=_is_float64(dtype, self.context) if dtype is not None else False,
                shape_source=source.shape_source if source else None,
            )
        if short in ("zeros", "ones", "empty", "full") and positional:
            shape = positional[0]
            dtype = keywords.get("dtype", positional[2] if short == "full" and len(positional) > 2 else (positional[1] if short != "full" and len(positional) > 1 else None))
            float64 = short != "full" and (dtype is None or _is_float64(dtype, self.context))
            ndim = _shape_ndim(shape)
            first = shape.elements[0].value if isinstance(shape, (cst.Tuple, cst.List)) and shape.elements else shape
            key = self._length_key_of(first)
            if isinstance(shape, cst.Attribute) and shape.attr.value == "shape" and isinstance(shape.value, cst.Name):
                source_facts = self._name_facts(shape.value.value)
                key = source_facts.length_key if source_facts else None
                ndim = source_facts.ndim if source_facts else None
            return ArrayFacts(fresh=True, ndim=ndim, length_key=key or (bound_name or None), float64=float64)
        if short in ("array", "asarray", "asanyarray", "ascontiguousarray", "copy", "asfarray"):
            if _non_numeric(positional[0] if positional else None, keywords.get("dtype")):
                return None  # strings or objects: no arithmetic, no `.min()`
            source = self._expression_facts(positional[0]) if positional else None
            copies = short in ("array", "copy") and keywords.get("copy") is None
            ndim = source.ndim if source else None
            if positional and isinstance(positional[0], (cst.List, cst.Tuple)):
                ndim = 1 if not any(isinstance(e.value, (cst.List, cst.Tuple)) for e in positional[0].elements) else None
            return ArrayFacts(
                fresh=copies,
                ndim=ndim,
                length_key=(source.length_key if source else None) or bound_name,
                shape_source=source.shape_source if source else None,
            )
        if short in ("arange", "linspace", "logspace", "geomspace"):
            return ArrayFacts(fresh=True, ndim=1, length_key=bound_name)
        if short in ("load", "loadtxt", "genfromtxt", "fromfile", "frombuffer", "fromiter"):
            return ArrayFacts(fresh=True, length_key=bound_name)
        # A ufunc or other array function of array arguments: elementwise keeps the length.
        first = positional[0] if positional else None
        source = self._expression_facts(first) if first is not None else None
        if source is not None and not numpy_name.startswith("linalg."):
            return ArrayFacts(fresh=True, ndim=source.ndim, length_key=source.length_key if short in _ELEMENTWISE else None)
        return ArrayFacts(fresh=True, length_key=bound_name)

    def _length_key_of(self, expr: cst.BaseExpression) -> str | None:
        if isinstance(expr, cst.Name):
            # A length scalar bound earlier (resolved in the final pass, so look at bindings).
            values = self.bindings.get(expr.value, [])
            if len(values) == 1 and values[0] is not None:
                source = _length_source(values[0], self.context)
                if source is not None:
                    facts = self._name_facts(source) if source in self.evidence.arrays else None
                    if facts is None and source in self.params:
                        return source
                    return facts.length_key if facts else None
            if expr.value in self.tuple_shape_lengths:
                return self.tuple_shape_lengths[expr.value]
            return None
        source = _length_source(expr, self.context)
        if source is None:
            return None
        facts = self._name_facts(source)
        return facts.length_key if facts else None


_ELEMENTWISE = frozenset(
    {
        "abs", "absolute", "exp", "log", "log10", "log2", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "arcsin",
        "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "floor", "ceil", "round", "rint", "sign", "square",
        "clip", "where", "maximum", "minimum", "fmax", "fmin", "isnan", "isfinite", "isinf", "hypot", "power",
        "degrees", "radians", "deg2rad", "rad2deg", "cbrt", "reciprocal", "negative", "mod", "fmod", "trunc",
        "nan_to_num", "logical_and", "logical_or", "logical_not", "cumsum", "cumprod", "diff_placeholder",
    }
)


_STRING_NODES = (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)


def _non_numeric(data: cst.BaseExpression | None, dtype: cst.BaseExpression | None) -> bool:
    """Whether an `np.array(...)` call visibly holds strings or Python objects."""
    if dtype is not None:
        if isinstance(dtype, cst.Name) and dtype.value in ("str", "object", "bytes"):
            return True
        if isinstance(dtype, cst.SimpleString) and dtype.value.strip("\"'")[:1] in ("U", "S", "O"):
            return True
    if isinstance(data, (cst.ListComp, cst.GeneratorExp)):
        return isinstance(data.elt, _STRING_NODES)
    if isinstance(data, (cst.List, cst.Tuple)):
        return any(isinstance(element.value, _STRING_NODES) for element in data.elements)
    return False


def _has_size(call: cst.Call, positional_before_size: int) -> bool:
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "size":
            return not (isinstance(arg.value, cst.Name) and arg.value.value == "None")
    positional = [arg for arg in call.args if arg.keyword is None]
    return len(positional) > positional_before_size


def _is_float64(dtype: cst.BaseExpression, context: FileContext) -> bool:
    if isinstance(dtype, cst.Name) and dtype.value == "float":
        return True
    if isinstance(dtype, cst.SimpleString):
        return dtype.value.strip("\"'") in ("float64", "f8", "float", "d")
    qualified = context.names.qualify(dtype) if isinstance(dtype, (cst.Name, cst.Attribute)) else None
    return qualified in ("numpy.float64", "numpy.double", "numpy.float_")


def build_evidence(context: FileContext, function: cst.FunctionDef | None, body: cst.CSTNode) -> ArrayEvidence:
    return _EvidenceBuilder(context, function, body).build()


def evidence_for(context: FileContext, stack: list[cst.CSTNode]) -> ArrayEvidence:
    """The evidence of the innermost function around the current node (or the module),
    computed once per function and shared by every PC5 rule."""
    scope: cst.CSTNode = context.module
    function: cst.FunctionDef | None = None
    for ancestor in reversed(stack):
        if isinstance(ancestor, cst.FunctionDef):
            scope, function = ancestor, ancestor
            break
        if isinstance(ancestor, (cst.ClassDef, cst.Lambda)):
            scope = ancestor
            break
    cache: dict[int, tuple[cst.CSTNode, ArrayEvidence]] = context.__dict__.setdefault("_pc5_evidence", {})
    hit = cache.get(id(scope))
    if hit is not None and hit[0] is scope:
        return hit[1]
    evidence = build_evidence(context, function, scope.body if function is not None else scope)  # type: ignore[attr-defined]
    cache[id(scope)] = (scope, evidence)
    return evidence


def dotted(expr: cst.BaseExpression) -> str | None:
    return dotted_name(expr)
