"""Unified diffs that `git apply` takes, for --diff."""

from __future__ import annotations

import difflib


def git_lines(text: str) -> list[str]:
    """Lines as git counts them: ended by ``\\n`` only, with their endings.
    ``str.splitlines`` also splits at a lone CR, a form feed or U+2028, which makes
    a patch that git cannot apply."""
    lines = text.split("\n")
    ended = [line + "\n" for line in lines[:-1]]
    return ended + [lines[-1]] if lines[-1] else ended


def _quoted(name: str) -> str:
    """A file name in a diff header as git writes it: C-quoted when it holds a control
    character, a quote or a backslash (a newline in a name would end the header)."""
    if name.isprintable() and '"' not in name and "\\" not in name:
        return name
    escapes = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    body = "".join(
        escapes.get(char) or (char if char.isprintable() else "".join(f"\\{byte:03o}" for byte in char.encode("utf-8", "surrogateescape")))
        for char in name
    )
    return f'"{body}"'


def unified_diff(path: str, before: str | None, after: str) -> str:
    """A ``git apply``-able diff of one file (``before`` is None for a new file)."""
    lines = difflib.unified_diff(
        git_lines(before or ""),
        git_lines(after),
        fromfile="/dev/null" if before is None else _quoted(f"a/{path}"),
        tofile=_quoted(f"b/{path}"),
    )
    out = []
    for line in lines:
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)
