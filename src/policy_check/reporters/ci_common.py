"""What the CI formats (SARIF, GitHub, JUnit, Bitbucket) share: paths relative to the
repository root, fingerprints that survive line shifts, and ordering by severity."""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from policy_check.diagnostics import Diagnostic, Severity

SEVERITY_RANK = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def repository_root(start: Path) -> Path:
    """The enclosing git work tree (CI services address files from there), else ``start``.

    The configured root can be a sub-folder of the repository (a monorepo), so the
    nearest ``pyproject.toml`` is not enough."""
    start = start.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return start


def relative_path(path: str, base: Path) -> str:
    """``path`` (as displayed, relative to the working directory) relative to ``base``,
    with forward slashes; absolute when it lies outside ``base``."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return absolute.as_posix()


def fingerprints(diagnostics: Sequence[Diagnostic], base: Path) -> list[str]:
    """One stable id per finding: code, file and flagged source, not the row, so an
    edit above a finding keeps its id.  Identical constructs in one file are told
    apart by their order of appearance."""
    seen: Counter[tuple[str, str, str]] = Counter()
    result = []
    for diagnostic in diagnostics:
        key = (diagnostic.code, relative_path(diagnostic.path, base), diagnostic.snippet or diagnostic.message)
        occurrence = seen[key]
        seen[key] += 1
        text = "\0".join((*key, str(occurrence)))
        result.append(hashlib.sha256(text.encode("utf-8")).hexdigest()[:32])
    return result


def most_severe_first(diagnostics: Sequence[Diagnostic]) -> list[Diagnostic]:
    """Stable: within a severity, the report's own order (by file and row) is kept."""
    return sorted(diagnostics, key=lambda d: SEVERITY_RANK.get(d.severity, len(SEVERITY_RANK)))


def is_multiline(diagnostic: Diagnostic) -> bool:
    return diagnostic.end.row > diagnostic.start.row
