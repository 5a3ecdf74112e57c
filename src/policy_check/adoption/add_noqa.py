"""``--add-noqa [REASON]``: silence every current finding in place with ``# noqa: CODE``.

The comment goes where ruff (and our suppression) looks for it: the finding's row,
or the last row of a multi-line string or backslash continuation that row belongs
to.  An existing ``# noqa: E501`` is extended (``# noqa: E501, PC301``) so other
tools' codes stay; a line's other comments stay too.  A file whose result would not
parse is left untouched and named.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from policy_check.adoption.unused_noqa import NoqaComment, noqa_comments
from policy_check.diagnostics import (
    INTERNAL_ERROR,
    IO_ERROR,
    SYNTAX_ERROR,
    UNUSED_NOQA,
    Diagnostic,
)
from policy_check.source import (
    UnreadableSource,
    encode_source,
    read_source,
    write_atomically,
)
from policy_check.suppression import ALL, noqa_directives, noqa_row_map

logger = logging.getLogger(__name__)

# Physical lines as Python's tokenizer counts them (str.splitlines also splits on
# form feeds and other characters Python does not treat as line ends).
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")

# A noqa comment cannot silence these: they are about the file, or about noqa itself.
_NOT_SILENCEABLE = {SYNTAX_ERROR, IO_ERROR, INTERNAL_ERROR, UNUSED_NOQA}


@dataclass
class AddNoqaResult:
    directives_added: int = 0
    files_changed: list[str] = field(default_factory=list)
    # Display path → why it was left unchanged.
    files_skipped: dict[str, str] = field(default_factory=dict)


def add_noqa(diagnostics: Iterable[Diagnostic], reason: str = "") -> AddNoqaResult:
    """Add ``# noqa`` directives for ``diagnostics`` to their files."""
    codes_by_file: dict[str, list[Diagnostic]] = {}
    for diagnostic in diagnostics:
        if diagnostic.project_level or diagnostic.code in _NOT_SILENCEABLE or diagnostic.path.endswith(".ipynb"):
            continue
        codes_by_file.setdefault(diagnostic.path, []).append(diagnostic)
    result = AddNoqaResult()
    for display_path, found in sorted(codes_by_file.items()):
        _add_to_file(display_path, found, reason, result)
    return result


def _add_to_file(display_path: str, found: list[Diagnostic], reason: str, result: AddNoqaResult) -> None:
    path = Path(os.path.abspath(display_path))
    try:
        source = read_source(path)
    except UnreadableSource as error:
        result.files_skipped[display_path] = str(error)
        return
    new_text, added = add_noqa_to_text(source.text, found, reason)
    if not added:
        return
    # Imported here: the engine imports this package's scope module at start-up.
    from policy_check.engine import parses

    if not parses(new_text):
        result.files_skipped[display_path] = "the file would no longer parse"
        return
    try:
        write_atomically(path, encode_source(source, new_text))
    except (OSError, UnicodeEncodeError) as error:
        result.files_skipped[display_path] = f"cannot write: {error}"
        return
    result.directives_added += added
    result.files_changed.append(display_path)


def add_noqa_to_text(text: str, diagnostics: Iterable[Diagnostic], reason: str = "") -> tuple[str, int]:
    """The text with the directives added, and how many rows got one."""
    row_map = noqa_row_map(text)
    existing = noqa_directives(text)
    codes_by_row: dict[int, list[str]] = {}
    for diagnostic in diagnostics:
        if diagnostic.noqa_row is None:
            continue
        row = row_map.get(diagnostic.noqa_row, diagnostic.noqa_row)
        present = existing.get(row, set())
        if ALL in present or diagnostic.code in present:
            continue
        codes = codes_by_row.setdefault(row, [])
        if diagnostic.code not in codes:
            codes.append(diagnostic.code)
    if not codes_by_row:
        return text, 0
    directive_by_row: dict[int, NoqaComment] = {}
    for comment in noqa_comments(text):
        directive_by_row.setdefault(comment.row, comment)
    lines = _LINES.findall(text)
    for row, codes in codes_by_row.items():
        if 1 <= row <= len(lines):
            lines[row - 1] = _with_codes(lines[row - 1], sorted(codes), reason, directive_by_row.get(row))
    return "".join(lines), len(codes_by_row)


def _with_codes(line: str, codes: list[str], reason: str, directive: NoqaComment | None) -> str:
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    if directive is not None:
        # Merge into the existing directive, keeping its codes and any reason after them.
        end = directive.codes_end
        return body[:end] + ", " + ", ".join(codes) + body[end:] + ending
    reason = " ".join(reason.split())
    suffix = f" - {reason}" if reason else ""
    return f"{body.rstrip()}  # noqa: {', '.join(codes)}{suffix}{ending}"
