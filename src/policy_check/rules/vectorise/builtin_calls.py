"""PC507: Python's builtin reductions (`sum`, `max`, `min`, `any`, `all`) on arrays."""

from __future__ import annotations

import libcst as cst

from policy_check.analysis.names import module_level_statements
from policy_check.analysis.patterns import assigned_names
from policy_check.diagnostics import Applicability
from policy_check.rules.base import (
    FileContext,
    FixSafety,
    Invalid,
    NodeFix,
    Replace,
    Rule,
)
from policy_check.rules.vectorise.evidence import LIST_TURNED_ARRAY, ArrayFacts, evidence_for, list_until_converted
from policy_check.rules.vectorise.loops import code, parenthesise
from policy_check.rules.vectorise.scope_walk import walk_local
from policy_check.rules.vectorise.site import mentions_arrays

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
        # Still the list here: it becomes an array only after the call.
        "import numpy as np\n\ndef spread(readings):\n    peaks = []\n    for r in readings:\n        peaks.append(r * 2)\n    top = max(peaks)\n    peaks = np.array(peaks)\n    return top, peaks\n",
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
        if type(func) is not cst.Name or func.value not in _BUILTIN_REDUCTIONS:
            return  # most calls, decided on the callee's name before anything else
        name = self._builtin_name(node)
        if name is None:
            return
        argument = node.args[0].value
        evidence = evidence_for(self.context, self.context.stack)
        facts = evidence.expression_facts(argument)
        if facts is None or (facts.why == LIST_TURNED_ARRAY and self._still_a_list(argument, evidence)):
            return
        self._report_method(node, name, argument, facts)

    def _report_method(self, node: cst.Call, name: str, argument: cst.BaseExpression, facts: ArrayFacts) -> None:
        """The finding: the array method instead of the builtin, with an edit where both compute the same."""
        receiver = code(parenthesise(argument))
        is_count = type(argument) is cst.Comparison
        method = f"{receiver}.sum(axis=0)" if name == "sum" and facts.ndim != 1 else f"{receiver}.{name}()"
        message = f"builtin `{name}()` on a NumPy array: use `{method}`{_NOTES.get(name, '')}"
        if facts.likely:
            # The argument may still be a list, where the method does not exist: no edit.
            self.report(node, f"{message}, if `{receiver}` is a NumPy array ({facts.why})")
            return
        if name == "sum" and not is_count:
            # Python's sum of an empty float array is the int 0, `.sum()` gives 0.0: no edit.
            self.report(node, message)
            return
        safe = name in ("any", "all") or (name == "sum" and is_count and facts.ndim == 1)
        applicability = Applicability.SAFE if safe else Applicability.UNSAFE
        self.report(node, message, NodeFix(f"use `{method}`", applicability, (Replace(node, method),)))


    def _still_a_list(self, argument: cst.BaseExpression, evidence) -> bool:
        """The lists turned into arrays that the argument reads are all still lists here."""
        names = {n.value for n in walk_local(argument) if type(n) is cst.Name}
        lists = [n for n in names if (f := evidence.name_facts(n)) is not None and f.why == LIST_TURNED_ARRAY]
        return bool(lists) and all(list_until_converted(self.context, self.context.stack, n) for n in lists)

    def _builtin_name(self, node: cst.Call) -> str | None:
        """``sum``/``max``/… (a call of one of those names) when the call is the builtin
        (not imported, not rebound) with one argument."""
        func = node.func
        if not _single_positional(node):
            return None
        if type(node.args[0].value) in _NEVER_ARRAYS:
            return None  # decided before any evidence is computed
        if self.context.names.is_imported(func.value) or func.value in _module_bound(self.context):
            return None
        return None if func.value in evidence_for(self.context, self.context.stack).bound_names else func.value


_NEVER_ARRAYS = frozenset({
    cst.GeneratorExp, cst.ListComp, cst.SetComp, cst.DictComp, cst.List, cst.Tuple, cst.Set, cst.Dict,
    cst.SimpleString, cst.FormattedString, cst.Integer, cst.Float,
})

_NOTES = {
    "sum": " (on a 2-D array Python's `sum` adds rows: that is `.sum(axis=0)`)",
    "max": " (NaN: `.max()` returns NaN where Python's `max` may skip it)",
    "min": " (NaN: `.min()` returns NaN where Python's `min` may skip it)",
}


def _single_positional(node: cst.Call) -> bool:
    return len(node.args) == 1 and node.args[0].keyword is None and not node.args[0].star


def _module_bound(context) -> set[str]:
    cached = context.__dict__.get("_pc5_module_bound")
    if cached is None:
        cached = assigned_names(list(module_level_statements(context.module.body)))
        context.__dict__["_pc5_module_bound"] = cached
    return cached
