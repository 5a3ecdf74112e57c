"""The language server: protocol handlers wired to the scheduler, the checker process,
the published findings and the code actions.  It decides nothing about rules."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from policy_check import __version__
from policy_check.server import actions
from policy_check.server.documents import Snapshot, is_current, snapshot
from policy_check.server.findings import Published, fill_fix_edits, publish_plan
from policy_check.server.pool import CheckPool
from policy_check.server.scheduler import Scheduler
from policy_check.server.worker import Outcome

logger = logging.getLogger(__name__)

# Changes closer together than this are a burst: only its first and its last start a
# check (a check of a 1,000-line script costs 0.3-0.4 s of CPU).  A change after a
# quiet spell is checked at once (see scheduler.py).
DEBOUNCE_SECONDS = 0.05


class PolicyCheckServer(LanguageServer):
    def __init__(self, workers: int = 2, pool: CheckPool | None = None) -> None:
        super().__init__(
            "policy-check",
            __version__,
            text_document_sync_kind=types.TextDocumentSyncKind.Incremental,
            notebook_document_sync=types.NotebookDocumentSyncOptions(
                notebook_selector=[types.NotebookDocumentFilterWithCells(cells=[types.NotebookCellLanguage(language="python")])],
                save=True,
            ),
        )
        self.scheduler = Scheduler()
        self.pool = pool or CheckPool(workers=workers)
        self.debounce = DEBOUNCE_SECONDS
        # Text document uri → its findings as last published.
        self.published: dict[str, Published] = {}
        # Check key (document or notebook uri) → the uris published for it.
        self.parts_of: dict[str, list[str]] = {}
        self._problems_shown: set[str] = set()
        # Check key → the snapshot whose fix edits are being (or were) computed.
        self._fix_edits: dict[str, tuple[Snapshot, asyncio.Future[None]]] = {}

    # -- capabilities the client offered

    def _client_supports(self, *path: str) -> bool:
        value: Any = self.client_capabilities
        for name in path:
            value = getattr(value, name, None)
            if value is None:
                return False
        return bool(value)

    @property
    def versioned_edits(self) -> bool:
        return self._client_supports("workspace", "workspace_edit", "document_changes")

    @property
    def resolves_edits(self) -> bool:
        support = getattr(getattr(getattr(self.client_capabilities, "text_document", None), "code_action", None), "resolve_support", None)
        return support is not None and "edit" in (support.properties or [])

    # -- checking and publishing

    def request_check(self, key: str) -> None:
        self.scheduler.schedule(key, 0.0, lambda: self.check(key))

    def changed(self, key: str) -> None:
        self.scheduler.changed(key, self.debounce, lambda: self.check(key))

    async def check(self, key: str) -> None:
        taken = snapshot(self.workspace, key)
        if taken is None:
            return
        # Diagnostics need no fix edits (placing and rendering them is ~10% of a
        # check): a code action asks for them, at most once per snapshot.
        outcome = await self.pool.run(taken.job(fix_edits=False))
        if not is_current(self.workspace, taken):
            return  # a newer change has its own check coming
        if outcome.problem:
            self.show_problem(outcome.problem)
        self.publish(taken, outcome)

    def publish(self, taken: Snapshot, outcome: Outcome) -> None:
        plan = publish_plan(taken, outcome.diagnostics, outcome.layout, self.workspace.position_codec, with_edits=False)
        for uri in self.parts_of.get(taken.key, []):
            if uri not in plan:  # a cell deleted since the last check
                self.clear(uri)
        self.parts_of[taken.key] = list(plan)
        for uri, published in plan.items():
            self.published[uri] = published
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=published.lsp_diagnostics(), version=published.part.version)
            )

    def clear(self, uri: str) -> None:
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    def forget(self, key: str) -> None:
        self.scheduler.forget(key)
        self._fix_edits.pop(key, None)
        for uri in self.parts_of.pop(key, [key]):
            self.clear(uri)

    def show_problem(self, message: str) -> None:
        logger.warning("%s", message)
        if message not in self._problems_shown:
            self._problems_shown.add(message)
            self.window_show_message(types.ShowMessageParams(type=types.MessageType.Warning, message=f"policy-check: {message}"))

    def recheck_all(self) -> None:
        for key in list(self.parts_of):
            self.request_check(key)

    # -- code actions

    async def code_actions(self, params: types.CodeActionParams) -> list[types.CodeAction]:
        published = self.published.get(params.text_document.uri)
        if published is None:
            return []
        codec, versioned = self.workspace.position_codec, self.versioned_edits
        only = params.context.only
        found: list[types.CodeAction] = []
        if actions.wanted(only, types.CodeActionKind.QuickFix):
            # A client that resolves edits gets the fix now and its edit when it is
            # chosen; another waits here for the snapshot's fix edits.
            deferred = self.resolves_edits and not published.snapshot.is_notebook
            requested = actions.requested_findings(published, params.context.diagnostics)
            if not deferred and any(finding.edits_pending for finding in requested):
                await self.resolve_fix_edits(published.snapshot)
            found += actions.quick_fixes(published, params.context.diagnostics, self.published, codec, versioned, deferred)
        if actions.wanted(only, actions.FIX_ALL):
            explicit = only is not None
            if explicit or actions.has_safe_fix(self._published_for(published.snapshot.key)):
                key = published.snapshot.key
                if explicit or not self.resolves_edits:
                    edit = await self.fix_all_edit(key)
                    if edit.changes or edit.document_changes:  # nothing to fix: no action
                        found.append(actions.fix_all_action(edit))
                else:
                    found.append(actions.fix_all_action(data={"key": key}))
        return found

    async def resolve_code_action(self, action: types.CodeAction) -> types.CodeAction:
        data = action.data if isinstance(action.data, dict) else {}
        if action.kind == actions.FIX_ALL and isinstance(data.get("key"), str):
            action.edit = await self.fix_all_edit(data["key"])
        elif action.kind == types.CodeActionKind.QuickFix and isinstance(data.get("uri"), str):
            action.edit = await self.quick_fix_edit(data["uri"], data.get("version"), data.get("index"))
        return action

    async def quick_fix_edit(self, uri: str, version: object, index: object) -> types.WorkspaceEdit | None:
        """The edit of a quick fix offered without one (None: the document changed since)."""
        published = self.published.get(uri)
        if published is None or published.part.version != version or not isinstance(index, int):
            return None
        if not 0 <= index < len(published.findings):
            return None
        finding = published.findings[index]
        if finding.edits_pending:
            await self.resolve_fix_edits(published.snapshot)
        action = actions.fix_action(finding, self.published, self.workspace.position_codec, self.versioned_edits)
        return action.edit if action is not None else None

    async def resolve_fix_edits(self, taken: Snapshot) -> None:
        """Check ``taken`` again with fix edits and give them to its published findings;
        once per snapshot (requests for the same one wait for the same check)."""
        running = self._fix_edits.get(taken.key)
        if running is None or running[0] is not taken:
            running = (taken, asyncio.ensure_future(self._check_with_edits(taken)))
            self._fix_edits[taken.key] = running
        await asyncio.shield(running[1])

    async def _check_with_edits(self, taken: Snapshot) -> None:
        outcome = await self.pool.run(taken.job())
        if outcome.problem:
            self.show_problem(outcome.problem)
        plan = publish_plan(taken, outcome.diagnostics, outcome.layout, self.workspace.position_codec)
        fill_fix_edits(self.published, plan)

    def _published_for(self, key: str) -> list[Published]:
        return [self.published[uri] for uri in self.parts_of.get(key, []) if uri in self.published]

    async def fix_all_edit(self, key: str) -> types.WorkspaceEdit:
        """The whole document (or notebook) as ``--fix`` would leave it, as edits."""
        taken = snapshot(self.workspace, key)
        if taken is None:
            return types.WorkspaceEdit()
        outcome = await self.pool.run(taken.job(fix=True))
        if outcome.problem:
            self.show_problem(outcome.problem)
        fixed = outcome.fixed
        if fixed is None:
            return types.WorkspaceEdit()
        texts = fixed if isinstance(fixed, list) else [fixed]
        parts = [(part.uri, part.version, part.text, new) for part, new in zip(taken.parts, texts)]
        return actions.fix_all_edit(parts, self.workspace.position_codec, self.versioned_edits)


def build_server(workers: int = 2, pool: CheckPool | None = None) -> PolicyCheckServer:
    """The server, checking in ``pool`` (a pool already warming up) or a new one."""
    server = PolicyCheckServer(workers, pool)

    @server.feature(types.INITIALIZED)
    def initialized(ls: PolicyCheckServer, params: types.InitializedParams) -> None:
        ls.pool.warm_up()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: PolicyCheckServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.request_check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: PolicyCheckServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.changed(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: PolicyCheckServer, params: types.DidSaveTextDocumentParams) -> None:
        if params.text_document.uri.endswith("pyproject.toml"):
            ls.recheck_all()  # the configuration may have changed
        else:
            ls.request_check(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: PolicyCheckServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_OPEN)
    def notebook_open(ls: PolicyCheckServer, params: types.DidOpenNotebookDocumentParams) -> None:
        ls.request_check(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CHANGE)
    def notebook_change(ls: PolicyCheckServer, params: types.DidChangeNotebookDocumentParams) -> None:
        ls.changed(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_SAVE)
    def notebook_save(ls: PolicyCheckServer, params: types.DidSaveNotebookDocumentParams) -> None:
        ls.request_check(params.notebook_document.uri)

    @server.feature(types.NOTEBOOK_DOCUMENT_DID_CLOSE)
    def notebook_close(ls: PolicyCheckServer, params: types.DidCloseNotebookDocumentParams) -> None:
        ls.forget(params.notebook_document.uri)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=actions.KINDS, resolve_provider=True))
    async def code_action(ls: PolicyCheckServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        return await ls.code_actions(params)

    @server.feature(types.CODE_ACTION_RESOLVE)
    async def resolve(ls: PolicyCheckServer, params: types.CodeAction) -> types.CodeAction:
        return await ls.resolve_code_action(params)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: PolicyCheckServer, params: None) -> None:
        ls.scheduler.cancel_all()
        ls.pool.close()

    return server
