"""A check's findings as the server publishes them: for each text document (the
document, or each notebook cell), its findings on its own lines with the protocol's
ranges, and each fix as edits of the documents it touches.  Kept until the next
check, to answer code action requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from lsprotocol import types
from pygls.workspace import PositionCodec

from policy_check.diagnostics import Diagnostic, Edit
from policy_check.server.cells import CellLayout
from policy_check.server.convert import lines_of, to_lsp_diagnostic
from policy_check.server.documents import Part, Snapshot


@dataclass
class Finding:
    diagnostic: Diagnostic  # on its document's own rows
    published: types.Diagnostic
    # The fix as edits per document uri (None: no fix, or none that can be made here).
    fix_edits: dict[str, list[Edit]] | None


@dataclass
class Published:
    """One text document's findings at the version they were found in."""

    part: Part
    snapshot: Snapshot
    lines: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def lsp_diagnostics(self) -> list[types.Diagnostic]:
        return [finding.published for finding in self.findings]


def _with_data(published: Published, diagnostic: Diagnostic, fix_edits: dict[str, list[Edit]] | None, codec: PositionCodec) -> None:
    index = len(published.findings)
    data = {"index": index, "version": published.part.version}
    lsp = to_lsp_diagnostic(diagnostic, published.lines, codec, data)
    published.findings.append(Finding(diagnostic, lsp, fix_edits))


def publish_plan(
    snapshot: Snapshot, diagnostics: Sequence[Diagnostic], layout: CellLayout | None, codec: PositionCodec
) -> dict[str, Published]:
    """Document uri → what to publish for it (every part, with or without findings).
    A notebook's findings are put in their cells by ``layout``; without one (the check
    failed as a whole) they go on the first cell."""
    plan = {part.uri: Published(part, snapshot, lines_of(part.text)) for part in snapshot.parts}
    if not plan:
        return plan
    if layout is None:
        first = next(iter(plan.values()))
        for diagnostic in diagnostics:
            fix_edits = None if snapshot.is_notebook or not diagnostic.fix else {first.part.uri: list(diagnostic.fix.edits)}
            _with_data(first, diagnostic, fix_edits if fix_edits and fix_edits[first.part.uri] else None, codec)
        return plan
    for diagnostic in diagnostics:
        cell, on_cell = layout.finding_in_cell(diagnostic)
        by_cell = layout.fix_in_cells(diagnostic)
        fix_edits = {snapshot.parts[index].uri: edits for index, edits in by_cell.items()} if by_cell else None
        _with_data(plan[snapshot.parts[cell].uri], on_cell, fix_edits, codec)
    return plan
