"""What a file rule is: a class with its reason, message, examples, visitor methods and fix.

A rule reads top to bottom as docstring (why), ``MESSAGE``, ``VALID``/``INVALID``
examples, ``visit_*``/``leave_*`` methods and the fix.  The engine runs every
selected rule in one traversal of the libcst tree; a rule never sees output formats
and never computes positions: it reports nodes, and the engine turns the nodes of
the few findings into rows and columns.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from policy_check.diagnostics import Applicability, Location, Severity
from policy_check.rules.catalogue import rule_page_url

if TYPE_CHECKING:
    # Annotations only: the project rules subclass Rule without needing libcst.
    import libcst as cst

    from policy_check.analysis.names import ImportNames
    from policy_check.config import Settings


class FixSafety(str, enum.Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    SUGGESTION = "suggestion"


# ---------------------------------------------------------------------------
# Examples: the documentation and the tests at once.
#
# The data classes of this module are NamedTuples or plain classes with slots, not
# dataclasses: every check imports this module, and a frozen dataclass costs about
# 4M instructions to define (the one-file pre-commit run pays it for each).


class Valid(NamedTuple):
    """Code that must not report.  ``path`` places it (``tests/``, ``__main__.py``…)."""

    code: str
    path: str = "example.py"
    config: Mapping[str, Any] = MappingProxyType({})


class Invalid(NamedTuple):
    """Code that must report.  ``expected`` is the source after ``--fix --unsafe-fixes``
    (``None``: the rule offers no edit for this example)."""

    code: str
    expected: str | None = None
    path: str = "example.py"
    config: Mapping[str, Any] = MappingProxyType({})
    # How many findings of this rule the example holds.
    count: int = 1


Example = str | Valid | Invalid


# ---------------------------------------------------------------------------
# Edits expressed on nodes; the engine turns them into text edits.


class Replace(NamedTuple):
    """Replace a node's text (its own extent, not its leading lines or trailing
    comment) with new code or a new node."""

    node: cst.CSTNode
    content: str | cst.CSTNode


class RemoveLines(NamedTuple):
    """Remove the whole lines a statement occupies (with its trailing comment)."""

    node: cst.CSTNode


class InsertBefore(NamedTuple):
    """Insert whole lines before the line a statement starts on, indented like it."""

    node: cst.CSTNode
    lines: str


class InsertAfter(NamedTuple):
    """Insert whole lines after the line a statement ends on, indented like it."""

    node: cst.CSTNode
    lines: str


class AddModuleLines(NamedTuple):
    """Add lines at module level after the docstring, ``__future__`` imports and the
    leading imports (e.g. ``import logging`` and a module logger).  Identical
    additions from several fixes are applied once."""

    lines: str


NodeEdit = Replace | RemoveLines | InsertBefore | InsertAfter | AddModuleLines


class NodeFix(NamedTuple):
    message: str
    applicability: Applicability
    edits: tuple[NodeEdit, ...]


class Report:
    """A finding as a rule sees it, before the engine gives it a position."""

    __slots__ = ("rule", "node", "message", "fix", "severity", "span", "snippet", "ancestors")

    def __init__(
        self,
        rule: type[Rule],
        node: cst.CSTNode | None,
        message: str,
        fix: NodeFix | None,
        severity: Severity,
        # A rule that already knows where the finding is (from CPython's ast) gives the
        # place and the flagged source itself; then no node positions are computed.
        span: tuple[Location, Location] | None = None,
        snippet: str = "",
        # The traversal's ancestors of the node when it was reported: the engine's way
        # to the node when it places it (see positions.py).
        ancestors: tuple[cst.CSTNode, ...] = (),
    ) -> None:
        self.rule = rule
        self.node = node
        self.message = message
        self.fix = fix
        self.severity = severity
        self.span = span
        self.snippet = snippet
        self.ancestors = ancestors

    def __repr__(self) -> str:
        return f"Report({self.rule.code}, {self.message!r})"


# ---------------------------------------------------------------------------
# The file a rule looks at.


class FileContext:
    # No slots: rules keep per-file caches on it (PC5), and the engine clears them.

    def __init__(
        self,
        path: Path,
        # The path relative to the project root, with forward slashes: what globs match.
        relative_path: str,
        source: str,
        module: cst.Module,
        settings: Settings,
        is_test_code: bool,
        names: ImportNames,
        # CPython's tree of the same text (the engine parses with it first anyway).
        python_ast: ast.Module | None = None,
    ) -> None:
        self.path = path
        self.relative_path = relative_path
        self.source = source
        self.module = module
        self.settings = settings
        self.is_test_code = is_test_code
        self.names = names
        self.python_ast = python_ast
        # The ancestors of the node being visited, itself last.
        self.stack: list[cst.CSTNode] = []
        self.reports: list[Report] = []

    @property
    def filename(self) -> str:
        return self.path.name


class Rule:
    """Base of every file rule.  Subclasses set the class attributes and define
    ``visit_<Node>`` / ``leave_<Node>`` methods, as on a libcst visitor."""

    code: ClassVar[str]
    name: ClassVar[str]
    summary: ClassVar[str]
    MESSAGE: ClassVar[str]
    severity: ClassVar[Severity] = Severity.WARNING
    fix_safety: ClassVar[FixSafety] = FixSafety.SUGGESTION
    # One sentence on what the fix does or why there is none; ends the docs page.
    fix_note: ClassVar[str] = ""
    # Off unless selected (informational rules).
    default_enabled: ClassVar[bool] = True
    # Test code (tests/, test_*.py, conftest.py) is exempt from this rule.
    exempt_in_tests: ClassVar[bool] = False
    # A file whose text holds none of these words cannot trigger the rule: it is
    # skipped without being visited.  Empty means always run.
    trigger_words: ClassVar[tuple[str, ...]] = ()
    # Advice for many findings at once, said once in a long report's summary
    # (``{count}``: the findings, ``{glob}``: the folder holding most of them).
    bulk_advice: ClassVar[str] = ""
    references: ClassVar[Sequence[str]] = ()
    VALID: ClassVar[Sequence[Example]] = ()
    INVALID: ClassVar[Sequence[Example]] = ()

    def __init__(self, context: FileContext) -> None:
        self.context = context

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        """Whether the rule runs on this file at all (cheap checks only)."""
        if cls.exempt_in_tests and context.is_test_code:
            return False
        return not cls.trigger_words or any(word in context.source for word in cls.trigger_words)

    def finish(self) -> None:
        """Called once after the traversal, for rules that decide at the end."""

    def report(
        self,
        node: cst.CSTNode,
        message: str | None = None,
        fix: NodeFix | None = None,
        severity: Severity | None = None,
        ancestors: Sequence[cst.CSTNode] | None = None,
    ) -> None:
        """Report ``node``.  A rule that reports after the traversal (from ``finish``)
        passes the ancestors the node had when it saw it (``tuple(context.stack)``):
        without them the engine searches the whole tree for the node."""
        self.context.reports.append(
            Report(
                type(self),
                node,
                message or self.MESSAGE,
                fix,
                severity or self.severity,
                ancestors=tuple(self.context.stack if ancestors is None else ancestors),
            )
        )

    def report_at(self, start: Location, end: Location, snippet: str, message: str | None = None) -> None:
        """Report at a known place (no edit possible): cheaper than a node when the
        rule works from CPython's ast, since the file's node positions are then
        never computed."""
        self.context.reports.append(
            Report(type(self), None, message or self.MESSAGE, None, self.severity, (start, end), snippet)
        )

    @classmethod
    def url(cls) -> str | None:
        return rule_page_url(cls.code)

