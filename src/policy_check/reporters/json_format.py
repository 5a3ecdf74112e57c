"""Exactly the shape of ``ruff check --output-format json``, so tools that read
ruff's JSON read ours."""

from __future__ import annotations

import os
from typing import Any, TextIO

from policy_check.diagnostics import Diagnostic, Fix
from policy_check.report import RunReport
from policy_check.reporters.json_text import indented_at, leaf_texts
from policy_check.rules import engine_code_url
from policy_check.rules.catalogue import entries, rule_page_url


def diagnostic_to_ruff_json(diagnostic: Diagnostic, filename: str | None = None) -> dict[str, Any]:
    return {
        "cell": diagnostic.extra.get("cell"),
        "code": diagnostic.code,
        "end_location": diagnostic.end.to_dict(),
        "filename": filename or os.path.abspath(diagnostic.path),
        "fix": diagnostic.fix.to_dict() if diagnostic.fix else None,
        "location": diagnostic.start.to_dict(),
        "message": diagnostic.message,
        "name": diagnostic.name,
        "noqa_row": diagnostic.noqa_row,
        "severity": diagnostic.severity.value,
        "url": _url(diagnostic),
    }


def _url(diagnostic: Diagnostic) -> str | None:
    # The catalogue knows our rules' pages without importing them (a warm run imports no rule).
    if diagnostic.code in entries():
        return rule_page_url(diagnostic.code)
    return diagnostic.extra.get("url") or engine_code_url(diagnostic.code)


# One finding as ``json.dumps(rows, indent=2)`` writes it inside the list: the
# shape is fixed, so its leaves are written into a template instead of walking a
# dict per finding (a warm run of the research corpus writes 36,000 of them).
_ROW = (
    "{{\n"
    '    "cell": {0},\n'
    '    "code": {1},\n'
    '    "end_location": {{\n      "row": {2},\n      "column": {3}\n    }},\n'
    '    "filename": {4},\n'
    '    "fix": {fix},\n'
    '    "location": {{\n      "row": {5},\n      "column": {6}\n    }},\n'
    '    "message": {7},\n'
    '    "name": {8},\n'
    '    "noqa_row": {9},\n'
    '    "severity": {10},\n'
    '    "url": {11}\n'
    "  }}"
)


def _row_text(diagnostic: Diagnostic, filename: str) -> str:
    leaves = leaf_texts(
        (
            diagnostic.extra.get("cell"),
            diagnostic.code,
            diagnostic.end.row,
            diagnostic.end.column,
            filename,
            diagnostic.start.row,
            diagnostic.start.column,
            diagnostic.message,
            diagnostic.name,
            diagnostic.noqa_row,
            diagnostic.severity.value,
            _url(diagnostic),
        )
    )
    if leaves is None:  # a value of another type: the general writer, as json writes it
        return indented_at(diagnostic_to_ruff_json(diagnostic, filename), "\n  ")
    return _ROW.format(*leaves, fix="null" if diagnostic.fix is None else _fix_text(diagnostic.fix))


# A fix inside its row, and each of its edits inside the fix's list, as the row's
# template writes them: a dict walk per fix was half of the report's time.
_FIX = '{{\n      "applicability": {0},\n      "message": {1},\n      "edits": [\n        {edits}\n      ]\n    }}'
_EDIT = (
    "{{\n"
    '          "content": {0},\n'
    '          "location": {{\n            "row": {1},\n            "column": {2}\n          }},\n'
    '          "end_location": {{\n            "row": {3},\n            "column": {4}\n          }}\n'
    "        }}"
)


def _fix_text(fix: Fix) -> str:
    head = leaf_texts((fix.applicability.value, fix.message))
    edits = []
    for edit in fix.edits:
        leaves = leaf_texts((edit.content, edit.start.row, edit.start.column, edit.end.row, edit.end.column))
        if leaves is None:
            break
        edits.append(_EDIT.format(*leaves))
    if head is None or not edits or len(edits) < len(fix.edits):  # the general writer, as json writes it
        return indented_at(fix.to_dict(), "\n    ")
    return _FIX.format(*head, edits=",\n        ".join(edits))


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    """The findings as ``json.dumps(rows, indent=2)`` of ``diagnostic_to_ruff_json`` rows."""
    absolute: dict[str, str] = {}
    rows = []
    for diagnostic in report.diagnostics:
        filename = absolute.get(diagnostic.path)
        if filename is None:
            filename = absolute[diagnostic.path] = os.path.abspath(diagnostic.path)
        rows.append(_row_text(diagnostic, filename))
    stream.write("[\n  " + ",\n  ".join(rows) + "\n]\n" if rows else "[]\n")
