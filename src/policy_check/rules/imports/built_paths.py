"""Paths built from pieces: ``'/home/' + user + '/data'``, ``Path('/home') / 'me'``,
``os.path.join('C:\\\\', 'Users', 'me')``.  PC202 judges the literal start of the whole."""

from __future__ import annotations

import ntpath
import posixpath

import libcst as cst

from policy_check.analysis.literals import string_value
from policy_check.analysis.names import ImportNames

PATH_BUILDERS = frozenset(
    {
        "os.path.join", "posixpath.join", "ntpath.join", "pathlib.Path", "pathlib.PurePath",
        "pathlib.PosixPath", "pathlib.WindowsPath", "pathlib.PurePosixPath", "pathlib.PureWindowsPath",
    }
)
_BUILDER_NAMES = frozenset(builder.rpartition(".")[2] for builder in PATH_BUILDERS)
# The operators that build a path from pieces (`+` for text, `/` for pathlib).
JOIN_OPERATORS = frozenset({cst.Add, cst.Divide})


def is_path_builder(func: cst.BaseExpression, names: ImportNames) -> bool:
    """Whether a call of ``func`` builds a path (``os.path.join``, ``Path`` through any alias)."""
    return names.qualify_ending(func, _BUILDER_NAMES) in PATH_BUILDERS


class BuiltPath:
    def __init__(self) -> None:
        # The operands in order, and every node that makes the expression up.
        self.pieces: list[cst.BaseExpression] = []
        self.parts: list[cst.CSTNode] = []
        self.joined = False  # by a path join (`/`, `os.path.join`) rather than `+`

    @classmethod
    def of(cls, node: cst.BaseExpression, names: ImportNames) -> BuiltPath | None:
        built = cls()
        if not built._collect(node, names, top=True):
            return None
        return built

    def _collect(self, node: cst.BaseExpression, names: ImportNames, top: bool = False) -> bool:
        # Exact types: libcst's node classes have no subclasses, and a failing isinstance with them is slow.
        if type(node) is cst.BinaryOperation and type(node.operator) in JOIN_OPERATORS:  # type: ignore[attr-defined]
            joined = type(node.operator) is cst.Divide  # type: ignore[attr-defined]
            if not top and joined != self.joined:
                self.pieces.append(node)
                return True
            self.joined = joined
            self.parts.append(node)
            return self._collect(node.left, names) and self._collect(node.right, names)
        if type(node) is cst.Call and is_path_builder(node.func, names):  # type: ignore[attr-defined]
            if any(arg.keyword is not None or arg.star for arg in node.args):
                return False
            if not top and not self.joined:
                self.pieces.append(node)
                return True
            self.joined = True
            self.parts.append(node)
            return all(self._collect(arg.value, names) for arg in node.args)
        self.pieces.append(node)
        self.parts.append(node)
        return True

    @property
    def _literal_start(self) -> list[str]:
        texts = []
        for piece in self.pieces:
            text = string_value(piece)
            if text is None:
                break
            texts.append(text)
        return texts

    @property
    def value(self) -> str | None:
        """The text of the literal pieces the path starts with (None: it starts with a variable)."""
        texts = self._literal_start
        if not texts:
            return None
        if not self.joined:
            return "".join(texts)
        windows = len(texts[0]) >= 2 and texts[0][1] == ":" or "\\" in texts[0]
        return (ntpath if windows else posixpath).join(*texts)

    @property
    def open_ended(self) -> bool:
        return len(self._literal_start) < len(self.pieces)

    @property
    def probe(self) -> str | None:
        """The text to judge: an open end stands for one more path component, so that
        ``'/home/' + user`` and ``os.path.join('/data', name)`` are judged as the paths they make."""
        value = self.value
        if value is None or not self.open_ended:
            return value
        if self.joined:
            return (ntpath if "\\" in value or value[1:2] == ":" else posixpath).join(value, "x")
        return value + "x" if value.endswith(("/", "\\")) else value
