"""A check's findings as the server publishes them: for each text document (the
document, or each notebook cell), its findings on its own lines with the protocol's
ranges, and each fix as edits of the documents it touches.  Kept until the next
check, to answer code action requests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
    # A fix is offered, but the check that found it computed no edits (diagnostics
    # are checked without them): ``fill_fix_edits`` brings them when asked for.
    edits_pending: bool = False

    def key(self) -> tuple[str, int, int, int, int, str]:
        """The same finding in two checks of the same text."""
        d = self.diagnostic
        return (d.code, d.start.row, d.start.column, d.end.row, d.end.column, d.message)


@dataclass
class Published:
    """One text document's findings at the version they were found in."""

    part: Part
    snapshot: Snapshot
    lines: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    def lsp_diagnostics(self) -> list[types.Diagnostic]:
        return [finding.published for finding in self.findings]


def _with_data(
    published: Published, diagnostic: Diagnostic, fix_edits: dict[str, list[Edit]] | None, codec: PositionCodec, pending: bool
) -> None:
    index = len(published.findings)
    data = {"index": index, "version": published.part.version}
    lsp = to_lsp_diagnostic(diagnostic, published.lines, codec, data)
    published.findings.append(Finding(diagnostic, lsp, fix_edits, pending))


def publish_plan(
    snapshot: Snapshot, diagnostics: Sequence[Diagnostic], layout: CellLayout | None, codec: PositionCodec, with_edits: bool = True
) -> dict[str, Published]:
    """Document uri → what to publish for it (every part, with or without findings).
    A notebook's findings are put in their cells by ``layout``; without one (the check
    failed as a whole) they go on the first cell.  ``with_edits``: whether the check
    computed our fixes' edits (ruff's always come with theirs)."""
    plan = {part.uri: Published(part, snapshot, lines_of(part.text)) for part in snapshot.parts}
    if not plan:
        return plan
    for diagnostic in diagnostics:
        pending = not with_edits and diagnostic.fix is not None and not diagnostic.fix.edits
        if layout is None:
            first = next(iter(plan.values()))
            edits = list(diagnostic.fix.edits) if diagnostic.fix and not snapshot.is_notebook else []
            _with_data(first, diagnostic, {first.part.uri: edits} if edits else None, codec, pending and not snapshot.is_notebook)
            continue
        cell, on_cell = layout.finding_in_cell(diagnostic)
        by_cell = layout.fix_in_cells(diagnostic)
        fix_edits = {snapshot.parts[index].uri: edits for index, edits in by_cell.items()} if by_cell else None
        _with_data(plan[snapshot.parts[cell].uri], on_cell, fix_edits, codec, pending)
    return plan


def fill_fix_edits(published: Mapping[str, Published], resolved: Mapping[str, Published]) -> None:
    """Give the findings ``published`` still shows for a snapshot the fix edits of
    ``resolved``, the plan of a check of the same snapshot with edits."""
    for uri, found in resolved.items():
        shown = published.get(uri)
        if shown is None or shown.snapshot is not found.snapshot:
            continue  # a newer version is shown: its own check will bring its edits
        by_key: dict[tuple[str, int, int, int, int, str], list[Finding]] = {}
        for finding in found.findings:
            by_key.setdefault(finding.key(), []).append(finding)
        for finding in shown.findings:
            same = by_key.get(finding.key())
            if finding.edits_pending and same:
                match = same.pop(0)
                finding.diagnostic, finding.fix_edits, finding.edits_pending = match.diagnostic, match.fix_edits, False
