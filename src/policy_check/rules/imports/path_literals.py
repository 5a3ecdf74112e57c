"""What a machine-specific absolute path looks like (PC202's detection)."""

from __future__ import annotations

import ast
import re
from collections.abc import Sequence

from policy_check.rules.base import FileContext

DEFAULT_ABSOLUTE_PATH_PREFIXES: tuple[str, ...] = (
    "/home/", "/Users/", "/mnt/", "/media/", "/scratch/", "/data/", "/nfs/", "/gpfs/", "/lustre/", "/Volumes/",
)
# Always recognised, whatever the prefix list: Windows drives, UNC shares, ~user.
_DRIVE_PATH = re.compile(r"[A-Za-z]:[\\/][\w.$~ -]")
_UNC_PATH = re.compile(r"\\\\[A-Za-z0-9][\w.$-]*\\[\w.$ -]+")
_USER_HOME = re.compile(r"~[A-Za-z_][\w.-]*/")
# Regex syntax that never appears in a real path (backslash classes only count in
# POSIX-style paths: `D:\data` is a Windows folder, not `\d`).
_REGEX_SYNTAX = re.compile(r"\(\?|\.\*|\.\+|\[\^|\||\^|\$$")
_REGEX_CLASS = re.compile(r"\\[dwsDWSbB]")
_TRIGGER_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def absolute_path_prefixes(context: FileContext) -> tuple[str, ...]:
    settings = context.settings
    base = DEFAULT_ABSOLUTE_PATH_PREFIXES if settings.absolute_path_prefixes is None else settings.absolute_path_prefixes
    return (*base, *settings.extend_absolute_path_prefixes)


def source_trigger(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """A quote followed by a path start, as it appears in source text (escaped
    backslashes included): a file without one holds no such literal."""
    pattern = _TRIGGER_CACHE.get(prefixes)
    if pattern is None:
        alternatives = [re.escape(prefix).replace(r"\\", r"\\\\?") for prefix in prefixes if prefix]
        alternatives += [r"[A-Za-z]:[\\/]", r"\\\\", r"~[A-Za-z_]"]
        pattern = re.compile(r"[\"'](?:file://)?(?:" + "|".join(alternatives) + ")")
        _TRIGGER_CACHE[prefixes] = pattern
    return pattern


def machine_specific_path(value: str, prefixes: Sequence[str]) -> bool:
    """Whether a string's text starts with a machine- or user-specific absolute path."""
    if value.startswith("file://"):
        value = value[len("file://") :]
        if len(value) > 3 and value[0] == "/" and value[2] == ":":
            value = value[1:]  # file:///C:/...
    if _REGEX_SYNTAX.search(value):
        return False
    if any(value.startswith(prefix) for prefix in prefixes):
        return "/" not in prefix_of(value, prefixes) or not _REGEX_CLASS.search(value)
    return bool(_DRIVE_PATH.match(value) or _UNC_PATH.match(value) or _USER_HOME.match(value))


def prefix_of(value: str, prefixes: Sequence[str]) -> str:
    return next(prefix for prefix in prefixes if value.startswith(prefix))


def literal_text(prefix: str, text: str, quote: str) -> str | None:
    try:
        value = ast.literal_eval(f"{prefix}{quote}{text}{quote}")
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None
