"""Where project fixes write: a workspace that changes the files for ``--fix`` or only
records the changes for ``--diff``, so one fix function serves both."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from policy_check.diffs import unified_diff

logger = logging.getLogger(__name__)


class Workspace:
    """File writes and moves under a project root.  With ``dry_run`` nothing touches
    the disk; reads see the earlier writes of the same run either way, so fixes
    applied one after the other compose."""

    def __init__(
        self, root: Path, dry_run: bool, git_repo: object | None = None, overlay: Mapping[str, str] | None = None
    ) -> None:
        self.root = root
        self.dry_run = dry_run
        self.git_repo = git_repo
        # --diff: files as the file rules' fixes leave them (absolute path → text).
        self.overlay = overlay or {}
        self._original: dict[Path, str | None] = {}
        self._current: dict[Path, str | None] = {}
        self.moves: list[tuple[Path, Path]] = []

    def read(self, path: Path) -> str | None:
        if path in self._current:
            return self._current[path]
        overlaid = self.overlay.get(os.path.abspath(path))
        if overlaid is not None:
            return overlaid
        return self._read_disk(path)

    def _read_disk(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            return None

    def exists(self, path: Path) -> bool:
        if path in self._current:
            return self._current[path] is not None
        return path.exists()

    def write(self, path: Path, text: str) -> None:
        if path not in self._original:
            # The diff runs from what is on disk, so it includes the file rules' fixes.
            self._original[path] = self._read_disk(path)
        self._current[path] = text
        if not self.dry_run:
            _write_atomically(path, text)

    def move(self, source: Path, target: Path, tracked: bool) -> None:
        """Move a file or folder: ``git mv`` when git tracks it, so history follows."""
        self.moves.append((source, target))
        if self.dry_run:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        if tracked and self.git_repo is not None:
            self.git_repo.git.mv(str(source), str(target))  # type: ignore[attr-defined]
        else:
            shutil.move(str(source), str(target))

    def changed_paths(self) -> list[str]:
        """Absolute paths of the files whose content this workspace changed."""
        return [os.path.abspath(p) for p in self._original if self._original[p] != self._current[p]]

    def changed(self) -> bool:
        return bool(self.moves) or any(self._original[p] != self._current[p] for p in self._original)

    def diff(self, display: callable) -> str:  # type: ignore[valid-type]
        """Unified diffs of every content change (``git apply`` takes them); moves are
        listed by ``move_notes``, since a patch cannot rename a folder."""
        parts: list[str] = []
        for path in sorted(self._original):
            before, after = self._original[path], self._current[path]
            if before == after:
                continue
            parts.append(unified_diff(display(path), before, after or ""))
        return "".join(parts)


def move_notes(workspace: Workspace, display: callable) -> str:  # type: ignore[valid-type]
    return "".join(f"would move {display(source)}/ to {display(target)}/\n" for source, target in workspace.moves)


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        if path.exists():
            shutil.copymode(path, temporary)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
