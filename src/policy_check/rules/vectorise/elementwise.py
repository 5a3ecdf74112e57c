"""PC501: loops that write an array element by element from elementwise arithmetic."""

from __future__ import annotations

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
from policy_check.rules.vectorise.first_element import rest_header, split_first
from policy_check.rules.vectorise.loops import blocked
from policy_check.rules.vectorise.nested import nested_message
from policy_check.rules.vectorise.plan import ElementwisePlan, plan_with_broadcasting
from policy_check.rules.vectorise.site import LoopSite, loop_site, mentions_arrays
from policy_check.rules.vectorise.vectoriser import Vectoriser


def _may_alias_fixed_reads(site: LoopSite, plan: ElementwisePlan) -> bool:
    """A written array that is not freshly allocated may share memory with an array
    the loop reads at a fixed index (`lam = np.asarray(cum)`; `lam[j] /= cum[1] ** j`):
    then an early write changes a later read, a dependency the names hide."""
    evidence = site.evidence
    if all(getattr(evidence.arrays.get(name), "fresh", False) for name in plan.written):
        return False
    index = site.header.index
    for statement in site.statements:
        for inner in walk_local(statement):
            if type(inner) is cst.Subscript and type(inner.value) is cst.Name and not _first_index_is(inner, index):
                return True
    return False


def _first_index_is(subscript: cst.Subscript, index: str | None) -> bool:
    first = subscript.slice[0].slice if subscript.slice else None
    return type(first) is cst.Index and type(first.value) is cst.Name and first.value.value == index


def _written_facts_ok(site: LoopSite, plan: ElementwisePlan, vec: Vectoriser) -> bool:
    """The loop covers every written array exactly, and nothing it reads aliases them."""
    header = site.header
    if header.start != 0 or header.length_key is None:
        return False
    reads = set(vec.reads)
    return all(_write_covered(site, write.array, write.node, reads) for write in plan.writes)


def _write_covered(site: LoopSite, name: str, node: cst.BaseExpression, reads: set[str]) -> bool:
    evidence = site.evidence
    facts = evidence.arrays[name]
    if facts.length_key != site.header.length_key:
        return False
    trailing = len(node.slice) - 1 if type(node) is cst.Subscript else 0
    scalar_elements = facts.ndim is not None and facts.ndim == 1 + trailing
    # In place (`g[i] = f(g[i])`) reads only the array itself: the same shape by definition.
    same_shape = reads <= {name} or all(_same_shape_source(evidence, read, facts.shape_source) for read in reads)
    if not (scalar_elements or same_shape):
        return False
    return facts.fresh or not (reads - {name})


def _same_shape_source(evidence: object, read: str, source: str | None) -> bool:
    facts = evidence.arrays.get(read)  # type: ignore[attr-defined]
    return facts is not None and facts.shape_source is not None and facts.shape_source == source


def _with_windows(vec: Vectoriser, statements: list) -> Vectoriser:
    vec.enable_windows(statements)  # `a[i + 1]` reads a window: a suggestion, never an edit
    return vec


class ElementwiseLoop(Rule):
    """A Python loop that computes an array one element at a time runs the
    interpreter once per element: about 0.3 µs of bookkeeping for every number.
    The same arithmetic written on whole arrays runs in NumPy's compiled loops.
    Measured (benchmarks/vectorise.py, idle machine, n = 10^6): `out[i] = 2.0 * a[i] + b[i]`
    takes 136 ms, `out[:] = 2.0 * a + b` 2.2 ms (~60x; 255x at 10^5); `math.exp` →
    `np.exp` ~50x; an `if/else` → `np.where` ~20x (44x at n = 10^3).

    Fires on index loops (`range(len(a))`, `range(n)`, `enumerate(a)`,
    `while i < len(a)`) whose body only writes `out[i]` (or `out[i, k]`, `h[k][i]`)
    from elementwise arithmetic, `math.*` functions and `if/else` on `a[i]`,
    `b[i]`… of arrays the analysis can see.  Arrays are seen where they are made
    (NumPy, SciPy, pandas `.values`, netCDF4/h5py reads…) or used (`a.shape`); where
    the evidence is only likely (a parameter indexed like an array), the finding
    is a suggestion that says "if `a` is a NumPy array".
    Arrays held in `self.attr` count when the class assigns them arrays
    (`self.x = np.zeros(n)` in `__init__`): likely, as code outside may rebind them.
    Also suggested, never edited: reads at a fixed offset or stride (`a[i + 1] - a[i]` →
    `a[1:n + 1] - a[:n]`, also through a temporary `k = 2 * i + 1`), `if`/`elif` chains
    without `else` (`np.select`), branches that write different arrays (one mask each),
    a first-element case (`if i == 0: … else: … a[i - 1]` → the first element, then
    the rest as windows), and values computed from the index alone (`np.arange`).
    An `if` whose test the loop never changes (`if mode == "lin":`) chooses a whole-array
    expression once: `out[:] = <then> if mode == "lin" else <else>`.
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
    trigger_words = ("for ", "while ")

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
        # A Gauss–Seidel sweep reads cells it already overwrote.
        "import numpy as np\n\ndef relax(u):\n    u = np.asarray(u, dtype=float)\n    for i in range(1, len(u) - 1):\n        u[i] = 0.5 * (u[i - 1] + u[i + 1])\n    return u\n",
        # Names bound to lists stay silent, whatever indexes them.
        "import numpy as np\n\ndef halve(n):\n    vals = [1.0] * n\n    out = np.zeros(n)\n    for i in range(n):\n        out[i] = vals[i] / 2\n    return out\n",
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
        # Unannotated parameters: likely arrays, so a suggestion naming the condition.
        Invalid(
            "import numpy as np\n\ndef potential_temperature(temp, pressure):\n    out = np.zeros_like(temp)\n"
            "    for i in range(len(temp)):\n        out[i] = temp[i] * (1000.0 / pressure[i]) ** 0.286\n    return out\n"
        ),
        # A 2-D array times a per-row weight broadcasts over columns.
        Invalid(
            "import numpy as np\n\ndef weighted(m, w: np.ndarray):\n    out = np.zeros((len(w), 3))\n    m = np.asarray(m).reshape(-1, 3)\n"
            "    for i in range(len(w)):\n        out[i] = m[i] * w[i]\n    return out\n"
        ),
        # A test the loop never changes: each branch is a whole-array expression.
        Invalid(
            "import numpy as np\n\ndef law(x: np.ndarray, mode):\n    out = np.empty(len(x))\n    for i in range(len(x)):\n"
            "        if mode == 'lin':\n            out[i] = 2.0 * x[i]\n        else:\n            out[i] = np.log(x[i])\n    return out\n",
            expected="import numpy as np\n\ndef law(x: np.ndarray, mode):\n    out = np.empty(len(x))\n"
            "    out[:] = 2.0 * x if mode == 'lin' else np.log(x)\n    return out\n",
        ),
        # A `while` index loop over a loaded array.
        Invalid(
            "import numpy as np\n\nflux = np.loadtxt('flux.txt')\nmag = np.empty(len(flux))\ni = 0\n"
            "while i < len(flux):\n    mag[i] = -2.5 * np.log10(flux[i])\n    i += 1\n"
        ),
    ]

    def leave_For(self, node: cst.For) -> None:
        self._check(node)

    def leave_While(self, node: cst.While) -> None:
        self._check(node)

    def _check(self, node: cst.For | cst.While) -> None:
        site = loop_site(self.context, node)
        if site is None or site.header.index is None or blocked(node.body, self.context, invariant_calls_of=node):
            return
        parent = self.context.stack[-3] if len(self.context.stack) >= 3 else None
        if type(parent) is cst.For and nested_message(self.context, parent) is not None:
            return  # the enclosing loop's PC505 finding covers both axes
        planned = plan_with_broadcasting(site.statements, lambda trailing: _with_windows(site.vectoriser(self.context, trailing), site.statements))
        first: list[str] = []
        if planned is None:
            planned, first = self._first_element_apart(site)
        if planned is None:
            return
        vec, plan = planned
        if not vec.varies or _may_alias_fixed_reads(site, plan):
            return
        if not vec.reads:
            if not vec.index_read:
                return  # a value that does not change from row to row
            # Computed from the index alone (`w[k] = 1 / (k + 1) ** p`): `np.arange` has a
            # fixed-width dtype where Python's ints do not overflow, so a suggestion.
            vec.exact = False
            vec.note("`np.arange` gives fixed-width integers where Python's ints do not overflow")
        lines = first + plan.lines()
        message = f"elementwise loop over arrays: write `{'; '.join(lines)}`"
        if vec.notes:
            message += " (" + "; ".join(vec.notes) + ")"
        evidence = vec.evidence_text()
        if evidence:
            message += f"; {evidence}"
        self.report(node, message, self._fix(site, plan, vec, lines))

    def _first_element_apart(self, site: LoopSite) -> tuple[tuple[Vectoriser, ElementwisePlan] | None, list[str]]:
        """`if i == 0: … else: …`: the first element on its own, the rest planned as a loop from 1."""
        split = split_first(site.statements, site.header.index or "", site.header.start) if not site.header.elements else None
        if split is None:
            return None, []
        header = rest_header(site.header)

        def make(trailing: int) -> Vectoriser:
            return _with_windows(Vectoriser(self.context, site.evidence, header, site.assigned, trailing), split.rest)

        planned = plan_with_broadcasting(split.rest, make)
        if planned is None or not planned[0].reads:
            return None, []
        planned[0].exact = False
        planned[0].note("the first element on its own: the loop did nothing on an empty array")
        return planned, split.first

    def _fix(self, site: LoopSite, plan: ElementwisePlan, vec: Vectoriser, lines: list[str]) -> NodeFix | None:
        if plan.masked or not vec.exact or vec.likely or not vec.shapes_known or site.is_while:
            return None
        if site.evidence.numpy_alias is None and "np." in "".join(lines):
            return None
        if site.loop_names_escape() or any(site.used_outside(t) for t in plan.temporaries):
            return None
        if not _written_facts_ok(site, plan, vec):
            return None
        return NodeFix("replace the loop with the array expression", Applicability.UNSAFE, (Replace(site.loop, "\n".join(lines)),))

