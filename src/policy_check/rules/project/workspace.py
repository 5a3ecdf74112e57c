"""Where project fixes write: a workspace that changes the files for ``--fix`` or only
records the changes for ``--diff``, so one fix function serves both."""

from __future__ import annotations

import difflib
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

from policy_check.diffs import unified_diff
from policy_check.git_repo import GitRepo

logger = logging.getLogger(__name__)


class Workspace:
    """File writes and moves under a project root.  With ``dry_run`` nothing touches
    the disk; reads see the earlier writes of the same run either way, so fixes
    applied one after the other compose."""

    def __init__(
        self, root: Path, dry_run: bool, git_repo: GitRepo | None = None, overlay: Mapping[str, str] | None = None
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
        moved_from = self._moved_from(path)
        if moved_from is not None:
            return self.read(moved_from)
        overlaid = self.overlay.get(os.path.abspath(path))
        if overlaid is not None:
            return overlaid
        return self._read_disk(path)

    def _moved_from(self, path: Path) -> Path | None:
        """In a dry run, where a file under a moved folder still is on disk."""
        if not self.dry_run:
            return None
        for source, target in reversed(self.moves):
            if path == target or target in path.parents:
                return source / path.relative_to(target)
        return None

    def _read_disk(self, path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except (FileNotFoundError, IsADirectoryError):
            return None

    def exists(self, path: Path) -> bool:
        if path in self._current:
            return self._current[path] is not None
        moved_from = self._moved_from(path)
        return (moved_from or path).exists()

    def write(self, path: Path, text: str) -> None:
        if path not in self._original:
            # The diff runs from what is on disk, so it includes the file rules' fixes.
            self._original[path] = self._read_disk(self._moved_from(path) or path)
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
            self.git_repo.run("mv", "--", str(source), str(target))
        else:
            shutil.move(str(source), str(target))

    def changed_paths(self) -> list[str]:
        """Absolute paths of the files whose content this workspace changed, and of the
        files it moves (their patch holds the file rules' fixes too)."""
        moved = [os.path.abspath(source) for source, _ in self._moved_files()]
        return [os.path.abspath(p) for p in self._original if self._original[p] != self._current[p]] + moved

    def touched_paths(self) -> set[str]:
        """Every file this workspace changes, creates or moves (absolute, final place)."""
        moved = {os.path.abspath(target) for _, target in self._moved_files()}
        return moved | {os.path.abspath(p) for p in self._original if self._original[p] != self._current[p]}

    def _moved_files(self) -> list[tuple[Path, Path]]:
        """(old, new) place of every file the moves carry, in order."""
        pairs = []
        for source, target in self.moves:
            # Before a --fix moves it the folder is at its source; after, at its target.
            present = source if source.exists() else target
            if present.is_file():
                pairs.append((source, target))
                continue
            for folder, folders, files in os.walk(present):
                folders[:] = sorted(name for name in folders if name != "__pycache__")
                for name in sorted(files):
                    if not name.endswith((".pyc", ".pyo")):
                        relative = (Path(folder) / name).relative_to(present)
                        pairs.append((source / relative, target / relative))
        return pairs

    def changed(self) -> bool:
        return bool(self.moves) or any(self._original[p] != self._current[p] for p in self._original)

    def diff(self, display: callable) -> str:  # type: ignore[valid-type]
        """One git-style patch of every change: moves as renames (``rename from`` /
        ``rename to``, with any edit of the moved file), then content changes and new
        files.  ``git apply`` takes it whole."""
        parts: list[str] = []
        renamed: set[Path] = set()
        for old, new in self._moved_files():
            renamed.add(new)
            parts.append(self._rename_patch(old, new, display))
        for path in sorted(self._original):
            before, after = self._original[path], self._current[path]
            if path in renamed or before == after:
                continue
            shown = display(path)
            header = f"diff --git a/{shown} b/{shown}\n" + ("new file mode 100644\n" if before is None else "")
            parts.append(header + unified_diff(shown, before, after or ""))
        return "".join(parts)

    def _rename_patch(self, old: Path, new: Path, display: callable) -> str:  # type: ignore[valid-type]
        try:
            before: str | None = old.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            before = None  # not text: renamed as it is
        after = self._current.get(new, self.overlay.get(os.path.abspath(old), before))
        old_shown, new_shown = display(old), display(new)
        changed = before is not None and after is not None and after != before
        similarity = 100 if not changed else max(1, int(100 * difflib.SequenceMatcher(None, before, after).quick_ratio()))
        header = (
            f"diff --git a/{old_shown} b/{new_shown}\nsimilarity index {similarity}%\n"
            f"rename from {old_shown}\nrename to {new_shown}\n"
        )
        if not changed:
            return header
        body = unified_diff(new_shown, before, after or "")
        return header + body.replace(f"--- a/{new_shown}\n", f"--- a/{old_shown}\n", 1)


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
