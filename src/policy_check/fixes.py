"""Turning a rule's node edits into text edits, and applying text edits to a file.

Fixes are applied as ruff does: in one pass, every fix whose edits do not overlap an
already chosen fix; identical edits (two prints both adding ``import logging``)
count once; the rest wait for the next pass, after the file is checked again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import libcst as cst

from policy_check.analysis.statements import is_docstring, is_import_statement
from policy_check.diagnostics import Diagnostic, Edit, Fix
from policy_check.positions import SourcePositions, line_starts_of
from policy_check.rules.base import AddModuleLines, InsertAfter, InsertBefore, NodeEdit, NodeFix, RemoveLines, Replace

# ---------------------------------------------------------------------------
# Node edits → text edits


def _indentation_at(positions: SourcePositions, offset: int) -> str:
    start = positions.line_start(offset)
    line = positions.text[start:offset]
    return line[: len(line) - len(line.lstrip(" \t"))]


def _render(module: cst.Module, content: str | cst.CSTNode) -> str:
    if isinstance(content, str):
        return content
    code = module.code_for_node(content)
    if isinstance(content, (cst.BaseStatement, cst.BaseSmallStatement)):
        # The replaced extent ends before the newline; so must the replacement.
        code = code.rstrip("\r\n")
    return code


def _reindent(code: str, indentation: str, newline: str) -> str:
    lines = code.splitlines()
    return (newline + indentation).join(lines) if len(lines) > 1 else code


def header_end_offset(module: cst.Module, positions: SourcePositions) -> int:
    """Where module-level additions go: after the docstring, ``__future__`` imports and
    the leading imports (those before the first function, class or other code)."""
    anchor: cst.CSTNode | None = None
    for index, statement in enumerate(module.body):
        if is_import_statement(statement) or (index == 0 and is_docstring(statement)):
            anchor = statement
            continue
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Assign, cst.AnnAssign, cst.Pass)) for small in statement.body
        ):
            # `__all__ = […]`, constants between imports (and the `pass` standing in for a
            # notebook's magic): look past them for later imports.
            continue
        break
    if anchor is None:
        if not module.body:
            return len(positions.text)
        return positions.line_start(positions.span(module.body[0])[0])
    return positions.next_line_start(positions.span(anchor)[1])


def resolve_fix(node_fix: NodeFix, module: cst.Module, positions: SourcePositions) -> Fix:
    edits = [_resolve_edit(edit, module, positions) for edit in node_fix.edits]
    return Fix(node_fix.message, node_fix.applicability, tuple(edits))


def unresolved_fix(node_fix: NodeFix) -> Fix:
    """The fix as a finding that is only shown needs it: what it does and how safe it
    is, without edits (placing and rendering them is most of a fix's cost)."""
    return Fix(node_fix.message, node_fix.applicability, ())


def _resolve_edit(edit: NodeEdit, module: cst.Module, positions: SourcePositions) -> Edit:
    newline = module.default_newline
    if isinstance(edit, Replace):
        start, end = positions.span(edit.node)
        content = _render(module, edit.content)
        if isinstance(edit.node, (cst.BaseStatement, cst.BaseSmallStatement)):
            content = _reindent(content, _indentation_at(positions, start), newline)
        return Edit(content, positions.location(start), positions.location(end))
    if isinstance(edit, RemoveLines):
        start, end = positions.span(edit.node)
        line_start = positions.line_start(start)
        return Edit("", positions.location(line_start), positions.location(positions.next_line_start(end)))
    if isinstance(edit, (InsertBefore, InsertAfter)):
        return _insertion(edit, positions, newline)
    if isinstance(edit, AddModuleLines):
        offset = header_end_offset(module, positions)
        content = "".join(line + newline for line in edit.lines.splitlines())
        if offset == len(positions.text) and positions.text and not positions.text.endswith(("\n", "\r")):
            content = newline + content
        return Edit(content, positions.location(offset), positions.location(offset))
    raise TypeError(f"unknown edit {edit!r}")


def _insertion(edit: InsertBefore | InsertAfter, positions: SourcePositions, newline: str) -> Edit:
    """Whole lines before the line a statement starts on, or after the line it ends on,
    indented like it (blank lines stay empty)."""
    start, end = positions.span(edit.node)
    indentation = _indentation_at(positions, start)
    content = "".join((indentation + line if line else "") + newline for line in edit.lines.splitlines())
    if isinstance(edit, InsertBefore):
        offset = positions.line_start(start)
    else:
        offset = positions.next_line_start(end)
        if offset == len(positions.text) and not positions.text.endswith(("\n", "\r")):
            content = newline + content
    return Edit(content, positions.location(offset), positions.location(offset))


# ---------------------------------------------------------------------------
# Applying text edits


class AppliedFixes(NamedTuple):
    text: str
    applied: list[Diagnostic]


def _edit_offsets(edit: Edit, line_starts: list[int]) -> tuple[int, int]:
    def offset(row: int, column: int) -> int:
        return line_starts[row - 1] + column - 1

    return offset(edit.start.row, edit.start.column), offset(edit.end.row, edit.end.column)


def _overlaps(a: tuple[int, int, str], b: tuple[int, int, str]) -> bool:
    if a == b:
        return False
    (a_start, a_end, _), (b_start, b_end, _) = a, b
    if a_start == a_end or b_start == b_end:
        # An insertion conflicts only with a replacement that strictly contains its point.
        point, (start, end) = (a_start, (b_start, b_end)) if a_start == a_end else (b_start, (a_start, a_end))
        return start < point < end
    return a_start < b_end and b_start < a_end


def apply_fixes(text: str, diagnostics: Sequence[Diagnostic]) -> AppliedFixes:
    """Apply every fix of ``diagnostics`` that does not collide with an earlier one."""
    line_starts = line_starts_of(text)
    chosen: list[tuple[int, int, str]] = []
    applied: list[Diagnostic] = []
    ordered = sorted(
        (d for d in diagnostics if d.fix is not None and d.fix.edits),
        key=lambda d: min((e.start for e in d.fix.edits), default=d.start) if d.fix else d.start,
    )
    for diagnostic in ordered:
        assert diagnostic.fix is not None
        edits = [(*_edit_offsets(edit, line_starts), edit.content) for edit in diagnostic.fix.edits]
        if any(_overlaps(new, old) for new in edits for old in chosen):
            continue
        chosen.extend(edit for edit in edits if edit not in chosen)
        applied.append(diagnostic)
    # Splice from the end so earlier offsets stay valid; of two insertions at one
    # point the later is spliced first, so the earlier ends up before it.
    pieces = sorted(enumerate(chosen), key=lambda item: (item[1][0], item[1][1], item[0]), reverse=True)
    new_text = text
    for _, (start, end, content) in pieces:
        new_text = new_text[:start] + content + new_text[end:]
    return AppliedFixes(new_text, applied)
