"""PC503 arrays grown inside loops and PC504 lists built element by element and then
turned into arrays."""

from __future__ import annotations

import libcst as cst

from policy_check.rules.base import (
    Invalid,
    Rule,
)
from policy_check.rules.vectorise.loops import (
    code,
)

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
        # Inside try/except within the loop.
        Invalid(
            "import numpy as np\n\ndef collect(paths):\n    data = np.array([])\n    for p in paths:\n        try:\n"
            "            data = np.append(data, np.loadtxt(p))\n        except OSError:\n            pass\n    return data\n"
        ),
        Invalid("from numpy import concatenate\n\ndef frames(reader, n):\n    movie = reader(0)\n    k = 1\n    while k < n:\n        movie = concatenate([movie, reader(k)], axis=0)\n        k += 1\n    return movie\n"),
    ]

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) != 1 or type(node.targets[0].target) is not cst.Name:
            return
        target = node.targets[0].target.value
        value = node.value
        # `np.column_stack((t.T, row)).T` grows too.
        while type(value) is cst.Attribute and value.attr.value == "T":
            value = value.value
        if type(value) is not cst.Call or not value.args or not self._grows(value, target):
            return
        loop = _innermost_loop(self.context.stack)
        if loop is None or _rebound_in_loop(self.context.stack, loop, node, target):
            return
        self.report(node, f"`{target}` grows with `{code(value.func)}` inside a loop (every step copies the whole array): collect the pieces in a list and join once after the loop, or preallocate")

    def _grows(self, call: cst.Call, target: str) -> bool:
        # Only a call whose last name is a grower's is qualified (most calls are not).
        qualified = self.context.names.qualify_ending(call.func, _GROWERS)
        if not qualified or not qualified.startswith("numpy.") or qualified[6:] not in _GROWERS:
            return False
        first = call.args[0].value
        if qualified == "numpy.append":
            candidates = [first]
        elif type(first) in (cst.List, cst.Tuple):
            # `np.concatenate(pieces)` of a list named like the target is the join-once idiom.
            candidates = [element.value for element in first.elements]
        else:
            return False
        return any(_is_or_transposes(candidate, target) for candidate in candidates)


def _rebound_in_loop(stack: list[cst.CSTNode], loop: cst.CSTNode, node: cst.Assign, target: str) -> bool:
    """Whether the blocks around the growth inside the loop rebind the name from
    something else: a fresh array every iteration, not growth (a first-iteration
    `if x is None` branch is fine)."""
    for ancestor in reversed(stack):
        if ancestor is loop:
            return False
        if type(ancestor) in (cst.IndentedBlock, cst.SimpleStatementSuite):
            if any(small is not node and _binds(small, target) for small in _unconditional_statements(ancestor)):
                return True
    return False


def _binds(small: cst.CSTNode, target: str) -> bool:
    if type(small) is cst.Assign:
        return any(type(t.target) is cst.Name and t.target.value == target for t in small.targets)
    return type(small) is cst.AnnAssign and type(small.target) is cst.Name and small.target.value == target


def _is_or_transposes(node: cst.BaseExpression, name: str) -> bool:
    while type(node) is cst.Attribute and node.attr.value == "T":
        node = node.value
    return type(node) is cst.Name and node.value == name


def _unconditional_statements(block: cst.CSTNode) -> list[cst.CSTNode]:
    """The statements a block always runs, looking into `with` and `try` bodies."""
    found: list[cst.CSTNode] = []
    for statement in getattr(block, "body", ()):
        if type(statement) is cst.SimpleStatementLine:
            found.extend(statement.body)
        elif type(statement) in (cst.With, cst.Try):
            found.extend(_unconditional_statements(statement.body))
    return found


def _innermost_loop(stack: list[cst.CSTNode]) -> cst.For | cst.While | None:
    for ancestor in reversed(stack):
        if type(ancestor) in (cst.FunctionDef, cst.ClassDef, cst.Lambda):
            return None
        if type(ancestor) in (cst.For, cst.While):
            return ancestor
    return None


