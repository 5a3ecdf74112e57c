"""``--stdin-filename NAME``: the source on standard input, checked (or fixed) as if
it were the file ``NAME`` - its folder's configuration, its per-file ignores, ruff
beside the rules - the way editors and formatters-on-save call ruff.  ``--fix``
prints the fixed source on standard output and the findings left on standard error;
``--diff`` prints the diff.  Project rules (PC1, PC7) are about a repository, not
one text: they do not run here."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from policy_check.config import Settings
from policy_check.diagnostics import Diagnostic, IO_ERROR
from policy_check.diffs import unified_diff
from policy_check.discovery import display_path, is_excluded, relative_to_root
from policy_check.engine import engine_diagnostic
from policy_check.in_memory import check_source, fix_source
from policy_check.notebooks import read_notebook, to_cell_locations, write_back
from policy_check.report import RunReport
from policy_check.selection import selected_rules
from policy_check.source import UnreadableSource, decode_source


def _findings(text: str, path: Path, settings: Settings) -> list[Diagnostic]:
    if path.suffix != ".ipynb":
        return check_source(text, path, settings)
    notebook = read_notebook(text)
    return [to_cell_locations(notebook, d) for d in check_source(notebook.text, path, settings)]


def _fixed(text: str, path: Path, settings: Settings, unsafe: bool) -> str:
    if path.suffix != ".ipynb":
        return fix_source(text, path, settings, unsafe)
    notebook = read_notebook(text)
    fixed = fix_source(notebook.text, path, settings, unsafe)
    return text if fixed == notebook.text else write_back(notebook, fixed)


def check_stdin(path: Path, settings: Settings, mode: str, unsafe: bool, write_report: Callable[[RunReport], int]) -> int:
    """Check, fix (``mode`` "fix") or diff (``mode`` "diff") standard input as ``path``;
    the exit status."""
    data = sys.stdin.buffer.read()
    shown = display_path(path)
    try:
        text = decode_source(data).text
    except UnreadableSource as error:
        if mode == "fix":
            sys.stdout.buffer.write(data)  # never lose the editor's text
        return write_report(_report([engine_diagnostic(IO_ERROR, shown, str(error))], settings))
    if is_excluded(relative_to_root(path, settings.root), settings):
        if mode == "fix":
            sys.stdout.write(text)
        return 0
    try:
        if mode == "check":
            return write_report(_report(_findings(text, path, settings), settings))
        fixed = _fixed(text, path, settings, unsafe)
        left = _findings(fixed, path, settings)
    except UnreadableSource as error:
        if mode == "fix":
            sys.stdout.write(text)
        return write_report(_report([engine_diagnostic(IO_ERROR, shown, str(error))], settings))
    if mode == "diff":
        sys.stdout.write(unified_diff(shown, text, fixed))
        return 1 if fixed != text else 0
    sys.stdout.write(fixed)
    return write_report(_report(left, settings))


def _report(diagnostics: list[Diagnostic], settings: Settings) -> RunReport:
    return RunReport(
        diagnostics=sorted(diagnostics, key=lambda d: d.sort_key()),
        files_checked=1,
        rules=list(selected_rules(settings)),
        root=settings.root,
    )
