"""Which lines of the working tree changed since a git reference: ``--diff-base``.

The comparison is the working tree (staged, unstaged and untracked-but-not-ignored
files) against the merge base of ``REF`` and ``HEAD`` when ``REF`` is a branch (what
a pull request shows), or against ``REF`` itself when it is a commit or tag.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from policy_check.diagnostics import INTERNAL_ERROR, IO_ERROR, SYNTAX_ERROR, Diagnostic

if TYPE_CHECKING:
    from policy_check.git_repo import GitRepo

logger = logging.getLogger(__name__)

_HUNK = re.compile(r"^@@ -\d+(?:,\d+)? \+(?P<start>\d+)(?:,(?P<count>\d+))? @@")
# Findings about a file as a whole: shown when the file changed at all.
_WHOLE_FILE_CODES = {SYNTAX_ERROR, IO_ERROR, INTERNAL_ERROR}
# Notebook findings carry cell rows that do not match the JSON file's diff lines.
_WHOLE_FILE_SUFFIXES = (".ipynb",)


class DiffBaseError(Exception):
    """``--diff-base`` cannot be used here; the message says why, in one line."""


@dataclass
class ChangedLines:
    """Added or changed rows per absolute file path; ``None`` means every row (a new file)."""

    base_commit: str
    rows_by_path: dict[str, set[int] | None] = field(default_factory=dict)
    # Absolute paths of the folders the base commit holds (the top folder included).
    base_folders: set[str] = field(default_factory=set)

    def file_changed(self, path: str) -> bool:
        return _absolute(path) in self.rows_by_path

    def any_row_changed(self, path: str, rows: Iterable[int]) -> bool:
        absolute = _absolute(path)
        if absolute not in self.rows_by_path:
            return False
        changed = self.rows_by_path[absolute]
        return changed is None or any(row in changed for row in rows)

    def folder_is_new(self, path: str) -> bool:
        absolute = _absolute(path)
        return os.path.isdir(absolute) and absolute not in self.base_folders

    def keeps(self, diagnostic: Diagnostic) -> bool:
        """Whether a finding concerns what changed.

        A line finding is kept when any row it spans changed, or any row the rule
        named in ``extra["related_rows"]`` (the line whose change caused it, such as
        a removed import).  A project-level finding is kept when the file it is about
        changed, or the folder it is about is new since the base: an old flat layout
        or a missing tests/ folder does not fail every pull request that touches a file."""
        if diagnostic.project_level:
            return self.file_changed(diagnostic.path) or self.folder_is_new(diagnostic.path)
        if diagnostic.code in _WHOLE_FILE_CODES or diagnostic.path.endswith(_WHOLE_FILE_SUFFIXES):
            return self.file_changed(diagnostic.path)
        rows = range(diagnostic.start.row, max(diagnostic.start.row, diagnostic.end.row) + 1)
        related = diagnostic.extra.get("related_rows") or ()
        return self.any_row_changed(diagnostic.path, [*rows, *related])


def _absolute(path: str | Path) -> str:
    return os.path.realpath(os.path.abspath(path))


def changed_lines(folder: Path, ref: str) -> ChangedLines:
    """The rows added or changed in the working tree of the repository holding
    ``folder`` since ``ref`` (see the module docstring for what "since" means)."""
    from policy_check.git_repo import GitError, GitRepo, decode

    repo = GitRepo.find(folder)
    if repo is None:
        if _is_bare(folder):
            raise DiffBaseError("--diff-base needs a working tree; this is a bare repository")
        raise DiffBaseError(f"--diff-base needs a git repository, and {folder} is not inside one")
    base = resolve_base(repo, ref)
    changed = ChangedLines(base)
    try:
        patch = repo.run(
            "diff",
            base,
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--find-renames",
            "--ignore-submodules",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--",
        )
        untracked = repo.run("ls-files", "-z", "--others", "--exclude-standard").split(b"\0")
        folders = repo.run("ls-tree", "-r", "-d", "-z", "--name-only", base).split(b"\0")
    except GitError as error:
        raise DiffBaseError(f"--diff-base: git diff against {ref} failed: {error}") from None
    top = repo.top
    for relative, rows in parse_unified_diff(decode(patch)).items():
        changed.rows_by_path[_absolute(top / relative)] = rows
    for relative in untracked:
        if relative:
            changed.rows_by_path[_absolute(top / decode(relative))] = None
    changed.base_folders = {_absolute(top)} | {_absolute(top / decode(folder)) for folder in folders if folder}
    logger.debug("--diff-base %s: base %s, %d changed files", ref, base[:12], len(changed.rows_by_path))
    return changed


def _is_bare(folder: Path) -> bool:
    from policy_check.git_repo import GitError, GitRepo

    try:
        return GitRepo(folder).run("rev-parse", "--is-bare-repository").strip() == b"true"
    except GitError:
        return False


def resolve_base(repo: GitRepo, ref: str) -> str:
    """The commit to compare with: the merge base with ``HEAD`` for a branch (local
    or remote-tracking), the commit itself for anything else."""
    from policy_check.git_repo import GitError

    commit = _commit_of(repo, ref)
    if commit is None and not ref.startswith(("origin/", "refs/")):
        # CI checkouts hold the target branch only as origin/<name> (GitHub's base_ref
        # and Bitbucket's destination branch are bare names).
        commit = _commit_of(repo, f"origin/{ref}")
        ref = f"origin/{ref}" if commit is not None else ref
    if commit is None:
        raise DiffBaseError(f"--diff-base: '{ref}' is not a branch, tag or commit in {repo.top}")
    if not _is_branch(repo, ref):
        return commit
    try:
        bases = repo.run("merge-base", commit, "HEAD").decode().split()
    except GitError as error:
        if "exited with 1" in str(error):  # no message: the two share no commit
            raise DiffBaseError(f"--diff-base: '{ref}' and HEAD share no history") from None
        raise DiffBaseError(f"--diff-base: no merge base of '{ref}' and HEAD: {error}") from None
    if not bases:
        raise DiffBaseError(f"--diff-base: '{ref}' and HEAD share no history")
    return bases[0]


def _commit_of(repo: GitRepo, ref: str) -> str | None:
    from policy_check.git_repo import GitError

    try:
        return repo.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").decode().strip() or None
    except GitError:
        return None


def _is_branch(repo: GitRepo, ref: str) -> bool:
    from policy_check.git_repo import GitError

    candidates = (ref,) if ref.startswith("refs/") else (f"refs/heads/{ref}", f"refs/remotes/{ref}")
    for candidate in candidates:
        try:
            repo.run("show-ref", "--verify", "--quiet", candidate)
        except GitError:
            continue
        return candidate.startswith(("refs/heads/", "refs/remotes/"))
    return False


def parse_unified_diff(patch: str) -> dict[str, set[int]]:
    """Added rows (new-side line numbers) per path from ``git diff --unified=0``."""
    rows_by_path: dict[str, set[int]] = {}
    current: set[int] | None = None
    for line in patch.splitlines():
        if line.startswith("+++ "):
            target = line[4:]
            if target == "/dev/null":
                current = None  # a deleted file: nothing of it is left to report
                continue
            path = _unquote(target)
            current = rows_by_path.setdefault(path.removeprefix("b/"), set())
        elif line.startswith("@@") and current is not None:
            match = _HUNK.match(line)
            if match:
                start = int(match.group("start"))
                count = int(match.group("count")) if match.group("count") is not None else 1
                current.update(range(start, start + count))
    return rows_by_path


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", '"': '"', "\\": "\\"}


def _unquote(path: str) -> str:
    """git quotes unusual paths C-style (``"b/caf\\303\\251.py"``); undo it."""
    path = path.rstrip("\t")  # git appends a tab to names with spaces in some versions
    if not (path.startswith('"') and path.endswith('"')):
        return path
    body, raw, index = path[1:-1], bytearray(), 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body):
            following = body[index + 1]
            if following in "01234567" and len(body) >= index + 4 and body[index + 1 : index + 4].isdigit():
                raw.append(int(body[index + 1 : index + 4], 8))
                index += 4
                continue
            raw.extend(_ESCAPES.get(following, following).encode())
            index += 2
            continue
        raw.extend(char.encode())
        index += 1
    return raw.decode("utf-8", "surrogateescape")
