"""What a project rule is: a small class whose ``check(facts)`` reads the facts it
needs about the repository (gathered once, see ``facts.py``) and yields findings.

It carries the same documentation attributes as a file rule (code, name, summary,
docstring as the "why", ``MESSAGE``, severity, fix safety, examples), so
``policy-check rule PC101`` renders it like any other rule.  Its examples are small
repositories (``ProjectExample``): the documentation shows them as a file listing,
and ``tests/test_project_examples.py`` builds each one as a real git repository.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from policy_check.diagnostics import Applicability
from policy_check.rules.base import Rule

if TYPE_CHECKING:
    from policy_check.rules.base import FileContext
    from policy_check.rules.project.facts import ProjectFacts
    from policy_check.rules.project.workspace import Workspace


# The examples' shared default for an empty mapping: one nobody can change.
_NOTHING: Mapping[str, Any] = MappingProxyType({})


class ProjectExample(NamedTuple):
    """A repository in miniature: files committed, files left untracked.

    ``git=False`` makes a plain folder; ``commit=False`` stages the files without a
    first commit.  For a failing example, ``fixed`` maps paths to their expected
    content after ``--fix --unsafe-fixes`` (``None``: the path must not exist)."""

    # A NamedTuple, not a frozen dataclass: ~0.4M instructions to define instead of
    # ~4M, in every project check.
    files: Mapping[str, str | bytes]
    untracked: Mapping[str, str | bytes] = _NOTHING
    git: bool = True
    commit: bool = True
    config: Mapping[str, Any] = _NOTHING
    count: int = 1
    fixed: Mapping[str, str | None] | None = None

    def __str__(self) -> str:
        """The listing the documentation shows (inside a code block)."""
        lines: list[str] = []
        for path, content in {**self.files, **self.untracked}.items():
            note = "  (untracked)" if path in self.untracked else ""
            if isinstance(content, bytes):
                lines.append(f"# {path}  ({len(content):,} bytes){note}")
                continue
            lines.append(f"# {path}{note}")
            body = content if len(content) <= 600 else content[:600] + "\n…"
            lines.extend(f"    {line}" for line in body.rstrip("\n").splitlines())
        return "\n".join(lines) + "\n"


class LazyExamples:
    """A rule's ``VALID``/``INVALID`` examples made when first read: an example with a
    file of megabytes costs nothing to the runs that never show it."""

    def __init__(self, make: Callable[[], tuple[ProjectExample, ...]]) -> None:
        self._make = make
        self._made: tuple[ProjectExample, ...] | None = None

    def __get__(self, owner: object, owner_type: type | None = None) -> tuple[ProjectExample, ...]:
        if self._made is None:
            self._made = self._make()
        return self._made


class ProjectFix(NamedTuple):
    """A change to the project: ``apply`` performs it on a workspace (which writes
    through, or only records for ``--diff``)."""

    # A NamedTuple, not a frozen dataclass: ~0.4M instructions to define instead of
    # ~4M (the generated methods are compiled at import), in every project check.
    message: str
    applicability: Applicability
    apply: Callable[[Workspace], None]


class Finding(NamedTuple):
    """A project finding as a rule sees it: the file or folder it concerns."""

    # A NamedTuple, as ProjectFix.
    path: Path
    message: str
    fix: ProjectFix | None = None


class ProjectRule(Rule):
    """Base of the project-level rules (PC1, PC7).  Subclasses define ``check``."""

    project_level: ClassVar[bool] = True
    # Repository-wide rules (PC7, pre-commit) run once; the others once per Python
    # project found in the repository (a monorepo has several).
    per_repository: ClassVar[bool] = False
    VALID: ClassVar[tuple[ProjectExample, ...]] = ()  # type: ignore[assignment]
    INVALID: ClassVar[tuple[ProjectExample, ...]] = ()  # type: ignore[assignment]

    def __init__(self, facts: ProjectFacts) -> None:  # type: ignore[override]
        self.facts = facts

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        # Never run on a single file: the file engine must skip a project rule.
        return False

    def check(self) -> Iterable[Finding]:
        raise NotImplementedError
