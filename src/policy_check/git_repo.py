"""A git work tree read through the ``git`` command: its top folder, the index, the
objects, the history.  The project rules and ``--diff-base`` ask it; gitpython
did before and cost ~0.05 s of imports on every run that met a repository.

Paths cross as bytes (``-z``): a name with spaces, a newline or bytes that are not
UTF-8 comes back as the ``str`` Python uses for it on disk (``surrogateescape``),
so ``top / path`` opens the file.  No git installed, a folder outside git and a bare
repository all give ``GitRepo.find(...) is None``."""

from __future__ import annotations

import logging
import os
import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

logger = logging.getLogger(__name__)

_SHA = re.compile(rb"[0-9a-f]{40}(?:[0-9a-f]{24})?")


class GitError(Exception):
    """A git command that failed: its last line on standard error."""


def decode(name: bytes) -> str:
    return name.decode("utf-8", "surrogateescape")


def encode(name: str) -> bytes:
    return name.encode("utf-8", "surrogateescape")


class IndexEntry(NamedTuple):
    """A stage-0 entry of the index: its path from the top, mode and blob id (hex)."""

    # A NamedTuple, not a frozen dataclass: ~0.4M instructions to define instead of
    # ~4M (the generated methods are compiled at import), in every project check.
    path: str
    mode: str
    sha: str


class GitRepo:
    """The work tree at ``top`` (a resolved path); ``index_path``: its index file."""

    def __init__(self, top: Path, index_path: Path | None = None, head: str | None = "") -> None:
        self.top = top
        self.index_path = index_path
        self._head = head  # "": not asked yet

    @classmethod
    def find(cls, folder: Path) -> GitRepo | None:
        """The work tree holding ``folder``; None outside git, for a bare repository
        and when git cannot run."""
        try:
            # One git run for the top, the index and HEAD (exit 1: an unborn branch).
            asked = ["rev-parse", "--show-toplevel", "--git-path", "index", "--verify", "-q", "HEAD^{commit}"]
            found = _run(asked, folder, allowed=(0, 1)).split(b"\n")
        except GitError as error:
            logger.debug("no git work tree at %s: %s", folder, error)
            return None
        if len(found) < 2 or not found[0]:
            return None
        head = found[2].decode().strip() if len(found) > 2 else ""
        # --git-path answers relative to the folder asked from (or absolute).
        return cls(Path(decode(found[0])).resolve(), folder / decode(found[1]), head or None)

    def run(self, *args: str, stdin: bytes | None = None) -> bytes:
        """What ``git ARGS`` prints, run at the top; GitError when it fails."""
        return _run(list(args), self.top, stdin)

    def head(self) -> str | None:
        """The commit HEAD names (as ``find`` saw it); None on an unborn branch."""
        if self._head == "":
            try:
                self._head = self.run("rev-parse", "-q", "--verify", "HEAD^{commit}").decode().strip() or None
            except GitError:
                self._head = None
        return self._head

    def index(self) -> list[IndexEntry]:
        """The merged (stage 0) entries of the index, in its order."""
        entries = []
        for record in self.run("ls-files", "--stage", "-z").split(b"\0"):
            if not record:
                continue
            info, _, path = record.partition(b"\t")
            mode, sha, stage = info.split(b" ")
            if stage == b"0":
                entries.append(IndexEntry(decode(path), mode.decode(), sha.decode()))
        return entries

    def listing(self, pathspec: str) -> tuple[list[str], list[IndexEntry]]:
        """Two questions in one ``ls-files`` (one git process fewer): the files under
        ``pathspec`` that git tracks or would (untracked, not ignored), each once in
        git's order, and the merged (stage 0) index entries among them."""
        output = self.run("ls-files", "-z", "-t", "--stage", "--cached", "--others", "--exclude-standard", "--", pathspec)
        names: dict[str, None] = {}
        entries = []
        for record in output.split(b"\0"):
            if not record:
                continue
            # -t: "? " tags an untracked path; a letter and a space an index entry.
            if record.startswith(b"? "):
                names[decode(record[2:])] = None
                continue
            info, _, path = record[2:].partition(b"\t")
            name = decode(path)
            names[name] = None
            parts = info.split(b" ")
            if len(parts) == 3 and parts[2] == b"0":
                entries.append(IndexEntry(name, parts[0].decode(), parts[1].decode()))
        return list(names), entries

    def object_sizes(self, shas: Iterable[str]) -> dict[str, int]:
        """The stored size of each object that exists (a git-lfs pointer's, not the
        file's it stands for)."""
        wanted = list(dict.fromkeys(shas))
        if not wanted:
            return {}
        output = self.run("cat-file", "--batch-check", stdin="".join(f"{sha}\n" for sha in wanted).encode())
        sizes = {}
        for line in output.decode("ascii", "replace").splitlines():
            parts = line.split(" ")
            if len(parts) == 3 and parts[1] != "missing":
                sizes[parts[0]] = int(parts[2])
        return sizes

    def blobs(self, names: Sequence[str], limit: int | None = None) -> dict[str, bytes | None]:
        """The content of each blob named (``sha`` or ``REV:PATH``); None for a name
        that names no blob, or one over ``limit`` bytes."""
        found: dict[str, bytes | None] = dict.fromkeys(names)
        batch = [name for name in found if "\n" not in name]
        for name in found.keys() - set(batch):  # a name with a newline cannot go in a batch
            found[name] = self._blob_alone(name, limit)
        if not batch:
            return found
        output = self.run("cat-file", "--batch", stdin=b"".join(encode(name) + b"\n" for name in batch))
        at = 0
        for name in batch:
            header_end = output.index(b"\n", at)
            header = output[at:header_end].split(b" ")
            at = header_end + 1
            if len(header) != 3:  # "<name> missing" or "ambiguous"
                continue
            size = int(header[2])
            if header[1] == b"blob" and (limit is None or size <= limit):
                found[name] = output[at : at + size]
            at += size + 1
        return found

    def _blob_alone(self, name: str, limit: int | None) -> bytes | None:
        try:
            size = int(self.run("cat-file", "-s", name))
            if self.run("cat-file", "-t", name).strip() != b"blob" or (limit is not None and size > limit):
                return None
            return self.run("cat-file", "blob", name)
        except (GitError, ValueError):
            return None

    def deletions(self, pathspec: str, limit: int) -> list[tuple[str, list[str]]]:
        """(commit, paths) for each commit on HEAD's history that deleted files under
        ``pathspec``, newest first; about ``limit`` paths at most."""
        output = self.run("log", "-z", "--diff-filter=D", "--no-renames", "--name-only", "--format=%H", "HEAD", "--", pathspec)
        found: list[tuple[str, list[str]]] = []
        tokens = output.split(b"\0")
        count = 0
        for index, token in enumerate(tokens):
            follows = tokens[index + 1] if index + 1 < len(tokens) else b""
            if _SHA.fullmatch(token) and follows.startswith(b"\n"):
                # A commit: its id, then its paths (the first after one newline).
                found.append((token.decode(), []))
                tokens[index + 1] = follows[1:]
            elif found and token:
                found[-1][1].append(decode(token))
                count += 1
                if count > limit:
                    break
        return found


def _run(args: list[str], cwd: Path, stdin: bytes | None = None, allowed: tuple[int, ...] = (0,)) -> bytes:
    # No pager, no prompt for credentials, no lock taken only to refresh the index.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0"}
    try:
        done = subprocess.run(["git", "--no-pager", *args], cwd=cwd, input=stdin, capture_output=True, env=env, check=False)
    except OSError as error:  # git not installed, or the folder is gone
        raise GitError(str(error)) from None
    if done.returncode not in allowed:
        lines = [line.strip() for line in done.stderr.decode("utf-8", "replace").splitlines() if line.strip()]
        raise GitError(lines[-1] if lines else f"git {args[0]} exited with {done.returncode}")
    return done.stdout
