"""An ``if`` whose test the loop never changes (PC501, PC505).

``for i in range(n): if mode == "lin": out[i] = … else: out[i] = …`` takes the
same branch for every element: each branch is a whole-array expression, and the
``if`` chooses between them once.  The plan writes
``out[:] = <then> if <test> else <else>``, the test kept as written (strings,
``is None``, ``not flag``) — it is evaluated once, not once per element, so it
may call nothing but ``len``, ``isinstance`` and NumPy.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst

from policy_check.rules.vectorise.loops import code, parenthesise, statements_of
from policy_check.rules.vectorise.scope_walk import walk_local
from policy_check.rules.vectorise.vectoriser import Vectoriser

_TEST_CALLS = frozenset({"len", "isinstance"})


def invariant_test(statement: cst.If, vec: Vectoriser) -> bool:
    """Whether the ``if`` (and every ``elif``) tests only what the loop never changes:
    no loop index or element, no name the body assigns, no array it writes, and no
    call that could act or answer differently when made once."""
    changing = vec.loop_names() | vec.assigned_in_loop | set(vec.temporaries) | _subscript_written(statement)
    current: cst.If | cst.Else | None = statement
    while type(current) is cst.If:
        for node in walk_local(current.test):
            if type(node) is cst.Name and node.value in changing:
                return False
            if type(node) is cst.Call and not _plain_call(node, vec):
                return False
        current = current.orelse
    return True


def _plain_call(call: cst.Call, vec: Vectoriser) -> bool:
    func = call.func
    if type(func) is cst.Name and func.value in _TEST_CALLS:
        return not vec.context.names.is_imported(func.value)
    qualified = vec.context.names.qualify(func) or ""
    return qualified.startswith("numpy.") and not qualified.startswith("numpy.random")


def _subscript_written(statement: cst.CSTNode) -> set[str]:
    """The arrays the ``if`` writes element by element (``out[i] = …``)."""
    written = set()
    for node in walk_local(statement, expressions=False):
        targets = [t.target for t in node.targets] if type(node) is cst.Assign else [node.target] if type(node) is cst.AugAssign else []
        for target in targets:
            while type(target) is cst.Subscript:
                target = target.value
            if type(target) is cst.Name:
                written.add(target.value)
    return written


def plan_invariant_if(statement: cst.If, vec: Vectoriser, plan_branch: Callable[[list], list | None]) -> list | None:
    """The writes of an invariant ``if``/``elif``/``else``: every branch writes the same
    targets once each, unmasked; each write's value chooses its branch by the test
    (``then if test else otherwise``).  ``None`` for any other shape (without ``else`` the elements
    keep their values: ``… if test else out[:]``)."""
    branches: list[tuple[cst.BaseExpression | None, list]] = []
    current: cst.If | cst.Else | None = statement
    while type(current) is cst.If:
        branches.append((current.test, statements_of(current.body)))
        current = current.orelse
    if current is not None:
        branches.append((None, statements_of(current.body)))
    planned = _planned_branches(branches, vec, plan_branch)
    if planned is None:
        return None
    targets = [w.target for w in planned[0][1]]
    if len(set(targets)) != len(targets) or any([w.target for w in writes] != targets for _, writes in planned):
        return None
    if current is None:
        # No `else`: the elements keep their values (`out[:] = … if test else out[:]`).
        kept = [first.__class__(first.array, first.target, cst.parse_expression(first.target), first.node) for first in planned[0][1]]
        planned.append((None, kept))
    return [_chosen(planned, position) for position in range(len(targets))]


def _planned_branches(branches: list, vec: Vectoriser, plan_branch: Callable[[list], list | None]) -> list | None:
    """Each branch's unmasked writes, planned with the temporaries bound before the ``if``."""
    saved = dict(vec.temporaries)
    planned = []
    for test, body in branches:
        vec.temporaries = dict(saved)
        writes = _folded(plan_branch(body), vec) if body else None
        if writes is None or any(w.mask is not None for w in writes):
            planned = None
            break
        planned.append((test, writes))
    vec.temporaries = saved
    return planned


def _folded(writes: list | None, vec: Vectoriser) -> list | None:
    """Consecutive writes to one target as one (`y[i] = a[i]; y[i] += b[i]` →
    `y[:] = (a) + b`): the later value's read of the target is the earlier value.
    Not an edit: the loop rounded to the target's dtype between the two writes.
    ``None`` when a write still reads its target some other way."""
    if writes is None:
        return None
    folded: list = []
    for write in writes:
        if folded and folded[-1].target == write.target:
            earlier = folded.pop()
            vec.exact = False
            write = write.__class__(write.array, write.target, _substituted(write.value, write.target, earlier.value), write.node)
        folded.append(write)
    for write in folded:
        if any(type(node) is cst.Name and node.value == write.array for node in walk_local(write.value)):
            return None  # reads the array it writes (its old values, or another element)
    return folded


class _Substitute(cst.CSTTransformer):
    def __init__(self, target: str, value: cst.BaseExpression) -> None:
        super().__init__()
        self.target, self.value = target, parenthesise(value)

    def leave_Subscript(self, original: cst.Subscript, updated: cst.BaseExpression) -> cst.BaseExpression:
        return self.value if code(original) == self.target else updated


def _substituted(value: cst.BaseExpression, target: str, earlier: cst.BaseExpression) -> cst.BaseExpression:
    return value.visit(_Substitute(target, earlier))  # type: ignore[return-value]


def _chosen(planned: list, position: int) -> object:
    """The write at ``position`` with its value chosen down the chain of tests."""
    value = planned[-1][1][position].value
    for test, writes in reversed(planned[:-1]):
        value = cst.IfExp(test=test, body=_bracketed_conditional(writes[position].value), orelse=value)
    first = planned[0][1][position]
    return first.__class__(first.array, first.target, value, first.node)


def _bracketed_conditional(value: cst.BaseExpression) -> cst.BaseExpression:
    """A conditional between ``x`` and ``if`` needs brackets; nothing else does."""
    return parenthesise(value) if type(value) is cst.IfExp else value
