"""PC504: lists built element by element from arrays (then turned into arrays), and
filter loops that are boolean masks."""

from __future__ import annotations

import libcst as cst

from policy_check.diagnostics import Applicability
from policy_check.rules.base import (
    FileContext,
    FixSafety,
    Invalid,
    NodeFix,
    RemoveLines,
    Replace,
    Rule,
)
from policy_check.rules.vectorise.appends import planned_appends
from policy_check.rules.vectorise.evidence import walk_local
from policy_check.rules.vectorise.loops import (
    MATH_TO_NUMPY,
    blocked,
    code,
    parenthesise,
    statements_of,
)
from policy_check.rules.vectorise.site import LoopSite, loop_site, mentions_arrays
from policy_check.rules.vectorise.vectoriser import Vectoriser

_NO_FIX = "<no fix>"


def _python_float(expr: cst.BaseExpression, vec: Vectoriser) -> bool:
    """Whether the loop's value is a Python float (a ``math.*`` result combined only
    with literals and loop-invariant scalars), so the list becomes float64."""
    if type(expr) is cst.Call:
        qualified = vec.context.names.qualify(expr.func)
        return bool(qualified and qualified.startswith("math.") and qualified[5:] in MATH_TO_NUMPY and qualified[5:] not in ("floor", "ceil", "trunc", "isnan", "isinf", "isfinite"))
    if type(expr) is cst.BinaryOperation:
        sides = (expr.left, expr.right)
        return any(_python_float(s, vec) for s in sides) and all(_python_float(s, vec) or _python_scalar(s, vec) for s in sides)
    if type(expr) is cst.UnaryOperation:
        return _python_float(expr.expression, vec)
    return False


def _python_scalar(expr: cst.BaseExpression, vec: Vectoriser) -> bool:
    if type(expr) in (cst.Integer, cst.Float):
        return True
    if type(expr) is cst.Name:
        return expr.value not in vec.header.elements and expr.value != vec.header.index and not vec.evidence.is_array(expr) and expr.value not in vec.assigned_in_loop
    if type(expr) is cst.BinaryOperation:
        return _python_scalar(expr.left, vec) and _python_scalar(expr.right, vec)
    return False


class ListThenArray(Rule):
    """Appending one computed number per element to a list and converting the list
    with `np.array` at the end runs the arithmetic in the interpreter and then
    copies everything once more.  The array expression does both in compiled
    code.  Measured (benchmarks/vectorise.py): appending `25 - 2.5 * math.log10(x)`
    10^6 times takes 135 ms, `25 - 2.5 * np.log10(a)` 3 ms (~44x).

    A filter loop (`if x[n] > t: kept.append(x[n])`) is a boolean mask:
    `kept = x[x > t]`, or `np.flatnonzero(x > t)` when it keeps the indices.  It is
    reported as a suggestion (the result is an array, not a list), and so are
    lists that stay lists (`vals.append(a[i] * b[i])` → `vals = a * b`), several
    lists filled side by side, and `if`/`else` bodies appending to different lists
    (`hi = a[mask]; lo = a[~mask]`); a list used as a list after the loop is kept
    one with `.tolist()`.  Block reductions (`np.mean(a[n*i:n*(i+1)])`) are one
    reduction along the rows of `a.reshape(-1, n)`."""

    code = "PC504"
    name = "list-then-array"
    summary = "A loop appends elementwise results to a list that then becomes an array."
    MESSAGE = "list built element by element and then turned into an array: write the array expression"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "The edit is made only when the result's dtype is certain: the conversion names a dtype, or "
        "every element is a Python float (a `math.*` result), so the fix writes "
        "`np.asarray(<expression>, dtype=...)` — then an empty input still gives an empty float array."
    )
    trigger_words = ("append",)

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return mentions_arrays(context) and super().applies_to(context)

    VALID = [
        # Strings, not numbers.
        "import numpy as np\n\ndef classes(h: np.ndarray, top):\n    out = []\n    for x in h:\n        out.append('dominant' if x > top else 'other')\n    return out\n",
        # The list held a value before the loop.
        "import numpy as np\n\ndef running(a: np.ndarray):\n    out = [0.0]\n    for x in a:\n        out.append(x * 2)\n    return out\n",
        # The test does not change from element to element: not a mask.
        "import numpy as np\n\ndef kept(a: np.ndarray, on):\n    hi, lo = [], []\n    for x in a:\n        if on:\n            hi.append(x)\n        else:\n            lo.append(x)\n    return hi, lo\n",
        # The loop runs over a list.
        "import numpy as np\n\ndef fromlist(xs: list):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return np.array(out)\n",
        # A filter over a list of names.
        "import numpy as np\n\ndef picked(names: list, lo):\n    out = []\n    for i in range(len(names)):\n        if len(names[i]) > lo:\n            out.append(names[i])\n    return out\n",
    ]
    INVALID = [
        Invalid(
            "import math\nimport numpy as np\n\ndef mags(counts: np.ndarray, zp: float):\n    m = []\n    for c in counts:\n"
            "        m.append(zp - 2.5 * math.log10(c))\n    return np.array(m)\n",
            expected="import math\nimport numpy as np\n\ndef mags(counts: np.ndarray, zp: float):\n"
            "    return np.asarray(zp - 2.5 * np.log10(counts), dtype=float)\n",
        ),
        Invalid(
            "import numpy as np\n\ndef balance(ref: np.ndarray, alt: np.ndarray):\n    out = []\n    for r, a in zip(ref, alt):\n"
            "        if r + a > 0:\n            out.append(a / (r + a))\n        else:\n            out.append(np.nan)\n"
            "    return np.asarray(out, dtype=float)\n",
            expected="import numpy as np\n\ndef balance(ref: np.ndarray, alt: np.ndarray):\n"
            "    return np.asarray(np.where(ref + alt > 0, alt / (ref + alt), np.nan), dtype=float)\n",
        ),
        # The dtype of the result is not certain (an empty list gives float64): suggestion.
        Invalid(
            "import numpy as np\n\ndef fade(cap: np.ndarray):\n    f = []\n    for c in cap:\n        f.append(100.0 * (1.0 - c / cap[0]))\n    return np.array(f)\n"
        ),
        # A filter loop: a boolean mask.
        Invalid(
            "import numpy as np\n\nspec = np.genfromtxt('spec.csv', delimiter=',')\nlines = []\n"
            "for n in range(len(spec)):\n    if spec[n] > 3.0:\n        lines.append(spec[n])\n"
        ),
        # A list of numbers that stays a list: the array expression, as a suggestion.
        Invalid(
            "import numpy as np\n\ndef products(a: np.ndarray, b: np.ndarray):\n    vals = []\n"
            "    for i in range(len(a)):\n        vals.append(a[i] * b[i])\n    return vals\n"
        ),
        # if/else appending to two lists: one mask.
        Invalid(
            "import numpy as np\n\ndef split(a: np.ndarray, t):\n    hi = []\n    lo = []\n"
            "    for i in range(len(a)):\n        if a[i] > t:\n            hi.append(a[i])\n        else:\n            lo.append(a[i])\n    return hi, lo\n"
        ),
        # Block means, the list then used as a list: `.tolist()`.
        Invalid(
            "import numpy as np\n\ndef binned(a: np.ndarray, n):\n    means = []\n    for i in range(len(a) // n):\n"
            "        m = np.mean(a[n * i:n * (i + 1)])\n        means.append(m)\n    means.append(np.mean(a[len(a) // n * n:]))\n    return means\n"
        ),
        # Keeping the indices: `np.flatnonzero`.
        Invalid(
            "import numpy as np\n\ndef spikes(v, thr):\n    v = np.asarray(v, dtype=float)\n    idx = []\n"
            "    for i in range(len(v)):\n        if v[i] > thr:\n            idx.append(i)\n    return idx\n"
        ),
    ]

    def leave_For(self, node: cst.For) -> None:
        site = loop_site(self.context, node)
        if site is None:
            return
        if len(site.statements) != 1 or not self._converted_or_filter(site, site.statements[0]):
            statements, position = _block_around(self.context.stack, node)
            planned = planned_appends(self.context, site, statements, position) if position >= 0 else None
            if planned is not None:
                self.report(node, _appends_message(*planned))

    def _converted_or_filter(self, site: LoopSite, statement: object) -> bool:
        """Report one list built and converted, or a filter loop; ``False`` when the
        body is neither (for ``appends_message``)."""
        node = site.loop
        filtered = _filter_append(statement)
        if filtered is not None:
            self._report_filter(site, *filtered)
            return True
        list_name = _appends(statement)
        if list_name is None or blocked(node.body, self.context, allow_append_to=frozenset({list_name})):
            return False
        vec = site.vectoriser(self.context)
        value = _vectorise_appends(statement, vec)
        if value is None or not vec.varies:
            return False
        statements, position = _block_around(self.context.stack, node)
        init = _empty_list_before(statements, position, list_name)
        conversion = _conversion_after(self.context, statements, position, list_name)
        if init is None or conversion is None:
            return conversion is not None
        expression = code(value)
        message = f"list `{list_name}` is built element by element and then turned into an array: `{expression}`" + _tail(vec)
        self.report(node, message, self._fix(site, vec, statement, list_name, init, conversion, expression))
        return True

    def _fix(self, site: LoopSite, vec: Vectoriser, statement: object, list_name: str, init: cst.SimpleStatementLine, conversion: tuple[cst.Call, str | None], expression: str) -> NodeFix | None:
        call = conversion[0]
        dtype = _certain_dtype(conversion[1], statement, vec)
        if dtype is None or vec.likely or not vec.exact or site.evidence.numpy_alias is None:
            return None
        if not _only_built_and_converted(site, statement, list_name) or site.loop_names_escape():
            return None
        replacement = f"{site.evidence.numpy_alias}.asarray({expression}, dtype={dtype})"
        return NodeFix(
            "replace the list and the loop with the array expression",
            Applicability.UNSAFE,
            (RemoveLines(init), RemoveLines(site.loop), Replace(call, replacement)),
        )

    def _report_filter(self, site: LoopSite, list_name: str, test: cst.BaseExpression, element: cst.BaseExpression) -> None:
        if blocked(site.loop.body, self.context, allow_append_to=frozenset({list_name})):
            return
        if _mentions(test, list_name) or _mentions(element, list_name):
            return  # the loop reads the list it fills (`len(kept) < 5`): state between iterations
        vec = site.vectoriser(self.context)
        mask = vec.expr(test)
        value = vec.expr(element)
        if mask is None or value is None or not vec.varies or not vec.reads:
            return
        statements, position = _block_around(self.context.stack, site.loop)
        if _empty_list_before(statements, position, list_name) is None:
            return
        np_name = site.evidence.numpy_alias or "np"
        if vec.is_index(element) and site.header.start == 0:
            kept = f"{np_name}.flatnonzero({code(mask)})"
        else:
            kept = f"{code(parenthesise(value))}[{code(mask)}]"
        message = f"filter loop: `{list_name}` keeps the elements where a condition holds, a boolean mask: `{list_name} = {kept}` (an array, not a list)" + _tail(vec)
        self.report(site.loop, message)


def _appends_message(names: list[str], lines: list[str], vec: Vectoriser, kept_lists: bool) -> str:
    listed = " and ".join(f"`{n}`" for n in names) if len(names) <= 2 else ", ".join(f"`{n}`" for n in names)
    kind = ("lists", "arrays, not lists") if len(names) > 1 else ("list", "an array, not a list")
    if kept_lists:
        return f"{kind[0]} {listed} built element by element from arrays: `{'; '.join(lines)}`" + _tail(vec)
    return f"{kind[0]} {listed} built element by element from arrays: `{'; '.join(lines)}` ({kind[1]}; `.tolist()` where a list is needed)" + _tail(vec)


def _certain_dtype(dtype: str | None, statement: object, vec: Vectoriser) -> str | None:
    """The dtype the fix can name: the conversion's, or float for Python floats."""
    if dtype == _NO_FIX:
        return None
    element = _appended_value(statement)
    if dtype is None and element is not None and _python_float(element, vec):
        return "float"
    return dtype


def _only_built_and_converted(site: LoopSite, statement: object, list_name: str) -> bool:
    """The list is named only by its initialisation, the loop's appends and the conversion."""
    uses = sum(1 for n in walk_local(site.scope) if type(n) is cst.Name and n.value == list_name)
    return uses == 2 + sum(1 for n in walk_local(statement) if type(n) is cst.Name and n.value == list_name)  # type: ignore[arg-type]


def _tail(vec: Vectoriser) -> str:
    text = " (" + "; ".join(vec.notes) + ")" if vec.notes else ""
    evidence = vec.evidence_text()
    return text + (f"; {evidence}" if evidence else "")


def _filter_append(statement: object) -> tuple[str, cst.BaseExpression, cst.BaseExpression] | None:
    """``if test: lst.append(value)`` (no else) → (lst, test, value)."""
    if type(statement) is not cst.If or statement.orelse is not None:
        return None
    body = statements_of(statement.body)
    if not body or len(body) != 1:
        return None
    name = _appends(body[0])
    value = _appended_value(body[0])
    if name is None or value is None:
        return None
    return name, statement.test, value


def _vectorise_appends(statement: object, vec: Vectoriser) -> cst.BaseExpression | None:
    value = _appended_value(statement)
    if value is not None:
        return vec.expr(value)
    if type(statement) is not cst.If or statement.orelse is None or type(statement.orelse) is cst.If:
        return None
    test = vec.expr(statement.test)
    body, orelse = statements_of(statement.body), statements_of(statement.orelse.body)
    if test is None or not body or not orelse or len(body) != 1 or len(orelse) != 1:
        return None
    then_value, else_value = _vectorise_appends(body[0], vec), _vectorise_appends(orelse[0], vec)
    if then_value is None or else_value is None:
        return None
    vec.note_where()
    return vec.where(test, then_value, else_value)


def _block_around(stack: list[cst.CSTNode], loop: cst.CSTNode) -> tuple[list[cst.CSTNode], int]:
    """The statements of the block holding the loop, and the loop's position (-1: none)."""
    body = getattr(stack[-2], "body", None) if len(stack) >= 2 else None
    if not isinstance(body, (list, tuple)):
        return [], -1
    statements = list(body)
    return statements, next((k for k, s in enumerate(statements) if s is loop), -1)


def _mentions(statement: cst.CSTNode, name: str) -> bool:
    return any(type(n) is cst.Name and n.value == name for n in walk_local(statement))


def _empty_list_before(statements: list[cst.CSTNode], position: int, name: str) -> cst.SimpleStatementLine | None:
    for statement in reversed(statements[: max(position, 0)]):
        if _is_empty_list_init(statement, name):
            return statement  # type: ignore[return-value]
        if _mentions(statement, name):
            return None
    return None


def _conversion_after(context: FileContext, statements: list[cst.CSTNode], position: int, name: str) -> tuple[cst.Call, str | None] | None:
    """The first use of the list after the loop, when it is `np.array(lst, dtype=...)`."""
    if position < 0:
        return None
    for statement in statements[position + 1 :]:
        for inner in walk_local(statement):
            if type(inner) is cst.Call and _converts(context, inner, name):
                return inner, _conversion_dtype(inner)
        if _mentions(statement, name):
            return None
    return None


def _converts(context: FileContext, call: cst.Call, name: str) -> bool:
    if not call.args or context.names.qualify(call.func) not in ("numpy.array", "numpy.asarray"):
        return False
    first = call.args[0]
    return first.keyword is None and type(first.value) is cst.Name and first.value.value == name


def _conversion_dtype(call: cst.Call) -> str | None:
    dtype = None
    for arg in call.args[1:]:
        if arg.keyword is None or arg.keyword.value != "dtype":
            return _NO_FIX  # other arguments (copy=, ndmin=…): reported, never edited
        dtype = code(arg.value)
    return dtype


def _appends(statement: object) -> str | None:
    """The list name appended to by the statement (or by every branch of an if/else)."""
    if type(statement) is cst.Expr:
        return _append_target(statement.value)
    if type(statement) is not cst.If or statement.orelse is None or type(statement.orelse) is cst.If:
        return None
    body, orelse = statements_of(statement.body), statements_of(statement.orelse.body)
    if not body or not orelse or len(body) != 1 or len(orelse) != 1:
        return None
    first, second = _appends(body[0]), _appends(orelse[0])
    return first if first is not None and first == second else None


def _append_target(call: cst.BaseExpression) -> str | None:
    if type(call) is not cst.Call or len(call.args) != 1:
        return None
    func = call.func
    if type(func) is cst.Attribute and func.attr.value == "append" and type(func.value) is cst.Name:
        return func.value.value
    return None


def _appended_value(statement: object) -> cst.BaseExpression | None:
    if type(statement) is cst.Expr and _append_target(statement.value) is not None:
        return statement.value.args[0].value  # type: ignore[attr-defined]
    return None


def _is_empty_list_init(statement: cst.CSTNode, name: str) -> bool:
    if type(statement) is not cst.SimpleStatementLine or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if type(small) is cst.Assign and len(small.targets) == 1:
        target, value = small.targets[0].target, small.value
    elif type(small) is cst.AnnAssign and small.value is not None:
        target, value = small.target, small.value
    else:
        return False
    return type(target) is cst.Name and target.value == name and type(value) is cst.List and not value.elements
