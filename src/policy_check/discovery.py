"""Which files a run checks.

Inside git: the tracked files plus the untracked ones git does not ignore, so
``.gitignore`` is honoured exactly as git reads it.  Outside git: a walk that never
follows a symlinked folder (so a symlink loop cannot trap it).  Excludes apply to
every file, including the names pre-commit passes explicitly.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from policy_check.config import Settings
from policy_check.globs import matches_any

logger = logging.getLogger(__name__)

PYTHON_SUFFIXES = (".py", ".pyi", ".ipynb")
TEST_FOLDERS = {"tests", "test", "testing"}


class SourceFile(NamedTuple):
    # A NamedTuple, not a frozen dataclass: ~0.4M instructions to define instead of
    # ~4M (the generated methods are compiled at import), paid by every run.
    path: Path
    # Relative to the project root, forward slashes: what config globs match.
    relative_path: str

    @property
    def is_test_code(self) -> bool:
        return is_test_path(self.relative_path)


def is_test_path(relative_path: str) -> bool:
    parts = relative_path.split("/")
    name = parts[-1]
    return (
        any(part in TEST_FOLDERS for part in parts[:-1])
        or name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
    )


def relative_to_root(path: Path, root: Path) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(root).as_posix()
    except ValueError:
        return absolute.as_posix()


def display_path(path: Path) -> str:
    """How a path is shown to the user: relative to the working directory when it
    is below it (as ruff), else absolute."""
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative


def is_excluded(relative_path: str, settings: Settings) -> bool:
    return matches_any(relative_path, settings.exclude) or matches_any(relative_path, settings.extend_exclude)


def _git_files(folder: Path, unreadable: list[Path]) -> list[Path] | None:
    """Tracked and untracked-not-ignored files under ``folder``, or None outside git.
    Folders git could not open go to ``unreadable``."""
    try:
        result = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."],
            cwd=folder,
            capture_output=True,
            check=False,
        )
    except OSError:
        return None
    if result.returncode != 0:
        return None
    messages = result.stderr.decode("utf-8", "surrogateescape")
    unreadable.extend(folder / match.group(1).rstrip("/") for match in re.finditer(_GIT_UNREADABLE, messages))
    names = [name for name in result.stdout.decode("utf-8", "surrogateescape").split("\0") if name]
    # ls-files lists deleted-but-tracked files too; only what exists can be checked.
    return [folder / name for name in dict.fromkeys(names) if os.path.lexists(folder / name)]


# git skips a folder it cannot open with this warning (and exit 0); compiled when
# git warned at all (re keeps it).
_GIT_UNREADABLE = r"could not open directory '([^']*)': Permission denied"


def _walk(folder: Path, settings: Settings, unreadable: list[Path]) -> Iterator[Path]:
    def skipped(error: OSError) -> None:
        unreadable.append(Path(error.filename) if error.filename else folder)

    for current, folders, files in os.walk(folder, onerror=skipped, followlinks=False):
        current_path = Path(current)
        folders[:] = sorted(
            name
            for name in folders
            if not is_excluded(relative_to_root(current_path / name, settings.root), settings)
        )
        for name in sorted(files):
            yield current_path / name


def _candidates(given: Path, settings: Settings, unreadable: list[Path]) -> Iterable[Path]:
    """The files a given path stands for; what cannot be looked at goes to ``unreadable``
    (reported as E902, never skipped in silence)."""
    try:
        is_folder = given.is_dir()
    except PermissionError:
        unreadable.append(given)  # inside a folder the user may not read
        return []
    if is_folder:
        candidates: Iterable[Path] = _git_files(given, unreadable) or []
        if not candidates and not _inside_git(given):
            candidates = list(_walk(given, settings, unreadable))
        return candidates
    if os.path.lexists(given):
        return [given]
    raise FileNotFoundError(f"{given}: no such file or directory")


def discover(
    paths: Iterable[Path], settings: Settings, suffixes: tuple[str, ...] = PYTHON_SUFFIXES
) -> list[SourceFile]:
    found: dict[str, SourceFile] = {}
    unreadable: list[Path] = []
    for given in paths:
        for path in _candidates(given, settings, unreadable):
            if path.suffix not in suffixes:
                continue
            relative = relative_to_root(path, settings.root)
            if is_excluded(relative, settings):
                continue
            # A symlink into a loop or a folder named `x.py` is still reported (as unreadable).
            key = os.path.abspath(path)
            found.setdefault(key, SourceFile(path, relative))
    for path in unreadable:
        relative = relative_to_root(path, settings.root)
        if not is_excluded(relative, settings):
            # Checking it reads it, and the engine reports why it cannot (E902).
            found.setdefault(os.path.abspath(path), SourceFile(path, relative))
    return sorted(found.values(), key=lambda source: source.relative_path)


def _inside_git(folder: Path) -> bool:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--is-inside-work-tree"], cwd=folder, capture_output=True, check=False
        )
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == b"true"
