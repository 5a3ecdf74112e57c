"""What the server checks: a snapshot of one open document (a Python text, or a
notebook's Python cells) with the versions it was taken at, so that a result for
an older version is never shown."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument, Workspace

from policy_check.server.worker import Job

PYTHON_SUFFIXES = (".py", ".pyi")


@dataclass(frozen=True)
class Part:
    """One text document of a snapshot (the document itself, or one notebook cell)."""

    uri: str
    version: int | None
    text: str


@dataclass(frozen=True)
class Snapshot:
    # The document the check is scheduled under (the notebook's for its cells).
    key: str
    path: Path
    parts: tuple[Part, ...]
    is_notebook: bool = False

    def job(self, fix: bool = False, fix_edits: bool = True) -> Job:
        if self.is_notebook:
            return Job(str(self.path), cells=tuple(part.text for part in self.parts), fix=fix, fix_edits=fix_edits)
        return Job(str(self.path), self.parts[0].text, fix=fix, fix_edits=fix_edits)


def path_of(uri: str, workspace: Workspace, fallback_suffix: str) -> Path:
    """The file a document is (or would be, for an unsaved buffer): its configuration
    and per-file settings are that path's."""
    path = to_fs_path(uri) if uri.startswith("file:") else None
    if path:
        return Path(path)
    root = workspace.root_path or os.getcwd()
    name = Path(unquote(uri.rsplit("/", 1)[-1].split(":")[-1]) or "untitled").name or "untitled"
    return Path(root) / (name if name.endswith(fallback_suffix) else name + fallback_suffix)


def _open_text(workspace: Workspace, uri: str) -> TextDocument | None:
    return workspace.text_documents.get(unquote(uri))


def is_python(document: TextDocument) -> bool:
    return document.language_id == "python" or document.uri.endswith(PYTHON_SUFFIXES)


def text_snapshot(workspace: Workspace, uri: str) -> Snapshot | None:
    document = _open_text(workspace, uri)
    if document is None or not is_python(document):
        return None
    return Snapshot(uri, path_of(uri, workspace, ".py"), (Part(document.uri, document.version, document.source),))


def notebook_snapshot(workspace: Workspace, uri: str) -> Snapshot | None:
    notebook = workspace.get_notebook_document(notebook_uri=uri)
    if notebook is None:
        return None
    parts = []
    for cell in notebook.cells:
        document = _open_text(workspace, cell.document)
        if cell.kind == types.NotebookCellKind.Code and document is not None and is_python(document):
            parts.append(Part(document.uri, document.version, document.source))
    return Snapshot(uri, path_of(uri, workspace, ".ipynb"), tuple(parts), is_notebook=True)


def snapshot(workspace: Workspace, key: str) -> Snapshot | None:
    if workspace.get_notebook_document(notebook_uri=key) is not None:
        return notebook_snapshot(workspace, key)
    return text_snapshot(workspace, key)


def is_current(workspace: Workspace, taken: Snapshot) -> bool:
    """Whether every part is still open at the version the snapshot was taken at."""
    now = snapshot(workspace, taken.key)
    return now is not None and [(p.uri, p.version) for p in now.parts] == [(p.uri, p.version) for p in taken.parts]

