"""`policy-check server` end to end: the real server in a subprocess, driven over
standard input/output by a real LSP client (pytest-lsp, on pygls).  The client applies
the edits the server sends the way an editor does, and sends the result back."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("pytest_lsp", reason="the server's tests need the test extra (pytest-lsp)")

import pytest_lsp  # noqa: E402
from lsprotocol import types  # noqa: E402
from pygls.protocol import default_converter  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features  # noqa: E402

from policy_check.rules import rule_by_code  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")

# One checker process: the suite runs beside other tests on two cores.
SERVER = [sys.executable, "-m", "policy_check", "server", "--workers", "1"]
TIMEOUT = 60.0

PYPROJECT = """\
[project]
name = "analysis"
version = "0.1"

[tool.policy-check]
"""


def make_client() -> LanguageClient:
    """pytest-lsp's client, keeping every diagnostics notification (with its version)."""
    client = LanguageClient(converter_factory=default_converter)

    def record(client: LanguageClient, params: types.PublishDiagnosticsParams) -> None:
        client.diagnostics[params.uri] = params.diagnostics
        client.published.append(params)  # type: ignore[attr-defined]

    register_lsp_features(client, {**DEFAULT_CLIENT_FEATURES, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: record})
    client.published = []  # type: ignore[attr-defined]
    return client


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("project")
    (root / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    return root


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=make_client), scope="module")
async def client(lsp_client: LanguageClient, project: Path):
    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities("visual-studio-code"), root_uri=project.as_uri())
    )
    yield
    await lsp_client.shutdown_session()


# ---------------------------------------------------------------------------
# Helpers: what an editor does


async def published(client: LanguageClient, uri: str, version: int | None = None) -> list[types.Diagnostic]:
    """The diagnostics the server publishes for ``uri`` (at ``version``), waiting for them."""

    def found() -> types.PublishDiagnosticsParams | None:
        for params in reversed(client.published):  # type: ignore[attr-defined]
            if params.uri == uri and (version is None or params.version == version):
                return params
        return None

    async def wait() -> types.PublishDiagnosticsParams:
        while (params := found()) is None:
            await asyncio.sleep(0.02)
        return params

    return list((await asyncio.wait_for(wait(), TIMEOUT)).diagnostics)


def open_document(client: LanguageClient, path: Path, text: str, version: int = 1) -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(text_document=types.TextDocumentItem(uri=uri, language_id="python", version=version, text=text))
    )
    return uri


def change_document(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def utf16_offset(line: str, character_index: int) -> int:
    return len(line[:character_index].encode("utf-16-le")) // 2


def from_utf16(line: str, units: int) -> int:
    count = 0
    for index, character in enumerate(line):
        if count >= units:
            return index
        count += len(character.encode("utf-16-le")) // 2
    return len(line)


def apply_text_edits(text: str, edits: list[types.TextEdit]) -> str:
    """Apply LSP text edits (all relative to ``text``) as an editor does."""
    lines = text.splitlines(keepends=True) or [""]
    if text.endswith("\n"):
        lines.append("")

    def offset(position: types.Position) -> int:
        if position.line >= len(lines):
            return len(text)
        line = lines[position.line]
        return sum(len(previous) for previous in lines[: position.line]) + from_utf16(line.rstrip("\r\n"), position.character)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        start, end = offset(edit.range.start), offset(edit.range.end)
        text = text[:start] + edit.new_text + text[end:]
    return text


def edits_by_uri(edit: types.WorkspaceEdit) -> dict[str, list[types.TextEdit]]:
    found: dict[str, list[types.TextEdit]] = {}
    for uri, edits in (edit.changes or {}).items():
        found.setdefault(uri, []).extend(edits)
    for change in edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit)
        found.setdefault(change.text_document.uri, []).extend(change.edits)  # type: ignore[arg-type]
    return found


async def code_actions(
    client: LanguageClient, uri: str, diagnostics: list[types.Diagnostic], only: list[str] | None = None
) -> list[types.CodeAction]:
    whole = types.Range(start=types.Position(line=0, character=0), end=types.Position(line=10_000, character=0))
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostics[0].range if diagnostics else whole,
            context=types.CodeActionContext(diagnostics=diagnostics, only=only),
        )
    )
    return [action for action in result or [] if isinstance(action, types.CodeAction)]


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return [str(d.code) for d in diagnostics]


def only(diagnostics: list[types.Diagnostic], code: str) -> types.Diagnostic:
    (found,) = [d for d in diagnostics if d.code == code]
    return found


# ---------------------------------------------------------------------------
# Diagnostics

SCRIPT = 'def main():\n    label = "\U0001f600 mass"; print(label)\n'


async def test_print_is_reported_as_pc301_with_its_utf16_range(client: LanguageClient, project: Path):
    uri = open_document(client, project / "plot.py", SCRIPT)
    diagnostics = await published(client, uri, 1)
    finding = only(diagnostics, "PC301")
    line = SCRIPT.splitlines()[1]
    # The emoji is two UTF-16 code units: the column counts them as LSP requires.
    start = utf16_offset(line, line.index("print"))
    assert finding.range == types.Range(
        start=types.Position(line=1, character=start), end=types.Position(line=1, character=start + len("print(label)"))
    )
    assert start == line.index("print") + 1
    assert finding.source == "policy-check"
    page = rule_by_code("PC301").url()  # type: ignore[union-attr]
    assert (finding.code_description.href if finding.code_description else None) == page
    assert finding.severity == types.DiagnosticSeverity.Warning
    assert "print" in finding.message


async def test_ruff_findings_come_beside_ours_and_noqa_is_honoured(client: LanguageClient, project: Path):
    text = "import os\nimport sys  # noqa: F401\n\n\ndef main():\n    print('x')  # noqa: PC301\n"
    uri = open_document(client, project / "quiet.py", text)
    diagnostics = await published(client, uri, 1)
    assert codes(diagnostics) == ["F401"]
    assert only(diagnostics, "F401").range.start == types.Position(line=0, character=7)
    # ruff's own page for its rule.
    assert only(diagnostics, "F401").code_description.href.startswith("https://")


async def test_the_nearest_pyproject_is_the_configuration(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + 'ignore = ["PC301"]\n', encoding="utf-8")
    uri = open_document(client, tmp_path / "script.py", SCRIPT)
    assert "PC301" not in codes(await published(client, uri, 1))


async def test_an_excluded_file_gets_no_findings(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + 'extend-exclude = ["generated_*.py"]\n', encoding="utf-8")
    uri = open_document(client, tmp_path / "generated_model.py", SCRIPT)
    assert await published(client, uri, 1) == []


async def test_a_broken_configuration_is_shown_once_not_fatal(client: LanguageClient, tmp_path: Path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT + "max-complexity = -3\n", encoding="utf-8")
    first = open_document(client, tmp_path / "one.py", SCRIPT)
    assert await published(client, first, 1) == []
    second = open_document(client, tmp_path / "two.py", SCRIPT)
    assert await published(client, second, 1) == []
    shown = [m.message for m in client.messages if "max-complexity" in m.message]
    assert len(shown) == 1 and "pyproject.toml" in shown[0]


async def test_a_syntax_error_is_a_diagnostic_and_the_server_goes_on(client: LanguageClient, project: Path):
    uri = open_document(client, project / "broken.py", "def f(:\n    pass\n")
    diagnostics = await published(client, uri, 1)
    assert codes(diagnostics) == ["E999"]
    assert diagnostics[0].range.start.line == 0
    change_document(client, uri, "def f():\n    print(1)\n", 2)
    assert "PC301" in codes(await published(client, uri, 2))


async def test_a_burst_of_changes_is_checked_once_at_the_latest_version(client: LanguageClient, project: Path):
    uri = open_document(client, project / "typing.py", "x = 1\n")
    await published(client, uri, 1)
    for version in range(2, 7):
        change_document(client, uri, "x = 1\n" + "print(x)\n" * (version - 1), version)
    diagnostics = await published(client, uri, 6)
    assert codes(diagnostics) == ["PC301"] * 5
    versions = [p.version for p in client.published if p.uri == uri]  # type: ignore[attr-defined]
    # The burst's first change is checked at once (it came after a quiet spell): shown
    # only if its check ends before the next change arrives.  The others wait out the
    # debounce, each cancelling the one before: only the last is checked.
    assert versions in ([1, 6], [1, 2, 6]), "intermediate versions were debounced away"


async def test_saving_rechecks(client: LanguageClient, project: Path):
    uri = open_document(client, project / "saved.py", "x = 1\n")
    await published(client, uri, 1)
    count = len(client.published)  # type: ignore[attr-defined]
    client.text_document_did_save(types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)))

    async def republished() -> None:
        while not [p for p in client.published[count:] if p.uri == uri]:  # type: ignore[attr-defined]
            await asyncio.sleep(0.02)

    await asyncio.wait_for(republished(), TIMEOUT)


# ---------------------------------------------------------------------------
# Code actions


FIX_ME = "import logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef report(value):\n    logger.info(f'value={value}')\n"


async def test_the_fix_action_removes_the_finding(client: LanguageClient, project: Path):
    text = FIX_ME
    uri = open_document(client, project / "fixme.py", text)
    finding = only(await published(client, uri, 1), "PC304")
    actions = await code_actions(client, uri, [finding])
    titles = [action.title for action in actions]
    fix = next(action for action in actions if action.title.startswith("PC304"))
    assert fix.is_preferred and fix.kind == types.CodeActionKind.QuickFix
    assert "Disable PC304 for this line" in titles
    # VS Code resolves edits on demand: the fix's edit is computed when it is chosen.
    assert fix.edit is None and fix.data is not None
    fix = await client.code_action_resolve_async(fix)
    new_text = apply_text_edits(text, edits_by_uri(fix.edit)[uri])
    assert "logger.info('value=%s', value)" in new_text or 'logger.info("value=%s", value)' in new_text
    change_document(client, uri, new_text, 2)
    assert "PC304" not in codes(await published(client, uri, 2))


async def test_an_unsafe_fix_says_so(client: LanguageClient, project: Path):
    uri = open_document(client, project / "unsafe.py", SCRIPT)
    finding = only(await published(client, uri, 1), "PC301")
    fix = next(action for action in await code_actions(client, uri, [finding]) if action.title.startswith("PC301"))
    assert "unsafe" in fix.title and not fix.is_preferred


async def test_disable_for_this_line_merges_with_an_existing_noqa(client: LanguageClient, project: Path):
    text = "def main():\n    print('a very long line')  # noqa: E501\n"
    uri = open_document(client, project / "noqa.py", text)
    finding = only(await published(client, uri, 1), "PC301")
    action = next(a for a in await code_actions(client, uri, [finding]) if a.title == "Disable PC301 for this line")
    new_text = apply_text_edits(text, edits_by_uri(action.edit)[uri])
    assert new_text == "def main():\n    print('a very long line')  # noqa: E501, PC301\n"
    change_document(client, uri, new_text, 2)
    assert "PC301" not in codes(await published(client, uri, 2))


# Configured first thing, in a format without the logger's name: PC302's fix is safe.
FIXABLE = """\
import logging
import os

logger = logging.getLogger(__name__)


def report(value):
    logging.info("start")
    logger.info(f"value={value}")


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    report(1)
"""


async def test_fix_all_makes_the_same_edits_as_the_command_line(client: LanguageClient, project: Path, tmp_path: Path):
    uri = open_document(client, project / "fix_all.py", FIXABLE)
    assert set(codes(await published(client, uri, 1))) >= {"F401", "PC302", "PC304"}
    (fix_all,) = await code_actions(client, uri, [], only=[types.CodeActionKind.SourceFixAll])
    assert fix_all.kind == "source.fixAll.policy-check"
    new_text = apply_text_edits(FIXABLE, edits_by_uri(fix_all.edit)[uri])
    # The command line on a copy of the file in the same project.
    copy = project / "fix_all_cli.py"
    copy.write_text(FIXABLE, encoding="utf-8")
    subprocess.run([sys.executable, "-m", "policy_check", "--fix", "--no-cache", "--exit-zero", str(copy)], cwd=project, check=True, capture_output=True)
    assert new_text == copy.read_text(encoding="utf-8")
    assert new_text != FIXABLE
    change_document(client, uri, new_text, 2)
    assert not {"F401", "PC302", "PC304"} & set(codes(await published(client, uri, 2)))


async def test_no_fix_all_when_there_is_nothing_to_fix(client: LanguageClient, project: Path):
    uri = open_document(client, project / "clean.py", "import logging\n\nlogger = logging.getLogger(__name__)\n")
    assert await published(client, uri, 1) == []
    assert await code_actions(client, uri, [], only=["source.fixAll"]) == []


async def test_fix_all_offered_beside_quick_fixes_is_resolved_on_demand(client: LanguageClient, project: Path):
    uri = open_document(client, project / "fix_all_lazy.py", FIXABLE)
    finding = only(await published(client, uri, 1), "PC302")
    actions = await code_actions(client, uri, [finding])
    (fix_all,) = [action for action in actions if action.kind == "source.fixAll.policy-check"]
    # VS Code resolves edits on demand: the fix-all runs only when chosen.
    assert fix_all.edit is None and fix_all.data is not None
    resolved = await client.code_action_resolve_async(fix_all)
    (explicit,) = await code_actions(client, uri, [], only=["source.fixAll.policy-check"])
    assert edits_by_uri(resolved.edit) == edits_by_uri(explicit.edit) != {}


# ---------------------------------------------------------------------------
# Notebooks (LSP 3.17 notebook document sync)


def open_notebook(client: LanguageClient, path: Path, cells: list[str]) -> list[str]:
    notebook_uri = path.as_uri()
    cell_uris = [f"vscode-notebook-cell:{path}#cell{index}" for index in range(len(cells))]
    client.notebook_document_did_open(
        types.DidOpenNotebookDocumentParams(
            notebook_document=types.NotebookDocument(
                uri=notebook_uri,
                notebook_type="jupyter-notebook",
                version=1,
                cells=[types.NotebookCell(kind=types.NotebookCellKind.Code, document=uri) for uri in cell_uris],
            ),
            cell_text_documents=[
                types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text) for uri, text in zip(cell_uris, cells)
            ],
        )
    )
    return cell_uris


async def test_notebook_findings_land_in_their_cell_and_fixes_edit_the_cells(client: LanguageClient, project: Path):
    # (A notebook's prints are its display, not PC301 findings: PC302 stands in.)
    cells = ["import numpy as np\n%matplotlib inline\n", "x = np.arange(3)\nlogging.warning('%s', x)\n"]
    first, second = open_notebook(client, project / "analysis.ipynb", cells)
    finding = only(await published(client, second, 1), "PC302")
    assert finding.range.start == types.Position(line=1, character=0)
    assert await published(client, first, 1) == []
    got = await code_actions(client, second, [finding])
    fix = next(a for a in got if a.title.startswith("PC302"))
    edits = edits_by_uri(fix.edit)
    new_cells = [apply_text_edits(text, edits.get(uri, [])) for uri, text in zip((first, second), cells)]
    assert "import logging" in new_cells[0] and "%matplotlib inline" in new_cells[0]
    assert "logger.warning" in new_cells[1] and "logging.warning(" not in new_cells[1]
    client.notebook_document_did_change(
        types.DidChangeNotebookDocumentParams(
            notebook_document=types.VersionedNotebookDocumentIdentifier(uri=(project / "analysis.ipynb").as_uri(), version=2),
            change=types.NotebookDocumentChangeEvent(
                cells=types.NotebookDocumentCellChanges(
                    text_content=[
                        types.NotebookDocumentCellContentChanges(
                            document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
                            changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
                        )
                        for uri, text in zip((first, second), new_cells)
                    ]
                )
            ),
        )
    )
    assert "PC302" not in codes(await published(client, second, 2))


async def test_notebook_fix_all_makes_the_same_edits_as_the_command_line(client: LanguageClient, project: Path):
    cells = ["import logging\n\nlogger = logging.getLogger(__name__)\n", "%matplotlib inline\nx = 2\nlogging.info(f'x={x}')\n"]
    uris = open_notebook(client, project / "fix_all.ipynb", cells)
    assert "PC302" in codes(await published(client, uris[1], 1))
    (fix_all,) = await code_actions(client, uris[1], [], only=["source.fixAll.policy-check"])
    edits = edits_by_uri(fix_all.edit)
    fixed_cells = [apply_text_edits(text, edits.get(uri, [])) for uri, text in zip(uris, cells)]
    copy = project / "fix_all_cli.ipynb"
    notebook = {
        "cells": [{"cell_type": "code", "source": text, "metadata": {}, "outputs": [], "execution_count": None} for text in cells],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    copy.write_text(json.dumps(notebook), encoding="utf-8")
    subprocess.run([sys.executable, "-m", "policy_check", "--fix", "--no-cache", "--exit-zero", str(copy)], cwd=project, check=True, capture_output=True)
    expected = ["".join(cell["source"]) for cell in json.loads(copy.read_text(encoding="utf-8"))["cells"]]
    assert fixed_cells == expected
    assert fixed_cells != cells and "%matplotlib inline" in fixed_cells[1]


# ---------------------------------------------------------------------------
# Bad input and the end of a session


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("(" * 5000 + ")" * 5000 + "\n", ["E999"], id="too-deeply-nested"),
        pytest.param("x = 1\n" * 2_000_000, ["E902"], id="huge"),
        pytest.param("\x00\x01 not python\n", ["E999"], id="control-characters"),
    ],
)
async def test_bad_input_becomes_a_finding_never_a_dead_server(client: LanguageClient, project: Path, text: str, expected: list[str]):
    name = f"bad_{len(text)}"
    uri = open_document(client, project / f"{name}.py", text)
    # ruff may still report what it can parse (as on the command line).
    assert expected[0] in codes(await published(client, uri, 1))
    follow_up = open_document(client, project / f"after_{name}.py", "print(1)\n")
    assert "PC301" in codes(await published(client, follow_up, 1))


def checker_processes(server_pid: int) -> list[int]:
    """The server's worker processes (multiprocessing's spawned children)."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    return [int(pid) for pid in children if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="finds the worker through Linux's /proc")
async def test_a_killed_checker_process_is_replaced(client: LanguageClient, project: Path):
    uri = open_document(client, project / "survivor.py", "x = 1\n")
    await published(client, uri, 1)
    assert client._server is not None
    workers = checker_processes(client._server.pid)
    assert workers, "the server checks in a worker process"
    for pid in workers:
        os.kill(pid, signal.SIGKILL)
    change_document(client, uri, "x = 1\nprint(x)\n", 2)
    assert codes(await published(client, uri, 2)) == ["PC301"]
    assert set(checker_processes(client._server.pid)).isdisjoint(workers)


async def test_a_client_that_cannot_resolve_gets_the_fix_edit_at_once(project: Path):
    client = make_client()
    await client.start_io(*SERVER)
    # Emacs (eglot) does not resolve code actions: the edit comes with the action.
    await client.initialize_session(types.InitializeParams(capabilities=client_capabilities("emacs"), root_uri=project.as_uri()))
    uri = open_document(client, project / "fixme_emacs.py", FIX_ME)
    finding = only(await published(client, uri, 1), "PC304")
    fix = next(action for action in await code_actions(client, uri, [finding]) if action.title.startswith("PC304"))
    new_text = apply_text_edits(FIX_ME, edits_by_uri(fix.edit)[uri])
    assert "logger.info('value=%s', value)" in new_text or 'logger.info("value=%s", value)' in new_text
    change_document(client, uri, new_text, 2)
    assert "PC304" not in codes(await published(client, uri, 2))
    await client.shutdown_session()
    await client.stop()


async def test_shutdown_and_exit_end_the_server_cleanly(project: Path):
    client = make_client()
    await client.start_io(*SERVER)
    await client.initialize_session(types.InitializeParams(capabilities=client_capabilities("neovim"), root_uri=project.as_uri()))
    uri = open_document(client, project / "last.py", "print(1)\n")
    await published(client, uri, 1)
    await client.shutdown_session()
    assert client._server is not None and client._server.returncode == 0
    await client.stop()
