"""Unified diffs that `git apply` takes, for --diff."""

from __future__ import annotations

import difflib


def unified_diff(path: str, before: str | None, after: str) -> str:
    """A ``git apply``-able diff of one file (``before`` is None for a new file)."""
    lines = difflib.unified_diff(
        (before or "").splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile="/dev/null" if before is None else f"a/{path}",
        tofile=f"b/{path}",
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith(("\n", "\r")):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)
