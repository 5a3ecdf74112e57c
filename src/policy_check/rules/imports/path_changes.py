"""What changes the import path (shared by PC201 and PC202, which must not report
the path of a hack twice)."""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst

from policy_check.analysis.literals import string_value
from policy_check.analysis.names import ImportNames
from policy_check.analysis.patterns import enclosing_function, parameter_names
from policy_check.rules.base import FileContext

SYS_PATH = "sys.path"
# List methods that change sys.path in place.
PATH_MUTATORS = frozenset({"append", "insert", "extend", "remove", "pop", "clear"})
# Where the added path is among the arguments of each call.
_PATH_ARGUMENT = {"append": 0, "insert": 1, "extend": 0, "addsitedir": 0}


def is_sys_path(node: cst.BaseExpression, context: FileContext, aliases: Iterable[str] = ()) -> bool:
    """``sys.path`` through any import alias (``import sys as s``, ``from sys import
    path as p``), or a local name that was bound to it (``search = sys.path``)."""
    # Exact types (libcst's node classes have no subclasses, and a failing isinstance
    # with them is slow): PC201 asks this of every assignment and call.
    kind = type(node)
    if kind is cst.Name:
        if node.value in aliases:  # type: ignore[attr-defined]
            return True
        if context.names.qualify(node) != SYS_PATH:
            return False
        # `from sys import path` at module level, but a parameter of the same name here.
        function = enclosing_function(context.stack)
        return function is None or node.value not in parameter_names(function)  # type: ignore[attr-defined]
    # Qualifying keeps the last name: only `….path` can be sys.path.
    return kind is cst.Attribute and node.attr.value == "path" and context.names.qualify(node) == SYS_PATH  # type: ignore[attr-defined]


def _is_os_environ(node: cst.BaseExpression, names: ImportNames) -> bool:
    return names.qualify(node) == "os.environ"


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or type(node.slice[0].slice) is not cst.Index:
        return None
    return string_value(node.slice[0].slice.value)


def _writes_pythonpath_target(target: cst.BaseExpression, names: ImportNames) -> bool:
    return (
        type(target) is cst.Subscript
        and _is_os_environ(target.value, names)  # type: ignore[attr-defined]
        and _subscript_key(target) == "PYTHONPATH"  # type: ignore[arg-type]
    )


def _changed_target(target: cst.BaseExpression, context: FileContext, aliases: Iterable[str], whole: bool) -> str | None:
    """What an assignment (or ``del``) to ``target`` changes, if it is the import path.

    ``whole`` allows ``sys.path = …`` itself; a bare alias name is never enough there,
    since ``p = …`` only rebinds the local name."""
    if type(target) is cst.Subscript and is_sys_path(target.value, context, aliases):  # type: ignore[attr-defined]
        return "sys.path[...] ="
    if whole and type(target) is cst.Attribute and is_sys_path(target, context):
        return "sys.path ="
    if _writes_pythonpath_target(target, context.names):
        return 'os.environ["PYTHONPATH"] ='
    return None


def path_change(node: cst.CSTNode, context: FileContext, aliases: Iterable[str] = ()) -> str | None:
    """A short name for how ``node`` changes the import path (``sys.path.insert``,
    ``site.addsitedir``, ``os.environ["PYTHONPATH"] =``…), or ``None``."""
    kind = type(node)
    if kind is cst.Call:
        return _call_change(node, context, aliases)  # type: ignore[arg-type]
    if kind is cst.Assign:
        for assign_target in node.targets:  # type: ignore[attr-defined]
            changed = _changed_target(assign_target.target, context, aliases, whole=True)
            if changed:
                return changed
        return None
    if kind is cst.AugAssign:
        target = node.target  # type: ignore[attr-defined]
        if type(target) is cst.Name and target.value in aliases or is_sys_path(target, context):
            return "sys.path +="
        return _changed_target(target, context, aliases, whole=True)
    if kind is cst.Del:
        return _deleted_change(node, context, aliases)  # type: ignore[arg-type]
    return None


def _deleted_change(node: cst.Del, context: FileContext, aliases: Iterable[str]) -> str | None:
    targets = node.target.elements if isinstance(node.target, cst.Tuple) else None
    for target in [element.value for element in targets] if targets else [node.target]:
        if isinstance(target, cst.Subscript) and is_sys_path(target.value, context, aliases):
            return "del sys.path[...]"
    return None


def _call_change(call: cst.Call, context: FileContext, aliases: Iterable[str]) -> str | None:
    func = call.func
    if type(func) is cst.Attribute:
        method = func.attr.value  # type: ignore[attr-defined]
        if method in PATH_MUTATORS:
            return f"sys.path.{method}" if is_sys_path(func.value, context, aliases) else None  # type: ignore[attr-defined]
        if method not in ("addsitedir", "setdefault", "update", "putenv"):
            return None
    elif type(func) is not cst.Name or func.value not in ("addsitedir", "putenv"):  # type: ignore[attr-defined]
        return None
    qualified = context.names.qualify(func)
    if qualified == "site.addsitedir":
        return "site.addsitedir"
    if qualified in ("os.environ.setdefault", "os.putenv"):
        if call.args and string_value(call.args[0].value) == "PYTHONPATH":
            return f'{qualified}("PYTHONPATH", ...)'
        return None
    if qualified == "os.environ.update" and _updates_pythonpath(call):
        return "os.environ.update(PYTHONPATH=...)"
    return None


def _updates_pythonpath(call: cst.Call) -> bool:
    """``os.environ.update(PYTHONPATH=...)`` or ``.update({"PYTHONPATH": ...})``."""
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "PYTHONPATH":
            return True
        if arg.keyword is None and isinstance(arg.value, cst.Dict):
            for element in arg.value.elements:
                if isinstance(element, cst.DictElement) and string_value(element.key) == "PYTHONPATH":
                    return True
    return False


def added_path_expressions(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The expressions a hack adds to the path (for naming the import that works)."""
    if isinstance(node, cst.Call) and isinstance(node.func, (cst.Attribute, cst.Name)):
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else node.func.value
        index = _PATH_ARGUMENT.get(method)
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if index is None or len(positional) <= index:
            return []
        added = positional[index]
        if method == "extend":
            return _elements(added)
        return [added]
    if isinstance(node, cst.AugAssign):
        return _elements(node.value)
    return []


def _elements(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, (cst.List, cst.Tuple)):
        return [element.value for element in node.elements if isinstance(element, cst.Element)]
    return []
