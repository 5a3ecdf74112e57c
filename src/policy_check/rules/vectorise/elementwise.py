"""PC501 elementwise loops, PC505 nested index loops and PC506 scans: loops that
write an array element by element."""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from policy_check.diagnostics import Applicability
from policy_check.rules.base import FileContext, FixSafety, Invalid, NodeFix, Replace, Rule
from policy_check.rules.vectorise.evidence import walk_local
from policy_check.rules.vectorise.loops import (
    MATH_TO_NUMPY,
    Vectoriser,
    blocked,
    code,
    np_attr,
    parenthesise,
    read_header,
    statements_of,
)
from policy_check.rules.vectorise.site import LoopSite, loop_site, mentions_arrays

_AUG_TO_BINARY = {
    cst.AddAssign: cst.Add, cst.SubtractAssign: cst.Subtract, cst.MultiplyAssign: cst.Multiply,
    cst.DivideAssign: cst.Divide, cst.PowerAssign: cst.Power, cst.FloorDivideAssign: cst.FloorDivide,
}


@dataclass
class ElementwisePlan:
    """The array statements a loop body becomes: ``(target, value)`` in order."""

    writes: list[tuple[str, cst.Subscript, cst.BaseExpression]] = field(default_factory=list)
    temporaries: list[str] = field(default_factory=list)
    masked: bool = False


def _target_code(name: str, trailing: list[cst.BaseExpression]) -> str:
    if not trailing:
        return f"{name}[:]"
    return f"{name}[:, {', '.join(code(t) for t in trailing)}]"


def _written_array(target: cst.BaseExpression, vec: Vectoriser) -> tuple[str, list[cst.BaseExpression]] | None:
    if not isinstance(target, cst.Subscript) or not isinstance(target.value, cst.Name):
        return None
    trailing = vec.element_index(target)
    if trailing is None or not vec.evidence.is_array(target.value):
        return None
    return target.value.value, trailing


def plan_elementwise(statements: list, vec: Vectoriser) -> ElementwisePlan | None:
    """The writes of an elementwise body, or ``None`` when it is anything else."""
    plan = ElementwisePlan()
    if not _plan_block(statements, vec, plan):
        return None
    if not plan.writes:
        return None
    written = {node.value.value for _, node, _ in plan.writes}  # type: ignore[union-attr]
    # A written array read anywhere but at the element being written is a dependency.
    for statement in statements:
        for node in walk_local(statement):
            if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and node.value.value in written:
                trailing = vec.element_index(node)
                if trailing is None:
                    return None
            elif isinstance(node, cst.Name) and node.value in written and not _is_subscript_base(node, statement):
                return None
    return plan


def _is_subscript_base(name: cst.Name, statement: cst.CSTNode) -> bool:
    for node in walk_local(statement):
        if isinstance(node, cst.Subscript) and node.value is name:
            return True
    return False


def _plan_block(statements: list, vec: Vectoriser, plan: ElementwisePlan) -> bool:
    for statement in statements:
        if isinstance(statement, cst.Assign) and len(statement.targets) == 1:
            target = statement.targets[0].target
            if isinstance(target, cst.Name):
                value = vec.expr(statement.value)
                if value is None:
                    return False
                vec.temporaries[target.value] = value
                plan.temporaries.append(target.value)
                continue
            written = _written_array(target, vec)
            if written is None:
                return False
            value = vec.expr(statement.value)
            if value is None:
                return False
            plan.writes.append((_target_code(*written), target, value))
            continue
        if isinstance(statement, cst.AugAssign) and type(statement.operator) in _AUG_TO_BINARY:
            written = _written_array(statement.target, vec)
            if written is None:
                return False
            value = vec.expr(statement.value)
            if value is None:
                return False
            current = vec.expr(statement.target)
            if current is None:
                return False
            combined = cst.BinaryOperation(
                left=current, operator=_AUG_TO_BINARY[type(statement.operator)](), right=parenthesise(value)
            )
            plan.writes.append((_target_code(*written), statement.target, combined))
            continue
        if isinstance(statement, cst.If):
            if not _plan_if(statement, vec, plan):
                return False
            continue
        return False
    return True


def _plan_if(statement: cst.If, vec: Vectoriser, plan: ElementwisePlan) -> bool:
    test = vec.expr(statement.test)
    if test is None:
        return False
    body = statements_of(statement.body)
    saved = dict(vec.temporaries)
    then_plan = ElementwisePlan()
    if body is None or not _plan_block(body, vec, then_plan):
        return False
    vec.temporaries = dict(saved)
    orelse = statement.orelse
    if orelse is None:
        # if-only: a masked assignment (`out[mask] = value[mask]`).
        plan.masked = True
        for target, node, value in then_plan.writes:
            plan.writes.append((target, node, _masked(value, test)))
        return True
    if isinstance(orelse, cst.If):
        else_block: list | None = [orelse]
    else:
        else_block = statements_of(orelse.body)
    else_plan = ElementwisePlan()
    if else_block is None or not _plan_block(else_block, vec, else_plan):
        return False
    vec.temporaries = saved
    then_targets = [t for t, _, _ in then_plan.writes]
    else_targets = [t for t, _, _ in else_plan.writes]
    if then_targets != else_targets or len(set(then_targets)) != len(then_targets):
        return False
    vec.note_where()
    for (target, node, then_value), (_, _, else_value) in zip(then_plan.writes, else_plan.writes):
        plan.writes.append((target, node, vec.where(test, then_value, else_value)))
    plan.masked = plan.masked or then_plan.masked or else_plan.masked
    return True


def _masked(value: cst.BaseExpression, test: cst.BaseExpression) -> cst.BaseExpression:
    # Rendered only in messages: `out[mask] = value[mask]`.
    return cst.Subscript(value=parenthesise(value), slice=[cst.SubscriptElement(cst.Index(parenthesise(test)))])


def _may_alias_fixed_reads(site: LoopSite, plan: ElementwisePlan) -> bool:
    """A written array that is not freshly allocated may share memory with an array
    the loop reads at a fixed index (`lam = np.asarray(cum)`; `lam[j] /= cum[1] ** j`):
    then an early write changes a later read, a dependency the names hide."""
    evidence = site.evidence
    if all(evidence.arrays[node.value.value].fresh for _, node, _ in plan.writes):  # type: ignore[union-attr]
        return False
    index = site.header.index
    for statement in site.statements:
        for inner in walk_local(statement):
            if isinstance(inner, cst.Subscript) and isinstance(inner.value, cst.Name):
                first = inner.slice[0].slice if inner.slice else None
                if not (isinstance(first, cst.Index) and isinstance(first.value, cst.Name) and first.value.value == index):
                    return True
    return False


def _written_facts_ok(site: LoopSite, plan: ElementwisePlan) -> bool:
    """The loop covers every written array exactly, and nothing it reads aliases them."""
    header = site.header
    if header.start != 0 or header.length_key is None:
        return False
    evidence = site.evidence
    for _target, node, _ in plan.writes:
        name = node.value.value  # type: ignore[union-attr]
        facts = evidence.arrays[name]
        if facts.length_key != header.length_key:
            return False
        trailing = len(node.slice) - 1
        reads = set()
        for statement in site.statements:
            for inner in walk_local(statement):
                if isinstance(inner, cst.Subscript) and isinstance(inner.value, cst.Name) and evidence.is_array(inner.value):
                    reads.add(inner.value.value)
        reads |= {code(array) for array in header.elements.values()}
        scalar_elements = facts.ndim is not None and facts.ndim == 1 + trailing
        same_shape = all(
            evidence.arrays.get(read) is not None and evidence.arrays[read].shape_source is not None
            and evidence.arrays[read].shape_source == facts.shape_source
            for read in reads
        )
        if not (scalar_elements or same_shape):
            return False
        if not facts.fresh and reads - {name}:
            return False
    return True


class ElementwiseLoop(Rule):
    """A Python loop that computes an array one element at a time runs the
    interpreter once per element: about 0.3 µs of bookkeeping for every number.
    The same arithmetic written on whole arrays runs in NumPy's compiled loops.
    Measured (benchmarks/vectorise.py, idle machine, n = 10^6): `out[i] = 2.0 * a[i] + b[i]`
    takes 136 ms, `out[:] = 2.0 * a + b` 2.2 ms (~60x; 255x at 10^5); `math.exp` →
    `np.exp` ~50x; an `if/else` → `np.where` ~20x (44x at n = 10^3).

    Fires on index loops (`range(len(a))`, `range(n)`, `enumerate(a)`) whose body
    only writes `out[i]` (or `out[i, k]`) from elementwise arithmetic, `math.*`
    functions and `if/else` on `a[i]`, `b[i]`… of arrays the analysis can see.
    It stays silent when an iteration depends on another one (`y[i-1]`), when the
    loop exits early, draws random numbers, does I/O, calls unknown functions or
    works on lists."""

    code = "PC501"
    name = "elementwise-loop"
    summary = "An index loop computes an array element by element; write the array expression."
    MESSAGE = "elementwise loop over arrays: write the array expression"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "The loop is replaced by `out[:] = <array expression>` only when the loop covers the whole of "
        "`out`, `out` is freshly allocated (no aliasing), and every operation maps to a ufunc. "
        "`math.*` functions become NumPy ufuncs: where the loop raised (`math.log(0)`) NumPy "
        "returns `-inf`/`nan` with a warning, and float32 inputs are computed in float32."
    )
    trigger_words = ("for ",)

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return mentions_arrays(context) and super().applies_to(context)

    VALID = [
        # A list is not an array.
        "def rescale(values: list[float], factor):\n    for k, v in enumerate(values):\n        values[k] = v * factor\n",
        # A recurrence (non-linear) carries state between iterations.
        "import numpy as np\n\ndef logistic(r, n):\n    x = np.empty(n)\n    x[0] = 0.5\n    for i in range(1, n):\n        x[i] = r * x[i - 1] * (1 - x[i - 1])\n    return x\n",
        # A random draw per iteration.
        "import numpy as np\n\ndef mutate(g: np.ndarray, mu, rng):\n    out = g.copy()\n    for i in range(out.size):\n        if rng.random() < mu:\n            out[i] = 1 - out[i]\n    return out\n",
        # An early exit.
        "import numpy as np\n\ndef until(a: np.ndarray):\n    out = np.zeros(len(a))\n    for i in range(len(a)):\n        if a[i] < 0:\n            break\n        out[i] = a[i] * 2\n    return out\n",
        # I/O inside the loop.
        "import numpy as np\n\ndef dump(a: np.ndarray, fh):\n    out = np.zeros(len(a))\n    for i in range(len(a)):\n        out[i] = a[i] * 2\n        fh.write(str(out[i]))\n",
        # The output may share memory with `cum`, read at a fixed index.
        "import numpy as np\n\ndef coefs(cum):\n    lam = np.asarray(cum)\n    for j in range(lam.shape[0]):\n        lam[j] /= cum[1] ** j\n    return lam\n",
        # An unknown function per element.
        "import numpy as np\n\ndef calibrate(a: np.ndarray, model):\n    out = np.empty_like(a)\n    for i in range(a.size):\n        out[i] = model(a[i])\n    return out\n",
        # array.array and bytearray are not NumPy arrays.
        "from array import array\n\ndef lane(clusters: array, f):\n    out = array('d', bytes(8 * len(clusters)))\n    for k in range(len(clusters)):\n        out[k] = clusters[k] * f\n    return out\n",
        # A scalar carried from one iteration to the next.
        "import numpy as np\n\ndef hold(trace: np.ndarray, jump):\n    cleaned = trace.copy()\n    held = trace[0]\n    for i in range(1, trace.size):\n        if abs(trace[i] - held) > jump:\n            cleaned[i] = held\n        else:\n            held = trace[i]\n    return cleaned\n",
    ]
    INVALID = [
        Invalid(
            "import math\nimport numpy as np\n\n\ndef wheel_travel(ticks: np.ndarray, radius: float) -> np.ndarray:\n"
            "    travel = np.empty(len(ticks))\n    for k in range(len(ticks)):\n"
            "        travel[k] = 2.0 * math.pi * radius * ticks[k]\n    return travel\n",
            expected="import math\nimport numpy as np\n\n\ndef wheel_travel(ticks: np.ndarray, radius: float) -> np.ndarray:\n"
            "    travel = np.empty(len(ticks))\n    travel[:] = 2.0 * math.pi * radius * ticks\n    return travel\n",
        ),
        Invalid(
            "import math\nimport numpy as np\n\ndef gain(trace: np.ndarray, rate):\n    out = np.empty_like(trace)\n"
            "    for n in range(trace.size):\n        out[n] = trace[n] * math.exp(rate * n)\n    return out\n",
            expected="import math\nimport numpy as np\n\ndef gain(trace: np.ndarray, rate):\n    out = np.empty_like(trace)\n"
            "    out[:] = trace * np.exp(rate * np.arange(trace.size))\n    return out\n",
        ),
        # if/else → np.where (both branches are evaluated).
        Invalid(
            "import numpy as np\n\ndef resistance(dv: np.ndarray, di: np.ndarray):\n    r = np.empty(len(dv))\n"
            "    for k in range(dv.shape[0]):\n        if abs(di[k]) > 1e-3:\n            r[k] = dv[k] / di[k]\n"
            "        else:\n            r[k] = np.nan\n    return r\n",
            expected="import numpy as np\n\ndef resistance(dv: np.ndarray, di: np.ndarray):\n    r = np.empty(len(dv))\n"
            "    r[:] = np.where(np.abs(di) > 1e-3, dv / di, np.nan)\n    return r\n",
        ),
        # Two columns per step, and enumerate.
        Invalid(
            "import numpy as np\n\ndef polar(theta: np.ndarray, r0):\n    xy = np.zeros((theta.size, 2))\n"
            "    for k, t in enumerate(theta):\n        xy[k, 0] = r0 * np.cos(t)\n        xy[k, 1] = r0 * np.sin(t)\n    return xy\n",
            expected="import numpy as np\n\ndef polar(theta: np.ndarray, r0):\n    xy = np.zeros((theta.size, 2))\n"
            "    xy[:, 0] = r0 * np.cos(theta)\n    xy[:, 1] = r0 * np.sin(theta)\n    return xy\n",
        ),
        # In place on a fresh copy, with a temporary.
        Invalid(
            "import numpy as np\n\ndef porosity(bulk: np.ndarray, rho=2.65):\n    phi = np.array(bulk, dtype=float)\n"
            "    for i in range(phi.size):\n        ratio = phi[i] / rho\n        phi[i] = 1.0 - ratio\n    return phi\n",
            expected="import numpy as np\n\ndef porosity(bulk: np.ndarray, rho=2.65):\n    phi = np.array(bulk, dtype=float)\n"
            "    phi[:] = 1.0 - (phi / rho)\n    return phi\n",
        ),
        # if-only: a boolean mask; no edit (suggestion).
        Invalid(
            "import numpy as np\n\ndef clip_low(a: np.ndarray, floor):\n    out = a.copy()\n"
            "    for i in range(len(a)):\n        if a[i] < floor:\n            out[i] = floor\n    return out\n"
        ),
        # Neighbouring indices of a read-only array: suggestion only (partial range).
        Invalid(
            "import numpy as np\n\ndef slope(q: np.ndarray):\n    s = np.zeros(q.size)\n"
            "    for t in range(1, q.size - 1):\n        s[t] = 0.5 * q[t]\n    return s\n"
        ),
        # The output is a parameter that may alias an input: suggestion only.
        Invalid(
            "import numpy as np\n\ndef scale_into(out: np.ndarray, a: np.ndarray):\n"
            "    for i in range(len(a)):\n        out[i] = a[i] * 2\n"
        ),
        # min/max of two values: np.minimum/np.maximum differ on NaN, suggestion only.
        Invalid(
            "import numpy as np\n\ndef melt(t: np.ndarray):\n    m = np.zeros(len(t))\n"
            "    for i in range(len(t)):\n        m[i] = max(t[i], 0.0)\n    return m\n"
        ),
    ]

    def leave_For(self, node: cst.For) -> None:
        site = loop_site(self.context, node)
        if site is None or site.header.index is None:
            return
        if blocked(node.body, self.context):
            return
        vec = site.vectoriser(self.context)
        plan = plan_elementwise(site.statements, vec)
        if plan is None or not vec.varies or not vec.reads:
            return
        if _may_alias_fixed_reads(site, plan):
            return
        lines = []
        for target, _, value in plan.writes:
            if plan.masked and isinstance(value, cst.Subscript):
                mask = code(value.slice[0].slice.value)  # type: ignore[attr-defined]
                lines.append(f"mask = {mask}; {target.replace('[:]', '[mask]')} = {code(value.value)}[mask]")
            else:
                lines.append(f"{target} = {code(value)}")
        message = f"elementwise loop over arrays: write `{'; '.join(lines)}`"
        if vec.notes:
            message += " (" + "; ".join(vec.notes) + ")"
        self.report(node, message, self._fix(site, plan, vec, lines))

    def _fix(self, site: LoopSite, plan: ElementwisePlan, vec: Vectoriser, lines: list[str]) -> NodeFix | None:
        if plan.masked or not vec.exact or site.evidence.numpy_alias is None and "np." in "".join(lines):
            return None
        if site.loop_names_escape() or any(site.used_outside(t) for t in plan.temporaries):
            return None
        if not _written_facts_ok(site, plan):
            return None
        return NodeFix("replace the loop with the array expression", Applicability.UNSAFE, (Replace(site.loop, "\n".join(lines)),))


# ---------------------------------------------------------------------------


def _scan_parts(statement: object, index: str) -> tuple[str, str, cst.BaseExpression] | None:
    """``c[i] = c[i-1] + E`` → ("c", "+", E)."""
    if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
        return None
    target = statement.targets[0].target
    if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and _is_index(target, index, 0)):
        return None
    array = target.value.value
    value = statement.value
    if not isinstance(value, cst.BinaryOperation) or not isinstance(value.operator, (cst.Add, cst.Multiply)):
        return None
    operator = "+" if isinstance(value.operator, cst.Add) else "*"
    for previous, other in ((value.left, value.right), (value.right, value.left)):
        if isinstance(previous, cst.Subscript) and isinstance(previous.value, cst.Name) and previous.value.value == array and _is_index(previous, index, -1) and not previous.lpar:
            return array, operator, other
    return None


def _is_index(subscript: cst.Subscript, index: str, offset: int) -> bool:
    if len(subscript.slice) != 1 or not isinstance(subscript.slice[0].slice, cst.Index):
        return False
    value = subscript.slice[0].slice.value
    if offset == 0:
        return isinstance(value, cst.Name) and value.value == index
    return (
        isinstance(value, cst.BinaryOperation)
        and isinstance(value.operator, cst.Subtract)
        and isinstance(value.left, cst.Name)
        and value.left.value == index
        and isinstance(value.right, cst.Integer)
        and value.right.value == str(-offset)
    )


def _shifted_scan(statement: object, index: str) -> tuple[str, str] | None:
    """``c[i + 1] = c[i] * E``: the same scan written one index ahead (suggestion only)."""
    if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
        return None
    target = statement.targets[0].target
    value = statement.value
    if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and len(target.slice) == 1):
        return None
    index_expr = target.slice[0].slice
    if not (
        isinstance(index_expr, cst.Index)
        and isinstance(index_expr.value, cst.BinaryOperation)
        and isinstance(index_expr.value.operator, cst.Add)
        and isinstance(index_expr.value.left, cst.Name)
        and index_expr.value.left.value == index
        and isinstance(index_expr.value.right, cst.Integer)
        and index_expr.value.right.value == "1"
    ):
        return None
    if not isinstance(value, cst.BinaryOperation) or not isinstance(value.operator, (cst.Add, cst.Multiply)):
        return None
    array = target.value.value
    for previous in (value.left, value.right):
        if isinstance(previous, cst.Subscript) and isinstance(previous.value, cst.Name) and previous.value.value == array and _is_index(previous, index, 0):
            return array, "+" if isinstance(value.operator, cst.Add) else "*"
    return None


class ScanLoop(Rule):
    """A running total written as `c[i] = c[i-1] + a[i]` is a cumulative sum: every
    iteration depends on the previous one, so it looks unvectorisable, but the
    dependency is linear and NumPy has it built in (`np.cumsum`, `np.cumprod`,
    `np.maximum.accumulate`).  Measured (benchmarks/vectorise.py): ~18x faster at
    n = 10^6 (117 ms → 6.3 ms), ~35x at 10^5.

    Only `+` and `*` recurrences are reported; a loop whose recurrence is
    non-linear (clipping, a division by the previous value, a filter gain) is
    left alone."""

    code = "PC506"
    name = "scan-loop"
    summary = "A loop computes a running sum or product; use `np.cumsum` / `np.cumprod`."
    MESSAGE = "running sum/product in a loop: use `np.cumsum` / `np.cumprod`"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "Replaced by `c[1:] = np.cumsum(np.concatenate((c[:1], <terms>)))[1:]` (which adds in the "
        "loop's order, so the result is bit-identical) only when `c` is a freshly allocated float64 "
        "array covered by the loop from index 1 to its end."
    )
    trigger_words = ("for ",)

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return mentions_arrays(context) and super().applies_to(context)

    VALID = [
        # Non-linear recurrence (Beverton–Holt).
        "import numpy as np\n\ndef bh(n0, g, k, years):\n    n = np.empty(years)\n    n[0] = n0\n    for y in range(1, years):\n        n[y] = g * n[y - 1] / (1.0 + n[y - 1] / k)\n    return n\n",
        # Clipped at every step.
        "import numpy as np\n\ndef bucket(p: np.ndarray, cap):\n    s = np.empty(len(p))\n    level = 0.0\n    for t in range(len(p)):\n        level = min(max(level + p[t], 0.0), cap)\n        s[t] = level\n    return s\n",
        # A list, not an array.
        "def offsets(sizes: list[int]):\n    out = [0] * len(sizes)\n    for i in range(1, len(sizes)):\n        out[i] = out[i - 1] + sizes[i]\n    return out\n",
    ]
    INVALID = [
        Invalid(
            "import numpy as np\n\ndef velocity(accel: np.ndarray, dt: float) -> np.ndarray:\n    vel = np.zeros(accel.size)\n"
            "    for i in range(1, accel.size):\n        vel[i] = vel[i - 1] + accel[i] * dt\n    return vel\n",
            expected="import numpy as np\n\ndef velocity(accel: np.ndarray, dt: float) -> np.ndarray:\n    vel = np.zeros(accel.size)\n"
            "    vel[1:] = np.cumsum(np.concatenate((vel[:1], accel[1:] * dt)))[1:]\n    return vel\n",
        ),
        Invalid(
            "import numpy as np\n\ndef growth(rate: np.ndarray) -> np.ndarray:\n    g = np.ones(len(rate))\n"
            "    for i in range(1, len(rate)):\n        g[i] = (1.0 + rate[i]) * g[i - 1]\n    return g\n",
            expected="import numpy as np\n\ndef growth(rate: np.ndarray) -> np.ndarray:\n    g = np.ones(len(rate))\n"
            "    g[1:] = np.cumprod(np.concatenate((g[:1], (1.0 + rate[1:]))))[1:]\n    return g\n",
        ),
        # Written one index ahead: suggestion only.
        Invalid(
            "import numpy as np\n\ndef basal(ba0, rate: np.ndarray):\n    ba = np.empty(rate.size + 1)\n    ba[0] = ba0\n"
            "    for yr in range(rate.size):\n        ba[yr + 1] = ba[yr] * (1.0 + rate[yr])\n    return ba\n"
        ),
        # An int array: each step rounds, so no edit.
        Invalid(
            "import numpy as np\n\ndef totals(x: np.ndarray):\n    c = np.zeros(len(x), dtype=int)\n"
            "    for i in range(1, len(x)):\n        c[i] = c[i - 1] + x[i]\n    return c\n"
        ),
    ]

    def leave_For(self, node: cst.For) -> None:
        site = loop_site(self.context, node)
        if site is None or site.header.index is None or len(site.statements) != 1:
            return
        if blocked(node.body, self.context):
            return
        index = site.header.index
        statement = site.statements[0]
        np_name = site.evidence.numpy_alias or "np"
        shifted = _shifted_scan(statement, index)
        if shifted is not None and site.evidence.is_array(cst.Name(shifted[0])):
            function = "cumsum" if shifted[1] == "+" else "cumprod"
            kind = "sum" if shifted[1] == "+" else "product"
            self.report(
                node,
                f"running {kind} in a loop: compute it with `{np_name}.{function}` of the terms, "
                f"prepending `{shifted[0]}[0]` (e.g. `{shifted[0]}[1:] = {np_name}.{function}(...)`)",
            )
            return
        parts = _scan_parts(statement, index)
        if parts is None:
            return
        array, operator, term = parts
        facts = site.evidence.arrays.get(array)
        if facts is None:
            return
        vec = site.vectoriser(self.context)
        value = vec.expr(term)
        if value is None or not vec.varies or array in vec.reads:
            return
        function = "cumsum" if operator == "+" else "cumprod"
        replacement = (
            f"{array}[{site.header.start}:] = {np_name}.{function}({np_name}.concatenate(({array}[{site.header.start - 1}:{site.header.start}], {code(value)})))[1:]"
        )
        message = f"running {'sum' if operator == '+' else 'product'} in a loop: `{replacement}`"
        fix = None
        if (
            site.header.start == 1
            and facts.fresh
            and facts.float64
            and facts.length_key is not None
            and site.header.length_key == facts.length_key
            and vec.exact
            and all(site.evidence.arrays.get(read) is not None and site.evidence.arrays[read].length_key == facts.length_key for read in vec.reads)
            and site.evidence.numpy_alias is not None
            and not site.loop_names_escape()
        ):
            replacement = replacement.replace(f"{array}[0:1]", f"{array}[:1]")
            message = f"running {'sum' if operator == '+' else 'product'} in a loop: `{replacement}`"
            fix = NodeFix(f"replace the loop with `{np_name}.{function}`", Applicability.UNSAFE, (Replace(node, replacement),))
        self.report(node, message, fix)


# ---------------------------------------------------------------------------


def _broadcast(expr: cst.BaseExpression, outer: dict[str, str], inner: dict[str, str], context: FileContext, site_evidence, np_name: str) -> cst.BaseExpression | None:  # noqa: ANN001, C901
    """``a[i] - b[j]`` → ``a[:, None] - b[None, :]`` for the message of PC505."""
    def go(node: cst.BaseExpression) -> cst.BaseExpression | None:
        if isinstance(node, (cst.Integer, cst.Float)):
            return node
        if isinstance(node, cst.Name):
            if node.value in outer:
                return cst.parse_expression(f"{outer[node.value]}[:, None]")
            if node.value in inner:
                return cst.parse_expression(f"{inner[node.value]}[None, :]")
            return node
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Name) and site_evidence.is_array(node.value):
            indices = [e.slice.value.value if isinstance(e.slice, cst.Index) and isinstance(e.slice.value, cst.Name) else None for e in node.slice]
            base = node.value.value
            if indices == [i for i in indices if i in outer.values() or True] and len(indices) == 1:
                if indices[0] in _index_names(outer):
                    return cst.parse_expression(f"{base}[:, None]")
                if indices[0] in _index_names(inner):
                    return cst.parse_expression(f"{base}[None, :]")
            if len(indices) == 2 and indices[0] in _index_names(outer) and indices[1] in _index_names(inner):
                return node.value
            return None
        if isinstance(node, cst.BinaryOperation):
            left, right = go(node.left), go(node.right)
            return None if left is None or right is None else node.with_changes(left=left, right=right)
        if isinstance(node, cst.UnaryOperation) and not isinstance(node.operator, cst.Not):
            inner_value = go(node.expression)
            return None if inner_value is None else node.with_changes(expression=inner_value)
        if isinstance(node, cst.Call):
            qualified = context.names.qualify(node.func)
            if qualified and qualified.startswith("math.") and qualified[5:] in MATH_TO_NUMPY:
                args = [go(a.value) for a in node.args]
                if any(a is None for a in args):
                    return None
                return cst.Call(func=np_attr(np_name, MATH_TO_NUMPY[qualified[5:]]), args=[cst.Arg(a) for a in args])  # type: ignore[arg-type]
            return None
        if isinstance(node, cst.Attribute):
            return node
        return None

    return go(expr)


def _index_names(mapping: dict[str, str]) -> set[str]:
    return {key for key, value in mapping.items() if value == "__index__"}


class NestedIndexLoop(Rule):
    """Two nested index loops that fill `out[i, j]` from `a[i]` and `b[j]` are an
    outer operation: broadcasting (`a[:, None] - b[None, :]`) computes the whole
    matrix in one expression.  Measured (benchmarks/vectorise.py) at 300×300
    with `math.cos`: 13.6 ms as loops, 45 µs broadcast (~300x).  For pairwise distances between points in D dimensions, the
    broadcast temporary is N×N×D — for large N prefer
    `scipy.spatial.distance.cdist`, which computes distances without it."""

    code = "PC505"
    name = "nested-index-loop"
    summary = "Nested index loops fill a 2-D array element by element; use broadcasting."
    MESSAGE = "nested index loops over two axes: use broadcasting"
    trigger_words = ("for ",)

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return mentions_arrays(context) and super().applies_to(context)
    fix_note = "No edit: the broadcasting expression may need a large temporary; the message shows it."

    VALID = [
        # The inner loop reads the row above: a dependency.
        "import numpy as np\n\ndef summed(img: np.ndarray):\n    s = np.zeros_like(img)\n    for r in range(img.shape[0]):\n        for c in range(img.shape[1]):\n            s[r, c] = img[r, c] + s[r - 1, c]\n    return s\n",
        # A dict of lanes, not an array.
        "def layout(n_lanes, n_tiles):\n    out = {}\n    for lane in range(n_lanes):\n        for tile in range(n_tiles):\n            out[lane, tile] = 100 * lane + tile\n    return out\n",
    ]
    INVALID = [
        Invalid(
            "import math\nimport numpy as np\n\ndef weights(lat: np.ndarray, hour: np.ndarray):\n    w = np.empty((lat.size, hour.size))\n"
            "    for i, phi in enumerate(lat):\n        for j, h in enumerate(hour):\n            w[i, j] = math.cos(phi) * math.cos(h)\n    return w\n"
        ),
        Invalid(
            "import numpy as np\n\ndef pairwise(frac: np.ndarray, cell: np.ndarray):\n    n = frac.shape[0]\n    d = np.zeros((n, n))\n"
            "    for a in range(n):\n        for b in range(n):\n            delta = frac[a] - frac[b]\n            d[a, b] = np.sqrt(np.sum((delta @ cell) ** 2))\n    return d\n"
        ),
    ]

    def leave_For(self, node: cst.For) -> None:
        outer_site = loop_site(self.context, node)
        if outer_site is None or outer_site.header.index is None:
            return
        statements = outer_site.statements
        if len(statements) != 1 or not isinstance(statements[0], cst.For):
            return
        inner_loop = statements[0]
        evidence = outer_site.evidence
        inner_header = read_header(inner_loop, evidence, self.context)
        if inner_header is None or inner_header.index is None:
            return
        if blocked(inner_loop.body, self.context, allow_methods=True):
            return
        outer_index, inner_index = outer_site.header.index, inner_header.index
        body = statements_of(inner_loop.body)
        if body is None:
            return
        written: str | None = None
        temporaries: set[str] = set()
        value: cst.BaseExpression | None = None
        for statement in body:
            if not isinstance(statement, cst.Assign) or len(statement.targets) != 1:
                return
            target = statement.targets[0].target
            if isinstance(target, cst.Name):
                if target.value in (outer_index, inner_index):
                    return
                # A name read before it is bound in this iteration carries state.
                if _reads_name(statement.value, target.value) and target.value not in temporaries:
                    return
                temporaries.add(target.value)
                continue
            if not (isinstance(target, cst.Subscript) and isinstance(target.value, cst.Name) and evidence.is_array(target.value)):
                return
            indices = [e.slice.value.value if isinstance(e.slice, cst.Index) and isinstance(e.slice.value, cst.Name) else None for e in target.slice]
            if indices != [outer_index, inner_index] or written not in (None, target.value.value):
                return
            written = target.value.value
            value = statement.value
        if written is None or value is None:
            return
        # The written array must not be read, and nothing assigned may carry over.
        for statement in body:
            for inner in walk_local(statement):
                if isinstance(inner, cst.Name) and inner.value == written and not _is_subscript_base(inner, statement):
                    return
                if isinstance(inner, cst.Subscript) and isinstance(inner.value, cst.Name) and inner.value.value == written:
                    if statement.value is not None and _contains(statement.value, inner):  # type: ignore[attr-defined]
                        return
        np_name = evidence.numpy_alias or "np"
        outer_map = {outer_index: "__index__"}
        inner_map = {inner_index: "__index__"}
        for name, array in outer_site.header.elements.items():
            outer_map[name] = code(array)
        for name, array in inner_header.elements.items():
            inner_map[name] = code(array)
        suggestion = None
        if not temporaries:
            converted = _broadcast(value, {k: v for k, v in outer_map.items() if v != "__index__"} | {k: v for k, v in outer_map.items() if v == "__index__"}, inner_map, self.context, evidence, np_name)
            if converted is not None and "__index__" not in code(converted):
                suggestion = f"{written}[:, :] = {code(converted)}"
        if suggestion:
            message = f"nested index loops fill `{written}` element by element: broadcast instead, `{suggestion}`"
        else:
            message = (
                f"nested index loops fill `{written}` element by element: broadcast over both axes "
                f"(`x[:, None] - x[None, :]`; for points in D dimensions the temporary is N×N×D, "
                f"`scipy.spatial.distance.cdist` avoids it)"
            )
        self.report(node, message)


def _reads_name(expr: cst.BaseExpression, name: str) -> bool:
    return any(isinstance(n, cst.Name) and n.value == name for n in walk_local(expr))


def _contains(tree: cst.CSTNode, node: cst.CSTNode) -> bool:
    return any(n is node for n in walk_local(tree))
