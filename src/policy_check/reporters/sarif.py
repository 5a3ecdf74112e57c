"""SARIF 2.1.0 for GitHub code scanning (``github/codeql-action/upload-sarif``) and
other SARIF viewers: the rules that ran, the findings with their regions, stable
fingerprints and the fixes as replacements."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from policy_check import __version__
from policy_check.diagnostics import Diagnostic, Edit, Severity
from policy_check.docs import render_rule
from policy_check.report import RunReport
from policy_check.reporters.ci_common import fingerprints, most_severe_first, relative_path, repository_root
from policy_check.reporters.json_text import dumps_indented
from policy_check.rules import ENGINE_CODES, engine_code_url, rule_by_code
from policy_check.rules.base import Rule

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# GitHub code scanning rejects a run with more results than this.
MAX_RESULTS = 25_000
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "policyCheck/v1"

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _rule_descriptor(rule: type[Rule]) -> dict[str, Any]:
    descriptor: dict[str, Any] = {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": inspect.cleandoc(rule.__doc__ or rule.summary)},
        "help": {"text": rule.summary, "markdown": render_rule(rule)},
        "defaultConfiguration": {"level": LEVELS[rule.severity], "enabled": rule.default_enabled},
        "properties": {"tags": ["policy-check", rule.code[:3]], "fix": rule.fix_safety.value},
    }
    url = rule.url()
    if url:
        descriptor["helpUri"] = url
    return descriptor


def _foreign_descriptor(diagnostic: Diagnostic) -> dict[str, Any]:
    """A code without a rule class here: the engine's own (E999…) or ruff's."""
    summary = ENGINE_CODES.get(diagnostic.code) or diagnostic.name or diagnostic.code
    descriptor: dict[str, Any] = {
        "id": diagnostic.code,
        "name": diagnostic.name or diagnostic.code,
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "defaultConfiguration": {"level": LEVELS.get(diagnostic.severity, "warning")},
        "properties": {"tags": ["ruff" if diagnostic.code not in ENGINE_CODES else "policy-check"]},
    }
    url = diagnostic.extra.get("url") or engine_code_url(diagnostic.code)
    if url:
        descriptor["helpUri"] = url
    return descriptor


def _artifact(path: str, base: Path) -> dict[str, str]:
    relative = relative_path(path, base)
    if relative.startswith("/"):
        return {"uri": Path(relative).as_uri()}
    return {"uri": quote(relative), "uriBaseId": SOURCE_ROOT}


def _region(diagnostic: Diagnostic) -> dict[str, int]:
    if diagnostic.project_level:
        return {"startLine": max(1, diagnostic.start.row)}
    start, end = diagnostic.start, max(diagnostic.start, diagnostic.end)
    return {"startLine": start.row, "startColumn": start.column, "endLine": end.row, "endColumn": end.column}


def _replacement(edit: Edit) -> dict[str, Any]:
    return {
        "deletedRegion": {
            "startLine": edit.start.row,
            "startColumn": edit.start.column,
            "endLine": edit.end.row,
            "endColumn": edit.end.column,
        },
        "insertedContent": {"text": edit.content},
    }


def _result(diagnostic: Diagnostic, rule_index: int, fingerprint: str, base: Path) -> dict[str, Any]:
    artifact = _artifact(diagnostic.path, base)
    result: dict[str, Any] = {
        "ruleId": diagnostic.code,
        "ruleIndex": rule_index,
        "level": LEVELS.get(diagnostic.severity, "warning"),
        "message": {"text": diagnostic.message},
        "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": _region(diagnostic)}}],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
    }
    if diagnostic.fix is not None and diagnostic.fix.edits:
        result["fixes"] = [
            {
                "description": {"text": f"{diagnostic.fix.message} ({diagnostic.fix.applicability.value} fix)"},
                "artifactChanges": [
                    {"artifactLocation": artifact, "replacements": [_replacement(e) for e in diagnostic.fix.edits]}
                ],
            }
        ]
    return result


def build_sarif(report: RunReport) -> dict[str, Any]:
    base = repository_root(report.root)
    descriptors = [_rule_descriptor(rule) for rule in report.rules]
    index = {descriptor["id"]: position for position, descriptor in enumerate(descriptors)}
    for diagnostic in report.diagnostics:
        if diagnostic.code not in index:
            index[diagnostic.code] = len(descriptors)
            # Project-level rules run outside the file pass; other codes are the engine's or ruff's.
            rule = rule_by_code(diagnostic.code)
            descriptors.append(_rule_descriptor(rule) if rule else _foreign_descriptor(diagnostic))
    ids = dict(zip(map(id, report.diagnostics), fingerprints(report.diagnostics, base)))
    kept = report.diagnostics
    notifications = []
    if len(kept) > MAX_RESULTS:
        kept = most_severe_first(kept)[:MAX_RESULTS]
        kept.sort(key=lambda d: d.sort_key())
        notifications.append(
            {
                "level": "warning",
                "message": {
                    "text": f"{len(report.diagnostics)} findings; only the {MAX_RESULTS} most severe are listed "
                    "(the limit of GitHub code scanning)"
                },
            }
        )
    invocation: dict[str, Any] = {"executionSuccessful": True}
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "policy-check",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": descriptors,
                    }
                },
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": base.as_uri() + "/"}},
                "invocations": [invocation],
                "columnKind": "unicodeCodePoints",
                "results": [_result(d, index[d.code], ids[id(d)], base) for d in kept],
            }
        ],
    }


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    stream.write(dumps_indented(build_sarif(report)) + "\n")
