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

from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import libcst as cst

from policy_check.analysis.patterns import target_names
from policy_check.rules.base import FileContext
from policy_check.rules.vectorise.evidence import ArrayEvidence, walk_local

# math.* → NumPy ufunc of the same meaning on floats.
MATH_TO_NUMPY = {
    "exp": "exp", "log": "log", "log10": "log10", "log2": "log2", "log1p": "log1p", "expm1": "expm1",
    "sqrt": "sqrt", "sin": "sin", "cos": "cos", "tan": "tan", "asin": "arcsin", "acos": "arccos",
    "atan": "arctan", "atan2": "arctan2", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "fabs": "fabs",
    "hypot": "hypot", "degrees": "degrees", "radians": "radians", "floor": "floor", "ceil": "ceil",
    "trunc": "trunc", "isnan": "isnan", "isinf": "isinf", "isfinite": "isfinite", "cbrt": "cbrt",
    "pow": "power",
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
_BLOCKING_STATEMENTS = frozenset({
    cst.Break, cst.Continue, cst.Return, cst.Raise, cst.Global, cst.Nonlocal, cst.Del, cst.Try, cst.With,
    cst.FunctionDef, cst.ClassDef, cst.Lambda, cst.Yield, cst.Await, cst.While, cst.Assert, cst.Import,
    cst.ImportFrom,
})


class LoopHeader(NamedTuple):
    """What a ``for`` loop iterates over."""

    index: str | None = None
    # Element names and the array each one runs over: `for v in a` → {"v": a}
    # (read-only: the default is shared).
    elements: Mapping[str, cst.BaseExpression] = MappingProxyType({})
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
    return node.value if type(node) is cst.Name else None


def _positional(call: cst.Call) -> list[cst.BaseExpression] | None:
    if any(arg.keyword is not None or arg.star for arg in call.args):
        return None
    return [arg.value for arg in call.args]


def read_header(loop: cst.For, evidence: ArrayEvidence, context: FileContext) -> LoopHeader | None:
    """The header of an index or element loop over arrays, or ``None``."""
    if loop.asynchronous is not None or loop.orelse is not None:
        return None
    iterator, target = loop.iter, loop.target
    if type(iterator) is cst.Call and type(iterator.func) is cst.Name:
        args = _positional(iterator)
        reader = _HEADER_READERS.get(iterator.func.value)
        if args is None or reader is None or iterator.func.value in context.names.aliases:
            return None
        return reader(target, args, evidence, context)
    facts = evidence.facts(iterator)
    if type(target) is cst.Name and facts is not None and facts.ndim in (None, 1) and facts.min_ndim == 1:
        return LoopHeader(elements={target.value: iterator}, length_key=facts.length_key, stop=iterator)
    return None


def _range_header(target: cst.BaseExpression, args: list, evidence: ArrayEvidence, context: FileContext) -> LoopHeader | None:
    if type(target) is not cst.Name or len(args) not in (1, 2):
        return None
    start = 0
    if len(args) == 2:
        if type(args[0]) is not cst.Integer:
            return None
        start = int(args[0].value)
    stop = args[-1]
    return LoopHeader(index=target.value, length_key=evidence.length_key_of_range_stop(stop, context), start=start, stop=stop)


def _enumerate_header(target: cst.BaseExpression, args: list, evidence: ArrayEvidence, context: FileContext) -> LoopHeader | None:
    if len(args) != 1 or type(target) is not cst.Tuple or len(target.elements) != 2:
        return None
    index, element = (_name(e.value) for e in target.elements)
    facts = evidence.facts(args[0])
    if index is None or element is None or facts is None or facts.min_ndim > 1:
        return None
    return LoopHeader(index=index, elements={element: args[0]}, length_key=facts.length_key, stop=args[0])


def _zip_header(target: cst.BaseExpression, args: list, evidence: ArrayEvidence, context: FileContext) -> LoopHeader | None:
    if len(args) < 2 or type(target) is not cst.Tuple or len(target.elements) != len(args):
        return None
    names = [_name(e.value) for e in target.elements]
    all_facts = [evidence.facts(arg) for arg in args]
    if any(n is None for n in names) or any(f is None or f.min_ndim > 1 for f in all_facts):
        return None
    keys = {f.length_key for f in all_facts}  # type: ignore[union-attr]
    key = next(iter(keys)) if len(keys) == 1 else None
    return LoopHeader(
        elements=dict(zip(names, args)),  # type: ignore[arg-type]
        length_key=key,
        stop=args[0],
        unequal_zip=len(keys) != 1 or key is None,
    )


_HEADER_READERS = {"range": _range_header, "enumerate": _enumerate_header, "zip": _zip_header}


def read_while_header(loop: cst.While, previous: list[cst.CSTNode], evidence: ArrayEvidence, context: FileContext) -> tuple[LoopHeader, list] | None:
    """``i = 0`` … ``while i < len(a): …; i += 1`` as an index loop: its header and
    the body without the increment, or ``None``."""
    test = loop.test
    if loop.orelse is not None or type(test) is not cst.Comparison or len(test.comparisons) != 1:
        return None
    if type(test.left) is not cst.Name or type(test.comparisons[0].operator) is not cst.LessThan:
        return None
    index = test.left.value
    statements = statements_of(loop.body)
    if not statements or not _is_increment(statements[-1], index):
        return None
    start = _literal_start(previous, index)
    if start is None:
        return None
    stop = test.comparisons[0].comparator
    header = LoopHeader(index=index, length_key=evidence.length_key_of_range_stop(stop, context), start=start, stop=stop)
    return header, statements[:-1]


def _is_increment(statement: object, index: str) -> bool:
    return (
        type(statement) is cst.AugAssign
        and type(statement.operator) is cst.AddAssign
        and type(statement.target) is cst.Name
        and statement.target.value == index
        and type(statement.value) is cst.Integer
        and statement.value.value == "1"
    )


def _literal_start(previous: list[cst.CSTNode], index: str) -> int | None:
    """The integer the index is set to by the last statement before the loop that binds it."""
    for statement in reversed(previous):
        if type(statement) is not cst.SimpleStatementLine:
            return None
        for small in reversed(statement.body):
            if type(small) is cst.Assign and any(type(t.target) is cst.Name and t.target.value == index for t in small.targets):
                return int(small.value.value) if type(small.value) is cst.Integer else None
    return None


def could_vectorise(loop: cst.For | cst.While, context: FileContext) -> bool:
    """A cheap syntactic first look, before any evidence is computed: no early exit or
    nested definition, and no call outside what some PC5 loop rule accepts."""
    return not blocked(loop.body, context, allow_methods=True, any_append=True, invariant_calls_of=loop)


def loop_variant_names(loop: cst.For | cst.While) -> frozenset[str]:
    """The names that change from one iteration to the next: the loop's targets and
    everything the body assigns."""
    names = names_assigned(loop.body)
    if type(loop) is cst.For:
        names |= target_names(loop.target)
    elif type(loop.test) is cst.Comparison and type(loop.test.left) is cst.Name:
        names.add(loop.test.left.value)
    return frozenset(names)


def invariant_call(call: cst.Call, variant: frozenset[str] | set[str]) -> bool:
    """A call that reads nothing the loop changes (``f(x, a, b)[j]``): it gives the same
    value every iteration, so it can be made once, before the array expression."""
    if not call.args or _call_name(call) in _NOT_HOISTABLE:
        return False  # no arguments: its value comes from state (a draw, a reader, a clock)
    return not any(type(node) is cst.Name and node.value in variant for node in walk_local(call))


def _call_name(call: cst.Call) -> str:
    func = call.func
    if type(func) is cst.Attribute:
        return func.attr.value
    return func.value if type(func) is cst.Name else ""


# Calls that act (output, input, randomness) rather than compute: never made only once.
_NOT_HOISTABLE = frozenset(
    {
        "print", "open", "input", "next", "iter", "exec", "eval", "random", "rand", "randn", "randint", "normal",
        "uniform", "integers", "choice", "shuffle", "permutation", "poisson", "binomial", "sample", "readline",
        "read", "write", "plot", "scatter", "savefig", "show", "append", "pop", "send", "get", "post",
    }
)


def blocked(
    body: cst.CSTNode,
    context: FileContext,
    allow_append_to: frozenset[str] = frozenset(),
    allow_methods: bool = False,
    any_append: bool = False,
    invariant_calls_of: cst.For | cst.While | None = None,
) -> bool:
    """Whether the loop body holds an early exit, a nested definition, I/O, a random
    draw or any call we cannot vouch for (remembered per body and question).  With
    ``invariant_calls_of`` (the loop), a call that reads nothing the loop changes is
    accepted: it can be made once."""
    cache: dict[tuple, dict[int, tuple]] = context.__dict__.setdefault("_pc5_blocked", {})
    answered = cache.setdefault((allow_append_to, allow_methods, any_append, invariant_calls_of is not None), {})
    hit = answered.get(id(body))
    if hit is not None and hit[0] is body:
        return hit[1]
    answer, hoistable = _blocked(body, context, (allow_append_to, allow_methods, any_append), invariant_calls_of, answered)
    answered[id(body)] = (body, answer, hoistable)
    return answer


def _blocked(
    body: cst.CSTNode, context: FileContext, allowances: tuple, loop: cst.For | cst.While | None, answered: dict[int, tuple]
) -> tuple[bool, list[cst.Call]]:
    """One walk of the body; the names the loop changes are worked out only when a call
    we cannot vouch for might still be made once (most bodies are decided before).
    An inner loop already answered is not walked again: blocked there is blocked here
    (what changes in it changes here too), and its calls made once are checked again."""
    hoistable: list[cst.Call] = []
    targets = _target_names(loop) if loop is not None else frozenset()
    for node in walk_local(body, known=answered, leaves=False):
        hit = answered.get(id(node)) if node is not body else None
        if hit is not None:
            if _inner_blocked(hit, targets):
                return True, []
            hoistable.extend(hit[2])
        elif type(node) in _BLOCKING_STATEMENTS:
            return True, []
        elif type(node) is cst.Call and not _call_allowed(node, context, *allowances):
            if loop is None or not invariant_call(node, targets) or _impure(node, context):
                return True, []
            hoistable.append(node)
    if not hoistable:
        return False, []
    variant = loop_variant_names(loop)  # type: ignore[arg-type]
    return any(not invariant_call(call, variant) for call in hoistable), hoistable


def _inner_blocked(answer: tuple, targets: frozenset[str]) -> bool:
    """An inner loop's answer, seen from the loop around it."""
    return answer[1] or not all(invariant_call(call, targets) for call in answer[2])


def _target_names(loop: cst.For | cst.While) -> frozenset[str]:
    """The loop's own index or element names: a call that reads one varies, whatever else."""
    if type(loop) is cst.For:
        return frozenset(target_names(loop.target))
    if type(loop.test) is cst.Comparison and type(loop.test.left) is cst.Name:
        return frozenset({loop.test.left.value})
    return frozenset()


def _impure(call: cst.Call, context: FileContext) -> bool:
    qualified = context.names.qualify(call.func) or ""
    return qualified.startswith(_NUMPY_IMPURE) or qualified.startswith(("random.", "time.", "os.", "matplotlib.", "requests."))


_NUMPY_IMPURE = ("numpy.random", "numpy.save", "numpy.load", "numpy.savetxt", "numpy.loadtxt")


def _call_allowed(call: cst.Call, context: FileContext, allow_append_to: frozenset[str], allow_methods: bool, any_append: bool = False) -> bool:
    func = call.func
    if type(func) is cst.Name:
        return func.value in PURE_BUILTINS and not context.names.is_imported(func.value)
    qualified = context.names.qualify(func) or ""
    if qualified.startswith(("math.", "numpy.")):
        return qualified.startswith("math.") or not qualified.startswith(_NUMPY_IMPURE)
    if type(func) is not cst.Attribute:
        return False
    if func.attr.value == "append" and type(func.value) is cst.Name:
        return any_append or func.value.value in allow_append_to
    return allow_methods and func.attr.value in _PURE_ARRAY_METHODS


_PURE_ARRAY_METHODS = frozenset({"sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "dot", "copy", "astype", "round", "item"})


# ---------------------------------------------------------------------------
# Expressions → array expressions


def _is_atomic(node: cst.BaseExpression) -> bool:
    return bool(node.lpar) or type(node) in (cst.Name, cst.Attribute, cst.Call, cst.Subscript, cst.Integer, cst.Float, cst.SimpleString)


def parenthesise(node: cst.BaseExpression) -> cst.BaseExpression:
    if _is_atomic(node):
        return node
    return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])


def code(node: cst.CSTNode) -> str:
    return cst.Module(body=[]).code_for_node(node)


def np_attr(alias: str, name: str) -> cst.Attribute:
    return cst.Attribute(value=cst.Name(alias), attr=cst.Name(name))


def names_assigned(body: cst.CSTNode) -> set[str]:
    names: set[str] = set()
    for node in walk_local(body, leaves=False):
        if type(node) is cst.Assign:
            for target in node.targets:
                names.update(target_names(target.target))
        elif type(node) in (cst.AugAssign, cst.AnnAssign):
            names.update(target_names(node.target))
        elif type(node) in (cst.For, cst.CompFor):
            names.update(target_names(node.target))
        elif type(node) is cst.NamedExpr:
            names.update(target_names(node.target))
    return names


def name_uses(scope: cst.CSTNode, name: str, outside: cst.CSTNode, context: FileContext | None = None) -> int:
    """How many times ``name`` occurs in ``scope`` outside the subtree ``outside``
    (with a context, counted once per scope and per loop, then looked up)."""
    if context is None:
        return _name_counts(scope).get(name, 0) - _name_counts(outside).get(name, 0)
    cache: dict[int, tuple[cst.CSTNode, dict[str, int]]] = context.__dict__.setdefault("_pc5_name_counts", {})
    counts = []
    for node in (scope, outside):
        hit = cache.get(id(node))
        if hit is None or hit[0] is not node:
            hit = (node, _name_counts(node))
            cache[id(node)] = hit
        counts.append(hit[1])
    return counts[0].get(name, 0) - counts[1].get(name, 0)


def _name_counts(node: cst.CSTNode) -> dict[str, int]:
    counts: dict[str, int] = {}
    for current in walk_local(node, local=False):
        if type(current) is cst.Name:
            counts[current.value] = counts.get(current.value, 0) + 1
    return counts


def statements_of(block: cst.BaseSuite) -> list[cst.BaseSmallStatement | cst.BaseCompoundStatement] | None:
    """The statements of a block, one per item (``a; b`` are two)."""
    if type(block) is cst.SimpleStatementSuite:
        return list(block.body)
    out: list[cst.BaseSmallStatement | cst.BaseCompoundStatement] = []
    for statement in block.body:  # type: ignore[attr-defined]
        if type(statement) is cst.SimpleStatementLine:
            out.extend(statement.body)
        else:
            out.append(statement)
    return out
