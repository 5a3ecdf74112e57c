"""Where a path expression built from literals and ``__file__`` points, without running the file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import libcst as cst

from policy_check.analysis.literals import string_value
from policy_check.analysis.names import module_level_statements
from policy_check.rules.base import FileContext

_DIRNAME_CALLS = frozenset({"os.path.dirname"})
_SAME_PATH_CALLS = frozenset(
    {"os.path.abspath", "os.path.realpath", "os.path.normpath", "os.fspath", "str", "pathlib.Path", "pathlib.PurePath"}
)
_SAME_PATH_METHODS = frozenset({"resolve", "absolute", "expanduser"})


class StaticPaths:
    """Evaluates path expressions of one file without running it: literals, ``__file__``,
    ``os.path`` functions, ``pathlib`` operations and module-level names bound once."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self._bindings: dict[str, cst.BaseExpression | None] | None = None

    @property
    def file(self) -> str:
        return os.path.abspath(self.context.path)

    def bindings(self) -> dict[str, cst.BaseExpression | None]:
        if self._bindings is None:
            self._bindings = {}
            for statement in module_level_statements(self.context.module.body):
                if not isinstance(statement, cst.SimpleStatementLine):
                    continue
                for small in statement.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1:
                        target = small.targets[0].target
                        if isinstance(target, cst.Name):
                            # A name bound twice has no single value.
                            seen = target.value in self._bindings
                            self._bindings[target.value] = None if seen else small.value
        return self._bindings

    def evaluate(self, node: cst.BaseExpression, depth: int = 0) -> str | None:
        if depth > 12:
            return None
        value = string_value(node)
        if value is not None:
            return value
        if isinstance(node, cst.Name):
            if node.value == "__file__":
                return self.file
            bound = self.bindings().get(node.value)
            return self.evaluate(bound, depth + 1) if bound is not None else None
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        if isinstance(node, cst.Attribute) and node.attr.value == "parent":
            inner = self.evaluate(node.value, depth + 1)
            return os.path.dirname(self._absolute(inner)) if inner is not None else None
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and node.value.attr.value == "parents":
            return self._parents(node, node.value, depth)
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Divide, cst.Add)):
            return self._joined(node, depth)
        return None

    def _parents(self, node: cst.Subscript, parents: cst.Attribute, depth: int) -> str | None:
        """``path.parents[n]``."""
        inner = self.evaluate(parents.value, depth + 1)
        index = node.slice[0].slice if len(node.slice) == 1 else None
        if inner is None or not isinstance(index, cst.Index) or not isinstance(index.value, cst.Integer):
            return None
        result = self._absolute(inner)
        for _ in range(int(index.value.value) + 1):
            result = os.path.dirname(result)
        return result

    def _joined(self, node: cst.BinaryOperation, depth: int) -> str | None:
        """``a / b`` (pathlib) or ``a + b`` (strings)."""
        left, right = self.evaluate(node.left, depth + 1), self.evaluate(node.right, depth + 1)
        if left is None or right is None:
            return None
        return os.path.join(left, right) if isinstance(node.operator, cst.Divide) else left + right

    def _call(self, call: cst.Call, depth: int) -> str | None:
        arguments = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
        if len(arguments) != len(call.args):
            return None
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _SAME_PATH_METHODS | {"joinpath"}:
            return self._method(func, arguments, depth)
        qualified = self.context.names.qualify(func)
        parts = [self.evaluate(arg, depth + 1) for arg in arguments]
        if None in parts or not parts or qualified is None:
            return None
        return _path_function(qualified, [part for part in parts if part is not None], self._absolute)

    def _method(self, func: cst.Attribute, arguments: list[cst.BaseExpression], depth: int) -> str | None:
        """``path.resolve()``, ``.absolute()``, ``.expanduser()``, ``.joinpath(...)``."""
        inner = self.evaluate(func.value, depth + 1)
        if inner is None or (func.attr.value != "joinpath" and arguments):
            return None
        parts = [self.evaluate(arg, depth + 1) for arg in arguments]
        return None if None in parts else os.path.join(inner, *parts)  # type: ignore[arg-type]

    def _absolute(self, path: str) -> str:
        # A relative path is taken from the script's folder: that is where people run it.
        return os.path.normpath(os.path.join(os.path.dirname(self.file), path))

    def folder(self, node: cst.BaseExpression) -> Path | None:
        value = self.evaluate(node)
        if value is None or not value:
            return None
        folder = Path(self._absolute(os.path.expanduser(value)))
        return folder if folder.is_dir() else None


def _path_function(qualified: str, parts: list[str], absolute: Callable[[str], str]) -> str | None:
    """What ``os.path.dirname``, ``os.path.join``, ``pathlib.Path`` and the functions
    that return their argument unchanged give for literal arguments."""
    if qualified in _DIRNAME_CALLS and len(parts) == 1:
        return os.path.dirname(absolute(parts[0]))
    if qualified == "os.path.join" or (qualified in _SAME_PATH_CALLS and qualified.startswith("pathlib")):
        return os.path.join(*parts)
    if qualified in _SAME_PATH_CALLS and len(parts) == 1:
        return parts[0]
    return None
