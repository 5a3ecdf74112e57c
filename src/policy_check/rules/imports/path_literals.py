"""What a machine-specific absolute path looks like (PC202's detection)."""

from __future__ import annotations

import ast
import re

from policy_check.rules.base import FileContext

# From the absolute paths found in 30 research repositories: personal folders, then
# the mounts and shared file systems of labs and clusters.  A `*` stands for a
# number or a `-`/`_` suffix (`/data5/`, `/data-gpu2/`, `/scratch-ssd/`, `/home-nfs/`).
DEFAULT_ABSOLUTE_PATH_PREFIXES: tuple[str, ...] = (
    "/home*/", "/rhome/", "/Users/", "/users/", "/Volumes/", "/media/", "/mnt/", "/c/Users/",
    "/scratch*/", "/data*/", "/nfs*/", "/gpfs*/", "/lustre*/", "/net/", "/nas*/",
    "/project*/", "/projects/", "/work/", "/share/", "/glade/", "/g/data/", "/storage/", "/groups/",
    "/beegfs/", "/panfs/",
)
_WILDCARD = r"(?:\d+|[-_][\w.-]*)?"
# Always recognised, whatever the prefix list: Windows drives (any case, `\\` or `/`),
# UNC shares, ~user.
_DRIVE_PATH = re.compile(r"[A-Za-z]:[\\/]+[\w.$~ -]")
_UNC_PATH = re.compile(r"\\\\[A-Za-z0-9][\w.$-]*\\[\w.$ -]+")
_USER_HOME = re.compile(r"~[A-Za-z_][\w.-]*/")
# Regex syntax that never appears in a real path (backslash classes only count in
# POSIX-style paths: `D:\data` is a Windows folder, not `\d`).
_REGEX_SYNTAX = re.compile(r"\(\?|\.\*|\.\+|\[\^|\||\^|\$$")
_REGEX_CLASS = re.compile(r"\\[dwsDWSbB]")
_PATTERN_CACHE: dict[tuple[str, ...], tuple[re.Pattern[str], re.Pattern[str]]] = {}


def absolute_path_prefixes(context: FileContext) -> tuple[str, ...]:
    settings = context.settings
    base = DEFAULT_ABSOLUTE_PATH_PREFIXES if settings.absolute_path_prefixes is None else settings.absolute_path_prefixes
    return (*base, *settings.extend_absolute_path_prefixes)


def _patterns(prefixes: tuple[str, ...]) -> tuple[re.Pattern[str], re.Pattern[str]]:
    """The prefixes as one regular expression over a string's value, and the source
    trigger: a quote followed by a path start as it appears in source text (escaped
    backslashes included, the final separator optional: `Path('/home') / 'me'`)."""
    cached = _PATTERN_CACHE.get(prefixes)
    if cached is None:
        values = [re.escape(prefix).replace(r"\*", _WILDCARD) for prefix in prefixes if prefix]
        value_pattern = re.compile("|".join(values) or r"(?!)")
        sources = [
            re.escape(prefix.rstrip("/\\")).replace(r"\\", r"\\\\?").replace(r"\*", _WILDCARD)
            + r"(?:[/\\\"']|$)"
            for prefix in prefixes
            if prefix.rstrip("/\\")
        ]
        sources += [r"[A-Za-z]:[\\/]", r"\\\\", r"~[A-Za-z_]"]
        cached = value_pattern, re.compile(r"[\"'](?:file://)?(?:" + "|".join(sources) + ")")
        _PATTERN_CACHE[prefixes] = cached
    return cached


def source_trigger(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    return _patterns(prefixes)[1]


def bare_prefix(value: str, prefixes: tuple[str, ...]) -> bool:
    """A string that is only a prefix ("/home/") names no machine's file: it is a
    pattern to compare against (lists of prefixes, `startswith` checks)."""
    match = _patterns(prefixes)[0].match(value)
    return match is not None and match.end() == len(value)


def machine_specific_path(value: str, prefixes: tuple[str, ...]) -> bool:
    """Whether a string's text starts with a machine- or user-specific absolute path."""
    if value.startswith("file://"):
        value = value[len("file://") :]
        if len(value) > 3 and value[0] == "/" and value[2] == ":":
            value = value[1:]  # file:///C:/...
    if _REGEX_SYNTAX.search(value):
        return False
    match = _patterns(prefixes)[0].match(value)
    if match is not None:
        return "/" not in match.group(0) or not _REGEX_CLASS.search(value)
    return bool(_DRIVE_PATH.match(value) or _UNC_PATH.match(value) or _USER_HOME.match(value))


def literal_text(prefix: str, text: str, quote: str) -> str | None:
    try:
        value = ast.literal_eval(f"{prefix}{quote}{text}{quote}")
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None
