"""Gitignore-style glob matching for ``exclude``, ``per-file-ignores`` and ``allow-print``.

A pattern without a slash matches any single path part (``build``, ``*_test.py``);
a pattern with one matches the whole relative path, ``**`` spanning folders.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable


@functools.cache  # a run has a few dozen patterns; a bounded cache thrashed past its size
def _compile(pattern: str) -> re.Pattern[str]:
    pattern = pattern.strip().replace("\\", "/")
    anchored = pattern.startswith("/")
    pattern = pattern.strip("/")
    out = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if pattern.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if pattern.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = pattern.find("]", index + 2)  # `[]]` and `[!]]` hold a literal `]`
            if end == -1:
                out.append(re.escape(char))
            else:
                out.append(_character_class(pattern[index + 1 : end], pattern))
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    body = "".join(out)
    # A pattern matches the path itself or anything below it (a folder excludes its files).
    prefix = "" if anchored or "/" in pattern else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


def _character_class(body: str, pattern: str) -> str:
    """A glob class as a regular expression: ``[!a]`` and ``[^a]`` negate (as in
    gitignore), ``-`` spans a range; a range that runs backwards is an error."""
    negated = body[:1] in ("!", "^")
    if negated:
        body = body[1:]
    for start, end in re.findall(r"(.)-(.)", body):
        if start > end:
            raise ValueError(f"bad glob {pattern!r}: the range [{start}-{end}] runs backwards")
    escaped = body.replace("\\", "\\\\").replace("[", "\\[")
    return f"[^/{escaped}]" if negated else f"[{escaped}]"


def check_glob(pattern: str) -> None:
    """Raise ``ValueError`` (one line) if ``pattern`` is not a valid glob."""
    try:
        _compile(pattern)
    except re.error as error:
        raise ValueError(f"bad glob {pattern!r}: {error}") from None


@functools.cache
def _plain_name(pattern: str) -> str | None:
    """The name a pattern without wildcards or slashes stands for (``build``,
    ``.venv``): it matches a path holding that name as a part, no expression needed."""
    name = pattern.strip().replace("\\", "/")
    return name if name and not any(char in name for char in "/*?[") else None


def matches(relative_path: str, pattern: str) -> bool:
    name = _plain_name(pattern)
    if name is not None:
        return name in relative_path.replace("\\", "/").split("/")
    return _compile(pattern).match(relative_path.replace("\\", "/")) is not None


def matches_any(relative_path: str, patterns: Iterable[str]) -> bool:
    """``matches`` for any pattern, the path split once (discovery asks each file
    against the ~25 default excludes)."""
    path = relative_path.replace("\\", "/")
    parts: list[str] | None = None
    for pattern in patterns:
        name = _plain_name(pattern)
        if name is None:
            if _compile(pattern).match(path) is not None:
                return True
            continue
        if parts is None:
            parts = path.split("/")
        if name in parts:
            return True
    return False
