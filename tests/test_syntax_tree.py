"""The fast tree walks: each node type's children function lists what reading its
dataclass fields one by one lists, the engine's traversal passes tokens by only
when no rule handles them, and a checked file's trees are freed when its check
returns (not left in reference cycles for the garbage collector)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import libcst as cst

from policy_check.config import Settings
from policy_check.diagnostics import Diagnostic
from policy_check.engine import check_text
from policy_check.rules import FILE_RULES
from policy_check.rules.base import Rule
from policy_check.syntax_tree import child_fields, child_nodes, descendants, leaf_types
from policy_check.testing import check_snippet

# Most kinds of node: decorators, async, match, walrus, f-strings, star targets,
# slices, lambdas, comprehensions, try/except*/finally, global, del, chained
# comparisons, annotations, `import *`, `;`, parentheses, comments.
CODE = '''\
"""Doc."""
from __future__ import annotations
import os.path as osp, sys
from math import *
from . import sibling  # a comment


@decorator(1, key="v")
async def f(a, /, b: int = 2, *args, c, d=3, **kwargs) -> list[int]:
    global counter
    async with open(a) as handle, lock:
        async for line in handle:
            yield line
    return [x ** 2 for x in range(10) if x % 2 if not x] + [*args]


class C(Base, metaclass=Meta):
    attribute: dict[str, int] = {"a": 1, **other}

    def method(self):
        del self.x, self[1:2:3]
        (y := 5); z = lambda q, *r: (q, r)
        try:
            pass
        except* (ValueError, TypeError) as error:
            raise RuntimeError("no") from error
        else:
            ...
        finally:
            print(f"{self.x!r:>{width}} {y=}", sep="", file=sys.stderr)


match command:
    case [first, *rest] if first > 0:
        a, *b = rest
    case {"k": value, **others}:
        s = {1, 2} | {v for v in others}
    case Point(x=0, y=yy) | None:
        t = not -a < b <= c is not d in e not in f
    case _:
        while True:
            break
        else:
            continue
x = a[i, ::2][...] @ b if c else d
assert x, "message"
'''


def _reference_children(node: cst.CSTNode) -> list[cst.CSTNode]:
    """The children by reading every child field one by one (the plain way)."""
    found: list[cst.CSTNode] = []
    for name in child_fields(type(node)):
        value = getattr(node, name)
        if isinstance(value, cst.CSTNode):
            found.append(value)
        elif isinstance(value, (list, tuple)):
            found.extend(child for child in value if isinstance(child, cst.CSTNode))
    return found


def test_each_node_types_children_are_its_fields_children_in_order() -> None:
    module = cst.parse_module(CODE)
    seen: set[type] = set()
    for node in descendants(module):
        seen.add(type(node))
        assert [id(child) for child in child_nodes(node)] == [id(child) for child in _reference_children(node)], type(node)
    assert {cst.Match, cst.MatchAs, cst.Lambda, cst.FormattedString, cst.NamedExpr, cst.ExceptStarHandler, cst.ImportStar} <= seen
    # A walk reaches every node once, parents before children, in source order.
    names = [node.value for node in descendants(module) if isinstance(node, cst.Name)]
    assert names[:4] == ["__future__", "annotations", "os", "path"]
    assert len({id(node) for node in descendants(module)}) == len(list(descendants(module)))


def test_leaf_types_are_the_nodes_without_children() -> None:
    leaves = leaf_types()
    assert {cst.Dot, cst.LeftParen, cst.Add, cst.AssignEqual, cst.Pass, cst.ImportStar} <= leaves
    assert not {cst.Name, cst.Call, cst.Module, cst.Integer} & leaves
    tokens = [node for node in descendants(cst.parse_module(CODE)) if type(node) in leaves]
    assert len(tokens) > 50
    assert all(child_nodes(node) == [] == _reference_children(node) for node in tokens)


class _TokenRule(Rule):
    """Counts the `.` and `+` tokens it is shown (tokens no rule handles are skipped)."""

    code = "PC998"
    name = "token-rule"
    summary = "counts tokens"
    MESSAGE = "a dot"

    def visit_Dot(self, node: cst.Dot) -> None:
        self.report(node)

    def leave_Add(self, node: cst.Add) -> None:
        self.report(node, message="a plus")


def test_a_rule_handling_a_token_still_sees_every_one() -> None:
    found = check_snippet("import os.path\nx = os.path.join(a.b, 'c') + 1 + (2)\n", [_TokenRule])
    assert [(d.message, d.start.row, d.start.column) for d in found] == [
        ("a dot", 1, 10),
        ("a dot", 2, 7),
        ("a dot", 2, 12),
        ("a dot", 2, 19),
        ("a plus", 2, 28),
        ("a plus", 2, 32),
    ]


def _live_modules() -> list[cst.Module]:
    return [found for found in gc.get_objects() if isinstance(found, cst.Module)]


@contextmanager
def _collector_off() -> Iterator[None]:
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_twice(text: str, tmp_path: Path) -> tuple[list[Diagnostic], list[Diagnostic]]:
    """The text checked as one file, then (a line longer) as another: rules may keep
    the last module's facts (a single entry) until the next file."""
    rules = [rule for rule in FILE_RULES if rule.default_enabled]
    settings = Settings(root=tmp_path)
    first = check_text(text, tmp_path / "a.py", "a.py", "a.py", settings, rules, False)
    second = check_text(text + "\n", tmp_path / "b.py", "b.py", "b.py", settings, rules, False)
    return first, second


def test_a_checked_files_trees_are_freed_without_a_garbage_collection(tmp_path: Path) -> None:
    # PC5's per-file caches on the context refer back to it; the engine lets them go.
    text = "import numpy as np\n\ndef f(a, b):\n    out = np.zeros(len(a))\n    for i in range(len(a)):\n        out[i] = a[i] * b[i]\n    print(out)\n    return out\n"
    with _collector_off():
        before = {id(module) for module in _live_modules()}
        first, second = _check_twice(text, tmp_path)
        after = [module for module in _live_modules() if id(module) not in before]
    assert {d.code for d in first} >= {"PC301", "PC501"} and len(first) == len(second)
    assert all(module.code == text + "\n" for module in after), "the first file's tree is still alive"


def test_a_check_leaves_no_nodes_in_reference_cycles(tmp_path: Path) -> None:
    # Nodes kept alive by a cycle (PC5's evidence and its views referred to each other)
    # wait for a garbage collection, which then scans them all: 5% of a check's CPU.
    text = (
        "import numpy as np\n\nn = 5\nx = np.ones(n)\n\n"
        "def f(a, b):\n    out = np.zeros(len(a))\n    m = len(b)\n    for i in range(m):\n"
        "        out[i] = a[i] * b[i] + x[0]\n    print(out)\n    return out\n"
    )
    with _collector_off():
        found, _ = _check_twice(text, tmp_path)
        gc.set_debug(gc.DEBUG_SAVEALL)
        try:
            gc.collect()
            in_cycles = [type(garbage).__name__ for garbage in gc.garbage if isinstance(garbage, cst.CSTNode)]
        finally:
            gc.set_debug(0)
            gc.garbage.clear()
    assert {d.code for d in found} >= {"PC501"}
    assert in_cycles == []
