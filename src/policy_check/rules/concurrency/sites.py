"""What the PC4 traversal records: every thread, pool, executor or process
construction (a ``Site``), where it is (a ``Where``: scope, enclosing class, main
guard), and the call arguments that say what a worker runs."""

from __future__ import annotations

from typing import NamedTuple

import libcst as cst

from policy_check.analysis.literals import string_value

THREAD_EXECUTORS = frozenset({"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"})
THREAD_POOLS = frozenset({"multiprocessing.dummy.Pool", "multiprocessing.pool.ThreadPool", "multiprocessing.dummy.ThreadPool"})
PROCESS_EXECUTORS = frozenset(
    {"concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor", "loky.ProcessPoolExecutor"}
)
PROCESS_POOLS = frozenset({"multiprocessing.Pool", "multiprocessing.pool.Pool"})
PROCESS_CLASSES = frozenset({"multiprocessing.Process", "multiprocessing.context.Process"})
# Methods that hand a callable to a pool or executor; the callable is the first argument.
POOL_METHODS = frozenset(
    {"submit", "map", "imap", "imap_unordered", "starmap", "apply", "apply_async", "map_async", "starmap_async"}
)
JOBLIB_THREAD_OPTIONS = {("backend", "threading"): "loky", ("prefer", "threads"): "processes", ("require", "sharedmem"): None}
# The kind of site each constructor makes (by qualified name).
CONSTRUCTIONS: dict[str, str] = {
    "threading.Thread": "thread",
    **dict.fromkeys(THREAD_EXECUTORS, "thread-executor"),
    **dict.fromkeys(THREAD_POOLS, "thread-pool"),
    **dict.fromkeys(PROCESS_EXECUTORS, "process-executor"),
    **dict.fromkeys(PROCESS_CLASSES, "process"),
    **dict.fromkeys(PROCESS_POOLS, "process-pool"),
}
# `ctx.Pool(...)` / `ctx.Process(...)` on a `multiprocessing.get_context(...)` context.
CONTEXT_CONSTRUCTIONS = {"Pool": "process-pool", "Process": "process"}
THREAD_KINDS = frozenset({"thread", "thread-executor", "thread-pool", "joblib-threads"})
PROCESS_KINDS = frozenset({"process", "process-executor", "process-pool"})


def is_name(node: cst.CSTNode, name: str) -> bool:
    # Plain checks, not libcst.matchers: importing the matchers costs more than the rest of libcst.
    return isinstance(node, cst.Name) and node.value == name


class Where(NamedTuple):
    """The place of a node: its binding scope and what encloses it."""

    order: int
    scope: cst.CSTNode  # the innermost function, or the module
    function: cst.FunctionDef | None
    functions: tuple[cst.FunctionDef, ...]  # every enclosing function, innermost last
    owner: cst.ClassDef | None  # the class whose method encloses the node
    in_definition: bool  # inside any def, lambda or class: does not run at import
    guarded: bool  # inside the body of a main guard
    ancestors: frozenset[int]
    top_statement: cst.CSTNode | None  # the module-level statement holding the node


class Site:
    """A thread, pool, executor or process construction."""

    __slots__ = ("kind", "call", "where", "name", "with_node", "uses")

    def __init__(self, kind: str, call: cst.Call, where: Where) -> None:
        self.kind = kind
        self.call = call
        self.where = where
        self.name: str | None = None
        self.with_node: cst.With | None = None
        self.uses: list[tuple[cst.Call, str, Where]] = []


def is_guard_test(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (alone or in an ``and``), or the child-process checks
    ``current_process().name == "MainProcess"`` / ``parent_process() is None``."""
    if isinstance(test, cst.BooleanOperation):
        return isinstance(test.operator, cst.And) and (is_guard_test(test.left) or is_guard_test(test.right))
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left, right = test.left, test.comparisons[0].comparator
    operator = test.comparisons[0].operator
    if isinstance(operator, cst.Equal):
        values = {string_value(left), string_value(right)}
        if is_name(left, "__name__") or is_name(right, "__name__"):
            return "__main__" in values
        return "MainProcess" in values
    if isinstance(operator, cst.Is):
        return (
            is_name(right, "None")
            and isinstance(left, cst.Call)
            and (is_name(left.func, "parent_process") or (isinstance(left.func, cst.Attribute) and left.func.attr.value == "parent_process"))
        )
    return False


def positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [arg.value for arg in call.args if arg.keyword is None and not arg.star]


def keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return next((arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)

