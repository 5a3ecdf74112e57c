"""PC503 arrays grown inside loops and PC504 lists built element by element and then
turned into arrays."""

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
from policy_check.rules.vectorise.evidence import walk_local
from policy_check.rules.vectorise.loops import (
    MATH_TO_NUMPY,
    blocked,
    code,
    statements_of,
)
from policy_check.rules.vectorise.site import loop_site, mentions_arrays
from policy_check.rules.vectorise.vectoriser import Vectoriser

_NO_FIX = "<no fix>"
_GROWERS = frozenset({"append", "concatenate", "vstack", "hstack", "column_stack", "row_stack", "dstack"})


class ArrayGrowthInLoop(Rule):
    """`a = np.append(a, x)` inside a loop copies the whole array every time: n
    appends copy n²/2 elements.  Measured (benchmarks/vectorise.py): 10^5
    `np.append`s take 686 ms, collecting in a list and converting once 8 ms.  Collect pieces in a list and call
    `np.concatenate` / `np.vstack` once after the loop, or preallocate the array
    when its final size is known."""

    code = "PC503"
    name = "array-growth-in-loop"
    summary = "An array grows with `np.append`/`concatenate`/`vstack`/`hstack` inside a loop."
    MESSAGE = "array grown inside a loop (quadratic copying): collect pieces in a list and join once, or preallocate"
    trigger_words = ("append", "concatenate", "stack")
    fix_note = "No edit: whether to preallocate or collect in a list depends on the loop."

    VALID = [
        "import numpy as np\n\ndef once(blocks):\n    pieces = [b for b in blocks]\n    return np.concatenate(pieces)\n",
        "import numpy as np\n\ndef fill(reader, n):\n    buf = np.empty((n, 3))\n    for k in range(n):\n        buf[k] = reader(k)\n    return buf\n",
        # A fresh small array per step is not growth.
        "import numpy as np\n\ndef pairs(a: np.ndarray, b: np.ndarray):\n    out = []\n    for i in range(a.shape[0]):\n        pair = np.concatenate(([a[i]], [b[i]]))\n        out.append(float(pair.mean()))\n    return out\n",
        # Joining a list of pieces once per outer iteration.
        "import numpy as np\n\ndef blocks(groups):\n    for g in groups:\n        mat = []\n        for piece in g:\n            mat.append(piece)\n        mat = np.concatenate(mat, axis=1)\n",
        # Rebuilt every iteration, then one element added: not growth across iterations.
        "import numpy as np\n\ndef ticks(ts, w):\n    for t in ts:\n        hits = np.nonzero(w == t)[0]\n        hits = np.append(hits, len(w) - 1)\n",
        "import numpy as np\n\ndef design(cases, n):\n    for case in cases:\n        if case:\n            exog = np.ones((n, 1))\n            if case > 1:\n                exog = np.hstack((exog, np.arange(n)[:, None]))\n",
        "import numpy as np\n\ndef ticks(ts, w):\n    for t in ts:\n        with np.errstate(invalid='ignore'):\n            hits = np.nonzero(w == t)[0]\n        if t > w[-1]:\n            hits = np.append(hits, len(w) - 1)\n",
        # list.append is not np.append.
        "def grow(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n",
    ]
    INVALID = [
        Invalid("import numpy as np\n\ndef triggers(idx):\n    t = np.zeros(0)\n    for i in idx:\n        t = np.append(t, i * 0.5)\n    return t\n"),
        Invalid("import numpy as onp\n\ndef rows(chans):\n    m = onp.empty((0, 4))\n    for c in chans:\n        m = onp.vstack((m, c))\n    return m\n"),
        Invalid("import numpy as np\n\ndef lagged(sig: np.ndarray, k):\n    d = sig[k:, None]\n    for lag in range(1, k):\n        d = np.hstack([d, sig[k - lag:-lag, None]])\n    return d\n"),
        Invalid("from numpy import concatenate\n\ndef frames(reader, n):\n    movie = reader(0)\n    k = 1\n    while k < n:\n        movie = concatenate([movie, reader(k)], axis=0)\n        k += 1\n    return movie\n"),
    ]

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or not isinstance(node.targets[0].target, cst.Name):
            return
        value = node.value
        # `np.column_stack((t.T, row)).T` grows too.
        while isinstance(value, cst.Attribute) and value.attr.value == "T":
            value = value.value
        if not isinstance(value, cst.Call) or not value.args:
            return
        qualified = self.context.names.qualify(value.func)
        if not qualified or not qualified.startswith("numpy.") or qualified[6:] not in _GROWERS:
            return
        target = node.targets[0].target.value
        first = value.args[0].value
        if qualified == "numpy.append":
            candidates = [first]
        elif isinstance(first, (cst.List, cst.Tuple)):
            # `np.concatenate(pieces)` of a list named like the target is the join-once idiom.
            candidates = [element.value for element in first.elements]
        else:
            return
        if not any(_is_or_transposes(candidate, target) for candidate in candidates):
            return
        loop = _innermost_loop(self.context.stack)
        if loop is None:
            return
        # Rebound from something else in the blocks that enclose the growth inside the loop: a fresh
        # array every iteration, not growth (a first-iteration `if x is None` branch is fine).
        blocks = []
        for ancestor in reversed(self.context.stack):
            if ancestor is loop:
                break
            if isinstance(ancestor, (cst.IndentedBlock, cst.SimpleStatementSuite)):
                blocks.append(ancestor)
        for block in blocks:
            for small in _unconditional_statements(block):
                if True:
                    if small is node:
                        continue
                    if isinstance(small, cst.Assign) and any(
                        isinstance(t.target, cst.Name) and t.target.value == target for t in small.targets
                    ):
                        return
                    if isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name) and small.target.value == target:
                        return
        self.report(node, f"`{target}` grows with `{code(value.func)}` inside a loop (every step copies the whole array): collect the pieces in a list and join once after the loop, or preallocate")


def _is_or_transposes(node: cst.BaseExpression, name: str) -> bool:
    while isinstance(node, cst.Attribute) and node.attr.value == "T":
        node = node.value
    return isinstance(node, cst.Name) and node.value == name


def _unconditional_statements(block: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements a block always runs, looking into `with` and `try` bodies."""
    found: list[cst.CSTNode] = []
    for statement in getattr(block, "body", ()):
        if isinstance(statement, cst.SimpleStatementLine):
            found.extend(statement.body)
        elif isinstance(statement, (cst.With, cst.Try)):
            found.extend(_unconditional_statements(statement.body))
    return found


def _innermost_loop(stack: list[cst.CSTNode]) -> cst.For | cst.While | None:
    for ancestor in reversed(stack):
        if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return None
        if isinstance(ancestor, (cst.For, cst.While)):
            return ancestor
    return None


# ---------------------------------------------------------------------------


def _python_float(expr: cst.BaseExpression, vec: Vectoriser) -> bool:
    """Whether the loop's value is a Python float (a ``math.*`` result combined only
    with literals and loop-invariant scalars), so the list becomes float64."""
    if isinstance(expr, cst.Call):
        qualified = vec.context.names.qualify(expr.func)
        return bool(qualified and qualified.startswith("math.") and qualified[5:] in MATH_TO_NUMPY and qualified[5:] not in ("floor", "ceil", "trunc", "isnan", "isinf", "isfinite"))
    if isinstance(expr, cst.BinaryOperation):
        sides = (expr.left, expr.right)
        return any(_python_float(s, vec) for s in sides) and all(_python_float(s, vec) or _python_scalar(s, vec) for s in sides)
    if isinstance(expr, cst.UnaryOperation):
        return _python_float(expr.expression, vec)
    return False


def _python_scalar(expr: cst.BaseExpression, vec: Vectoriser) -> bool:
    if isinstance(expr, (cst.Integer, cst.Float)):
        return True
    if isinstance(expr, cst.Name):
        return expr.value not in vec.header.elements and expr.value != vec.header.index and not vec.evidence.is_array(expr) and expr.value not in vec.assigned_in_loop
    if isinstance(expr, cst.BinaryOperation):
        return _python_scalar(expr.left, vec) and _python_scalar(expr.right, vec)
    return False


class ListThenArray(Rule):
    """Appending one computed number per element to a list and converting the list
    with `np.array` at the end runs the arithmetic in the interpreter and then
    copies everything once more.  The array expression does both in compiled
    code.  Measured (benchmarks/vectorise.py): appending `25 - 2.5 * math.log10(x)`
    10^6 times takes 135 ms, `25 - 2.5 * np.log10(a)` 3 ms (~44x)."""

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
        # A list of numbers is never turned into an array here.
        "import numpy as np\n\ndef running(a: np.ndarray):\n    out = []\n    for x in a:\n        out.append(x * 2)\n    return out\n",
        # The loop runs over a list.
        "import numpy as np\n\ndef fromlist(xs: list):\n    out = []\n    for x in xs:\n        out.append(x * 2)\n    return np.array(out)\n",
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
    ]

    def leave_For(self, node: cst.For) -> None:
        site = loop_site(self.context, node)
        if site is None or len(site.statements) != 1:
            return
        statement = site.statements[0]
        appended = _appends(statement)
        if appended is None:
            return
        list_name = appended
        if blocked(node.body, self.context, allow_append_to=frozenset({list_name})):
            return
        vec = site.vectoriser(self.context)
        value = self._vectorise_appends(statement, list_name, vec)
        if value is None or not vec.varies:
            return
        found = self._init_and_conversion(node, list_name)
        if found is None:
            return
        init, conversion, dtype = found
        np_name = site.evidence.numpy_alias or "np"
        expression = code(value)
        message = f"list `{list_name}` is built element by element and then turned into an array: `{expression}`"
        if vec.notes:
            message += " (" + "; ".join(vec.notes) + ")"
        evidence = vec.evidence_text()
        if evidence:
            message += f"; {evidence}"
        fix = None
        element = _appended_value(statement)
        if dtype is None and element is not None and _python_float(element, vec):
            dtype = "float"
        if dtype == _NO_FIX:
            dtype = None
        uses = sum(1 for n in walk_local(site.scope) if isinstance(n, cst.Name) and n.value == list_name)
        if (
            dtype is not None
            and not vec.likely
            and vec.exact
            and uses == 2 + sum(1 for n in walk_local(statement) if isinstance(n, cst.Name) and n.value == list_name)
            and not site.loop_names_escape()
            and site.evidence.numpy_alias is not None
        ):
            replacement = f"{np_name}.asarray({expression}, dtype={dtype})"
            fix = NodeFix(
                "replace the list and the loop with the array expression",
                Applicability.UNSAFE,
                (RemoveLines(init), RemoveLines(node), Replace(conversion, replacement)),
            )
        self.report(node, message, fix)

    def _vectorise_appends(self, statement: object, list_name: str, vec: Vectoriser) -> cst.BaseExpression | None:
        value = _appended_value(statement)
        if value is not None:
            return vec.expr(value)
        if isinstance(statement, cst.If) and statement.orelse is not None and not isinstance(statement.orelse, cst.If):
            test = vec.expr(statement.test)
            body, orelse = statements_of(statement.body), statements_of(statement.orelse.body)
            if test is None or body is None or orelse is None or len(body) != 1 or len(orelse) != 1:
                return None
            then_value = self._vectorise_appends(body[0], list_name, vec)
            else_value = self._vectorise_appends(orelse[0], list_name, vec)
            if then_value is None or else_value is None:
                return None
            vec.note_where()
            return vec.where(test, then_value, else_value)
        return None

    def _init_and_conversion(self, loop: cst.For, list_name: str) -> tuple[cst.SimpleStatementLine, cst.Call, str | None] | None:
        stack = self.context.stack
        if len(stack) < 2:
            return None
        block = stack[-2]
        body = getattr(block, "body", None)
        if not isinstance(body, (list, tuple)):
            return None
        statements = list(body)
        position = next((k for k, s in enumerate(statements) if s is loop), None)
        if position is None:
            return None
        init = None
        for statement in reversed(statements[:position]):
            if _is_empty_list_init(statement, list_name):
                init = statement
                break
            if any(isinstance(n, cst.Name) and n.value == list_name for n in walk_local(statement)):
                return None
        if init is None:
            return None
        for statement in statements[position + 1 :]:
            for inner in walk_local(statement):
                if isinstance(inner, cst.Call) and inner.args:
                    qualified = self.context.names.qualify(inner.func)
                    first = inner.args[0]
                    if qualified in ("numpy.array", "numpy.asarray") and isinstance(first.value, cst.Name) and first.value.value == list_name and first.keyword is None:
                        dtype = None
                        for arg in inner.args[1:]:
                            if arg.keyword is not None and arg.keyword.value == "dtype":
                                dtype = code(arg.value)
                            else:
                                # Other arguments (copy=, ndmin=…): reported, never edited.
                                return init, inner, _NO_FIX
                        return init, inner, dtype
            if any(isinstance(n, cst.Name) and n.value == list_name for n in walk_local(statement)):
                return None
        return None


def _appends(statement: object) -> str | None:
    """The list name appended to by the statement (or by every branch of an if/else)."""
    value = statement
    if isinstance(value, cst.Expr) and isinstance(value.value, cst.Call):
        call = value.value
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "append" and isinstance(call.func.value, cst.Name) and len(call.args) == 1:
            return call.func.value.value
        return None
    if isinstance(value, cst.If) and value.orelse is not None and not isinstance(value.orelse, cst.If):
        body, orelse = statements_of(value.body), statements_of(value.orelse.body)
        if body and orelse and len(body) == 1 and len(orelse) == 1:
            first, second = _appends(body[0]), _appends(orelse[0])
            return first if first is not None and first == second else None
    return None


def _appended_value(statement: object) -> cst.BaseExpression | None:
    if isinstance(statement, cst.Expr) and isinstance(statement.value, cst.Call) and isinstance(statement.value.func, cst.Attribute):
        return statement.value.args[0].value
    return None


def _is_empty_list_init(statement: cst.CSTNode, name: str) -> bool:
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return False
    small = statement.body[0]
    if isinstance(small, cst.Assign) and len(small.targets) == 1:
        target, value = small.targets[0].target, small.value
    elif isinstance(small, cst.AnnAssign) and small.value is not None:
        target, value = small.target, small.value
    else:
        return False
    return isinstance(target, cst.Name) and target.value == name and isinstance(value, cst.List) and not value.elements
