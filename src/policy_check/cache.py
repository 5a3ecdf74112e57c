"""A per-file result cache keyed by content, configuration and tool version, so an
unchanged file is never parsed twice.  It lives in a git-ignored folder at the
project root; anything wrong with it only costs a re-check.

A warm run does not even read an unchanged file: the file index (``file-index``)
keeps each file's stat (modification and change times, size, inode) with the digest
of its text, and a file whose stat is the same is known by that digest.  A file
written in the last seconds before it was indexed is left out of the index (its
time stamp could be shared with a later change), so it is read again next time."""

from __future__ import annotations

import functools
import json
import logging
import os
import time
from functools import cached_property
from pathlib import Path

from policy_check import __version__
from policy_check.diagnostics import Applicability, Diagnostic, Edit, Fix, Location, Severity

logger = logging.getLogger(__name__)

CACHE_FOLDER = ".policy_check_cache"
# Cache entries are small; a bigger one was not written by us.
MAX_ENTRY_BYTES = 4 * 1024 * 1024
# Not *.json: the entries are the JSON files in the folder.
INDEX_FILE = "file-index"
MAX_INDEX_BYTES = 64 * 1024 * 1024
# A file changed less than this long before it was looked at is not indexed: a second
# change in the same time-stamp tick would look like no change.
RACY_SECONDS = 2.0
# The index forgets deleted files when a run looked at most of it: at least this many
# entries it did not look at are always checked (a small project's whole index).
PRUNE_FLOOR = 64

# --no-cache turns off what project rules keep in the cache folder as well as the
# result cache (which the command line simply does not create); each run sets it.
_enabled = True


def set_enabled(enabled: bool) -> None:
    global _enabled
    _enabled = enabled


def enabled() -> bool:
    return _enabled


class ResultCache:
    def __init__(self, folder: Path, salt: str) -> None:
        self.folder = folder
        self.salt = f"{__version__}\0{code_stamp()}\0{salt}"
        # Each place read back, made once: a warm run reads ~150k of them, and
        # building a frozen Location costs four times a lookup.
        self._places: dict[tuple[int, int], Location] = {}

    @classmethod
    def at_root(cls, root: Path, salt: str) -> ResultCache | None:
        folder = root / CACHE_FOLDER
        try:
            folder.mkdir(exist_ok=True)
            ignore = folder / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by policy-check; nothing here belongs in git.\n*\n")
        except OSError as error:
            logger.debug("cache disabled: %s", error)
            return None
        return cls(folder, salt)

    @cached_property
    def index(self) -> FileIndex:
        return FileIndex(self.folder)

    def key(self, relative_path: str, text: str) -> str:
        return self.key_for_digest(relative_path, text_digest(text))

    def key_for_digest(self, relative_path: str, digest: str) -> str:
        """The entry's key from the digest of the file's text (``text_digest``)."""
        import hashlib  # imported where used: a --no-cache run never loads OpenSSL

        key = hashlib.sha256(self.salt.encode())
        key.update(b"\0" + relative_path.encode("utf-8", "surrogateescape") + b"\0" + digest.encode())
        return key.hexdigest()

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def load(self, key: str, display_path: str) -> list[Diagnostic] | None:
        """The entry's findings, or None (a miss) for anything we did not write: a
        damaged, ill-typed or hostile entry costs a re-check, never the run."""
        try:
            with open(self._file(key), encoding="utf-8") as handle:
                text = handle.read(MAX_ENTRY_BYTES + 1)
            if len(text) > MAX_ENTRY_BYTES:
                return None
            return [_decode(row, display_path, self._places) for row in json.loads(text)]
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None

    def store(self, key: str, diagnostics: list[Diagnostic]) -> None:
        target = self._file(key)
        try:
            target.parent.mkdir(exist_ok=True)
            import tempfile  # with random and shutil, only for runs that write entries

            descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump([_encode(d) for d in diagnostics], handle, separators=(",", ":"))
            os.replace(temporary, target)
        except OSError as error:
            logger.debug("cannot write cache entry: %s", error)


@functools.lru_cache(maxsize=1)
def code_stamp() -> str:
    """The stat of policy-check's own files: a rule edited in a development install
    (same version number) makes every entry a miss, as a new release does."""
    package = Path(__file__).parent
    stamps = []
    for folder, folders, names in os.walk(package):
        folders[:] = [name for name in folders if name != "__pycache__"]
        for name in sorted(names):
            if name.endswith((".py", ".json")):
                try:
                    info = os.stat(os.path.join(folder, name))
                except OSError:
                    continue
                stamps.append(f"{folder}/{name}\0{info.st_mtime_ns}\0{info.st_size}")
    import hashlib

    return hashlib.sha256("\n".join(sorted(stamps)).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def text_digest(text: str) -> str:
    import hashlib

    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


Stat = tuple[int, int, int, int]


def stat_of(path: str | os.PathLike[str]) -> Stat | None:
    """What tells a changed file from an unchanged one without reading it (None for
    anything but a regular file we can stat)."""
    try:
        info = os.stat(path)
    except (OSError, ValueError):
        return None
    if not os.path.isfile(path):
        return None
    return (info.st_mtime_ns, info.st_ctime_ns, info.st_size, info.st_ino)


class FileIndex:
    """The digest of each file's text by its stat, from earlier runs (``file-index``):
    relative path -> [mtime_ns, ctime_ns, size, inode, digest]."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / INDEX_FILE
        self._entries = self._read()
        self._changed = False
        # The paths this run asked about: the others may have been deleted.
        self._seen: set[str] = set()

    def _read(self) -> dict[str, list[object]]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                text = handle.read(MAX_INDEX_BYTES + 1)
            data = json.loads(text) if len(text) <= MAX_INDEX_BYTES else None
        except (OSError, ValueError, RecursionError):
            return {}
        return data if isinstance(data, dict) else {}

    def digest(self, relative_path: str, stat: Stat | None) -> str | None:
        """The digest recorded for this exact stat, or None (read the file)."""
        self._seen.add(relative_path)
        entry = self._entries.get(relative_path)
        if stat is None or not isinstance(entry, list) or len(entry) != 5:
            return None
        digest = entry[4]
        return digest if tuple(entry[:4]) == stat and isinstance(digest, str) else None

    def record(self, relative_path: str, stat: Stat | None, digest: str) -> None:
        """Remember ``digest`` for the stat taken before the text was read; not for a
        file changed within ``RACY_SECONDS`` of now."""
        self._seen.add(relative_path)
        if stat is None or stat[0] > time.time_ns() - RACY_SECONDS * 1e9:
            self._entries.pop(relative_path, None)
            self._changed = True
            return
        entry = [*stat, digest]
        if self._entries.get(relative_path) != entry:
            self._entries[relative_path] = entry
            self._changed = True

    def save(self) -> None:
        """Write the index if it changed (atomically; a failure costs a re-read),
        without the files that no longer exist."""
        self._forget_deleted()
        if not self._changed:
            return
        try:
            import tempfile

            descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(self._entries, handle, separators=(",", ":"))
            os.replace(temporary, self.path)
            self._changed = False
        except OSError as error:
            logger.debug("cannot write the file index: %s", error)


    def _forget_deleted(self) -> None:
        """Drop the entries of deleted files. Only the paths this run did not ask about
        are looked up, and only when they are few beside those it did (a run over the
        project; a pre-commit run on one file leaves a large index as it is)."""
        if len(self._entries) - len(self._seen) > max(len(self._seen), PRUNE_FLOOR):
            return
        root = self.path.parent.parent
        for relative in [path for path in self._entries if path not in self._seen]:
            if not os.path.lexists(os.path.join(root, relative)):
                del self._entries[relative]
                self._changed = True


# An entry is a list of rows, one per finding, each a list in this order (half the
# bytes of a dict per finding, and half the time to read back: a warm run reads 36k):
# code, message, start row, start column, end row, end column, severity, name, fix
# (null or [message, applicability, [[content, row, column, end row, end column]…]]),
# snippet, project_level, extra, scope.  The path is the entry's file's.
_SEVERITIES = {severity.value: severity for severity in Severity}
_APPLICABILITIES = {applicability.value: applicability for applicability in Applicability}


def _encode(diagnostic: Diagnostic) -> list[object]:
    fix = diagnostic.fix
    fix_row = None if fix is None else [
        fix.message, fix.applicability.value,
        [[edit.content, edit.start.row, edit.start.column, edit.end.row, edit.end.column] for edit in fix.edits],
    ]
    start, end = diagnostic.start, diagnostic.end
    return [
        diagnostic.code, diagnostic.message, start.row, start.column, end.row, end.column, diagnostic.severity.value,
        diagnostic.name, fix_row, diagnostic.snippet, diagnostic.project_level, diagnostic.extra, diagnostic.scope,
    ]


def _decode(row: list[object], path: str, places: dict[tuple[int, int], Location]) -> Diagnostic:
    """A finding from its row, checked as the reporters rely on it (JSON can hold a
    string where a row goes); ValueError or TypeError for anything we did not write.
    ``places``: the Locations made so far, by (row, column)."""
    code, message, start_row, start_column, end_row, end_column, severity, name, fix_row, snippet, project_level, extra, scope = row
    if not (type(code) is str and type(message) is str and type(name) is str and type(snippet) is str and type(scope) is str):
        raise TypeError("a text that is not a string")
    if type(project_level) is not bool or not isinstance(extra, dict) or (extra and not _shallow(extra)):
        raise TypeError("ill-typed flags")
    fix = None
    if fix_row is not None:
        fix_message, applicability, edit_rows = fix_row  # type: ignore[misc]
        edits = []
        for content, row_1, column_1, row_2, column_2 in edit_rows:
            if type(content) is not str:
                raise TypeError("an edit that is not text")
            edits.append(Edit(content, _location(row_1, column_1, places), _location(row_2, column_2, places)))
        if type(fix_message) is not str:
            raise TypeError("a fix message that is not text")
        fix = Fix(fix_message, _APPLICABILITIES[applicability], tuple(edits))
    return Diagnostic(
        code, message, path, _location(start_row, start_column, places), _location(end_row, end_column, places),  # type: ignore[arg-type]
        _SEVERITIES[severity], name, fix, snippet, project_level, extra, scope,  # type: ignore[arg-type]
    )


def _location(row: object, column: object, places: dict[tuple[int, int], Location]) -> Location:
    # The types first: True == 1 as a key.
    if type(row) is not int or type(column) is not int or row < 1 or column < 1:
        raise ValueError("not a place in a file")
    place = places.get((row, column))
    if place is None:
        place = places[(row, column)] = Location(row, column)
    return place


def _shallow(value: object, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if isinstance(value, dict):
        return all(isinstance(key, str) and _shallow(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return all(_shallow(item, depth + 1) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))
