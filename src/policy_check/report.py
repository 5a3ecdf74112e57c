"""What a run found, handed to a reporter: the only thing reporters know about."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from policy_check.diagnostics import Applicability, Diagnostic

if TYPE_CHECKING:
    from policy_check.rules.base import Rule


class RunReport:
    """The findings, the fixes made, and what the run checked."""

    def __init__(
        self,
        diagnostics: list[Diagnostic],
        fixed: list[Diagnostic] | None = None,
        files_checked: int = 0,
        rules: Sequence[type[Rule]] | None = None,
        unsafe_fixes: bool = False,
        root: Path | None = None,
    ) -> None:
        self.diagnostics = diagnostics
        self.fixed: list[Diagnostic] = [] if fixed is None else fixed
        self.files_checked = files_checked
        # The rule classes that ran (SARIF lists them as the tool's rules); a run may
        # hand a sequence that imports them only when a reporter reads it.
        self.rules: Sequence[type[Rule]] = [] if rules is None else rules
        self.unsafe_fixes = unsafe_fixes
        self.root = Path.cwd() if root is None else root

    def fixable(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if self.is_fixable(d)]

    def is_fixable(self, diagnostic: Diagnostic) -> bool:
        """Whether this run's ``--fix`` would apply the finding's fix."""
        return diagnostic.fix is not None and self._allowed(diagnostic.fix.applicability)

    def hidden_unsafe_fixes(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.fix and not self._allowed(d.fix.applicability)]

    def _allowed(self, applicability: Applicability) -> bool:
        return applicability is Applicability.SAFE or self.unsafe_fixes

    def counts_by_code(self) -> Counter[str]:
        return Counter(d.code for d in self.diagnostics)

    def names_by_code(self) -> dict[str, str]:
        return {d.code: d.name for d in self.diagnostics}
