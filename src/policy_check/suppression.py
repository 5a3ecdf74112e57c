"""``# noqa`` comments (ruff's syntax) and ``per-file-ignores``: which findings a user
has chosen not to see."""

from __future__ import annotations

import re
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


def is_suppressed_by_noqa(diagnostic: Diagnostic, directives: dict[int, set[str]]) -> bool:
    row = diagnostic.noqa_row
    if row is None:
        return False
    codes = directives.get(row)
    return bool(codes) and (ALL in codes or diagnostic.code in codes)


def ignored_codes_for(relative_path: str, settings: Settings) -> list[str]:
    ignored: list[str] = []
    for pattern, codes in settings.per_file_ignores:
        if matches(relative_path, pattern):
            ignored.extend(codes)
    return ignored


def filter_suppressed(
    diagnostics: Iterable[Diagnostic], source: str | None, relative_path: str, settings: Settings
) -> list[Diagnostic]:
    directives = noqa_directives(source) if source is not None else {}
    ignored = ignored_codes_for(relative_path, settings)
    kept = []
    for diagnostic in diagnostics:
        if ignored and any(diagnostic.code.startswith(prefix) for prefix in ignored):
            continue
        if directives and is_suppressed_by_noqa(diagnostic, directives):
            continue
        kept.append(diagnostic)
    return kept
