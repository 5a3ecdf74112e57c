"""Project facts kept between runs in the cache folder, each under a key naming all
it depends on: the tracked files under the git index file's identity (git writes a
new file, so a new inode, whenever it changes the index), the keys deleted in the
history under HEAD's commit and that index, the hooks a pre-commit config runs under
its text's digest.  An unchanged repository is then not asked again, which matters
for pre-commit: it runs the project hook on every commit.

``--no-cache`` reads and writes nothing.  The file keeps only what the last run
used, so it never grows."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

from policy_check import __version__
from policy_check.cache import CACHE_FOLDER, ResultCache, code_stamp
from policy_check.cache import enabled as cache_enabled

logger = logging.getLogger(__name__)

# Not *.json: the result entries are the JSON files of the folder.
FACTS_FILE = "project-facts"
MAX_FACTS_BYTES = 64 * 1024 * 1024


def _stamp() -> str:
    return f"{__version__}:{code_stamp()}"


class FactsCache:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.path = root / CACHE_FOLDER / FACTS_FILE
        self._enabled = cache_enabled()
        self._known: dict[str, Any] = self._read() if self._enabled else {}
        self._used: dict[str, Any] = {}
        self._changed = False

    @property
    def enabled(self) -> bool:
        """Whether this run keeps facts (not with ``--no-cache``)."""
        return self._enabled

    def _read(self) -> dict[str, Any]:
        try:
            with open(self.path, encoding="utf-8") as handle:
                data = json.loads(handle.read(MAX_FACTS_BYTES + 1))
        except (OSError, ValueError):
            return {}
        # Another version of the rules may have answered differently.
        if not isinstance(data, dict) or data.get("stamp") != _stamp() or not isinstance(data.get("facts"), dict):
            return {}
        return data["facts"]

    def get(self, key: str | None) -> Any:
        """What was kept under ``key`` (None: nothing, or no key to look under)."""
        if key is None or key not in self._known:
            return None
        self._used[key] = self._known[key]
        return self._known[key]

    def put(self, key: str | None, value: Any) -> None:
        if key is None or not self._enabled:
            return
        self._used[key] = self._known[key] = value
        self._changed = True

    def save(self) -> None:
        """Write what this run used, if it added anything (atomically)."""
        if not self._changed or ResultCache.at_root(self.root, "") is None:
            return
        import tempfile  # with random and shutil: only when there is something to write

        try:
            descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump({"stamp": _stamp(), "facts": self._used}, handle, separators=(",", ":"))
            os.replace(temporary, self.path)
            self._changed = False
        except OSError as error:  # a read-only checkout: ask git again next time
            logger.debug("cannot write the project facts: %s", error)
