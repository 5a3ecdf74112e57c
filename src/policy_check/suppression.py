"""``# noqa`` comments (ruff's syntax) and ``per-file-ignores``: which findings a user
has chosen not to see."""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable

from policy_check.config import Settings
from policy_check.diagnostics import Diagnostic
from policy_check.globs import matches

# `# noqa`, `# noqa: PC301`, `# noqa: PC301, E501` — case-insensitive, as ruff.
NOQA = re.compile(
    r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?",
    re.IGNORECASE,
)

ALL = "*"


def noqa_directives(source: str) -> dict[int, set[str]]:
    """Row → the codes suppressed on it (``{"*"}`` for a bare ``# noqa``)."""
    directives: dict[int, set[str]] = {}
    if "noqa" not in source.lower():
        return directives
    for row, line in enumerate(source.splitlines(), start=1):
        if "#" not in line:
            continue
        for match in NOQA.finditer(line):
            codes = match.group("codes")
            if codes:
                directives.setdefault(row, set()).update(code.upper() for code in re.split(r"[,\s]+", codes) if code)
            else:
                directives.setdefault(row, set()).add(ALL)
    return directives


def noqa_row_map(source: str) -> dict[int, int]:
    """Rows whose ``# noqa`` lives on a later row, as ruff places it: every row of a
    multi-line string but its last maps to the string's last row, and a row ending
    in a backslash continuation maps to the end of the continuation.  A comment
    cannot go anywhere else on those rows.  Rows not in the map are their own."""
    following: dict[int, int] = {}
    fstring_starts: list[int] = []
    previous: tokenize.TokenInfo | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            kind = tokenize.tok_name[token.type]
            if kind == "FSTRING_START":  # Python 3.12+: f-strings are several tokens
                fstring_starts.append(token.start[0])
            elif kind == "FSTRING_END" and fstring_starts:
                _span_to(following, fstring_starts.pop(), token.end[0])
            elif token.type == tokenize.STRING:
                _span_to(following, token.start[0], token.end[0])
            if (
                previous is not None
                and not fstring_starts
                and token.start[0] > previous.end[0]
                and previous.type not in (tokenize.NEWLINE, tokenize.NL, tokenize.INDENT, tokenize.DEDENT, tokenize.ENCODING)
            ):
                _span_to(following, previous.end[0], token.start[0])  # a backslash continuation
            previous = token
    except (tokenize.TokenError, SyntaxError):
        pass  # the engine reports unparseable files; rows map to themselves
    resolved: dict[int, int] = {}
    for row in sorted(following, reverse=True):
        target = following[row]
        resolved[row] = resolved.get(target, target)
    return resolved


def _span_to(following: dict[int, int], first: int, last: int) -> None:
    for row in range(first, last):
        following[row] = max(following.get(row, row), last)


def is_suppressed_by_noqa(
    diagnostic: Diagnostic,
    directives: dict[int, set[str]],
    row_map: dict[int, int] | None = None,
    used: set[tuple[int, str]] | None = None,
) -> bool:
    """Whether a ``# noqa`` on the finding's row (mapped by ``row_map``) covers it;
    the (row, code) that did is added to ``used``."""
    row = diagnostic.noqa_row
    if row is None:
        return False
    row = (row_map or {}).get(row, row)
    codes = directives.get(row)
    if not codes:
        return False
    matched = ALL if ALL in codes else diagnostic.code if diagnostic.code in codes else None
    if matched is not None and used is not None:
        used.add((row, matched))
    return matched is not None


def ignored_codes_for(relative_path: str, settings: Settings) -> list[str]:
    ignored: list[str] = []
    for pattern, codes in settings.per_file_ignores:
        if matches(relative_path, pattern):
            ignored.extend(codes)
    return ignored


def filter_suppressed(
    diagnostics: Iterable[Diagnostic],
    source: str | None,
    relative_path: str,
    settings: Settings,
    used: set[tuple[int, str]] | None = None,
) -> list[Diagnostic]:
    """The findings nobody chose not to see.  ``used`` collects the (row, code) of
    every ``# noqa`` directive that suppressed one (for ``--report-unused-noqa``)."""
    diagnostics = list(diagnostics)
    directives = noqa_directives(source) if source is not None and diagnostics else {}
    row_map = noqa_row_map(source) if directives and source is not None else {}
    ignored = ignored_codes_for(relative_path, settings)
    kept = []
    for diagnostic in diagnostics:
        if ignored and any(diagnostic.code.startswith(prefix) for prefix in ignored):
            continue
        if directives and is_suppressed_by_noqa(diagnostic, directives, row_map, used):
            continue
        kept.append(diagnostic)
    return kept
