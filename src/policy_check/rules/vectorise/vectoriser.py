"""Loop bodies → array expressions.

The ``Vectoriser`` works for one loop or a nest of loops (outer to inner, one
array axis each).  It substitutes element reads (``a[i]``, ``h[i][j]``,
``a[i, j]``, ``a[k, j]`` with ``k`` fixed, the loop's element names) by whole
arrays or slices, inserting ``None`` axes so that the expression broadcasts as
the loop did (``m[i] * w[i]`` with 2-D ``m`` → ``m * w[:, None]``; ``a[i] - b[j]``
→ ``a[:, None] - b[None, :]``), and refuses (returns ``None``) whenever the
meaning could change: reads at other indices (a dependency between iterations),
lists and unknown objects, unknown or random calls, attribute access on elements.
"""

from __future__ import annotations

from typing import NamedTuple

import libcst as cst

from policy_check.rules.base import FileContext
from policy_check.rules.vectorise.evidence import (
    ArrayEvidence,
    ArrayFacts,
    call_site_passes_non_array,
    walk_local,
)
from policy_check.rules.vectorise.index_terms import Affine, affine, loop_index, written_as
from policy_check.rules.vectorise.loops import (
    _MATH_INT_RESULT,
    MATH_CONSTANTS,
    MATH_TO_NUMPY,
    NUMPY_UFUNCS,
    LoopHeader,
    _positional,
    code,
    np_attr,
    parenthesise,
)
from policy_check.rules.vectorise.blocks import BLOCK_REDUCTIONS, block_reduction
from policy_check.rules.vectorise.row_alias import cell_of

_COMPARISONS = frozenset({cst.LessThan, cst.GreaterThan, cst.LessThanEqual, cst.GreaterThanEqual, cst.Equal, cst.NotEqual})
_ARRAY_SCALAR_ATTRIBUTES = frozenset({"size", "shape", "ndim", "dtype"})


class Access(NamedTuple):
    """An element access after flattening ``h[i][j]`` into ``h[i, j]``."""

    base: cst.BaseExpression
    indices: list[cst.BaseExpression]


def flatten_access(node: cst.Subscript) -> Access | None:
    """``h[i][j]`` and ``h[i, j]`` → ``Access(h, [i, j])``; ``None`` when an index is a slice."""
    indices: list[cst.BaseExpression] = []
    current: cst.BaseExpression = node
    while type(current) is cst.Subscript and not current.lpar:
        level = []
        for element in current.slice:
            if type(element.slice) is not cst.Index or element.slice.star is not None:
                return None
            level.append(element.slice.value)
        indices = level + indices
        current = current.value
        if type(current) is cst.Subscript and _string_indexed(current):
            break  # `df["a"][i]`: the column is the base
    return Access(current, indices)


def _written_base(base: cst.BaseExpression) -> bool:
    """A name or an attribute of a name (`out`, `self.out`) can be a written array."""
    return type(base) is cst.Name or (type(base) is cst.Attribute and type(base.value) is cst.Name)


def _string_indexed(node: cst.Subscript) -> bool:
    return any(type(e.slice) is cst.Index and type(e.slice.value) in (cst.SimpleString, cst.FormattedString) for e in node.slice)


def _short(call: cst.Call) -> str:
    text = code(call)
    return text if len(text) <= 40 else text[:37] + "..."


def _transposed(access: Access, axes: list[int]) -> bool:
    """``a[j, i]`` read in loops over ``i`` then ``j``: every index a loop index, two axes swapped."""
    return len(access.indices) == 2 and axes == [1, 0]


def _slice_element(lower: int = 0) -> cst.SubscriptElement:
    return cst.SubscriptElement(cst.Slice(lower=cst.Integer(str(lower)) if lower else None, upper=None))


def _none_element() -> cst.SubscriptElement:
    return cst.SubscriptElement(cst.Index(cst.Name("None")))


def _subscript(base: cst.BaseExpression, elements: list[cst.SubscriptElement]) -> cst.BaseExpression:
    return cst.Subscript(value=parenthesise(base), slice=elements)


def _shifted_code(stop: cst.BaseExpression, shift: int, stride: int = 1) -> str:
    """``stride * stop + shift`` as code, constants folded: ``len(a) - 1`` shifted by 1
    is ``len(a)``."""
    if type(stop) is cst.Integer:
        return str(stride * int(stop.value) + shift)
    if stride != 1:
        scaled = f"{stride} * {code(parenthesise(stop))}"
        return scaled if shift == 0 else f"{scaled} {'+' if shift > 0 else '-'} {abs(shift)}"
    if type(stop) is cst.BinaryOperation and not stop.lpar and type(stop.right) is cst.Integer and type(stop.operator) in (cst.Add, cst.Subtract):
        shift += int(stop.right.value) * (1 if type(stop.operator) is cst.Add else -1)
        stop = stop.left
    if shift == 0:
        return code(stop)
    return f"{code(parenthesise(stop))} {'+' if shift > 0 else '-'} {abs(shift)}"


class Vectoriser:
    """Turns body expressions into array expressions for one loop (or a nest)."""

    def __init__(
        self,
        context: FileContext,
        evidence: ArrayEvidence,
        header: LoopHeader | list[LoopHeader],
        assigned_in_loop: set[str],
        trailing: int = 0,
    ) -> None:
        self.context = context
        self.evidence = evidence
        self.headers = header if isinstance(header, list) else [header]
        self.header = self.headers[-1]
        self.np = evidence.numpy_alias or "np"
        self.assigned_in_loop = assigned_in_loop
        self.axis_of: dict[str, int] = {h.index: axis for axis, h in enumerate(self.headers) if h.index is not None}
        self.elements: dict[str, tuple[cst.BaseExpression, int]] = {
            name: (array, axis) for axis, h in enumerate(self.headers) for name, array in h.elements.items()
        }
        # Trailing (per-iteration) dimensions every operand is broadcast to.
        self.trailing = trailing
        self.trailing_seen = 0
        # Temporaries bound earlier in the body: name → array expression.
        self.temporaries: dict[str, cst.BaseExpression] = {}
        # Temporaries that name the loop's row of an array (`X = x[i, :]`): name → `x[i]`.
        self.aliases: dict[str, cst.Subscript] = {}
        # Temporaries that are an index (`k = 2 * i + 1`): name → (its array expression, the term).
        self.index_temporaries: dict[str, tuple[cst.BaseExpression, Affine]] = {}
        # False when the rewrite may differ from the loop (NaN order, …): suggestion only.
        self.exact = True
        # False when operand shapes are guessed (unknown dimensions next to known ones).
        self.shapes_known = True
        self.notes: list[str] = []
        self.reads: dict[str, int] = {}
        # Arrays known only from likely evidence (or none): name → why we think so.
        self.likely: dict[str, str] = {}
        # Every array touched, with its evidence (for the message).
        self.seen: dict[str, str] = {}
        self.varies = False
        # The loop's index itself is a value (`np.arange`), not only a position.
        self.index_read = False
        # Read windows at a fixed offset (`a[i + 1]` → `a[1:n + 1]`): only PC501 asks,
        # and only as a suggestion (the loop raises where a short slice would broadcast).
        self.offsets_ok = False
        # With offset reads, plain reads are sliced to the loop's stop too (`a[:n]`).
        self.explicit_stops = False

    def enable_windows(self, statements: list) -> None:
        """Let offset reads become windows; when the body has one, every read of a loop
        axis names its stop, so that the operands have the loop's length (index
        temporaries bound at the top of the body count: `k = i + 1` … `a[k]`)."""
        self.offsets_ok = True
        aliases = _index_assignments(statements, self.axis_of)
        self.explicit_stops = any(
            type(node) is cst.SubscriptElement
            and type(node.slice) is cst.Index
            and (self._shifted_index(node.slice.value) is not None or _offset_term(affine(node.slice.value, self.axis_of, aliases)))
            for statement in statements
            for node in walk_local(statement)
        )

    def bind(self, name: str, source: cst.BaseExpression, value: cst.BaseExpression) -> None:
        """``name = source`` in the body, ``value`` its array expression; an integer
        affine function of the index (`k = 2 * i + 1`) is kept as an index too."""
        self.temporaries[name] = value
        term = affine(source, self.axis_of, self._index_aliases())
        if term is not None and term[0] is not None:
            self.index_temporaries[name] = (value, term)
        else:
            self.index_temporaries.pop(name, None)

    def _index_aliases(self) -> dict[str, Affine]:
        """The index temporaries still bound to the value they were given."""
        return {name: term for name, (value, term) in self.index_temporaries.items() if self.temporaries.get(name) is value}

    def flatten(self, node: cst.Subscript) -> Access | None:
        """``flatten_access``, with each index that reads an index temporary written as
        the term it stands for (`a[k - 1]` with `k = 2 * i + 1` → `a[2 * i]`)."""
        access = flatten_access(node)
        if access is None or not self.index_temporaries:
            return access
        aliases = self._index_aliases()
        if not aliases:
            return access
        indices = []
        for index in access.indices:
            if any(type(n) is cst.Name and n.value in aliases for n in walk_local(index)):
                term = loop_index(affine(index, self.axis_of, aliases))
                if term is None:
                    return None  # `a[k * k]`: not an element of the loop's axis
                index = written_as(term, self.headers[term[0]].index or "")
            indices.append(index)
        return Access(access.base, indices)

    # -- loop axes -------------------------------------------------------------

    def loop_names(self) -> set[str]:
        return set(self.axis_of) | set(self.elements)

    def is_index(self, node: cst.BaseExpression) -> bool:
        return type(node) is cst.Name and node.value in self.axis_of

    def _axis_slice(self, axis: int) -> cst.SubscriptElement:
        """What the loop covers of an axis: ``:`` (or ``start:``) when it runs to a known
        length, ``:stop`` when it stops short, at ``len(a) - 1``."""
        header = self.headers[axis]
        explicit = type(header.stop) is cst.BinaryOperation or (self.explicit_stops and header.stop is not None)
        if header.length_key is None and explicit and not header.elements:
            lower = cst.Integer(str(header.start)) if header.start else None
            return cst.SubscriptElement(cst.Slice(lower=lower, upper=header.stop))
        return _slice_element(header.start)

    def _broadcast(self, expr: cst.BaseExpression, axes: list[int], trailing: int) -> cst.BaseExpression:
        """``expr`` has the loop axes ``axes`` (in order) then ``trailing`` dimensions:
        insert ``None`` for the missing loop axes and up to ``self.trailing``."""
        elements = [cst.SubscriptElement(cst.Slice(lower=None, upper=None)) if axis in axes else _none_element() for axis in range(len(self.headers))]
        elements += [cst.SubscriptElement(cst.Slice(lower=None, upper=None))] * trailing
        elements += [_none_element()] * max(0, self.trailing - trailing)
        if all(type(e.slice) is cst.Slice for e in elements):
            return expr
        return _subscript(expr, elements)

    # -- element accesses ------------------------------------------------------

    def access_parts(self, node: cst.Subscript) -> tuple[Access, list[int]] | None:
        """The access and the loop axes of its indices, when it reads or writes the
        current element (every other index fixed), else ``None``."""
        access = self.flatten(node)
        if access is None:
            return None
        axes: list[int] = []
        for index in access.indices:
            if type(index) is cst.Name and index.value in self.axis_of:
                axes.append(self.axis_of[index.value])
            elif not self._fixed_index(index):
                return None
        if not axes or len(set(axes)) != len(axes):
            return None
        if axes != sorted(axes) and not _transposed(access, axes):
            return None
        return access, axes

    def _fixed_index(self, index: cst.BaseExpression) -> bool:
        if type(index) is cst.Integer:
            return True
        return type(index) is cst.Name and self._invariant(index) and not self.evidence.is_array(index)

    def base_facts(self, base: cst.BaseExpression) -> ArrayFacts | None:
        """The evidence for an indexed base; unknown parameters and globals read at
        the loop's index are accepted as likely arrays (named in the message)."""
        facts = self.evidence.facts(base) if type(base) is cst.Name else self.evidence.expression_facts(base)
        if type(base) is not cst.Name:
            call = next((n for n in walk_local(base) if type(n) is cst.Call), None)
            if call is not None:
                self._hoistable(call)  # notes the (outermost) call made once instead of per element
        if facts is not None:
            self.seen.setdefault(code(base), facts.why)
            if facts.likely:
                self.likely.setdefault(code(base), facts.why)
            return facts
        if type(base) is cst.Name and self._could_be_array(base.value):
            self.likely.setdefault(base.value, "read at the loop's index")
            return ArrayFacts(likely=True, why="read at the loop's index")
        if type(base) is not cst.Name and self._invariant(base) and any(type(n) is cst.Call for n in walk_local(base)):
            self.likely.setdefault(code(base), "a value computed before the loop, read at its index")
            return ArrayFacts(likely=True, why="a value computed before the loop, read at its index")
        return None

    def _could_be_array(self, name: str) -> bool:
        if name in self.assigned_in_loop or name in self.temporaries or name in self.loop_names():
            return False
        walk = self.evidence.walk
        if name in walk.duck_typed:
            return False
        values = walk.bindings.get(name)
        if values is None:
            if name in walk.params:
                return walk.params[name].annotation is None and not call_site_passes_non_array(self.context, self.evidence.function, name)
            return self.evidence.outer is not None and self._outer_could_be(name)
        return all(self.evidence.opaque(v) for v in values)

    def _outer_could_be(self, name: str) -> bool:
        outer = self.evidence.outer
        assert outer is not None
        values = outer.walk.bindings.get(name)
        return values is not None and all(outer.opaque(v) for v in values)

    def _trailing_of(self, facts: ArrayFacts, indexed: int) -> int:
        if facts.ndim is not None:
            return facts.ndim - indexed
        if facts.min_ndim > indexed:
            self.shapes_known = False
            return facts.min_ndim - indexed
        if self.trailing:
            # Unknown dimensions next to per-iteration rows: taken as one value per
            # iteration, which the message shows; never an edit.
            self.shapes_known = False
        return 0

    def offset_parts(self, node: cst.Subscript) -> tuple[Access, list[int], dict[int, tuple[int, int, cst.BaseExpression]]] | None:
        """``a[i + 1]``, ``a[161 + i]``, ``a[i - 2, j]``: the access, its loop axes and,
        per indexed position, the axis and offset (sign and amount) from the loop's index."""
        access = self.flatten(node)
        if access is None:
            return None
        axes: list[int] = []
        offsets: dict[int, tuple[int, int, cst.BaseExpression]] = {}
        for position, index in enumerate(access.indices):
            if type(index) is cst.Name and index.value in self.axis_of:
                axes.append(self.axis_of[index.value])
                continue
            shifted = self._shifted_index(index)
            if shifted is not None:
                axes.append(shifted[0])
                offsets[position] = shifted
            elif not self._fixed_index(index):
                return None
        if not offsets or len(set(axes)) != len(axes) or axes != sorted(axes):
            return None
        return access, axes, offsets

    def _shifted_index(self, index: cst.BaseExpression) -> tuple[int, int, int, cst.BaseExpression | None] | None:
        """``i + c``, ``c + i``, ``i - c``, ``m * i + c``, ``i * m`` (``m`` an integer,
        ``c`` an integer or, after ``+``, a name the loop does not change) →
        (axis, stride m, sign, c)."""
        scaled = self._scaled_index(index)
        if scaled is not None:
            return scaled[0], scaled[1], 1, None
        if type(index) is not cst.BinaryOperation or index.lpar or type(index.operator) not in (cst.Add, cst.Subtract):
            return None
        sign = 1 if type(index.operator) is cst.Add else -1
        sides = [(index.left, index.right)] + ([(index.right, index.left)] if sign == 1 else [])
        for loop_side, amount in sides:
            axis = self._scaled_index(loop_side, plain=True)
            if axis is not None and (type(amount) is cst.Integer or (sign == 1 and self._fixed_index(amount))):
                return axis[0], axis[1], sign, amount
        return None

    def _scaled_index(self, node: cst.BaseExpression, plain: bool = False) -> tuple[int, int] | None:
        """``m * i`` or ``i * m`` (and ``i`` itself when ``plain``) → (axis, m)."""
        if type(node) is cst.Name and node.value in self.axis_of:
            return (self.axis_of[node.value], 1) if plain else None
        if type(node) is not cst.BinaryOperation or node.lpar or type(node.operator) is not cst.Multiply:
            return None
        for index, stride in ((node.left, node.right), (node.right, node.left)):
            if type(index) is cst.Name and index.value in self.axis_of and type(stride) is cst.Integer and int(stride.value) > 0:
                return self.axis_of[index.value], int(stride.value)
        return None

    def _window(self, axis: int, stride: int, sign: int, amount: cst.BaseExpression | None) -> cst.SubscriptElement | None:
        """The slice an offset read covers over the loop: ``[m*start + c:m*stop + c:m]``."""
        header = self.headers[axis]
        stop = header.stop
        if stop is None:
            return None
        if header.elements and stop in header.elements.values():
            stop = cst.Call(func=cst.Name("len"), args=[cst.Arg(stop)])
        if amount is None or type(amount) is cst.Integer:
            shift = sign * int(amount.value) if amount is not None else 0
            if stride * header.start + shift < 0:
                return None  # `a[i - 1]` from 0 reads `a[-1]`: the last element, not a window
            lower = str(stride * header.start + shift)
            upper = _shifted_code(stop, shift, stride)
        else:
            first = stride * header.start
            lower = code(amount) if first == 0 else f"{first} + {code(amount)}"
            upper = f"{_shifted_code(stop, 0, stride)} + {code(amount)}"
        step = cst.Integer(str(stride)) if stride != 1 else None
        return cst.SubscriptElement(cst.Slice(lower=None if lower == "0" else cst.parse_expression(lower), upper=cst.parse_expression(upper), step=step))

    def _offset_element(self, node: cst.Subscript) -> tuple[Access, list[int], cst.BaseExpression] | None:
        parts = self.offset_parts(node) if self.offsets_ok else None
        if parts is None:
            return None
        access, axes, offsets = parts
        elements = []
        for position, index in enumerate(access.indices):
            if position in offsets:
                window = self._window(*offsets[position])
                if window is None:
                    return None
                elements.append(window)
            elif type(index) is cst.Name and index.value in self.axis_of:
                elements.append(self._axis_slice(self.axis_of[index.value]))
            else:
                elements.append(cst.SubscriptElement(cst.Index(index)))
        self.exact = False
        self.note("an offset or strided read becomes a window of the loop's length (the loop raised where the window runs past the end)")
        return access, axes, _subscript(access.base, elements)

    def element(self, node: cst.Subscript) -> cst.BaseExpression | None:
        """``a[i]`` → ``a`` (``a[1:]`` for a partial range, ``a[:, None]`` to broadcast)."""
        parts = self.access_parts(node)
        window = self._offset_element(node) if parts is None else None
        if window is not None:
            parts = window[0], window[1]
        if parts is None:
            return None
        access, axes = parts
        facts = self.base_facts(access.base)
        if facts is None:
            return None
        trailing = self._trailing_of(facts, len(access.indices))
        if trailing < 0:
            return None
        self.trailing_seen = max(self.trailing_seen, trailing)
        self.varies = True
        name = code(access.base)
        self.reads[name] = self.reads.get(name, 0) + 1
        if axes != sorted(axes):
            if facts.ndim not in (None, 2):
                return None
            # `a[j, i]` in loops over i then j: the transpose.
            return self._broadcast(cst.Attribute(value=parenthesise(access.base), attr=cst.Name("T")), sorted(axes), trailing)
        return self._broadcast(window[2] if window is not None else self._sliced(access), axes, trailing)

    def _sliced(self, access: Access) -> cst.BaseExpression:
        elements = []
        for index in access.indices:
            if type(index) is cst.Name and index.value in self.axis_of:
                elements.append(self._axis_slice(self.axis_of[index.value]))
            else:
                elements.append(cst.SubscriptElement(cst.Index(index)))
        while elements and type(elements[-1].slice) is cst.Slice and elements[-1].slice.lower is None and elements[-1].slice.upper is None:
            elements.pop()
        return _subscript(access.base, elements) if elements else access.base

    def target(self, node: cst.BaseExpression) -> tuple[str, str, int] | None:
        """A written element ``out[i]`` → (array name, ``out[:]``, trailing dims), when
        it covers every loop axis of an array."""
        if type(node) is not cst.Subscript:
            return None
        parts = self.access_parts(node)
        if parts is None:
            return None
        access, axes = parts
        if not _written_base(access.base) or axes != list(range(len(self.headers))):
            return None
        facts = self.evidence.facts(access.base) if type(access.base) is cst.Name else self.evidence.expression_facts(access.base)
        if facts is None:
            return None
        name = code(access.base)
        self.seen.setdefault(name, facts.why)
        if facts.likely:
            self.likely.setdefault(name, facts.why)
        trailing = self._trailing_of(facts, len(access.indices))
        if trailing < 0:
            return None
        self.trailing_seen = max(self.trailing_seen, trailing)
        elements = [
            self._axis_slice(self.axis_of[i.value]) if type(i) is cst.Name and i.value in self.axis_of else cst.SubscriptElement(cst.Index(i))
            for i in access.indices
        ]
        return name, code(_subscript(access.base, elements)), trailing

    # -- expressions -----------------------------------------------------------

    def expr(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        handler = _EXPRESSION_HANDLERS.get(type(node))
        return handler(self, node) if handler is not None else None

    def _literal(self, node: cst.BaseExpression) -> cst.BaseExpression | None:
        return node

    def _attribute(self, node: cst.Attribute) -> cst.BaseExpression | None:
        qualified = self.context.names.qualify(node)
        if qualified and qualified.startswith("math.") and qualified[5:] in MATH_CONSTANTS:
            return node
        base = node.value
        if not self._invariant(base):
            return None
        if type(base) is cst.Name and self.evidence.is_array(base) and node.attr.value not in _ARRAY_SCALAR_ATTRIBUTES:
            return None
        if self.evidence.expression_facts(node) is not None:
            return None  # a whole array (`self.w`) inside an elementwise expression broadcasts differently
        return node

    def _unary(self, node: cst.UnaryOperation) -> cst.BaseExpression | None:
        if type(node.operator) is cst.Not:
            return None
        inner = self.expr(node.expression)
        return None if inner is None else node.with_changes(expression=inner)

    def _binary(self, node: cst.BinaryOperation) -> cst.BaseExpression | None:
        if type(node.operator) is cst.MatrixMultiply:
            return None
        left, right = self.expr(node.left), self.expr(node.right)
        if left is None or right is None:
            return None
        return node.with_changes(left=left, right=right)

    def _comparison(self, node: cst.Comparison) -> cst.BaseExpression | None:
        if len(node.comparisons) != 1 or type(node.comparisons[0].operator) not in _COMPARISONS:
            return None
        left, right = self.expr(node.left), self.expr(node.comparisons[0].comparator)
        if left is None or right is None:
            return None
        return node.with_changes(left=left, comparisons=[node.comparisons[0].with_changes(comparator=right)])

    def _boolean(self, node: cst.BooleanOperation) -> cst.BaseExpression | None:
        if not all(type(side) in (cst.Comparison, cst.BooleanOperation) for side in (node.left, node.right)):
            return None
        left, right = self.expr(node.left), self.expr(node.right)
        if left is None or right is None:
            return None
        operator = cst.BitAnd() if type(node.operator) is cst.And else cst.BitOr()
        return cst.BinaryOperation(left=parenthesise(left), operator=operator, right=parenthesise(right), lpar=node.lpar, rpar=node.rpar)

    def _if_expression(self, node: cst.IfExp) -> cst.BaseExpression | None:
        test, body, orelse = self.expr(node.test), self.expr(node.body), self.expr(node.orelse)
        if test is None or body is None or orelse is None:
            return None
        self.note_where()
        return self.where(test, body, orelse).with_changes(lpar=node.lpar, rpar=node.rpar)

    def note_where(self) -> None:
        self.note("`np.where` evaluates both branches (expect warnings where the untaken one divides by zero)")

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def where(self, test: cst.BaseExpression, body: cst.BaseExpression, orelse: cst.BaseExpression) -> cst.Call:
        return cst.Call(func=np_attr(self.np, "where"), args=[cst.Arg(test), cst.Arg(body), cst.Arg(orelse)])

    def invariant(self, node: cst.BaseExpression) -> bool:
        return self._invariant(node)

    def _invariant(self, node: cst.BaseExpression) -> bool:
        """Whether the expression does not change from one iteration to the next (calls
        are invariant only where ``blocked`` let them through as loop-invariant)."""
        changing = self.loop_names() | self.assigned_in_loop | set(self.temporaries)
        for inner in walk_local(node):
            if type(inner) is cst.Name and inner.value in changing:
                return False
            if type(inner) is cst.Call and not self._hoistable(inner):
                return False
        return True

    def _hoistable(self, call: cst.Call) -> bool:
        qualified = self.context.names.qualify(call.func) or ""
        if qualified.startswith(("numpy.", "math.")) or (type(call.func) is cst.Name and call.func.value in ("len", "abs", "float", "int")):
            return True
        self.note(f"`{_short(call)}` is computed once, not once per element")
        self.exact = False
        return True

    def _name(self, node: cst.Name) -> cst.BaseExpression | None:
        value = node.value
        if value in self.aliases and value in self.temporaries:
            return self.expr(self.aliases[value])  # a row used whole: its dimensions count here
        if value in self.temporaries:
            self.varies = True
            return parenthesise(self.temporaries[value])
        if value in self.elements:
            return self._element_name(value)
        if value in self.axis_of:
            return self._index_array(self.axis_of[value])
        if value in self.assigned_in_loop or self.evidence.is_array(node):
            # A whole array inside an elementwise expression broadcasts differently.
            return None
        if value == "None":
            return None
        return node

    def _element_name(self, name: str) -> cst.BaseExpression | None:
        array, axis = self.elements[name]
        self.varies = True
        facts = self.base_facts(array)
        if facts is None:
            return None
        trailing = self._trailing_of(facts, 1)
        if trailing < 0:
            return None
        self.trailing_seen = max(self.trailing_seen, trailing)
        self.reads[code(array)] = self.reads.get(code(array), 0) + 1
        start = self.headers[axis].start
        covered = _subscript(array, [_slice_element(start)]) if start else array
        return self._broadcast(covered, [axis], trailing)

    def _index_array(self, axis: int) -> cst.BaseExpression | None:
        header = self.headers[axis]
        stop = header.stop
        if stop is None:
            return None
        self.varies = True
        self.index_read = True
        if header.elements and stop in header.elements.values():
            stop = cst.Call(func=cst.Name("len"), args=[cst.Arg(stop)])
        args = [cst.Arg(stop)] if header.start == 0 else [cst.Arg(cst.Integer(str(header.start))), cst.Arg(stop)]
        return self._broadcast(cst.Call(func=np_attr(self.np, "arange"), args=args), [axis], 0)

    def _subscript(self, node: cst.Subscript) -> cst.BaseExpression | None:
        if type(node.value) is cst.Name and node.value.value in self.aliases and node.value.value in self.temporaries:
            cell = cell_of(node, self.aliases)  # `X[0]` with `X = x[i, :]`: `x[i, 0]`
            return self.element(cell) if cell is not None else None
        converted = self.element(node)
        if converted is not None:
            return converted
        if self.access_parts(node) is not None:
            return None  # an element of something that is not an array
        if self._invariant(node) and not any(type(e.slice) is cst.Slice for e in node.slice):
            return node  # a fixed element, e.g. a[0]
        return None

    def _call(self, node: cst.Call) -> cst.BaseExpression | None:
        args = _positional(node)
        if args is None:
            return None
        func = node.func
        if type(func) is cst.Name and not self.context.names.is_imported(func.value):
            builtin = _BUILTIN_CALLS.get(func.value)
            return builtin(self, node, args) if builtin is not None else None
        qualified = self.context.names.qualify(func)
        if qualified is None:
            return None
        if not qualified.startswith(("math.", "numpy.")) and self._invariant(node):
            return node  # a loop-invariant call: made once (noted)
        if qualified.startswith("math."):
            return self._math_call(qualified[5:], args)
        if qualified.startswith("numpy."):
            return self._numpy_call(qualified[6:], node, args)
        return None

    def _abs(self, node: cst.Call, args: list[cst.BaseExpression]) -> cst.BaseExpression | None:
        if len(args) != 1:
            return None
        inner = self.expr(args[0])
        return None if inner is None else cst.Call(func=np_attr(self.np, "abs"), args=[cst.Arg(inner)])

    def _min_max(self, node: cst.Call, args: list[cst.BaseExpression]) -> cst.BaseExpression | None:
        if len(args) != 2:
            return None
        left, right = self.expr(args[0]), self.expr(args[1])
        if left is None or right is None:
            return None
        # Python's min/max and np.minimum/np.maximum disagree on NaN.
        self.exact = False
        self.note("`np.minimum`/`np.maximum` propagate NaN where Python's `min`/`max` depend on argument order")
        name = "maximum" if type(node.func) is cst.Name and node.func.value == "max" else "minimum"
        return cst.Call(func=np_attr(self.np, name), args=[cst.Arg(left), cst.Arg(right)])

    def _int_round(self, node: cst.Call, args: list[cst.BaseExpression]) -> cst.BaseExpression | None:
        """``int(x)`` → ``np.trunc(x)``, ``round(x)`` → ``np.round(x)``: the same values
        (both round half to even), as floats rather than Python ints: a suggestion."""
        if len(args) != 1:
            return None
        inner = self.expr(args[0])
        if inner is None:
            return None
        self.exact = False
        name = "trunc" if type(node.func) is cst.Name and node.func.value == "int" else "round"
        self.note(f"`np.{name}` gives floats where Python's `{'int' if name == 'trunc' else 'round'}` gives ints (and NaN where it raised)")
        return cst.Call(func=np_attr(self.np, name), args=[cst.Arg(inner)])

    def _len(self, node: cst.Call, args: list[cst.BaseExpression]) -> cst.BaseExpression | None:
        return node if len(args) == 1 and self._invariant(args[0]) else None

    def _math_call(self, name: str, args: list[cst.BaseExpression]) -> cst.BaseExpression | None:
        numpy_name = MATH_TO_NUMPY.get(name)
        if numpy_name is None:
            return None
        if name in _MATH_INT_RESULT:
            self.exact = False
        if name == "pow":
            self.exact = False
            self.note("`np.power` of integers gives integers where `math.pow` gives floats")
        converted = [self.expr(arg) for arg in args]
        if any(c is None for c in converted):
            return None
        return cst.Call(func=np_attr(self.np, numpy_name), args=[cst.Arg(c) for c in converted])  # type: ignore[arg-type]

    def _numpy_call(self, name: str, node: cst.Call, args: list[cst.BaseExpression]) -> cst.BaseExpression | None:
        if name in BLOCK_REDUCTIONS:
            reduced = block_reduction(self, name, args)  # `np.mean(a[n*i:n*(i+1)])`: one value per block
            if reduced is not None:
                return reduced
        if name in _FIRST_ARGUMENT_ELEMENTWISE and args and all(self._invariant(arg) for arg in args[1:]):
            # `np.interp(x[i], xp, fp)`: elementwise in its first argument only.
            first = self.expr(args[0])
            return None if first is None else node.with_changes(args=[node.args[0].with_changes(value=first), *node.args[1:]])
        if name not in NUMPY_UFUNCS:
            return node if all(self._invariant(arg) for arg in args) else None
        converted = [self.expr(arg) for arg in args]
        if any(c is None for c in converted):
            return None
        return node.with_changes(args=[arg.with_changes(value=c) for arg, c in zip(node.args, converted)])

    # -- what the message says about evidence ----------------------------------

    def evidence_text(self) -> str:
        """How the arrays were recognised, for the message: the likely condition, or
        the certain evidence that is not an annotation."""
        condition = self.condition()
        if condition:
            return condition
        shown = [f"`{name}` {why}" for name, why in sorted(self.seen.items()) if name in self.reads and why and why != "annotated as an array"]
        return "arrays: " + "; ".join(shown[:3]) if shown else ""

    def condition(self) -> str:
        """"if `temp` and `pressure` are NumPy arrays", or "" when all evidence is certain."""
        if not self.likely:
            return ""
        names = sorted(self.likely)
        listed = " and ".join(f"`{n}`" for n in names) if len(names) <= 2 else ", ".join(f"`{n}`" for n in names[:-1]) + f" and `{names[-1]}`"
        verb = "is a NumPy array" if len(names) == 1 else "are NumPy arrays"
        reasons = "; ".join(f"`{n}`: {self.likely[n]}" for n in names)
        return f"if {listed} {verb} ({reasons})"


def _index_assignments(statements: list, axis_of: dict[str, int]) -> dict[str, Affine]:
    """The body's top-level `k = <affine in i>` bindings, in order (a first look,
    before planning; a name bound twice is dropped)."""
    aliases: dict[str, Affine] = {}
    bound: set[str] = set()
    for statement in statements:
        if type(statement) is cst.Assign and len(statement.targets) == 1 and type(statement.targets[0].target) is cst.Name:
            name = statement.targets[0].target.value
            term = affine(statement.value, axis_of, aliases)
            if name in bound or term is None or term[0] is None:
                aliases.pop(name, None)
            else:
                aliases[name] = term
            bound.add(name)
    return aliases


def _offset_term(term: Affine | None) -> bool:
    """A loop index read at an offset or stride (not the index itself)."""
    return term is not None and term[0] is not None and (term[1], term[2]) != (1, 0)


# NumPy functions that map their first argument element by element, the others fixed.
_FIRST_ARGUMENT_ELEMENTWISE = frozenset({"interp"})


_BUILTIN_CALLS = {
    "abs": Vectoriser._abs, "min": Vectoriser._min_max, "max": Vectoriser._min_max, "len": Vectoriser._len,
    "int": Vectoriser._int_round, "round": Vectoriser._int_round,
}

_EXPRESSION_HANDLERS = {
    cst.Integer: Vectoriser._literal,
    cst.Float: Vectoriser._literal,
    cst.Imaginary: Vectoriser._literal,
    cst.Name: Vectoriser._name,
    cst.Subscript: Vectoriser._subscript,
    cst.Attribute: Vectoriser._attribute,
    cst.UnaryOperation: Vectoriser._unary,
    cst.BinaryOperation: Vectoriser._binary,
    cst.Comparison: Vectoriser._comparison,
    cst.BooleanOperation: Vectoriser._boolean,
    cst.IfExp: Vectoriser._if_expression,
    cst.Call: Vectoriser._call,
}
