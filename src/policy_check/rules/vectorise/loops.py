"""Loop analysis for PC5: what a ``for`` loop iterates, and what its body would be as
array expressions.

``LoopHeader`` reads the loop's header (``range(len(a))``, ``range(n)``,
``range(start, stop)``, ``enumerate(a)``, ``zip(a, b)``, ``a`` itself).  The
``Vectoriser`` turns expressions of the body into array expressions, substituting
``a[i]`` → ``a`` and the loop element → its array, and refuses (returns ``None``)
whenever the meaning could change: reads at other indices (a dependency between
iterations), lists and unknown objects, unknown or random calls, attribute access
on elements.  ``blocked`` says whether a body holds anything that forbids any
rewrite: an early exit, I/O, a random draw, an unknown call, a nested function.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from policy_check.rules.base import FileContext
from policy_check.analysis.patterns import target_names
from policy_check.rules.vectorise.evidence import ArrayEvidence, walk_local

# math.* → NumPy ufunc of the same meaning on floats.
MATH_TO_NUMPY = {
    "exp": "exp", "log": "log", "log10": "log10", "log2": "log2", "log1p": "log1p", "expm1": "expm1",
    "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan", "asin": "arcsin", "acos": "arccos",
    "atan": "arctan", "atan2": "arctan2", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "fabs": "fabs",
    "hypot": "hypot", "degrees": "degrees", "radians": "radians", "floor": "floor", "ceil": "ceil",
    "trunc": "trunc", "isnan": "isnan", "isinf": "isinf", "isfinite": "isfinite", "cbrt": "cbrt",
}
# math functions whose Python result is an int where NumPy gives floats: values equal, dtype not.
_MATH_INT_RESULT = frozenset({"floor", "ceil", "trunc"})
MATH_CONSTANTS = frozenset({"pi", "e", "tau", "inf", "nan"})
# NumPy functions that act elementwise (ufuncs and friends): safe on whole arrays.
NUMPY_UFUNCS = frozenset(
    {
        "abs", "absolute", "fabs", "exp", "exp2", "log", "log10", "log2", "log1p", "expm1", "sqrt", "cbrt",
        "square", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh",
        "arcsinh", "arccosh", "arctanh", "hypot", "floor", "ceil", "trunc", "rint", "sign", "power",
        "maximum", "minimum", "fmax", "fmin", "isnan", "isfinite", "isinf", "degrees", "radians", "deg2rad",
        "rad2deg", "reciprocal", "negative", "mod", "fmod", "remainder", "clip", "where", "logical_and",
        "logical_or", "logical_not", "logical_xor", "heaviside", "copysign", "signbit", "float64",
        "float32", "int64",
    }
)
# Pure builtins and calls that may appear in a loop body without making it unanalysable.
PURE_BUILTINS = frozenset({"abs", "min", "max", "len", "float", "int", "round", "bool", "range", "enumerate", "zip"})
_BLOCKING_STATEMENTS = (
    cst.Break, cst.Continue, cst.Return, cst.Raise, cst.Global, cst.Nonlocal, cst.Del, cst.Try, cst.With,
    cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Yield, cst.Await, cst.While, cst.Assert, cst.Import,
    cst.ImportFrom,
)


@dataclass
class LoopHeader:
    """What a ``for`` loop iterates over."""

    index: str | None = None
    # Element names and the array each one runs over: `for v in a` → {"v": a}.
    elements: dict[str, cst.BaseExpression] = field(default_factory=dict)
    # Length key of the range covered (None: unknown).
    length_key: str | None = None
    start: int = 0
    # The stop expression of a range loop (for np.arange), or the iterated array.
    stop: cst.BaseExpression | None = None
    # zip over arrays whose lengths are not known to be equal.
    unequal_zip: bool = False

    @property
    def full(self) -> bool:
        return self.start == 0


def _name(node: cst.BaseExpression) -> str | None:
    return node.value if isinstance(node, cst.Name) else None


def _positional(call: cst.Call) -> list[cst.BaseExpression] | None:
    if any(arg.keyword is not None or arg.star for arg in call.args):
        return None
    return [arg.value for arg in call.args]


def read_header(loop: cst.For, evidence: ArrayEvidence, context: FileContext) -> LoopHeader | None:
    """The header of an index or element loop over arrays, or ``None``."""
    if loop.asynchronous is not None or loop.orelse is not None:
        return None
    iterator, target = loop.iter, loop.target
    if isinstance(iterator, cst.Call) and isinstance(iterator.func, cst.Name):
        function = iterator.func.value
        args = _positional(iterator)
        if args is None or function in context.names.aliases:
            return None
        if function == "range" and isinstance(target, cst.Name) and len(args) in (1, 2):
            start = 0
            if len(args) == 2:
                if not isinstance(args[0], cst.Integer):
                    return None
                start = int(args[0].value)
            stop = args[-1]
            return LoopHeader(index=target.value, length_key=evidence.length_key_of_range_stop(stop, context), start=start, stop=stop)
        if function == "enumerate" and len(args) == 1 and isinstance(target, cst.Tuple) and len(target.elements) == 2:
            index, element = (_name(e.value) for e in target.elements)
            facts = evidence.facts(args[0])
            if index is None or element is None or facts is None:
                return None
            return LoopHeader(index=index, elements={element: args[0]}, length_key=facts.length_key, stop=args[0])
        if function == "zip" and len(args) >= 2 and isinstance(target, cst.Tuple) and len(target.elements) == len(args):
            names = [_name(e.value) for e in target.elements]
            all_facts = [evidence.facts(arg) for arg in args]
            if any(n is None for n in names) or any(f is None for f in all_facts):
                return None
            keys = {f.length_key for f in all_facts}  # type: ignore[union-attr]
            key = next(iter(keys)) if len(keys) == 1 else None
            return LoopHeader(
                elements=dict(zip(names, args)),  # type: ignore[arg-type]
                length_key=key,
                stop=args[0],
                unequal_zip=len(keys) != 1 or key is None,
            )
        return None
    if isinstance(target, cst.Name) and evidence.facts(iterator) is not None:
        facts = evidence.facts(iterator)
        assert facts is not None
        if facts.ndim not in (None, 1):
            return None
        return LoopHeader(elements={target.value: iterator}, length_key=facts.length_key, stop=iterator)
    return None


def blocked(body: cst.CSTNode, context: FileContext, allow_append_to: frozenset[str] = frozenset(), allow_methods: bool = False) -> bool:
    """Whether the loop body holds an early exit, a nested definition, I/O, a random
    draw or any call we cannot vouch for."""
    for node in walk_local(body):
        if isinstance(node, _BLOCKING_STATEMENTS):
            return True
        if isinstance(node, cst.Call) and not _call_allowed(node, context, allow_append_to, allow_methods):
            return True
    return False


def _call_allowed(call: cst.Call, context: FileContext, allow_append_to: frozenset[str], allow_methods: bool) -> bool:
    func = call.func
    if isinstance(func, cst.Name):
        return func.value in PURE_BUILTINS and not context.names.is_imported(func.value)
    if allow_methods and isinstance(func, cst.Attribute) and func.attr.value in _PURE_ARRAY_METHODS and not isinstance(func.value, cst.Name):
        return True  # `(a[i] - b[j]).sum()`: a method of an expression's result
    qualified = context.names.qualify(func)
    if qualified is None:
        return False
    if qualified.startswith("math."):
        return True
    if qualified.startswith("numpy."):
        return not qualified.startswith(("numpy.random", "numpy.save", "numpy.load", "numpy.savetxt", "numpy.loadtxt"))
    if isinstance(func, cst.Attribute):
        if func.attr.value == "append" and isinstance(func.value, cst.Name) and func.value.value in allow_append_to:
            return True
        if allow_methods and func.attr.value in _PURE_ARRAY_METHODS:
            return True
    return False


_PURE_ARRAY_METHODS = frozenset({"sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "dot", "copy", "astype", "round", "item"})


# ---------------------------------------------------------------------------
# Expressions → array expressions


def _is_atomic(node: cst.BaseExpression) -> bool:
    return bool(node.lpar) or isinstance(
        node, (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString)
    )


def parenthesise(node: cst.BaseExpression) -> cst.BaseExpression:
    if _is_atomic(node):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def np_attr(alias: str, name: str) -> cst.Attribute:
    return cst.Attribute(value=cst.Name(alias), attr=cst.Name(name))


class Vectoriser:
    """Turns body expressions into array expressions for one loop."""

    def __init__(self, context: FileContext, evidence: ArrayEvidence, header: LoopHeader, assigned_in_loop: set[str]) -> None:
        self.context = context
        self.evidence = evidence
        self.header = header
        self.np = evidence.numpy_alias or "np"
        self.assigned_in_loop = assigned_in_loop
        # Temporaries bound earlier in the body: name → array expression.
        self.temporaries: dict[str, cst.BaseExpression] = {}
        # False when the rewrite may differ from the loop (NaN order, …): suggestion only.
        self.exact = True
        self.notes: list[str] = []
        self.reads: dict[str, int] = {}
        self.varies = False

    def _slice_of(self, array: cst.BaseExpression) -> cst.BaseExpression:
        """The array the loop actually covers: ``a`` or ``a[start:]``."""
        if self.header.start == 0:
            return array
        return cst.Subscript(
            value=array,
            slice=[cst.SubscriptElement(cst.Slice(lower=cst.Integer(str(self.header.start)), upper=None))],
        )

    def _index_array(self) -> cst.BaseExpression | None:
        header = self.header
        stop = header.stop
        if stop is None:
            return None
        if header.elements and stop in header.elements.values():
            stop = cst.Call(func=cst.Name("len"), args=[cst.Arg(stop)])
        args = [cst.Arg(stop)] if header.start == 0 else [cst.Arg(cst.Integer(str(header.start))), cst.Arg(stop)]
        return cst.Call(func=np_attr(self.np, "arange"), args=args)

    def is_index(self, node: cst.BaseExpression) -> bool:
        return isinstance(node, cst.Name) and node.value == self.header.index

    def element_index(self, subscript: cst.Subscript) -> list[cst.BaseExpression] | None:
        """``[i]`` → [] ; ``[i, 0]`` → [0]: the constant trailing indices, or None."""
        elements = subscript.slice
        if not elements or not isinstance(elements[0].slice, cst.Index) or not self.is_index(elements[0].slice.value):
            return None
        rest = []
        for element in elements[1:]:
            if not isinstance(element.slice, cst.Index) or not isinstance(element.slice.value, cst.Integer):
                return None
            rest.append(element.slice.value)
        return rest

    def expr(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        result = self._expr(node)
        return result

    def _expr(self, node: cst.BaseExpression) -> cst.BaseExpression | None:  # noqa: C901 - one case per node kind
        if isinstance(node, (cst.Integer, cst.Float, cst.Imaginary)):
            return node
        if isinstance(node, cst.Name):
            return self._name(node)
        if isinstance(node, cst.Subscript):
            return self._subscript(node)
        if isinstance(node, cst.Attribute):
            qualified = self.context.names.qualify(node)
            if qualified and qualified.startswith("math.") and qualified[5:] in MATH_CONSTANTS:
                return node
            base = node.value
            if self._invariant(base):
                if isinstance(base, cst.Name) and self.evidence.is_array(base) and node.attr.value not in ("size", "shape", "ndim", "dtype"):
                    return None
                return node
            return None
        if isinstance(node, cst.UnaryOperation):
            if isinstance(node.operator, cst.Not):
                return None
            inner = self._expr(node.expression)
            return None if inner is None else node.with_changes(expression=inner)
        if isinstance(node, cst.BinaryOperation):
            if isinstance(node.operator, cst.MatrixMultiply):
                return None
            left, right = self._expr(node.left), self._expr(node.right)
            if left is None or right is None:
                return None
            return node.with_changes(left=left, right=right)
        if isinstance(node, cst.Comparison):
            if len(node.comparisons) != 1 or not isinstance(
                node.comparisons[0].operator, (cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual, cst.Equal, cst.NotEqual)
            ):
                return None
            left, right = self._expr(node.left), self._expr(node.comparisons[0].comparator)
            if left is None or right is None:
                return None
            return node.with_changes(left=left, comparisons=[node.comparisons[0].with_changes(comparator=right)])
        if isinstance(node, cst.BooleanOperation):
            if not all(isinstance(side, cst.Comparison) for side in (node.left, node.right)):
                return None
            left, right = self._expr(node.left), self._expr(node.right)
            if left is None or right is None:
                return None
            operator = cst.BitAnd() if isinstance(node.operator, cst.And) else cst.BitOr()
            return cst.BinaryOperation(left=parenthesise(left), operator=operator, right=parenthesise(right), lpar=node.lpar, rpar=node.rpar)
        if isinstance(node, cst.IfExp):
            test, body, orelse = self._expr(node.test), self._expr(node.body), self._expr(node.orelse)
            if test is None or body is None or orelse is None:
                return None
            self.note_where()
            return self.where(test, body, orelse).with_changes(lpar=node.lpar, rpar=node.rpar)
        if isinstance(node, cst.Call):
            return self._call(node)
        return None

    def note_where(self) -> None:
        note = "`np.where` evaluates both branches (expect warnings where the untaken one divides by zero)"
        if note not in self.notes:
            self.notes.append(note)

    def where(self, test: cst.BaseExpression, body: cst.BaseExpression, orelse: cst.BaseExpression) -> cst.Call:
        return cst.Call(func=np_attr(self.np, "where"), args=[cst.Arg(test), cst.Arg(body), cst.Arg(orelse)])

    def _invariant(self, node: cst.BaseExpression) -> bool:
        """Whether the expression does not change from one iteration to the next."""
        for inner in walk_local(node):
            if isinstance(inner, cst.Name) and (
                inner.value == self.header.index
                or inner.value in self.header.elements
                or inner.value in self.assigned_in_loop
                or inner.value in self.temporaries
            ):
                return False
            if isinstance(inner, cst.Call):
                return False
        return True

    def _name(self, node: cst.Name) -> cst.BaseExpression | None:
        header = self.header
        if node.value in self.temporaries:
            self.varies = True
            return parenthesise(self.temporaries[node.value])
        if node.value in header.elements:
            self.varies = True
            array = header.elements[node.value]
            self.reads[code(array)] = self.reads.get(code(array), 0) + 1
            return self._slice_of(array)
        if node.value == header.index:
            self.varies = True
            return self._index_array()
        if node.value in self.assigned_in_loop:
            return None
        if self.evidence.is_array(node):
            # A whole array inside an elementwise expression broadcasts differently.
            return None
        if node.value in ("True", "False", "None"):
            return node if node.value != "None" else None
        return node

    def _subscript(self, node: cst.Subscript) -> cst.BaseExpression | None:
        base = node.value
        trailing = self.element_index(node)
        if trailing is not None:
            if not self.evidence.is_array(base):
                return None  # a list, tuple or unknown object: not an array
            self.varies = True
            self.reads[code(base)] = self.reads.get(code(base), 0) + 1
            covered = self._slice_of(base)
            if not trailing:
                return covered
            if self.header.start != 0:
                return None
            return cst.Subscript(
                value=base,
                slice=[cst.SubscriptElement(cst.Slice(lower=None, upper=None))] + [cst.SubscriptElement(cst.Index(value)) for value in trailing],
            )
        if self._invariant(node) and not any(isinstance(e.slice, cst.Slice) for e in node.slice):
            if isinstance(base, cst.Name) and base.value in self.header.elements:
                return None
            return node  # a fixed element, e.g. a[0]
        return None

    def _call(self, node: cst.Call) -> cst.BaseExpression | None:
        args = _positional(node)
        if args is None:
            return None
        func = node.func
        if isinstance(func, cst.Name) and not self.context.names.is_imported(func.value):
            if func.value == "abs" and len(args) == 1:
                inner = self._expr(args[0])
                return None if inner is None else cst.Call(func=np_attr(self.np, "abs"), args=[cst.Arg(inner)])
            if func.value in ("min", "max") and len(args) == 2:
                left, right = self._expr(args[0]), self._expr(args[1])
                if left is None or right is None:
                    return None
                # Python's min/max and np.minimum/np.maximum disagree on NaN.
                self.exact = False
                note = "`np.minimum`/`np.maximum` propagate NaN where Python's `min`/`max` depend on argument order"
                if note not in self.notes:
                    self.notes.append(note)
                return cst.Call(func=np_attr(self.np, "maximum" if func.value == "max" else "minimum"), args=[cst.Arg(left), cst.Arg(right)])
            if func.value in ("len",) and self._invariant(node.args[0].value):
                return node
            return None
        qualified = self.context.names.qualify(func)
        if qualified is None:
            return None
        if qualified.startswith("math."):
            name = qualified[5:]
            numpy_name = MATH_TO_NUMPY.get(name)
            if numpy_name is None:
                return None
            if name in _MATH_INT_RESULT:
                self.exact = False
            converted = [self._expr(arg) for arg in args]
            if any(c is None for c in converted):
                return None
            return cst.Call(func=np_attr(self.np, numpy_name), args=[cst.Arg(c) for c in converted])  # type: ignore[arg-type]
        if qualified.startswith("numpy."):
            name = qualified[6:]
            if name not in NUMPY_UFUNCS:
                if self._invariant_args(args):
                    return node
                return None
            converted = [self._expr(arg) for arg in args]
            if any(c is None for c in converted):
                return None
            return node.with_changes(args=[arg.with_changes(value=c) for arg, c in zip(node.args, converted)])
        return None

    def _invariant_args(self, args: list[cst.BaseExpression]) -> bool:
        return all(self._invariant(arg) for arg in args)


def names_assigned(body: cst.CSTNode) -> set[str]:
    names: set[str] = set()
    for node in walk_local(body):
        if isinstance(node, cst.Assign):
            for target in node.targets:
                names.update(target_names(target.target))
        elif isinstance(node, (cst.AugAssign, cst.AnnAssign)):
            names.update(target_names(node.target))
        elif isinstance(node, (cst.For, cst.CompFor)):
            names.update(target_names(node.target))
        elif isinstance(node, cst.NamedExpr):
            names.update(target_names(node.target))
    return names


def name_uses(scope: cst.CSTNode, name: str, outside: cst.CSTNode) -> int:
    """How many times ``name`` occurs in ``scope`` outside the subtree ``outside``."""
    count = 0
    stack: list[cst.CSTNode] = [scope]
    while stack:
        node = stack.pop()
        if node is outside:
            continue
        if isinstance(node, cst.Name) and node.value == name:
            count += 1
        stack.extend(node.children)
    return count


def statements_of(block: cst.BaseSuite) -> list[cst.BaseSmallStatement | cst.BaseCompoundStatement] | None:
    """The statements of a block, one per item (``a; b`` are two)."""
    if isinstance(block, cst.SimpleStatementSuite):
        return list(block.body)
    out: list[cst.BaseSmallStatement | cst.BaseCompoundStatement] = []
    for statement in block.body:  # type: ignore[attr-defined]
        if isinstance(statement, cst.SimpleStatementLine):
            out.extend(statement.body)
        else:
            out.append(statement)
    return out
