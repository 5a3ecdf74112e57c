"""Exactly the shape of ``ruff check --output-format json``, so tools that read
ruff's JSON read ours."""

from __future__ import annotations

import os
from typing import Any, TextIO

from policy_check.diagnostics import Diagnostic
from policy_check.report import RunReport
from policy_check.reporters.json_text import dumps_indented
from policy_check.rules import engine_code_url, rule_by_code


def diagnostic_to_ruff_json(diagnostic: Diagnostic) -> dict[str, Any]:
    rule = rule_by_code(diagnostic.code)
    return {
        "cell": diagnostic.extra.get("cell"),
        "code": diagnostic.code,
        "end_location": diagnostic.end.to_dict(),
        "filename": os.path.abspath(diagnostic.path),
        "fix": diagnostic.fix.to_dict() if diagnostic.fix else None,
        "location": diagnostic.start.to_dict(),
        "message": diagnostic.message,
        "name": diagnostic.name,
        "noqa_row": diagnostic.noqa_row,
        "severity": diagnostic.severity.value,
        "url": rule.url() if rule else diagnostic.extra.get("url") or engine_code_url(diagnostic.code),
    }


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    stream.write(dumps_indented([diagnostic_to_ruff_json(d) for d in report.diagnostics]) + "\n")
