"""``--report-unused-noqa``: a ``# noqa: PCxxx`` that silences nothing (ruff's RUF100).

Only policy-check's own codes are judged, and only those of rules that ran on the
file: ``# noqa: E501`` belongs to ruff or flake8, and a code left out of this run's
selection may well be needed by another run.  A bare ``# noqa`` is never reported
(it may be silencing another tool).  The fix removes the unused codes, or the whole
directive when none is left.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Collection, Iterator
from typing import NamedTuple

from policy_check.config import Settings
from policy_check.diagnostics import (
    UNUSED_NOQA,
    Applicability,
    Diagnostic,
    Edit,
    Fix,
    Location,
    Severity,
)
from policy_check.suppression import NOQA, ignored_codes_for

NAME = "unused-noqa"
SUMMARY = "a `# noqa: PCxxx` directive that suppresses no finding"


class NoqaComment(NamedTuple):
    """One ``# noqa: …`` directive inside a real comment token."""

    # A NamedTuple, not a frozen dataclass: ~0.4M instructions to define instead of
    # ~4M, on every run.

    row: int
    # 0-based character offsets in the line: the directive, its codes, the comment's end.
    start: int
    codes_start: int
    codes_end: int
    comment_end: int
    codes: tuple[str, ...]


def noqa_comments(source: str) -> Iterator[NoqaComment]:
    """The ``# noqa: CODES`` directives that sit in comments (never in strings)."""
    if "noqa" not in source.lower():
        return
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return
    for token in tokens:
        if token.type != tokenize.COMMENT or "noqa" not in token.string.lower():
            continue
        row, column = token.start
        for match in NOQA.finditer(token.string):
            if match.group("codes") is None:
                continue
            codes = tuple(code.upper() for code in re.split(r"[,\s]+", match.group("codes")) if code)
            yield NoqaComment(
                row=row,
                start=column + match.start(),
                codes_start=column + match.start("codes"),
                codes_end=column + match.end("codes"),
                comment_end=column + len(token.string),
                codes=codes,
            )


def unused_noqa_diagnostics(
    source: str,
    display_path: str,
    relative_path: str,
    used: Collection[tuple[int, str]],
    checked_codes: Collection[str],
    settings: Settings,
) -> list[Diagnostic]:
    """One finding per directive with codes of rules that ran yet silenced nothing."""
    if any(UNUSED_NOQA.startswith(prefix) for prefix in ignored_codes_for(relative_path, settings)):
        return []
    lines = source.splitlines()
    diagnostics = []
    for comment in noqa_comments(source):
        if UNUSED_NOQA in comment.codes:
            continue
        unused = [c for c in comment.codes if c in checked_codes and (comment.row, c) not in used]
        if not unused:
            continue
        line = lines[comment.row - 1]
        listed = ", ".join(f"`{code}`" for code in unused)
        diagnostics.append(
            Diagnostic(
                code=UNUSED_NOQA,
                message=f"Unused `noqa` directive (unused: {listed})",
                path=display_path,
                start=Location(comment.row, comment.start + 1),
                end=Location(comment.row, comment.codes_end + 1),
                severity=Severity.WARNING,
                name=NAME,
                fix=_removal(comment, line, unused),
                snippet=" ".join(line[comment.start : comment.codes_end].split()),
            )
        )
    return diagnostics


def _removal(comment: NoqaComment, line: str, unused: list[str]) -> Fix:
    kept = [code for code in comment.codes if code not in unused]
    row = comment.row
    if kept:
        return Fix(
            f"Remove unused code{'s' if len(unused) > 1 else ''} {', '.join(unused)}",
            Applicability.SAFE,
            (Edit(", ".join(kept), Location(row, comment.codes_start + 1), Location(row, comment.codes_end + 1)),),
        )
    # The whole directive goes, with the spaces before it and any reason after it.
    start = comment.start
    while start > 0 and line[start - 1] in " \t":
        start -= 1
    return Fix(
        "Remove unused `noqa` directive",
        Applicability.SAFE,
        (Edit("", Location(row, start + 1), Location(row, comment.comment_end + 1)),),
    )
