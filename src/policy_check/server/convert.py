"""Our findings and edits in the protocol's terms: 0-based lines, columns in the
client's position encoding (UTF-16 code units unless it asked for another)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from typing import Any

from lsprotocol import types
from pygls.workspace import PositionCodec
from pygls.workspace.position_codec import ServerTextPosition

from policy_check.diagnostics import Diagnostic, Edit, Location, Severity

SOURCE = "policy-check"
# Rows as the engine counts them (positions.line_starts_of, which would bring libcst
# into the server's own process: the checks run in the workers).
_NEWLINE = re.compile(r"\r\n|\r|\n")

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def line_starts_of(text: str) -> list[int]:
    return [0] + [match.end() for match in _NEWLINE.finditer(text)]


def lines_of(text: str) -> list[str]:
    """The text's lines as our rows count them (``\\r\\n``, ``\\r`` or ``\\n``), without
    their endings; a text ending in a newline has an empty last line."""
    starts = line_starts_of(text)
    ends = [*starts[1:], len(text)]
    return [text[start:end].rstrip("\r\n") for start, end in zip(starts, ends)]


def to_position(location: Location, lines: Sequence[str], codec: PositionCodec) -> types.Position:
    line, character = location.row - 1, location.column - 1
    if line >= len(lines):
        return types.Position(line=len(lines), character=0)
    return codec.position_to_client_units(lines, ServerTextPosition(line, min(character, len(lines[line]))))


def to_range(start: Location, end: Location, lines: Sequence[str], codec: PositionCodec) -> types.Range:
    return types.Range(start=to_position(start, lines, codec), end=to_position(end, lines, codec))


def _visible_end(diagnostic: Diagnostic, lines: Sequence[str]) -> Location:
    """A finding at one point (a syntax error) still marks a character, or the line."""
    start, end = diagnostic.start, diagnostic.end
    if end != start or start.row > len(lines):
        return end
    line = lines[start.row - 1]
    if start.column <= len(line):
        return Location(start.row, start.column + 1)
    return end


def to_lsp_diagnostic(diagnostic: Diagnostic, lines: Sequence[str], codec: PositionCodec, data: Any = None) -> types.Diagnostic:
    # The rule's page: the worker put ours there from the registry, ruff gives its own.
    url = diagnostic.extra.get("url")
    return types.Diagnostic(
        range=to_range(diagnostic.start, _visible_end(diagnostic, lines), lines, codec),
        message=diagnostic.message,
        severity=_SEVERITY.get(diagnostic.severity, types.DiagnosticSeverity.Warning),
        code=diagnostic.code,
        code_description=types.CodeDescription(href=url) if isinstance(url, str) and url else None,
        source=SOURCE,
        data=data,
    )


def to_text_edit(edit: Edit, lines: Sequence[str], codec: PositionCodec) -> types.TextEdit:
    return types.TextEdit(range=to_range(edit.start, edit.end, lines, codec), new_text=edit.content)


def _location_at(offset: int, line_starts: Sequence[int]) -> Location:
    row = bisect.bisect_right(line_starts, offset)
    return Location(row, offset - line_starts[row - 1] + 1)


def minimal_edit(old: str, new: str, codec: PositionCodec) -> types.TextEdit | None:
    """One edit turning ``old`` into ``new``: the differing middle only, so the
    editor keeps the cursor and folds outside it (None when equal)."""
    if old == new:
        return None
    prefix = 0
    limit = min(len(old), len(new))
    while prefix < limit and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and old[len(old) - 1 - suffix] == new[len(new) - 1 - suffix]:
        suffix += 1
    # Never split a \r\n pair: clients count it as one line break.
    if 0 < prefix < len(old) and old[prefix - 1] == "\r" and old[prefix] == "\n":
        prefix -= 1
    end = len(old) - suffix
    if 0 < end < len(old) and old[end - 1] == "\r" and old[end] == "\n":
        suffix -= 1
    starts = line_starts_of(old)
    edit = Edit(new[prefix : len(new) - suffix], _location_at(prefix, starts), _location_at(len(old) - suffix, starts))
    return to_text_edit(edit, lines_of(old), codec)
