"""Code actions: a finding's fix, "Disable CODE for this line" (a ``# noqa`` merged
into any directive already there), and fix-all (``source.fixAll.policy-check``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lsprotocol import types
from pygls.workspace import PositionCodec

from policy_check.adoption.add_noqa import add_noqa_to_text
from policy_check.diagnostics import INTERNAL_ERROR, IO_ERROR, SYNTAX_ERROR, UNUSED_NOQA, Applicability
from policy_check.server.convert import minimal_edit, to_text_edit
from policy_check.server.findings import Finding, Published

FIX_ALL = "source.fixAll.policy-check"
KINDS = [types.CodeActionKind.QuickFix, types.CodeActionKind.SourceFixAll, FIX_ALL]
# A noqa comment cannot silence these: they are about the file, or about noqa itself.
_NOT_SILENCEABLE = {SYNTAX_ERROR, IO_ERROR, INTERNAL_ERROR, UNUSED_NOQA}


def wanted(only: Sequence[str] | None, kind: str) -> bool:
    """Whether a requested ``only`` filter admits ``kind`` (kinds are dotted prefixes)."""
    return only is None or any(kind == want or kind.startswith(want + ".") for want in only)


def workspace_edit(edits: Mapping[str, list[types.TextEdit]], versions: Mapping[str, int | None], versioned: bool) -> types.WorkspaceEdit:
    """Edits per document; versioned (so a client refuses them on a changed document)
    when it supports that."""
    if not versioned:
        return types.WorkspaceEdit(changes={uri: list(text_edits) for uri, text_edits in edits.items()})
    return types.WorkspaceEdit(
        document_changes=[
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uri, version=versions.get(uri)),
                edits=list(text_edits),
            )
            for uri, text_edits in edits.items()
        ]
    )


def find(published: Published, requested: types.Diagnostic) -> Finding | None:
    """The finding a client's diagnostic stands for: by the data we gave it, else by
    code and range (some clients drop ``data``)."""
    data = requested.data if isinstance(requested.data, dict) else {}
    index = data.get("index")
    if isinstance(index, int) and data.get("version") == published.part.version and 0 <= index < len(published.findings):
        return published.findings[index]
    for finding in published.findings:
        if finding.published.code == requested.code and finding.published.range == requested.range:
            return finding
    return None


def fix_action(
    finding: Finding, by_uri: Mapping[str, Published], codec: PositionCodec, versioned: bool, resolve_data: object = None
) -> types.CodeAction | None:
    """The finding's fix as a quick fix.  One whose edits are still to be computed is
    offered with ``resolve_data`` (the client asks for its edit when it is chosen:
    ``codeAction/resolve``), or not at all without it."""
    diagnostic = finding.diagnostic
    if diagnostic.fix is None:
        return None
    safe = diagnostic.fix.applicability is Applicability.SAFE
    action = types.CodeAction(
        title=f"{diagnostic.code}: {diagnostic.fix.message}" + ("" if safe else " (unsafe fix: review the change)"),
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[finding.published],
        is_preferred=safe,
    )
    if finding.edits_pending:
        if resolve_data is None:
            return None
        action.data = resolve_data
        return action
    if finding.fix_edits is None or any(uri not in by_uri for uri in finding.fix_edits):
        return None
    edits = {uri: [to_text_edit(edit, by_uri[uri].lines, codec) for edit in edits] for uri, edits in finding.fix_edits.items()}
    action.edit = workspace_edit(edits, {uri: by_uri[uri].part.version for uri in edits}, versioned)
    return action


def noqa_action(finding: Finding, published: Published, codec: PositionCodec, versioned: bool) -> types.CodeAction | None:
    diagnostic = finding.diagnostic
    if diagnostic.code in _NOT_SILENCEABLE or diagnostic.project_level:
        return None
    new_text, added = add_noqa_to_text(published.part.text, [diagnostic])
    edit = minimal_edit(published.part.text, new_text, codec) if added else None
    if edit is None:
        return None
    uri = published.part.uri
    return types.CodeAction(
        title=f"Disable {diagnostic.code} for this line",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[finding.published],
        edit=workspace_edit({uri: [edit]}, {uri: published.part.version}, versioned),
    )


def requested_findings(published: Published, requested: Sequence[types.Diagnostic]) -> list[Finding]:
    """The findings of ours the client asks about."""
    found = (find(published, diagnostic) for diagnostic in requested if diagnostic.source == "policy-check")
    return [finding for finding in found if finding is not None]


def quick_fix_data(published: Published, finding: Finding) -> dict[str, object]:
    """What ``codeAction/resolve`` needs to find the finding again."""
    return {"uri": published.part.uri, "version": published.part.version, "index": published.findings.index(finding)}


def quick_fixes(
    published: Published,
    requested: Sequence[types.Diagnostic],
    by_uri: Mapping[str, Published],
    codec: PositionCodec,
    versioned: bool,
    deferred: bool = False,
) -> list[types.CodeAction]:
    """For each finding the client asks about: its fix (if any), then its noqa.
    ``deferred``: a fix whose edits are not computed yet is offered, to be resolved."""
    actions: list[types.CodeAction] = []
    for finding in requested_findings(published, requested):
        data = quick_fix_data(published, finding) if deferred else None
        candidates = (fix_action(finding, by_uri, codec, versioned, data), noqa_action(finding, published, codec, versioned))
        actions.extend(action for action in candidates if action is not None)
    return actions


def has_safe_fix(published: Sequence[Published]) -> bool:
    return any(
        f.diagnostic.fix is not None and f.diagnostic.fix.applicability is Applicability.SAFE for p in published for f in p.findings
    )


def fix_all_action(edit: types.WorkspaceEdit | None = None, data: object = None) -> types.CodeAction:
    return types.CodeAction(title="policy-check: apply all safe fixes", kind=FIX_ALL, edit=edit, data=data)


def fix_all_edit(parts: Sequence[tuple[str, int | None, str, str]], codec: PositionCodec, versioned: bool) -> types.WorkspaceEdit:
    """The edit from each document's text to its fixed text: (uri, version, old, new)."""
    edits: dict[str, list[types.TextEdit]] = {}
    versions: dict[str, int | None] = {}
    for uri, version, old, new in parts:
        change = minimal_edit(old, new, codec)
        if change is not None:
            edits[uri] = [change]
            versions[uri] = version
    return workspace_edit(edits, versions, versioned)

