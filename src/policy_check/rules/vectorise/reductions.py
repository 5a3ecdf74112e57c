"""PC502 reduction loops and PC507 builtins on arrays: sums, extrema and counts
computed by the interpreter instead of by NumPy."""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass
class Accumulation:
    """One accumulator update: ``s += E`` (kind "sum"), a count, a running max/min."""

    name: str
    kind: str  # "sum", "count", "max", "min", "masked-sum"
    value: cst.BaseExpression | None  # vectorised term
    operator: str = "+="
    # `s = s + E` keeps that spelling in the fix.
    spelled: str = "aug"
    mask: cst.BaseExpression | None = None


def _accumulation(statement: object, vec: Vectoriser, loop_names: set[str]) -> Accumulation | None:
    if isinstance(statement, cst.AugAssign) and isinstance(statement.target, cst.Name):
        name = statement.target.value
        if name in loop_names or vec.evidence.arrays.get(name) is not None:
            return None
        if not isinstance(statement.operator, (cst.AddAssign, cst.SubtractAssign)):
            return None
        operator = "+=" if isinstance(statement.operator, cst.AddAssign) else "-="
        if _mentions(statement.value, name):
            return None
        if isinstance(statement.value, cst.Integer) and statement.value.value == "1" and operator == "+=":
            return Accumulation(name, "count", None, operator)
        value = vec.expr(statement.value)
        if value is None:
            return None
        return Accumulation(name, "sum", value, operator)
    if isinstance(statement, cst.Assign) and len(statement.targets) == 1 and isinstance(statement.targets[0].target, cst.Name):
        name = statement.targets[0].target.value
        value = statement.value
        if name in loop_names or vec.evidence.arrays.get(name) is not None:
            return None
        if isinstance(value, cst.BinaryOperation) and isinstance(value.operator, (cst.Add, cst.Subtract)):
            left_is_acc = isinstance(value.left, cst.Name) and value.left.value == name and not value.left.lpar
            right_is_acc = isinstance(value.right, cst.Name) and value.right.value == name and isinstance(value.operator, cst.Add)
            term = value.right if left_is_acc else value.left if right_is_acc else None
            if term is None or _mentions(term, name):
                return None
            converted = vec.expr(term)
            if converted is None:
                return None
            operator = "+=" if isinstance(value.operator, cst.Add) else "-="
            return Accumulation(name, "sum", converted, operator, spelled="left" if left_is_acc else "right")
        if isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in ("max", "min") and len(value.args) == 2:
            args = [arg.value for arg in value.args]
            others = [a for a in args if not (isinstance(a, cst.Name) and a.value == name)]
            if len(others) != 1 or _mentions(others[0], name):
                return None
            converted = vec.expr(others[0])
            return None if converted is None else Accumulation(name, value.func.value, converted)
        return None
    if isinstance(statement, cst.If) and statement.orelse is None:
        body = statements_of(statement.body)
        if not body:
            return None
        test = statement.test
        # `if x > best: best = x` — a running maximum.
        if (
            len(body) == 1
            and isinstance(test, cst.Comparison)
            and len(test.comparisons) == 1
            and isinstance(body[0], cst.Assign)
            and len(body[0].targets) == 1
            and isinstance(body[0].targets[0].target, cst.Name)
        ):
            name = body[0].targets[0].target.value
            operator = test.comparisons[0].operator
            right = test.comparisons[0].comparator
            if isinstance(right, cst.Name) and right.value == name and code(test.left) == code(body[0].value):
                kind = "max" if isinstance(operator, (cst.GreaterThan, cst.GreaterThanEqual)) else "min" if isinstance(operator, (cst.LessThan, cst.LessThanEqual)) else None
                converted = vec.expr(test.left)
                if kind and converted is not None and name not in loop_names and not _mentions(test.left, name):
                    return Accumulation(name, kind, converted)
            return None
        if len(body) == 1:
            inner = _accumulation(body[0], vec, loop_names)
            mask = vec.expr(test)
            if inner is None or mask is None or inner.kind not in ("sum", "count") or _mentions(test, inner.name):
                return None
            if inner.kind == "count":
                return Accumulation(inner.name, "count", None, mask=mask)
            return Accumulation(inner.name, "masked-sum", inner.value, inner.operator, mask=mask)
    return None


def _mentions(expr: cst.CSTNode, name: str) -> bool:
    return any(isinstance(n, cst.Name) and n.value == name for n in walk_local(expr))


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
        loop_names = set(site.header.elements) | ({site.header.index} if site.header.index else set())
        temporaries: list[str] = []
        accumulations: list[Accumulation] = []
        for statement in site.statements:
            if (
                isinstance(statement, cst.Assign)
                and len(statement.targets) == 1
                and isinstance(statement.targets[0].target, cst.Name)
                and not _mentions(statement.value, statement.targets[0].target.value)
                and statement.targets[0].target.value not in {a.name for a in accumulations}
            ):
                name = statement.targets[0].target.value
                value = vec.expr(statement.value)
                if value is not None and name not in loop_names:
                    vec.temporaries[name] = value
                    temporaries.append(name)
                    continue
            accumulation = _accumulation(statement, vec, loop_names)
            if accumulation is None:
                return
            accumulations.append(accumulation)
        names = [a.name for a in accumulations]
        if not accumulations or len(set(names)) != len(names) or not vec.varies or not vec.reads:
            return
        if any(a.name in temporaries for a in accumulations):
            return
        # An accumulator read by another term is a coupled recurrence.
        for accumulation in accumulations:
            for other in accumulations:
                for part in (other.value, other.mask):
                    if part is not None and _mentions(part, accumulation.name):
                        return
        if not any(a.kind != "count" or a.mask is not None for a in accumulations):
            return
        np_name = site.evidence.numpy_alias or "np"
        unknown_ndim = any(
            site.evidence.arrays.get(read) is None or site.evidence.arrays[read].ndim != 1 for read in vec.reads
        )
        lines = [self._line(a, site, np_name, unknown_ndim) for a in accumulations]
        if any(line is None for line in lines):
            return
        message = "reduction in a Python loop: `" + "; ".join(line for line in lines if line) + "`"  # type: ignore[misc]
        evidence = vec.evidence_text()
        if evidence:
            message += f"; {evidence}"
        fix = None
        if (
            not vec.likely
            and not site.is_while
            and
            all(a.kind in ("sum", "count") and a.mask is None for a in accumulations)
            and all(a.kind != "sum" or _initialised_with_float(self.context.stack, node, a.name) for a in accumulations)
            and vec.exact
            and not site.loop_names_escape()
            and not any(site.used_outside(t) for t in temporaries)
            and (site.evidence.numpy_alias is not None or "np." not in message)
        ):
            fix = NodeFix("replace the loop with the NumPy reduction", Applicability.UNSAFE, (Replace(node, "\n".join(lines)),))  # type: ignore[arg-type]
            if site.header.unequal_zip or site.header.length_key is None:
                fix = NodeFix(
                    "replace the loop with the NumPy reduction (assumes the arrays have the same length)",
                    Applicability.UNSAFE,
                    fix.edits,
                )
        self.report(node, message, fix)

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
        if a.kind == "masked-sum":
            assert a.mask is not None
            return f"mask = {code(a.mask)}; {a.name} {a.operator} {term}[mask].sum()"
        return f"{a.name} = {a.kind}({a.name}, {term}.{a.kind}(initial={a.name}))"


def _initialised_with_float(stack: list[cst.CSTNode], loop: cst.For, name: str) -> bool:
    """Whether the accumulator's last binding before the loop (in the same block) is a
    float literal: then an empty loop and an empty `.sum()` give the same type."""
    body = getattr(stack[-2], "body", None) if len(stack) >= 2 else None
    if not isinstance(body, (list, tuple)):
        return False
    statements = list(body)
    position = next((k for k, s in enumerate(statements) if s is loop), None)
    if position is None:
        return False
    for statement in reversed(statements[:position]):
        if isinstance(statement, cst.SimpleStatementLine):
            for small in reversed(statement.body):
                if isinstance(small, cst.Assign) and any(
                    isinstance(t.target, cst.Name) and t.target.value == name for t in small.targets
                ):
                    value = small.value
                    if isinstance(value, cst.UnaryOperation):
                        value = value.expression
                    return isinstance(value, cst.Float)
        if any(isinstance(n, cst.Name) and n.value == name for n in walk_local(statement)):
            return False
    return False


_BUILTIN_REDUCTIONS = {"sum": "sum", "max": "max", "min": "min", "any": "any", "all": "all"}


class BuiltinOnArray(Rule):
    """Python's `sum`, `max`, `min`, `any` and `all` walk an array element by
    element, boxing each number into a Python object; the array methods run in
    compiled code.  Measured (benchmarks/vectorise.py): `sum(a)` 44 ms at
    n = 10^6, `a.sum()` 0.23 ms (~190x).

    Mind the differences: on a 2-D array Python's `sum` adds rows (`a.sum(axis=0)`),
    and Python's `max`/`min` skip a NaN that is not first while `.max()`/`.min()`
    return NaN."""

    code = "PC507"
    name = "builtin-on-array"
    summary = "Python's `sum`/`max`/`min`/`any`/`all` on a NumPy array; use the array method."
    MESSAGE = "builtin reduction on a NumPy array: use the array method"
    fix_safety = FixSafety.SAFE
    fix_note = (
        "`any`/`all` and `sum` of a comparison on a 1-D array (a count) are safe; a count on an array "
        "of unknown dimensions becomes `.sum(axis=0)` (unsafe); `max`/`min` are unsafe (NaN handling "
        "differs); other sums get no edit (Python's `sum` of an empty array is the int 0, NumPy's "
        "is 0.0, and NumPy adds pairwise)."
    )
    trigger_words = ("sum(", "max(", "min(", "any(", "all(")

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return mentions_arrays(context) and super().applies_to(context)

    VALID = [
        "def total(xs: list[float]):\n    return sum(xs) + max(xs)\n",
        "import numpy as np\n\ndef largest(a: np.ndarray):\n    return max(a.shape)\n",
        "import numpy as np\n\ndef clipped(a: np.ndarray, lo):\n    return max(a.max(), lo)\n",
        # An array of strings has no `.min()`.
        "import numpy as np\n\ndef first(n):\n    names = np.array([f'col_{i}' for i in range(n)])\n    return min(names[3:])\n",
        "import numpy as np\n\ndef offset(a: np.ndarray):\n    return sum(a, 10.0)\n",
        "import numpy as np\nfrom builtins_compat import sum\n\ndef s(a: np.ndarray):\n    return sum(a)\n",
        "def reads(per_sample: dict):\n    return sum(per_sample.values())\n",
        # Duck-typed: `column` may be a list.
        "import numpy as np\n\ndef empty(column):\n    if hasattr(column, 'dtype') and column.dtype == bool:\n        return not column.any()\n    return not any(column)\n",
    ]
    INVALID = [
        Invalid(
            "import numpy as np\n\ndef count(theta: np.ndarray, fc: float) -> int:\n    return sum(theta > fc)\n",
            expected="import numpy as np\n\ndef count(theta: np.ndarray, fc: float) -> int:\n    return (theta > fc).sum(axis=0)\n",
        ),
        Invalid(
            "import numpy as np\n\ndef peak(q: np.ndarray, area):\n    return max(q) / area\n",
            expected="import numpy as np\n\ndef peak(q: np.ndarray, area):\n    return q.max() / area\n",
        ),
        Invalid(
            "import numpy as np\n\ndef finite(q):\n    q = np.asarray(q, dtype=float).ravel()\n    return all(np.isfinite(q))\n",
            expected="import numpy as np\n\ndef finite(q):\n    q = np.asarray(q, dtype=float).ravel()\n    return np.isfinite(q).all()\n",
        ),
        # A float sum: the empty case differs (0 vs 0.0), so suggestion only.
        Invalid("import math\nimport numpy as np\n\ndef rms(x: np.ndarray):\n    return math.sqrt(sum(x ** 2) / x.size)\n"),
        Invalid(
            "import pandas as pd\n\ndef fastest(trials: pd.DataFrame):\n    return min(trials['rt'].to_numpy())\n",
            expected="import pandas as pd\n\ndef fastest(trials: pd.DataFrame):\n    return trials['rt'].to_numpy().min()\n",
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Name) or func.value not in _BUILTIN_REDUCTIONS:
            return
        if len(node.args) != 1 or node.args[0].keyword is not None or node.args[0].star:
            return
        if self.context.names.is_imported(func.value):
            return
        from policy_check.rules.vectorise.evidence import evidence_for

        evidence = evidence_for(self.context, self.context.stack)
        if func.value in evidence.bound_names or func.value in _module_bound(self.context):
            return
        argument = node.args[0].value
        facts = evidence.expression_facts(argument)
        if facts is None:
            return
        name = func.value
        receiver = code(parenthesise(argument))
        is_count = isinstance(argument, cst.Comparison)
        if name == "sum" and facts.ndim != 1:
            method = f"{receiver}.sum(axis=0)"
        else:
            method = f"{receiver}.{name}()"
        if name in ("any", "all") or (name == "sum" and is_count and facts.ndim == 1):
            applicability = Applicability.SAFE
        else:
            applicability = Applicability.UNSAFE
        notes = {
            "sum": " (on a 2-D array Python's `sum` adds rows: that is `.sum(axis=0)`)",
            "max": " (NaN: `.max()` returns NaN where Python's `max` may skip it)",
            "min": " (NaN: `.min()` returns NaN where Python's `min` may skip it)",
        }
        message = f"builtin `{name}()` on a NumPy array: use `{method}`{notes.get(name, '')}"
        if name == "sum" and not is_count:
            # Python's sum of an empty float array is the int 0, `.sum()` gives 0.0: no edit.
            self.report(node, message)
            return
        self.report(node, message, NodeFix(f"use `{method}`", applicability, (Replace(node, method),)))


def _module_bound(context) -> set[str]:
    cached = context.__dict__.get("_pc5_module_bound")
    if cached is None:
        from policy_check.analysis.names import module_level_statements
        from policy_check.analysis.patterns import assigned_names

        cached = assigned_names(list(module_level_statements(context.module.body)))
        context.__dict__["_pc5_module_bound"] = cached
    return cached
