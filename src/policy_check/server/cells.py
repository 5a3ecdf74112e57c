"""A notebook's findings, found in its code cells joined into one module, put back
into the cells: each finding on its cell's own lines, each fix as edits of the
cells it touches."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from policy_check.diagnostics import Diagnostic, Edit, Location
from policy_check.notebooks import NotebookModule

# notebooks.py stands `pass  # policy-check: magic N` in for each magic line.
_MAGIC_MARK = "# policy-check: magic "


@dataclass(frozen=True)
class CellLayout:
    """Where each code cell sits in the joined module."""

    texts: tuple[str, ...]
    # The cells in the joined module (a `%%bash` cell is not Python, so not there):
    # their index in ``texts`` and the 1-based joined row of their first line.
    indexes: tuple[int, ...]
    first_rows: tuple[int, ...]
    # Joined rows that stand in for a magic (``%matplotlib``, ``!pip``): never edited.
    magic_rows: frozenset[int]

    @classmethod
    def of(cls, texts: Sequence[str], module: NotebookModule) -> CellLayout:
        """The layout of ``texts`` joined into ``module`` (``in_memory.notebook_of_cells``)."""
        indexes = tuple(index for index, _ in module.cells)
        first_rows = tuple(row for _, row in module.cells)
        # The placeholder names this module's own token: a user's line that looks like
        # one is not taken for a magic.
        mark = f"{_MAGIC_MARK}{getattr(module, 'token', '')}"
        magic_rows = {row for row, line in enumerate(module.text.split("\n"), start=1) if mark in line}
        return cls(tuple(texts), indexes, first_rows, frozenset(magic_rows))

    def _row_count(self, cell: int) -> int:
        return max(len(self.texts[cell].splitlines()), 1)

    def to_cell(self, location: Location) -> tuple[int, Location]:
        """(index in ``texts``, the place on that cell's rows) of a joined place."""
        position = max(bisect.bisect_right(self.first_rows, location.row) - 1, 0)
        return self.indexes[position], Location(location.row - self.first_rows[position] + 1, location.column)

    def finding_in_cell(self, diagnostic: Diagnostic) -> tuple[int, Diagnostic]:
        """The cell a finding is in, and the finding on that cell's rows."""
        cell, start = self.to_cell(diagnostic.start)
        end_cell, end = self.to_cell(diagnostic.end)
        if end_cell != cell:
            end = Location(self._row_count(cell), len(self.texts[cell].splitlines()[-1]) + 1 if self.texts[cell] else 1)
        # The fix keeps its message and safety; its edits are made per cell (fix_in_cells).
        fix = diagnostic.fix._replace(edits=()) if diagnostic.fix else None
        return cell, diagnostic.replaced(start=start, end=end, fix=fix)

    def fix_in_cells(self, diagnostic: Diagnostic) -> dict[int, list[Edit]] | None:
        """The finding's fix as edits per cell, or None when it cannot be made there
        (it spans cells or rewrites a magic)."""
        if diagnostic.fix is None:
            return None
        by_cell: dict[int, list[Edit]] = {}
        for edit in diagnostic.fix.edits:
            if any(row in self.magic_rows for row in _rows_changed(edit)):
                return None
            cell, start = self.to_cell(edit.start)
            end_cell, end = self.to_cell(edit.end)
            if end_cell != cell:
                return None
            by_cell.setdefault(cell, []).append(self._inside_cell(cell, Edit(edit.content, start, end)))
        return by_cell

    def _inside_cell(self, cell: int, edit: Edit) -> Edit:
        """An edit reaching the row after a cell's last (where the joined module had
        the separator) ends at the cell's end instead."""
        text = self.texts[cell]
        rows = self._row_count(cell)
        if text.endswith(("\n", "\r")) or edit.end.row <= rows:
            return edit
        end_of_cell = Location(rows, len(text.splitlines()[-1]) + 1 if text else 1)
        if edit.start.row <= rows:
            return Edit(edit.content, edit.start, end_of_cell)
        # An insertion after the cell's last line, which has no line break to end it.
        content = "\n" + edit.content.rstrip("\r\n") if edit.content.endswith("\n") else edit.content
        return Edit(content, end_of_cell, end_of_cell)


def _rows_changed(edit: Edit) -> range:
    """The rows whose text an edit changes: an insertion at a row's start changes
    none, and a replacement ending at a row's start leaves that row as it was."""
    if edit.start == edit.end and edit.start.column == 1:
        return range(0)
    last = edit.end.row - 1 if edit.end.column == 1 and edit.end.row > edit.start.row else edit.end.row
    return range(edit.start.row, last + 1)
