"""PC502 reduction loops and PC507 builtins on arrays: sums, extrema and counts
computed by the interpreter instead of by NumPy."""

from __future__ import annotations

from typing import NamedTuple

import libcst as cst

from policy_check.diagnostics import Applicability
from policy_check.rules.base import (
    FileContext,
    FixSafety,
    Invalid,
    NodeFix,
    Replace,
    Rule,
)
from policy_check.rules.vectorise.evidence import walk_local
from policy_check.rules.vectorise.loops import (
    blocked,
    code,
    parenthesise,
    statements_of,
)
from policy_check.rules.vectorise.site import LoopSite, loop_site, mentions_arrays
from policy_check.rules.vectorise.vectoriser import Vectoriser


class Accumulation(NamedTuple):
    """One accumulator update: ``s += E`` (kind "sum"), a count, a running max/min."""

    name: str
    kind: str  # "sum", "count", "max", "min", "masked-sum"
    value: cst.BaseExpression | None  # vectorised term
    operator: str = "+="
    # `s = s + E` keeps that spelling in the fix.
    spelled: str = "aug"
    mask: cst.BaseExpression | None = None
    # The term is the same every iteration (`count = count + 1` under a mask).
    uniform: bool = False


def _accumulation(statement: object, vec: Vectoriser, loop_names: set[str]) -> Accumulation | None:
    handler = _ACCUMULATORS.get(type(statement))
    return handler(statement, vec, loop_names) if handler is not None else None


def _is_accumulator(name: str, vec: Vectoriser, loop_names: set[str]) -> bool:
    return name not in loop_names and vec.evidence.arrays.get(name) is None


def _aug_accumulation(statement: cst.AugAssign, vec: Vectoriser, loop_names: set[str]) -> Accumulation | None:
    """``s += E`` / ``s -= E`` / ``n += 1``, also into a fixed element (``y[k] += E``)."""
    if type(statement.operator) not in (cst.AddAssign, cst.SubtractAssign):
        return None
    name = _accumulator_name(statement.target, vec, loop_names)
    if name is None or _mentions(statement.value, _root(statement.target)):
        return None
    operator = "+=" if type(statement.operator) is cst.AddAssign else "-="
    if type(statement.value) is cst.Integer and statement.value.value == "1" and operator == "+=":
        return Accumulation(name, "count", None, operator)
    value = vec.expr(statement.value)
    return None if value is None else Accumulation(name, "sum", value, operator)


def _accumulator_name(target: cst.BaseExpression, vec: Vectoriser, loop_names: set[str]) -> str | None:
    """``s`` (a scalar, not an array) or ``y[k]`` (an element the loop does not move)."""
    if type(target) is cst.Name:
        return target.value if _is_accumulator(target.value, vec, loop_names) else None
    if type(target) is cst.Subscript and type(target.value) is cst.Name and target.value.value not in loop_names:
        fixed = all(type(e.slice) is cst.Index and vec._invariant(e.slice.value) for e in target.slice)
        return code(target) if fixed and not vec.access_parts(target) else None
    return None


def _root(target: cst.BaseExpression) -> str:
    while type(target) is cst.Subscript:
        target = target.value
    return target.value if type(target) is cst.Name else ""


def _assign_accumulation(statement: cst.Assign, vec: Vectoriser, loop_names: set[str]) -> Accumulation | None:
    """``s = s + E``, ``s = E + s``, ``best = max(best, E)``."""
    if len(statement.targets) != 1 or type(statement.targets[0].target) is not cst.Name:
        return None
    name = statement.targets[0].target.value
    if not _is_accumulator(name, vec, loop_names):
        return None
    value = statement.value
    if type(value) is cst.BinaryOperation and type(value.operator) in (cst.Add, cst.Subtract):
        return _spelled_sum(name, value, vec)
    if type(value) is cst.BinaryOperation and type(value.operator) is cst.Multiply:
        return _spelled_product(name, value, vec)
    if type(value) is cst.Call and type(value.func) is cst.Name and value.func.value in ("max", "min") and len(value.args) == 2:
        return _extremum_call(name, value, vec)
    return None


def _extremum_call(name: str, value: cst.Call, vec: Vectoriser) -> Accumulation | None:
    """``best = max(best, E)``."""
    others = [a.value for a in value.args if not (type(a.value) is cst.Name and a.value.value == name)]
    if len(others) != 1 or _mentions(others[0], name):
        return None
    converted = vec.expr(others[0])
    return None if converted is None else Accumulation(name, value.func.value, converted)  # type: ignore[attr-defined]


def _spelled_product(name: str, value: cst.BinaryOperation, vec: Vectoriser) -> Accumulation | None:
    """``p = p * E`` (or ``E * p``): a running product, `p *= E.prod()` (a suggestion)."""
    sides = (value.left, value.right)
    accumulators = [side for side in sides if type(side) is cst.Name and side.value == name and not side.lpar]
    if len(accumulators) != 1:
        return None
    term = value.right if accumulators[0] is value.left else value.left
    converted = None if _mentions(term, name) else vec.expr(term)
    return None if converted is None else Accumulation(name, "prod", converted, "*=")


def _spelled_sum(name: str, value: cst.BinaryOperation, vec: Vectoriser) -> Accumulation | None:
    left_is_acc = type(value.left) is cst.Name and value.left.value == name and not value.left.lpar
    right_is_acc = type(value.right) is cst.Name and value.right.value == name and type(value.operator) is cst.Add
    term = value.right if left_is_acc else value.left if right_is_acc else None
    if term is None or _mentions(term, name):
        return None
    converted = vec.expr(term)
    if converted is None:
        return None
    operator = "+=" if type(value.operator) is cst.Add else "-="
    return Accumulation(name, "sum", converted, operator, spelled="left" if left_is_acc else "right")


def _if_accumulation(statement: cst.If, vec: Vectoriser, loop_names: set[str]) -> Accumulation | None:
    """``if x > best: best = x`` (a running extremum) or ``if mask: s += E`` (masked)."""
    body = statements_of(statement.body)
    if statement.orelse is not None or not body or len(body) != 1:
        return None
    extremum = _running_extremum(statement.test, body[0], vec, loop_names)
    if extremum is not None:
        return extremum
    if _extremum_shape(statement.test, body[0]) is not None:
        return None
    inner = _accumulation(body[0], vec, loop_names)
    mask = vec.expr(statement.test)
    if inner is None or mask is None or inner.kind not in ("sum", "count") or _mentions(statement.test, inner.name):
        return None
    if inner.kind == "count":
        return Accumulation(inner.name, "count", None, mask=mask)
    return Accumulation(inner.name, "masked-sum", inner.value, inner.operator, mask=mask, uniform=_uniform_term(body[0], inner.name, vec))


def _uniform_term(statement: cst.CSTNode, accumulator: str, vec: Vectoriser) -> bool:
    """Whether the added term reads nothing that changes per iteration (`count = count + 1`)."""
    changing = (vec.loop_names() | vec.assigned_in_loop | set(vec.temporaries)) - {accumulator}
    return not any(type(node) is cst.Name and node.value in changing for node in walk_local(statement))


def _extremum_shape(test: cst.BaseExpression, assign: object) -> str | None:
    """The accumulator of ``if E > best: best = ...``, whatever E is."""
    if not (type(test) is cst.Comparison and len(test.comparisons) == 1 and type(assign) is cst.Assign):
        return None
    if len(assign.targets) != 1 or type(assign.targets[0].target) is not cst.Name:
        return None
    name = assign.targets[0].target.value
    right = test.comparisons[0].comparator
    return name if type(right) is cst.Name and right.value == name else None


_EXTREMA = {cst.GreaterThan: "max", cst.GreaterThanEqual: "max", cst.LessThan: "min", cst.LessThanEqual: "min"}


def _running_extremum(test: cst.BaseExpression, assign: object, vec: Vectoriser, loop_names: set[str]) -> Accumulation | None:
    name = _extremum_shape(test, assign)
    if name is None or code(test.left) != code(assign.value):  # type: ignore[attr-defined]
        return None
    kind = _EXTREMA.get(type(test.comparisons[0].operator))  # type: ignore[attr-defined]
    converted = vec.expr(test.left)  # type: ignore[attr-defined]
    if kind is None or converted is None or name in loop_names or _mentions(test.left, name):  # type: ignore[attr-defined]
        return None
    return Accumulation(name, kind, converted)


_ACCUMULATORS = {cst.AugAssign: _aug_accumulation, cst.Assign: _assign_accumulation, cst.If: _if_accumulation}


def _mentions(expr: cst.CSTNode, name: str) -> bool:
    return any(type(n) is cst.Name and n.value == name for n in walk_local(expr))


def _count_expression(site: LoopSite) -> str | None:
    header = site.header
    if header.elements and not header.unequal_zip:
        return f"len({code(next(iter(header.elements.values())))})"
    if header.index is not None and header.stop is not None and header.start == 0 and not header.elements:
        return code(header.stop)
    return None


class ReductionLoop(Rule):
    """An accumulator updated once per element (`s += a[i] * b[i]`, a running
    maximum, a counter) is a reduction NumPy computes in compiled code: `.sum()`,
    `a @ b`, `.max()`, `np.count_nonzero`.  Measured (benchmarks/vectorise.py):
    `s += a[i] * b[i]` takes 122 ms at n = 10^6, `(a * b).sum()` 0.46 ms (~260x),
    `a @ b` 0.1 ms (~1,250x).

    Not reported when the accumulator feeds back non-linearly, the loop exits
    early, draws random numbers, does I/O or runs over a list."""

    code = "PC502"
    name = "reduction-loop"
    trigger_words = ("for ", "while ")
    summary = "A loop accumulates a sum, extremum or count over an array; use the NumPy reduction."
    MESSAGE = "reduction in a Python loop: use the NumPy reduction"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "Plain sums are replaced by `s += (<terms>).sum()` (`.sum(axis=0)` when the arrays' "
        "dimensions are unknown, which also covers rows of a 2-D array): NumPy adds pairwise, "
        "so float results can differ in the last bits; a `zip` over arrays of different lengths "
        "stops at the shortest where the array expression raises.  Running extrema, masked sums "
        "and counts are suggestions only (NaN handling differs)."
    )

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return mentions_arrays(context) and super().applies_to(context)

    VALID = [
        # The running state is clipped: a non-linear recurrence.
        "import numpy as np\n\ndef streak(depth: np.ndarray):\n    best = run = 0\n    for d in depth:\n        run = run + 1 if d == 0 else 0\n        best = max(best, run)\n    return best\n",
        # A list of numbers.
        "def total(xs: list[float]):\n    s = 0.0\n    for x in xs:\n        s += x\n    return s\n",
        # Stops at the first exceedance.
        "import numpy as np\n\ndef first(a: np.ndarray, lim):\n    s = 0.0\n    for x in a:\n        if x > lim:\n            break\n        s += x\n    return s\n",
        # A sum over a range that reads no array.
        "import numpy as np\n\ndef series(k, c, m):\n    t = 0\n    for j in range(1, m):\n        t += (k ** (m - j)) * (c ** (2 * j))\n    return t\n",
        # Horner's scheme: the accumulator is multiplied.
        "import numpy as np\n\ndef horner(c: np.ndarray, x):\n    acc = 0.0\n    for ci in c:\n        acc = acc * x + ci\n    return acc\n",
    ]
    INVALID = [
        Invalid(
            "import numpy as np\n\ndef energy(v: np.ndarray, i: np.ndarray, dt: float) -> float:\n    wh = 0.0\n"
            "    for k in range(v.size):\n        wh += v[k] * i[k] * dt / 3600.0\n    return wh\n",
            expected="import numpy as np\n\ndef energy(v: np.ndarray, i: np.ndarray, dt: float) -> float:\n    wh = 0.0\n"
            "    wh += (v * i * dt / 3600.0).sum(axis=0)\n    return wh\n",
        ),
        Invalid(
            "import numpy as np\n\ndef weighted(theta, h):\n    theta = np.asarray(theta, dtype=float).ravel()\n    h = np.asarray(h, dtype=float).ravel()\n    num = 0.0\n"
            "    for t, w in zip(theta, h):\n        num = num + t * w\n    return num\n",
            expected="import numpy as np\n\ndef weighted(theta, h):\n    theta = np.asarray(theta, dtype=float).ravel()\n    h = np.asarray(h, dtype=float).ravel()\n    num = 0.0\n"
            "    num = num + (theta * h).sum()\n    return num\n",
        ),
        # A temporary per element, and a counter.
        Invalid(
            "import numpy as np\n\ndef lj(r: np.ndarray, eps, sigma):\n    e = 0.0\n    n = 0\n    for x in r:\n        sr6 = (sigma / x) ** 6\n"
            "        e += 4.0 * eps * (sr6 * sr6 - sr6)\n        n += 1\n    return e / n\n",
            expected="import numpy as np\n\ndef lj(r: np.ndarray, eps, sigma):\n    e = 0.0\n    n = 0\n"
            "    e += (4.0 * eps * (((sigma / r) ** 6) * ((sigma / r) ** 6) - ((sigma / r) ** 6))).sum(axis=0)\n    n += len(r)\n    return e / n\n",
        ),
        # Running maximum: suggestion (NaN is skipped by the loop, propagated by .max()).
        Invalid(
            "import numpy as np\n\ndef pga(accel: np.ndarray):\n    peak = 0.0\n    for a in accel:\n        if abs(a) > peak:\n            peak = abs(a)\n    return peak\n"
        ),
        # A masked sum: suggestion.
        Invalid(
            "import math\nimport numpy as np\n\ndef shannon(p: np.ndarray):\n    h = 0.0\n    for x in p:\n        if x > 0:\n            h -= x * math.log(x)\n    return h\n"
        ),
    ]

    def leave_While(self, node: cst.While) -> None:
        self.leave_For(node)  # type: ignore[arg-type]

    def leave_For(self, node: cst.For) -> None:
        site = loop_site(self.context, node)
        if site is None or blocked(node.body, self.context):
            return
        vec = site.vectoriser(self.context)
        found = _accumulations(site, vec)
        if found is None:
            return
        accumulations, temporaries = found
        np_name = site.evidence.numpy_alias or "np"
        unknown_ndim = any(site.evidence.arrays.get(read) is None or site.evidence.arrays[read].ndim != 1 for read in vec.reads)
        lines = [self._line(a, site, np_name, unknown_ndim) for a in accumulations]
        if any(line is None for line in lines):
            return
        message = "reduction in a Python loop: `" + "; ".join(line for line in lines if line) + "`"  # type: ignore[misc]
        evidence = vec.evidence_text()
        if evidence:
            message += f"; {evidence}"
        self.report(node, message, self._fix(site, vec, accumulations, temporaries, lines, message))

    def _fix(self, site: LoopSite, vec: Vectoriser, accumulations: list[Accumulation], temporaries: list[str], lines: list, message: str) -> NodeFix | None:
        if vec.likely or site.is_while or not vec.exact or site.loop_names_escape():
            return None
        if not self._plain_float_sums(site, accumulations):
            return None
        if any(site.used_outside(t) for t in temporaries) or (site.evidence.numpy_alias is None and "np." in message):
            return None
        description = "replace the loop with the NumPy reduction"
        if site.header.unequal_zip or site.header.length_key is None:
            description += " (assumes the arrays have the same length)"
        return NodeFix(description, Applicability.UNSAFE, (Replace(site.loop, "\n".join(lines)),))

    def _plain_float_sums(self, site: LoopSite, accumulations: list[Accumulation]) -> bool:
        """Unmasked sums started from a float literal, and counts: the fixable kinds."""
        for a in accumulations:
            if a.kind not in ("sum", "count") or a.mask is not None:
                return False
            if a.kind == "sum" and not _initialised_with_float(self.context.stack, site.loop, a.name):
                return False
        return True

    def _line(self, a: Accumulation, site: LoopSite, np_name: str, unknown_ndim: bool) -> str | None:
        reduce = ".sum(axis=0)" if unknown_ndim else ".sum()"
        if a.kind == "count":
            if a.mask is not None:
                return f"{a.name} += {np_name}.count_nonzero({code(a.mask)})"
            count = _count_expression(site)
            return None if count is None else f"{a.name} += {count}"
        assert a.value is not None
        term = code(parenthesise(a.value))
        if a.kind == "sum":
            if a.spelled == "left":
                return f"{a.name} = {a.name} {a.operator[0]} {term}{reduce}"
            if a.spelled == "right":
                return f"{a.name} = {term}{reduce} + {a.name}"
            return f"{a.name} {a.operator} {term}{reduce}"
        if a.kind == "prod":
            return f"{a.name} *= {term}.prod()"
        if a.kind == "masked-sum":
            assert a.mask is not None
            if a.uniform:
                return f"{a.name} {a.operator} {term} * {np_name}.count_nonzero({code(a.mask)})"
            return f"mask = {code(a.mask)}; {a.name} {a.operator} {term}[mask].sum()"
        return f"{a.name} = {a.kind}({a.name}, {term}.{a.kind}(initial={a.name}))"


def _accumulations(site: LoopSite, vec: Vectoriser) -> tuple[list[Accumulation], list[str]] | None:
    """The body as temporaries and accumulator updates, or ``None`` when it is anything else."""
    loop_names = set(site.header.elements) | ({site.header.index} if site.header.index else set())
    temporaries: list[str] = []
    accumulations: list[Accumulation] = []
    for statement in site.statements:
        if _temporary(statement, vec, loop_names, {a.name for a in accumulations}):
            temporaries.append(statement.targets[0].target.value)  # type: ignore[attr-defined]
            continue
        accumulation = _accumulation(statement, vec, loop_names)
        if accumulation is None:
            return None
        accumulations.append(accumulation)
    if not vec.varies or not vec.reads or not _independent(accumulations, temporaries):
        return None
    return accumulations, temporaries


def _independent(accumulations: list[Accumulation], temporaries: list[str]) -> bool:
    """Distinct accumulators, none a temporary or read by another, not only a loop counter."""
    names = [a.name for a in accumulations]
    if not accumulations or len(set(names)) != len(names) or set(names) & set(temporaries) or _coupled(accumulations):
        return False
    return any(a.kind != "count" or a.mask is not None for a in accumulations)


def _temporary(statement: object, vec: Vectoriser, loop_names: set[str], accumulators: set[str]) -> bool:
    """``t = E`` of this iteration's elements: recorded for substitution."""
    if type(statement) is not cst.Assign or len(statement.targets) != 1 or type(statement.targets[0].target) is not cst.Name:
        return False
    name = statement.targets[0].target.value
    if _mentions(statement.value, name) or name in accumulators or name in loop_names:
        return False
    value = vec.expr(statement.value)
    if value is None:
        return False
    vec.temporaries[name] = value
    return True


def _coupled(accumulations: list[Accumulation]) -> bool:
    """An accumulator read by another term is a coupled recurrence."""
    return any(
        part is not None and _mentions(part, accumulation.name)
        for accumulation in accumulations
        for other in accumulations
        for part in (other.value, other.mask)
    )


def _initialised_with_float(stack: list[cst.CSTNode], loop: cst.CSTNode, name: str) -> bool:
    """Whether the accumulator's last binding before the loop (in the same block) is a
    float literal: then an empty loop and an empty `.sum()` give the same type."""
    body = getattr(stack[-2], "body", None) if len(stack) >= 2 else None
    if not isinstance(body, (list, tuple)):
        return False
    statements = list(body)
    position = next((k for k, s in enumerate(statements) if s is loop), None)
    for statement in reversed(statements[:position] if position is not None else []):
        value = _last_binding(statement, name)
        if value is not None:
            if type(value) is cst.UnaryOperation:
                value = value.expression
            return type(value) is cst.Float
        if _mentions(statement, name):
            return False
    return False


def _last_binding(statement: cst.CSTNode, name: str) -> cst.BaseExpression | None:
    if type(statement) is not cst.SimpleStatementLine:
        return None
    for small in reversed(statement.body):
        if type(small) is cst.Assign and any(type(t.target) is cst.Name and t.target.value == name for t in small.targets):
            return small.value
    return None
