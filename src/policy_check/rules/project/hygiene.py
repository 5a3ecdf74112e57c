"""PC7 — repository hygiene: what must never be in git.  Private keys (also those
deleted at HEAD but still in the branch's history), files too large for git, and
notebooks committed with their outputs.  Sizes come from the git index, contents
from the tracked files; a key's text is never printed."""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Collection, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from policy_check.cache import CACHE_FOLDER, ResultCache
from policy_check.cache import enabled as cache_enabled
from policy_check.diagnostics import Applicability, Severity
from policy_check.discovery import is_excluded
from policy_check.rules.base import FixSafety
from policy_check.git_repo import GitError, GitRepo
from policy_check.rules.project.base import Finding, LazyExamples, ProjectExample, ProjectFix, ProjectRule

if TYPE_CHECKING:  # the fixes get one; a check alone never imports it
    from policy_check.rules.project.workspace import Workspace

logger = logging.getLogger(__name__)

# Built from pieces so that this module itself never looks like a key to a scanner.
_DASHES = "-" * 5
# A line break in the key: a real one, or written as an escape inside a string (a
# cloud service-account JSON file, a Python literal: `"...KEY-----\\nMIIE..."`),
# possibly where one string literal ends and the next begins (`"...-----\\n" "MIIE..."`).
_LINE_BREAK = rb"(?:[ \t]*(?:\r?\n|(?:\\r)?\\n)(?:[\"'][ \t]*\+?[ \t]*\\?\r?\n?[ \t]*[bBrRuU]{0,2}[\"'])?)"
PRIVATE_KEY_SOURCE = (
    rb"(?:^|[\"'\s=:(])" + _DASHES.encode() + rb"BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?" + _DASHES.encode()
    + _LINE_BREAK + rb"(?:[A-Za-z-]+:[^\n\\]*" + _LINE_BREAK + rb")*\s*[A-Za-z0-9+/=]{20,}"
)
PUTTY_SOURCE = rb"^PuTTY-User-Key-File-\d+: "
KEY_FILE_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"})
# Larger files are not read for keys: a key is a few kB, a PEM bundle a few dozen.
MAX_KEY_SCAN_BYTES = 1024 * 1024
BINARY_SUFFIXES = frozenset(
    ".npy .npz .h5 .hdf5 .nc .parquet .feather .pkl .pickle .pt .pth .ckpt .onnx .png .jpg .jpeg .gif .pdf "
    ".zip .gz .bz2 .xz .tar .tif .tiff .fits .mat .so .dylib .dll .whl .ipynb".split()
)
MEGABYTE = 1024 * 1024


def holds_private_key(content: bytes) -> bool:
    # Each pattern holds its literal: most files hold neither, and the patterns are
    # compiled only for one that does (the key pattern takes ~10 ms to compile).
    if b"PRIVATE KEY" in content and re.search(PRIVATE_KEY_SOURCE, content):
        return True
    return b"PuTTY-User-Key-File-" in content and re.search(PUTTY_SOURCE, content, re.MULTILINE) is not None


def _fake_key() -> str:
    """Key-shaped text for the documentation: a header and random-looking base64, no key."""
    body = "MHcCAQEEIDocumentationExampleNotAKeyAtAll0123456789abcdefoAoGCCqGSM49"
    return f"{_DASHES}BEGIN EC PRIVATE KEY{_DASHES}\n{body}\n{_DASHES}END EC PRIVATE KEY{_DASHES}\n"


def _blob_id(content: bytes) -> bytes:
    """Git's id for a blob with this content."""
    import hashlib  # only when the clean blobs are kept (not with --no-cache)

    return hashlib.sha1(b"blob %d\0" % len(content) + content, usedforsecurity=False).digest()


class CleanBlobs:
    """The git blobs already scanned and found to hold no key, kept between runs in
    the git-ignored cache folder.  A blob id names its exact content, so the set
    never goes stale, and a pre-commit run reads only what changed instead of every
    tracked file."""

    FILE = "keyscan-clean-blobs.txt"

    def __init__(self, root: Path) -> None:
        self.path = root / CACHE_FOLDER / self.FILE
        self.known: set[bytes] = set()
        self.added: set[bytes] = set()
        self.kept = cache_enabled()
        if not self.kept:  # --no-cache: scan everything, remember nothing
            return
        try:
            self.known = {bytes.fromhex(line) for line in self.path.read_text().split()}
        except (OSError, ValueError):
            self.known = set()

    def __contains__(self, binsha: bytes) -> bool:
        return binsha in self.known

    def add(self, binsha: bytes) -> None:
        self.added.add(binsha)

    def save(self) -> None:
        if not self.added or not cache_enabled() or ResultCache.at_root(self.path.parent.parent, "") is None:
            return
        lines = sorted(sha.hex() for sha in self.known | self.added)
        try:
            temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text("\n".join(lines) + "\n")
            os.replace(temporary, self.path)
        except OSError:
            pass  # a read-only checkout: scan again next time


class CommittedPrivateKey(ProjectRule):
    """
    A private key in git is readable by everyone who can clone the repository,
    forever: deleting the file leaves it in every earlier commit, every fork and
    every clone.  Whoever has it can log in to the cluster or impersonate the
    server it belongs to.  Remove it, purge it from the history (`git filter-repo`)
    and, above all, rotate the key: treat it as leaked.
    """

    code = "PC701"
    name = "committed-private-key"
    summary = "A tracked file holds a private key (SSH, TLS, PGP; also inside a JSON or Python string) or is named like one"
    MESSAGE = (
        "{what}: remove it, purge it from the history (git filter-repo) and rotate the key — "
        "treat it as leaked"
    )
    severity = Severity.ERROR
    fix_safety = FixSafety.SUGGESTION
    fix_note = "Removing the file is not enough: the key stays in the history, so it must be rotated."
    references = ("https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository",)
    INVALID = (
        ProjectExample({"ops/tls/server.key": _fake_key(), "README.md": "# lab\n"}),
        # Hidden in strings: a cloud service-account file, a Python literal.
        ProjectExample({"config/service-account.json": json.dumps({"type": "service_account", "private_key": _fake_key()})}),
        ProjectExample({"upload.py": f"KEY = {_fake_key()!r}\n"}),
    )
    VALID = (ProjectExample({"keys/deploy_ed25519.pub": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIExample ci@lab\n",
                             "docs/security.md": "Never commit id_rsa or *.key files.\n"}),)

    def check(self) -> Iterator[Finding]:
        facts = self.facts
        clean = CleanBlobs(facts.root)
        for path, entry in facts.tracked.items():
            name = path.rpartition("/")[2]
            if name in KEY_FILE_NAMES and entry.size > 0:
                yield Finding(facts.path(path), self.MESSAGE.format(what=f"{path} is a private SSH key file in git"))
                continue
            if entry.size > MAX_KEY_SCAN_BYTES or Path(name).suffix.lower() in BINARY_SUFFIXES:
                continue
            if entry.binsha in clean:
                continue
            content = self._content(path, entry.binsha)
            if content is not None and holds_private_key(content):
                yield Finding(facts.path(path), self.MESSAGE.format(what=f"{path} holds a private key"))
            elif content is not None and clean.kept and _blob_id(content) == entry.binsha:
                # Only what was read is known clean: a working-tree file with unstaged
                # changes is not the blob the index names.
                clean.add(entry.binsha)
        clean.save()
        yield from self._deleted_keys()

    def _content(self, path: str, binsha: bytes) -> bytes | None:
        """The working tree's file (None when it has grown past what is scanned: a
        git-lfs file's pointer is small, the file is not), else the staged blob."""
        try:
            with open(self.facts.path(path), "rb") as stream:
                content = stream.read(MAX_KEY_SCAN_BYTES + 1)
            return content if len(content) <= MAX_KEY_SCAN_BYTES else None
        except OSError:
            pass
        assert self.facts.repo is not None
        try:
            return self.facts.repo.blobs([binsha.hex()], MAX_KEY_SCAN_BYTES)[binsha.hex()]
        except GitError:  # a missing object is not our finding
            return None

    def _deleted_keys(self) -> Iterator[Finding]:
        """Keys deleted on the current branch: gone from HEAD, still in its history."""
        facts = self.facts
        if facts.repo is None or not facts.has_commits:
            return
        # The history from HEAD, less what the index still holds.
        key = f"deleted-keys:{facts.head}:{facts.git_prefix}:{facts.index_key}" if facts.index_key else None
        found = facts.memo.get(key)
        if found is None:
            found = _deleted_keys(facts.repo, facts.git_prefix, facts.tracked.keys())
            facts.memo.put(key, found)
        for path, commit in found:
            what = f"{path} held a private key; deleted in {commit[:8]} but still in the history of this branch"
            yield Finding(facts.path(path), self.MESSAGE.format(what=what))


def _deleted_keys(repo: GitRepo, prefix: str, tracked: Collection[str]) -> list[tuple[str, str]]:
    """(path under ``prefix``, deleting commit) of each key deleted on HEAD's history."""
    try:
        # A huge history: the newest deletions are the likely leaks.
        deletions = repo.deletions(prefix or ".", limit=5000)
    except GitError:  # a shallow or odd repository: nothing to say
        return []
    candidates: dict[str, tuple[str, str]] = {}  # path -> (commit, path from the git top)
    for commit, git_paths in deletions:
        for git_path in git_paths:
            path = git_path[len(prefix) :]
            if path not in candidates and path not in tracked:
                candidates[path] = (commit, git_path)
    return [(path, candidates[path][0]) for path in _keys_among(repo, candidates)]


def _keys_among(repo: GitRepo, candidates: dict[str, tuple[str, str]]) -> list[str]:
    """The deleted files (path -> (deleting commit, path from the top)) that held a
    key as the deleting commit's first parent had them."""
    named = {
        path: f"{commit}^:{git_path}" for path, (commit, git_path) in candidates.items()
        if Path(git_path.rpartition("/")[2]).suffix.lower() not in BINARY_SUFFIXES
    }
    try:
        contents = repo.blobs(list(named.values()), MAX_KEY_SCAN_BYTES)
    except GitError:
        return []
    keys = []
    for path, name in named.items():
        content = contents.get(name)
        if path.rpartition("/")[2] in KEY_FILE_NAMES:
            # Named like a key: a key file, whatever it holds (if it was a blob at all).
            if content is not None or repo.blobs([name])[name] is not None:
                keys.append(path)
        elif content is not None and holds_private_key(content):
            keys.append(path)
    return keys


class LargeDataFile(ProjectRule):
    """
    Git keeps every version of every file forever and every clone downloads all
    of them: a 200 MB array committed three times makes every clone 600 MB slower,
    for good.  Data and model files belong in git-lfs, DVC or external storage
    (a data repository, object storage) with a small script or pointer in git.
    """

    code = "PC702"
    name = "large-data-file"
    summary = "A tracked file over `max-file-mb` (default 5)"
    MESSAGE = "{path} is {size:.1f} MB in git (limit {limit:g} MB): track it with git-lfs or DVC, or store it outside git"
    severity = Severity.WARNING
    fix_safety = FixSafety.SUGGESTION
    fix_note = "Moving a file to git-lfs or DVC changes how everyone fetches it, so there is no automatic fix."
    references = ("https://git-lfs.com/", "https://dvc.org/")
    # Built when read (the documentation, the tests): 6 MB is not made on every run.
    INVALID = LazyExamples(lambda: (ProjectExample({"data/fields.npy": b"\x93NUMPY" + bytes(6 * MEGABYTE)}),))
    VALID = LazyExamples(lambda: (
        ProjectExample({"data/small.csv": "a,b\n1,2\n"}),
        ProjectExample({"data/fields.npy": b"\x93NUMPY" + bytes(6 * MEGABYTE)}, config={"max-file-mb": 10}),
    ))

    def check(self) -> Iterator[Finding]:
        facts = self.facts
        limit = facts.settings.max_file_mb
        for path, entry in facts.tracked.items():
            # The size git stores (a git-lfs pointer is a few hundred bytes).
            if entry.size <= limit * MEGABYTE or is_excluded(path, facts.settings):
                continue
            message = self.MESSAGE.format(path=path, size=entry.size / MEGABYTE, limit=limit)
            yield Finding(facts.path(path), message)


def strip_outputs(notebook: dict[str, Any]) -> bool:
    """Empty every code cell's outputs and execution count; True when anything changed."""
    changed = False
    for cell in notebook.get("cells", []):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        if cell.get("outputs"):
            cell["outputs"] = []
            changed = True
        if cell.get("execution_count") is not None:
            cell["execution_count"] = None
            changed = True
    return changed


def _indent_of(text: str) -> int:
    match = re.search(r"\n( +)\"", text)
    return len(match.group(1)) if match else 1


class NotebookOutputs(ProjectRule):
    """
    Outputs make a notebook's diff unreadable (a plot is kilobytes of base64), bloat
    the history, and can leak data — patient records, file paths, tokens printed in
    a cell.  They also claim results the code in git may no longer produce.  Commit
    notebooks clean and regenerate outputs by running them.
    """

    code = "PC703"
    name = "notebook-outputs"
    summary = "A tracked `.ipynb` holds outputs"
    MESSAGE = "{path} is committed with {count} cell outputs: strip them before committing"
    COUNTS_MESSAGE = (
        "{path} is committed with execution counts on {count} cells but no outputs: clear them before "
        "committing (they change the file on every run)"
    )
    severity = Severity.WARNING
    fix_safety = FixSafety.SAFE
    fix_note = "The fix empties outputs and execution counts; sources and metadata are kept."
    CLEAN = json.dumps({"cells": [{"cell_type": "code", "execution_count": None, "id": "c1", "metadata": {},
                                   "outputs": [], "source": ["1 + 1"]}],
                        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    WITH_OUTPUT = json.dumps({"cells": [{"cell_type": "code", "execution_count": 3, "id": "c1", "metadata": {},
                                         "outputs": [{"data": {"text/plain": ["2"]}, "execution_count": 3,
                                                      "metadata": {}, "output_type": "execute_result"}],
                                         "source": ["1 + 1"]}],
                              "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1) + "\n"
    COUNTS_ONLY = CLEAN.replace('"execution_count": null', '"execution_count": 7')
    INVALID = (
        ProjectExample({"notebooks/calibration.ipynb": WITH_OUTPUT}, fixed={"notebooks/calibration.ipynb": CLEAN}),
        ProjectExample({"notebooks/calibration.ipynb": COUNTS_ONLY}, fixed={"notebooks/calibration.ipynb": CLEAN}),
    )
    VALID = (ProjectExample({"notebooks/calibration.ipynb": CLEAN}),)

    def check(self) -> Iterator[Finding]:
        facts = self.facts
        for path in facts.tracked:
            if not path.endswith(".ipynb") or is_excluded(path, facts.settings):
                continue
            notebook = _read_notebook(facts.path(path))
            if notebook is None:
                continue
            message = _outputs_message(path, notebook)
            if message:
                fix = ProjectFix("strip the outputs", Applicability.SAFE, partial(_strip_file, facts.path(path)))
                yield Finding(facts.path(path), message, fix)


def _outputs_message(path: str, notebook: dict[str, Any]) -> str | None:
    """What the notebook was committed with: outputs, or only execution counts."""
    cells = [cell for cell in notebook.get("cells", []) if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    outputs = sum(len(cell.get("outputs") or []) for cell in cells)
    counted = sum(cell.get("execution_count") is not None for cell in cells)
    if outputs:
        return NotebookOutputs.MESSAGE.format(path=path, count=outputs)
    if counted:
        return NotebookOutputs.COUNTS_MESSAGE.format(path=path, count=counted)
    return None


def _read_notebook(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _strip_file(path: Path, workspace: Workspace) -> None:
    text = workspace.read(path)
    if text is None:
        return
    try:
        notebook = json.loads(text)
    except ValueError:
        return
    if strip_outputs(notebook):
        stripped = json.dumps(notebook, indent=_indent_of(text), ensure_ascii=False)
        workspace.write(path, stripped + ("\n" if text.endswith("\n") else ""))


RULES: tuple[type[ProjectRule], ...] = (CommittedPrivateKey, LargeDataFile, NotebookOutputs)
