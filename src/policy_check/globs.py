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
            end = pattern.find("]", index)
            if end == -1:
                out.append(re.escape(char))
            else:
                out.append(pattern[index : end + 1])
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    body = "".join(out)
    # A pattern matches the path itself or anything below it (a folder excludes its files).
    prefix = "" if anchored or "/" in pattern else "(?:.*/)?"
    return re.compile(f"^{prefix}{body}(?:/.*)?$")


def matches(relative_path: str, pattern: str) -> bool:
    return _compile(pattern).match(relative_path.replace("\\", "/")) is not None


def matches_any(relative_path: str, patterns: Iterable[str]) -> bool:
    return any(matches(relative_path, pattern) for pattern in patterns)
