"""Exactly the shape of ``ruff check --output-format json``, so tools that read
ruff's JSON read ours."""

from __future__ import annotations

import os
from typing import Any, TextIO

from policy_check.diagnostics import Diagnostic
from policy_check.report import RunReport
from policy_check.reporters.json_text import dumps_indented
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


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    absolute: dict[str, str] = {}
    rows = []
    for diagnostic in report.diagnostics:
        filename = absolute.get(diagnostic.path)
        if filename is None:
            filename = absolute[diagnostic.path] = os.path.abspath(diagnostic.path)
        rows.append(diagnostic_to_ruff_json(diagnostic, filename))
    stream.write(dumps_indented(rows) + "\n")
