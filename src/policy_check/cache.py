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
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            diagnostics = [Diagnostic.from_dict(item) for item in data]
        except (OSError, ValueError, KeyError, TypeError):
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
