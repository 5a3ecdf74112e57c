"""Whether vectorising a row loop would help: what a row-by-row body (an
``iterrows`` loop, an ``apply(f, axis=1)`` function) does with each row.

A body that only computes with the row's cells — arithmetic, comparisons, NumPy,
``math``, pandas functions, string methods, filling a dict or list, ``.loc`` writes —
is column arithmetic written row by row.  A body that reads files, plots, prints,
submits jobs, calls the network or calls any function we do not know with the row
spends its time there: vectorising the loop would not make it faster.
"""

from __future__ import annotations

import libcst as cst

from policy_check.analysis.patterns import target_names
from policy_check.rules.base import FileContext
from policy_check.rules.vectorise.scope_walk import walk_local

_PURE_BUILTINS = frozenset(
    {
        "abs", "min", "max", "len", "float", "int", "round", "str", "bool", "sum", "any", "all", "isinstance",
        "range", "enumerate", "zip", "sorted", "list", "tuple", "dict", "set", "divmod", "pow",
    }
)
_PURE_MODULES = ("numpy.", "math.", "pandas.isnull", "pandas.isna", "pandas.notnull", "pandas.notna", "pandas.to_datetime", "pandas.Timestamp", "pandas.Timedelta")
_IMPURE_NUMPY = ("numpy.save", "numpy.load", "numpy.savetxt", "numpy.loadtxt", "numpy.genfromtxt")
# Methods that fill a result container (`out.append(x)`, `sums.get(k, 0)`).
_FILLING_METHODS = frozenset({"append", "extend", "get", "setdefault", "add", "update", "insert", "pop"})
# Methods that are I/O or plotting, whatever they are called on.
_IO_METHODS = frozenset(
    {"to_csv", "to_excel", "to_parquet", "to_pickle", "write", "writelines", "read", "savefig", "plot", "scatter", "show", "imshow", "hist", "bar", "text", "annotate"}
)
_COMPREHENSIONS = frozenset({cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp})


class RowBody:
    """The names a row body may call methods on: the row itself, names it binds,
    and result containers built before it."""

    def __init__(self, context: FileContext, row_names: set[str], containers: set[str]) -> None:
        self.context = context
        self.local = set(row_names)
        self.containers = containers

    def helps(self, body: cst.CSTNode) -> bool:
        """Whether every call in ``body`` is one that vectorising would replace."""
        for node in walk_local(body):
            if type(node) in (cst.Assign, cst.AugAssign, cst.AnnAssign):
                self._bind(node)
            if type(node) in (cst.For, cst.CompFor):
                self.local |= target_names(node.target)
        return all(self._call_helps(node) for node in walk_local(body) if type(node) is cst.Call)

    def _bind(self, node: cst.Assign | cst.AugAssign | cst.AnnAssign) -> None:
        targets = [t.target for t in node.targets] if type(node) is cst.Assign else [node.target]
        for target in targets:
            self.local |= target_names(target)

    def _call_helps(self, call: cst.Call) -> bool:
        func = call.func
        if type(func) is cst.Name:
            return func.value in _PURE_BUILTINS and not self.context.names.is_imported(func.value)
        qualified = self.context.names.qualify(func) or ""
        if qualified.startswith(_PURE_MODULES):
            return not qualified.startswith(_IMPURE_NUMPY)
        if type(func) is not cst.Attribute or func.attr.value in _IO_METHODS:
            return False
        root = _root_name(func.value)
        if root in self.containers:
            return func.attr.value in _FILLING_METHODS
        return root in self.local


def _root_name(expr: cst.BaseExpression) -> str | None:
    while type(expr) in (cst.Attribute, cst.Subscript, cst.Call):
        expr = expr.func if type(expr) is cst.Call else expr.value
    return expr.value if type(expr) is cst.Name else None


def lambda_helps(context: FileContext, function: cst.Lambda, containers: set[str]) -> bool:
    rows = {p.name.value for p in function.params.params}
    if any(type(node) in _COMPREHENSIONS for node in walk_local(function.body)):
        return False  # a Python loop over the row's cells, per row
    return RowBody(context, rows, containers).helps(function.body)


def function_helps(context: FileContext, name: str, containers: set[str]) -> bool:
    """``df.apply(f, axis=1)`` with ``f`` defined at the top of this module."""
    for statement in context.module.body:
        if type(statement) is cst.FunctionDef and statement.name.value == name:
            rows = {p.name.value for p in statement.params.params}
            return RowBody(context, rows, containers).helps(statement.body)
    return False


def containers_in(scope: cst.CSTNode) -> set[str]:
    """Names bound in the scope to an empty (or literal) list, dict or set: results being filled."""
    found: set[str] = set()
    for node in walk_local(scope, expressions=False):
        if type(node) is cst.Assign and type(node.value) in (cst.List, cst.Dict, cst.Set, cst.ListComp, cst.DictComp):
            for target in node.targets:
                found |= target_names(target.target)
        elif type(node) is cst.AnnAssign and type(node.value) in (cst.List, cst.Dict, cst.Set):
            found |= target_names(node.target)
    return found
