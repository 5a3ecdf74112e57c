"""PC5's own tree walk (``scope_walk.walk_local``): the shortcuts taken for speed see
what a full walk sees."""

from __future__ import annotations

import dataclasses

import libcst as cst

from policy_check.rules.vectorise import scope_walk
from policy_check.rules.vectorise.scope_walk import walk_local

# Classes and assignments in every place a statement can be: blocks of if/elif/else,
# for/while/else, try/except/else/finally, with, match cases, functions, classes and
# one-line suites; expressions holding comprehensions, lambdas and walrus targets.
SAMPLE = '''
import numpy as np
x = np.zeros(3); y: int = 2
x += 1
if x.any():
    class A:
        def f(self):
            self.a = [v * 2 for v in range(3)]
            class Inner: pass
elif y:
    z = lambda q: (w := q + 1)
else:
    for i in range(3):
        k = i
    else:
        k = -1
while y < 3:
    y += 1
else:
    done = True
try:
    with open("f") as handle, open("g") as other:
        text = handle.read()
except OSError as error:
    class Failed(Exception): pass
else:
    ok = 1
finally:
    del x
match y:
    case 1:
        class B: ...
    case _:
        pass
def outer(a, b=[c for c in range(2)]):
    class Local:
        value = {n: n for n in range(2)}
    if a: total = sum(t for t in b)
    return Local
'''


def _libcst_types() -> list[type]:
    found, pending = [], [cst.CSTNode]
    while pending:
        node_type = pending.pop()
        pending.extend(node_type.__subclasses__())
        if dataclasses.is_dataclass(node_type):
            found.append(node_type)
    return found


def test_the_node_type_test_agrees_with_issubclass_for_every_libcst_type_and_value() -> None:
    kinds = [*_libcst_types(), str, bool, int, type(None), list, tuple, cst.MaybeSentinel]
    assert len(kinds) > 200
    for kind in kinds:
        assert scope_walk._is_node_type(kind) == issubclass(kind, cst.CSTNode), kind


def test_a_statements_only_walk_meets_the_same_statements_in_the_same_order() -> None:
    module = cst.parse_module(SAMPLE)
    kept = (cst.BaseStatement, cst.BaseSmallStatement, cst.BaseSuite, cst.ExceptHandler)
    for local in (True, False):
        full = [n for n in walk_local(module, local=local) if isinstance(n, kept)]
        statements = [n for n in walk_local(module, local=local, expressions=False) if isinstance(n, kept)]
        assert statements == full
        assert not any(isinstance(n, cst.BaseExpression) for n in walk_local(module, local=local, expressions=False))
    classes = [n.name.value for n in walk_local(module, local=False, expressions=False) if type(n) is cst.ClassDef]
    assert sorted(classes) == ["A", "B", "Failed", "Inner", "Local"]
