"""Bitbucket Code Insights: a report and its annotations, as JSON that
``policy-check bitbucket-upload`` sends to the Bitbucket API from a pipeline.

The shape is the API's own (``report`` is the body of the PUT, ``annotations`` the
bodies of the POSTs), so the file can also be sent with any HTTP client."""

from __future__ import annotations

from typing import Any, TextIO

from policy_check.diagnostics import Diagnostic, Severity
from policy_check.report import RunReport
from policy_check.reporters.ci_common import fingerprints, relative_path, repository_root
from policy_check.reporters.json_text import dumps_indented

REPORT_ID = "policy-check"
# The API's limits.
MAX_SUMMARY = 450
MAX_DETAILS = 2000
MAX_DATA_FIELDS = 10

# Findings that mean something is broken or leaked, not merely untidy.
VULNERABILITY_CODES = frozenset({"PC701"})
BUG_CODES = frozenset({"E902", "E999", "PC000", "PC402", "PC403"})
SEVERITIES = {Severity.ERROR: "HIGH", Severity.WARNING: "MEDIUM", Severity.INFO: "LOW"}
SEVERITY_RANK = {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 2, "LOW": 3}


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def annotation_type(code: str) -> str:
    if code in VULNERABILITY_CODES:
        return "VULNERABILITY"
    if code in BUG_CODES:
        return "BUG"
    return "CODE_SMELL"


def annotation_severity(diagnostic: Diagnostic) -> str:
    if diagnostic.code in VULNERABILITY_CODES:
        return "CRITICAL"
    return SEVERITIES.get(diagnostic.severity, "MEDIUM")


def _annotation(diagnostic: Diagnostic, path: str, fingerprint: str) -> dict[str, Any]:
    details = [diagnostic.message]
    if diagnostic.fix is not None:
        details.append(f"Fix ({diagnostic.fix.applicability.value}): {diagnostic.fix.message}")
    if diagnostic.name:
        details.append(f"Rule {diagnostic.code} ({diagnostic.name}): run `policy-check rule {diagnostic.code}` for the reason.")
    return {
        "external_id": f"{REPORT_ID}-{fingerprint}",
        "annotation_type": annotation_type(diagnostic.code),
        "severity": annotation_severity(diagnostic),
        "path": path,
        "line": max(1, diagnostic.start.row),
        "summary": truncate(f"{diagnostic.code} {diagnostic.message}", MAX_SUMMARY),
        "details": truncate("\n".join(details), MAX_DETAILS),
        "result": "FAILED",
    }


def build_report(report: RunReport) -> dict[str, Any]:
    base = repository_root(report.root)
    annotations = [
        _annotation(d, relative_path(d.path, base), fingerprint)
        for d, fingerprint in zip(report.diagnostics, fingerprints(report.diagnostics, base))
    ]
    by_severity = {level: sum(1 for d in report.diagnostics if d.severity is level) for level in Severity}
    total = len(report.diagnostics)
    fixable = len(report.fixable())
    if total:
        details = (
            f"policy-check found {total} findings in {report.files_checked} files checked "
            f"({by_severity[Severity.ERROR]} errors, {by_severity[Severity.WARNING]} warnings, "
            f"{by_severity[Severity.INFO]} info). {fixable} can be fixed with `policy-check --fix`."
        )
    else:
        details = f"policy-check found nothing to report in {report.files_checked} files checked."
    data = [
        {"title": "Findings", "type": "NUMBER", "value": total},
        {"title": "Errors", "type": "NUMBER", "value": by_severity[Severity.ERROR]},
        {"title": "Warnings", "type": "NUMBER", "value": by_severity[Severity.WARNING]},
        {"title": "Info", "type": "NUMBER", "value": by_severity[Severity.INFO]},
        {"title": "Fixable with --fix", "type": "NUMBER", "value": fixable},
        {"title": "Files checked", "type": "NUMBER", "value": report.files_checked},
    ]
    return {
        "report": {
            "title": "policy-check",
            "details": truncate(details, MAX_DETAILS),
            "report_type": "BUG",
            "reporter": "policy-check",
            "result": "FAILED" if total else "PASSED",
            "data": data[:MAX_DATA_FIELDS],
        },
        "annotations": annotations,
    }


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    stream.write(dumps_indented(build_report(report), ensure_ascii=False) + "\n")
