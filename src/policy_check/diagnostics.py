"""The one contract between rules, the engine, fixes and reporters: a finding and its fix.

Rows are 1-based and columns 1-based (in characters), as in ruff's JSON output, so
reporters never convert.
"""

from __future__ import annotations

import enum
from typing import Any, NamedTuple


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Applicability(str, enum.Enum):
    """How sure we are that a fix keeps the program's meaning (ruff's words)."""

    SAFE = "safe"
    UNSAFE = "unsafe"


# Plain records, not dataclasses: each dataclass costs ~2-3M instructions to define,
# paid by every start-up (pre-commit's one-module check imports this module).
class Location(NamedTuple):
    row: int
    column: int

    def to_dict(self) -> dict[str, int]:
        return {"row": self.row, "column": self.column}

    @classmethod
    def from_dict(cls, data: dict[str, int]) -> Location:
        return cls(data["row"], data["column"])


class Edit(NamedTuple):
    """Replace the text between two locations (end exclusive) with ``content``."""

    content: str
    start: Location
    end: Location

    def to_dict(self) -> dict[str, Any]:
        return {"content": self.content, "location": self.start.to_dict(), "end_location": self.end.to_dict()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Edit:
        return cls(data["content"], Location.from_dict(data["location"]), Location.from_dict(data["end_location"]))


class Fix(NamedTuple):
    message: str
    applicability: Applicability
    edits: tuple[Edit, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "applicability": self.applicability.value,
            "message": self.message,
            "edits": [edit.to_dict() for edit in self.edits],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Fix:
        return cls(
            data["message"],
            Applicability(data["applicability"]),
            tuple(Edit.from_dict(edit) for edit in data["edits"]),
        )


class Diagnostic:
    """One finding: what rule, where, what to do about it.  Mutable (the engine places
    it, notebooks move it into a cell), compared field by field."""

    __slots__ = ("code", "message", "path", "start", "end", "severity", "name", "fix", "snippet", "project_level", "extra", "scope")

    def __init__(
        self,
        code: str,
        message: str,
        path: str,
        start: Location,
        end: Location,
        severity: Severity = Severity.WARNING,
        name: str = "",
        fix: Fix | None = None,
        snippet: str = "",
        project_level: bool = False,
        extra: dict[str, Any] | None = None,
        scope: str = "",
    ) -> None:
        self.code = code
        self.message = message
        self.path = path
        self.start = start
        self.end = end
        self.severity = severity
        self.name = name
        self.fix = fix
        # The flagged source, whitespace-normalised: baselines fingerprint on it, not on rows.
        self.snippet = snippet
        # Project-level findings are about a whole file or folder, not a line.
        self.project_level = project_level
        self.extra: dict[str, Any] = {} if extra is None else extra
        # The enclosing function or class ("Model.fit"; "" at module level): with the
        # snippet, what baselines fingerprint on instead of rows.
        self.scope = scope

    def replaced(self, **changes: Any) -> Diagnostic:
        """A new finding with these fields changed (the others shared, as
        ``dataclasses.replace`` shares them)."""
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return Diagnostic(**values)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined]

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"Diagnostic({fields})"

    @property
    def noqa_row(self) -> int | None:
        return None if self.project_level else self.start.row

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.start.row, self.start.column, self.code)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": self.message,
            "path": self.path,
            "start": self.start.to_dict(),
            "end": self.end.to_dict(),
            "severity": self.severity.value,
            "name": self.name,
            "fix": self.fix.to_dict() if self.fix else None,
            "snippet": self.snippet,
            "project_level": self.project_level,
            "extra": self.extra,
            "scope": self.scope,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnostic:
        return cls(
            code=data["code"],
            message=data["message"],
            path=data["path"],
            start=Location.from_dict(data["start"]),
            end=Location.from_dict(data["end"]),
            severity=Severity(data["severity"]),
            name=data["name"],
            fix=Fix.from_dict(data["fix"]) if data["fix"] else None,
            snippet=data["snippet"],
            project_level=data["project_level"],
            extra=data["extra"],
            # Strict on purpose: a cache entry written before scopes existed is a miss.
            scope=data["scope"],
        )


# Codes that do not belong to a rule class: the engine itself reports them.
INTERNAL_ERROR = "PC000"
IO_ERROR = "E902"
SYNTAX_ERROR = "E999"
# Code the engine could not read though Python can (a notebook cell that is not Python,
# a statement libcst cannot parse): said, so that nothing is skipped silently.
NOT_ANALYSED = "PC002"
UNUSED_NOQA = "PC001"
# `Diagnostic.extra` key: the finding's fix was withheld because libcst read a rewrite
# of the file (``parse_fallback``); the value says what was rewritten.
FIX_WITHHELD = "fix_withheld"
