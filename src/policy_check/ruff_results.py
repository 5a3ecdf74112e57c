"""ruff's findings kept per file in the result cache, so a warm run asks ruff only
about the files that changed (and, with nothing changed, does not start it).

An entry is keyed by the file's text and path, its executable bit (ruff's EXE
rules), the run's settings and ruff codes, the ruff binary (path, size, time) and
every configuration ruff could read for the run's files: ``pyproject.toml``,
``ruff.toml`` and ``.ruff.toml`` in their folders and above, the files those
``extend``, and the user's own ruff configuration.  Like ruff's own cache, an entry
does not see other files: a rule that looks at a file's neighbours (INP001's
``__init__.py``, isort's first-party guess from folder names) is re-asked only when
the file itself or a configuration changes."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from policy_check import cache as cache_module
from policy_check.cache import ResultCache, stat_of, text_digest
from policy_check.diagnostics import Diagnostic
from policy_check.discovery import SourceFile
from policy_check.jobs import Mode
from policy_check.run_context import RunContext
from policy_check.source import UnreadableSource, read_source

RUFF_CONFIG_NAMES = ("pyproject.toml", "ruff.toml", ".ruff.toml")
# Compiled on first use (re keeps it): only runs that keep ruff's results stamp its configurations.
_EXTEND = r"""(?m)^\s*extend\s*=\s*["']([^"'\n]+)["']"""
MAX_EXTEND_DEPTH = 8


class Uncached(Exception):
    """Raised by a check whose answer this run is not to be kept (the tool failed):
    ``found`` is what it reports nonetheless."""

    def __init__(self, found: Sequence[Diagnostic]) -> None:
        super().__init__("not to be cached")
        self.found = list(found)


def _asked(check: Callable[[RunContext], Sequence[Diagnostic]], context: RunContext) -> tuple[list[Diagnostic], bool]:
    try:
        return list(check(context)), True
    except Uncached as uncached:
        return uncached.found, False


def cached_per_file(check: Callable[[RunContext], Sequence[Diagnostic]], identity: Callable[[RunContext], str | None]) -> Callable[[RunContext], list[Diagnostic]]:
    """``check`` (a run check whose findings each concern one of the run's files)
    asked only about the files whose entries are missing; ``identity`` names what
    else its findings depend on (None: do not cache this run)."""

    def run(context: RunContext) -> list[Diagnostic]:
        tool = identity(context) if context.options.mode is Mode.CHECK and cache_module.enabled() and context.files else None
        cache = ResultCache.at_root(context.settings.root, f"{tool}\0{_configuration_stamp(context.files)}") if tool else None
        if cache is None:
            return _asked(check, context)[0]
        known, asked = _lookup(cache, context)
        if not asked:
            return known
        fresh, complete = _asked(check, context._replace(files=tuple(source for source, _ in asked.values())))
        if complete:
            by_path: dict[str, list[Diagnostic]] = {path: [] for path in asked}
            for diagnostic in fresh:
                by_path.setdefault(diagnostic.path, []).append(diagnostic)
            for path, (_, key) in asked.items():
                if key:
                    cache.store(key, by_path[path])
        return known + fresh

    return run


def _lookup(cache: ResultCache, context: RunContext) -> tuple[list[Diagnostic], dict[str, tuple[SourceFile, str]]]:
    """The findings the cache holds, and the files it has none for (by display path,
    with their keys: "" for a file never to be kept)."""
    known: list[Diagnostic] = []
    asked: dict[str, tuple[SourceFile, str]] = {}
    for source in context.files:
        display = context.display_path(source.path)
        key = _key(cache, source)
        found = cache.load(key, display) if key else None
        if found is None:
            asked[display] = (source, key or "")
        else:
            known += found
    cache.index.save()
    return known, asked


def _key(cache: ResultCache, source: SourceFile) -> str | None:
    """The entry's key: the file's text digest (known by its stat when unchanged) and
    whether it is executable; None for a file we cannot read (never cached)."""
    try:
        mode = os.stat(source.path).st_mode
    except OSError:
        return None
    if not stat.S_ISREG(mode):
        return None
    relative = source.relative_path
    file_stat = stat_of(source.path)
    digest = cache.index.digest(relative, file_stat)
    if digest is None:
        try:
            digest = text_digest(read_source(source.path).text)
        except UnreadableSource:
            return None
        cache.index.record(relative, file_stat, digest)
    executable = "x" if mode & 0o111 else "-"
    return cache.key_for_digest(relative, f"{digest}{executable}")


def _configuration_stamp(files: Iterable[SourceFile]) -> str:
    """The stat of every configuration ruff could read for these files."""
    folders: set[str] = set()
    for source in files:
        folder = os.path.dirname(os.path.abspath(source.path))
        while folder not in folders:
            folders.add(folder)
            parent = os.path.dirname(folder)
            if parent == folder:
                break
            folder = parent
    candidates = [os.path.join(folder, name) for folder in sorted(folders) for name in RUFF_CONFIG_NAMES]
    candidates += [os.path.join(folder, name) for folder in _user_config_folders() for name in RUFF_CONFIG_NAMES]
    stamps: list[str] = []
    seen: set[str] = set()
    for path in candidates:
        _stamp(path, stamps, seen, 0)
    import hashlib  # only runs that keep ruff's results get here

    return hashlib.sha256("\n".join(stamps).encode("utf-8", "surrogateescape")).hexdigest()[:20]


def _stamp(path: str, stamps: list[str], seen: set[str], depth: int) -> None:
    if path in seen or depth > MAX_EXTEND_DEPTH:
        return
    seen.add(path)
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return
    stamps.append(f"{path}\0{info.st_mtime_ns}\0{info.st_ctime_ns}\0{info.st_size}")
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read(1024 * 1024)
    except OSError:
        return
    for match in re.finditer(_EXTEND, text):
        target = os.path.expanduser(match.group(1))
        _stamp(os.path.normpath(os.path.join(os.path.dirname(path), target)), stamps, seen, depth + 1)


def _user_config_folders() -> list[str]:
    """Where ruff looks for the user's own configuration (used when a project has none)."""
    folders = []
    xdg = os.environ.get("XDG_CONFIG_HOME")
    if xdg:
        folders.append(os.path.join(xdg, "ruff"))
    home = Path.home()
    folders += [str(home / ".config" / "ruff"), str(home / "Library" / "Application Support" / "ruff")]
    appdata = os.environ.get("APPDATA")
    if appdata:
        folders.append(os.path.join(appdata, "ruff"))
    return folders
