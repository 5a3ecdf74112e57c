"""A per-file result cache keyed by content, configuration and tool version, so an
unchanged file is never parsed twice.  It lives in a git-ignored folder at the
project root; anything wrong with it only costs a re-check."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from pathlib import Path

from policy_check import __version__
from policy_check.diagnostics import Diagnostic

logger = logging.getLogger(__name__)

CACHE_FOLDER = ".policy_check_cache"
# Cache entries are small; a bigger one was not written by us.
MAX_ENTRY_BYTES = 4 * 1024 * 1024

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
        self.salt = f"{__version__}\0{salt}"

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

    def key(self, relative_path: str, text: str) -> str:
        digest = hashlib.sha256(self.salt.encode())
        digest.update(b"\0" + relative_path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(text.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

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
            data = json.loads(text)
            diagnostics = [Diagnostic.from_dict(item) for item in data]
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            return None
        if not all(_well_typed(diagnostic) for diagnostic in diagnostics):
            return None
        for diagnostic in diagnostics:
            diagnostic.path = display_path
        return diagnostics

    def store(self, key: str, diagnostics: list[Diagnostic]) -> None:
        target = self._file(key)
        try:
            target.parent.mkdir(exist_ok=True)
            descriptor, temporary = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump([d.to_dict() for d in diagnostics], handle)
            os.replace(temporary, target)
        except OSError as error:
            logger.debug("cannot write cache entry: %s", error)


def _well_typed(diagnostic: Diagnostic) -> bool:
    """What the reporters rely on, checked: JSON can hold a string where a row goes."""
    locations = [diagnostic.start, diagnostic.end]
    texts = [diagnostic.code, diagnostic.message, diagnostic.name, diagnostic.snippet, diagnostic.scope]
    if diagnostic.fix is not None:
        texts += [diagnostic.fix.message, *(edit.content for edit in diagnostic.fix.edits)]
        locations += [location for edit in diagnostic.fix.edits for location in (edit.start, edit.end)]
    return (
        all(type(location.row) is int and type(location.column) is int and location.row >= 1 and location.column >= 1 for location in locations)
        and all(isinstance(text, str) for text in texts)
        and isinstance(diagnostic.project_level, bool)
        and isinstance(diagnostic.extra, dict)
        and _shallow(diagnostic.extra)
    )


def _shallow(value: object, depth: int = 0) -> bool:
    if depth > 8:
        return False
    if isinstance(value, dict):
        return all(isinstance(key, str) and _shallow(item, depth + 1) for key, item in value.items())
    if isinstance(value, list):
        return all(_shallow(item, depth + 1) for item in value)
    return value is None or isinstance(value, (str, int, float, bool))
