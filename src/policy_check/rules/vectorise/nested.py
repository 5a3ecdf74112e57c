"""PC505: nested index loops that fill a 2-D array element by element."""

from __future__ import annotations

import libcst as cst

from policy_check.rules.base import FileContext, Invalid, Rule
from policy_check.rules.vectorise.loops import (
    LoopHeader,
    blocked,
    names_assigned,
    read_header,
    statements_of,
)
from policy_check.rules.vectorise.plan import outer_subscripts, plan_with_broadcasting
from policy_check.rules.vectorise.site import LoopSite, loop_site, mentions_arrays
from policy_check.rules.vectorise.vectoriser import Vectoriser


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
        # Gauss–Seidel: each cell reads neighbours already updated in this sweep.
        "import numpy as np\n\ndef sweep(u: np.ndarray):\n    for i in range(1, u.shape[0] - 1):\n        for j in range(1, u.shape[1] - 1):\n"
        "            u[i][j] = 0.25 * (u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1])\n",
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
        # An elementwise 2-D loop over a loaded grid, chained indexing, in place.
        Invalid(
            "import numpy as np\n\ngrid = np.loadtxt('hist.txt')\nfor i in range(grid.shape[0]):\n    for j in range(grid.shape[1]):\n"
            "        grid[i][j] = np.inf if grid[i][j] == 0 else -np.log(grid[i][j])\n"
        ),
        Invalid(
            "import numpy as np\n\ndef pairwise(frac: np.ndarray, cell: np.ndarray):\n    n = frac.shape[0]\n    d = np.zeros((n, n))\n"
            "    for a in range(n):\n        for b in range(n):\n            delta = frac[a] - frac[b]\n            d[a, b] = np.sqrt(np.sum((delta @ cell) ** 2))\n    return d\n"
        ),
    ]

    def leave_For(self, node: cst.For) -> None:
        message = nested_message(self.context, node)
        if message is not None:
            self.report(node, message)


def nested_message(context: FileContext, node: cst.For) -> str | None:
    """PC505's message for two nested index loops, or ``None`` (computed once per loop)."""
    cache: dict[int, tuple[cst.For, str | None]] = context.__dict__.setdefault("_pc5_nested", {})
    hit = cache.get(id(node))
    if hit is not None and hit[0] is node:
        return hit[1]
    message = _nested_message(context, node)
    cache[id(node)] = (node, message)
    return message


def _nested_message(context: FileContext, node: cst.For) -> str | None:
    outer_site = loop_site(context, node)
    if outer_site is None or outer_site.header.index is None:
        return None
    statements = outer_site.statements
    if len(statements) != 1 or type(statements[0]) is not cst.For:
        return None
    inner_loop = statements[0]
    inner_header = read_header(inner_loop, outer_site.evidence, context)
    body = statements_of(inner_loop.body)
    if inner_header is None or inner_header.index is None or body is None:
        return None
    if blocked(inner_loop.body, context, allow_methods=True):
        return None
    headers = [outer_site.header, inner_header]
    assigned = names_assigned(inner_loop.body)
    if {h.index for h in headers} & assigned:
        return None
    message = _whole_array_message(context, outer_site, headers, assigned, body)
    return message if message is not None else _broadcast_message(context, outer_site, headers, assigned, body)


def _whole_array_message(context: FileContext, site: LoopSite, headers: list[LoopHeader], assigned: set[str], body: list) -> str | None:
    def make(trailing: int) -> Vectoriser:
        return Vectoriser(context, site.evidence, headers, assigned, trailing)

    planned = plan_with_broadcasting(body, make)
    if planned is None:
        return None
    vec, plan = planned
    if not vec.varies:
        return None
    written = ", ".join(sorted(f"`{name}`" for name in plan.written))
    message = f"nested index loops fill {written} element by element: write `{'; '.join(plan.lines())}`"
    if vec.notes:
        message += " (" + "; ".join(vec.notes) + ")"
    evidence = vec.evidence_text()
    return message + (f"; {evidence}" if evidence else "")


def _broadcast_message(context: FileContext, site: LoopSite, headers: list[LoopHeader], assigned: set[str], body: list) -> str | None:
    """Loops that fill one array from per-pair temporaries (`delta = x[a] - x[b]`):
    not a plain expression, but an outer operation all the same."""
    indices = {h.index for h in headers if h.index is not None}
    if not any(_pairwise_statement(s, context, indices) for s in body):
        return None  # no per-pair temporary or reduction: an elementwise loop we could not read
    vec = Vectoriser(context, site.evidence, headers, assigned)
    written = _single_written_array(body, vec)
    if written is None or _reads_array(body, written, vec):
        return None
    rows, columns = (_read_at(body, h.index) for h in headers)
    if any(_distance_like(s) for s in body):
        pair = f"`{rows[0]}[:, None]` against `{columns[0]}[None, :]`" if rows and columns else "the rows against the columns"
        return (
            f"nested index loops fill `{written}` with a distance per pair: broadcast {pair} "
            f"(for points in D dimensions the temporary is N×N×D, `scipy.spatial.distance.cdist` avoids it)"
        )
    return (
        f"nested index loops fill `{written}` with a reduction per pair: broadcast {_reduction_pair(site, rows, columns)} "
        f"and reduce the per-pair axis (`.sum(axis=-1)`; `np.einsum` or a matrix product avoids the N×M×K temporary)"
    )


def _reduction_pair(site: LoopSite, rows: list[str], columns: list[str]) -> str:
    """The broadcast operands of a reduction per pair: scalars per index (1-D arrays)
    meet the per-pair axis (a whole array) last."""
    if not rows or not columns:
        return "the row reads against the column reads"
    scalars = all(getattr(site.evidence.arrays.get(name), "ndim", None) == 1 for name in (rows[0], columns[0]))
    extra = ", None" if scalars else ""
    return f"`{rows[0]}[:, None{extra}]` against `{columns[0]}[None, :{extra}]`"


_ROOTS = frozenset({"sqrt", "norm", "hypot", "cdist", "pdist"})


def _distance_like(statement: object) -> bool:
    """A square root or norm of something (`np.sqrt(np.sum(d ** 2))`, `norm(delta)`, `** 0.5`)."""
    value = getattr(statement, "value", None)
    if value is None:
        return False
    for node in outer_subscripts(value):
        if type(node) is cst.Call:
            func = node.func
            name = func.attr.value if type(func) is cst.Attribute else (func.value if type(func) is cst.Name else "")
            if name in _ROOTS:
                return True
        if type(node) is cst.BinaryOperation and type(node.operator) is cst.Power and type(node.right) is cst.Float and node.right.value == "0.5":
            return True
    return False


def _read_at(body: list, index: str | None) -> list[str]:
    """The arrays read with ``index`` as their first and only loop index (`x[i]`, `x[i, :]`), in order."""
    found: list[str] = []
    for statement in body:
        value = getattr(statement, "value", None)
        for node in outer_subscripts(value) if value is not None else ():
            if type(node) is cst.Subscript and type(node.value) is cst.Name and _first_index(node) == index and node.value.value not in found:
                found.append(node.value.value)
    return found


def _first_index(node: cst.Subscript) -> str | None:
    first = node.slice[0].slice if node.slice else None
    if type(first) is not cst.Index or type(first.value) is not cst.Name:
        return None
    others = [e.slice for e in node.slice[1:]]
    return first.value.value if all(type(o) is cst.Slice for o in others) else None


_REDUCTIONS = frozenset({"sum", "mean", "norm", "dot", "max", "min", "std", "prod", "inner", "vdot", "einsum"})


def _pairwise_statement(statement: object, context: FileContext, indices: set[str]) -> bool:
    """A temporary per pair (`delta = x[a] - x[b]`) or a reduction over each pair's
    vectors (`np.abs(a[i] - a[j]).sum()`, `@`): the shape of a pairwise distance."""
    if type(statement) is not cst.Assign:
        return False
    if type(statement.targets[0].target) is cst.Name:
        return any(_mentions(statement.value, index) for index in indices)
    for node in outer_subscripts(statement.value):
        if type(node) is cst.BinaryOperation and type(node.operator) is cst.MatrixMultiply:
            return True
        if type(node) is cst.Call:
            func = node.func
            name = func.attr.value if type(func) is cst.Attribute else (func.value if type(func) is cst.Name else "")
            if name in _REDUCTIONS:
                return True
    return False


def _single_written_array(body: list, vec: Vectoriser) -> str | None:
    """The one array the body writes at `[i, j]`, when every other statement binds a
    fresh temporary (a name not read before it is bound)."""
    written: str | None = None
    bound: set[str] = set()
    for statement in body:
        if type(statement) is not cst.Assign or len(statement.targets) != 1:
            return None
        target = statement.targets[0].target
        if type(target) is cst.Name:
            if _mentions(statement.value, target.value) and target.value not in bound:
                return None  # read before it is bound: state carried between iterations
            bound.add(target.value)
            continue
        found = vec.target(target)
        if found is None or written not in (None, found[0]):
            return None
        written = found[0]
    return written


def _reads_array(body: list, name: str, vec: Vectoriser) -> bool:
    for statement in body:
        for node in outer_subscripts(statement.value):
            if type(node) is cst.Name and node.value == name:
                return True
    return False


def _mentions(expr: cst.BaseExpression, name: str) -> bool:
    return any(type(n) is cst.Name and n.value == name for n in outer_subscripts(expr))
