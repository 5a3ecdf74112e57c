"""GitLab Code Quality: the JSON array GitLab reads from a job's
``artifacts:reports:codequality`` file and shows in the merge-request widget (new and
fixed findings against the target branch) and the pipeline's Code Quality tab.

Each finding has GitLab's five fields: ``description``, ``check_name``, a
``fingerprint`` that survives line shifts (GitLab compares the merge request with the
target branch by fingerprint), ``severity`` and ``location`` (path from the
repository root, first line).  The rest of the Code Climate issue shape (``type``,
``categories``) is included for tools that read the full spec."""

from __future__ import annotations

from typing import Any, TextIO

from policy_check.diagnostics import Diagnostic, Severity
from policy_check.report import RunReport
from policy_check.reporters.ci_common import fingerprints, relative_path, repository_root
from policy_check.reporters.json_text import dumps_indented

# GitLab's scale: info, minor, major, critical, blocker.
SEVERITIES = {Severity.ERROR: "major", Severity.WARNING: "minor", Severity.INFO: "info"}
# A leaked key is the one finding that should stop a merge on sight.
CRITICAL_CODES = frozenset({"PC701"})
# Code Climate's categories, by family: what GitLab shows beside the check name.
CATEGORIES = {"PC1": "Style", "PC2": "Compatibility", "PC3": "Style", "PC4": "Bug Risk", "PC5": "Performance",
              "PC6": "Complexity", "PC7": "Security"}


def severity(diagnostic: Diagnostic) -> str:
    if diagnostic.code in CRITICAL_CODES:
        return "critical"
    return SEVERITIES.get(diagnostic.severity, "minor")


def _issue(diagnostic: Diagnostic, path: str, fingerprint: str) -> dict[str, Any]:
    description = f"{diagnostic.code} {diagnostic.message}"
    if diagnostic.fix is not None:
        description += f" (fix, {diagnostic.fix.applicability.value}: {diagnostic.fix.message})"
    lines = {"begin": max(1, diagnostic.start.row)}
    if diagnostic.end.row > diagnostic.start.row:
        lines["end"] = diagnostic.end.row
    return {
        "type": "issue",
        "check_name": diagnostic.code,
        "description": description,
        "categories": [CATEGORIES.get(diagnostic.code[:3], "Bug Risk" if diagnostic.severity is Severity.ERROR else "Style")],
        "severity": severity(diagnostic),
        "fingerprint": fingerprint,
        "location": {"path": path, "lines": lines},
    }


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    base = repository_root(report.root)
    ids = fingerprints(report.diagnostics, base)
    issues = [
        _issue(diagnostic, relative_path(diagnostic.path, base), fingerprint)
        for diagnostic, fingerprint in zip(report.diagnostics, ids)
    ]
    stream.write(dumps_indented(issues, ensure_ascii=False) + "\n")
