"""Checking and fixing a text that is not (or not yet) on disk - an editor's buffer -
exactly as the command line would check or ``--fix`` the file at its path: the same
configuration (the nearest ``pyproject.toml``), the same engine, ruff beside it, the
same ``# noqa`` and ``per-file-ignores``.  The language server calls these."""

from __future__ import annotations

import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from policy_check.config import Settings, load_settings
from policy_check.diagnostics import Diagnostic
from policy_check.discovery import display_path, is_excluded, is_test_path, relative_to_root
from policy_check.engine import FixOptions, Mode, check_text, engine_diagnostic, fix_text, raise_recursion_limit
from policy_check.diagnostics import IO_ERROR
from policy_check.integrations import ruff
from policy_check.notebooks import NotebookModule, read_notebook, write_back
from policy_check.selection import selected_codes, selected_rules, validate_codes
from policy_check.source import MAX_SOURCE_BYTES


def settings_for(path: Path) -> Settings:
    """The settings the command line would use for ``path``: the nearest
    ``pyproject.toml`` with a ``[tool.policy-check]`` table.  Raises ``ConfigError``."""
    settings = load_settings(path.parent)
    where = str(settings.config_file or "configuration")
    validate_codes((*(settings.select or ()), *settings.extend_select, *settings.ignore), where)
    for _, codes in settings.per_file_ignores:
        validate_codes(codes, f"{where}: per-file-ignores")
    return settings


def is_excluded_file(path: Path, settings: Settings) -> bool:
    """Whether a run would leave the file out (``exclude`` / ``extend-exclude``)."""
    return is_excluded(relative_to_root(path, settings.root), settings)


def _too_large(text: str, path: Path) -> Diagnostic | None:
    if len(text) * 4 <= MAX_SOURCE_BYTES or len(text.encode("utf-8", "surrogatepass")) <= MAX_SOURCE_BYTES:
        return None
    return engine_diagnostic(IO_ERROR, display_path(path), f"too large to check ({MAX_SOURCE_BYTES // 2**20} MB at most)")


def _engine_findings(text: str, path: Path, settings: Settings, fix_edits: bool = True) -> list[Diagnostic]:
    relative = relative_to_root(path, settings.root)
    raise_recursion_limit()
    rules = selected_rules(settings)
    return check_text(text, path, relative, display_path(path), settings, rules, is_test_path(relative), fix_edits=fix_edits)


def check_source(text: str, path: Path, settings: Settings, with_ruff: bool = True, fix_edits: bool = True) -> list[Diagnostic]:
    """Every finding in ``text`` as if it were the file at ``path``: the policy rules'
    and (for Python files, as on the command line) ruff's, sorted by place.  Project
    rules (PC1, PC7) are about the repository, not one text: they are not run.
    Without ``fix_edits`` our fixes carry no edits (see ``engine.check_text``)."""
    too_large = _too_large(text, path)
    if too_large is not None:
        return [too_large]
    if not with_ruff or path.suffix not in (".py", ".pyi"):
        return sorted(_engine_findings(text, path, settings, fix_edits), key=lambda d: d.sort_key())
    # ruff is another process: it runs while the engine works here.
    with ThreadPoolExecutor(1) as pool:
        ruff_findings = pool.submit(ruff.check_text_with_ruff, text, path, settings, selected_codes(settings))
        found = _engine_findings(text, path, settings, fix_edits)
        found += ruff_findings.result()
    return sorted(found, key=lambda d: d.sort_key())


def fix_source(text: str, path: Path, settings: Settings, unsafe: bool = False) -> str:
    """``text`` after ``--fix`` (``--unsafe-fixes`` with ``unsafe``) as the command line
    would leave the file at ``path``: ruff's fixes, ours, then ruff once more."""
    if _too_large(text, path) is not None:
        return text
    is_python = path.suffix in (".py", ".pyi")
    selected = selected_codes(settings)
    ruffed = ruff.fix_text_with_ruff(text, path, settings, selected, unsafe) if is_python else text
    fixed, _, applied = fix_text(ruffed, lambda t: _engine_findings(t, path, settings), FixOptions(Mode.FIX, unsafe))
    if is_python and applied:
        # As `--fix` settles: our fixes can leave an import unused that only ruff removes.
        settled = ruff.fix_text_with_ruff(fixed, path, settings, selected, unsafe)
        if settled != fixed:
            fixed, _, _ = fix_text(settled, lambda t: _engine_findings(t, path, settings), FixOptions(Mode.FIX, unsafe))
    return fixed


# ---------------------------------------------------------------------------
# Notebooks held as cells (an editor's notebook document)


def notebook_of_cells(cell_sources: Sequence[str]) -> NotebookModule:
    """The code cells of a notebook, in order, as the engine reads a notebook file."""
    cells = [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []} for source in cell_sources]
    return read_notebook(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))


def fix_cells(cell_sources: Sequence[str], path: Path, settings: Settings, unsafe: bool = False) -> list[str]:
    """Each cell's text after ``--fix`` of the notebook (magics kept as they were)."""
    module = notebook_of_cells(cell_sources)
    fixed = fix_source(module.text, path, settings, unsafe)
    if fixed == module.text:
        return list(cell_sources)
    notebook = json.loads(write_back(module, fixed))
    return ["".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"] for cell in notebook["cells"]]
