"""GitHub Actions workflow commands (``::error file=…::message``), which the runner
turns into annotations on the pull request's lines, and the Markdown job summary."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import TextIO

from policy_check.diagnostics import Diagnostic, Severity
from policy_check.report import RunReport
from policy_check.reporters.ci_common import is_multiline, most_severe_first, relative_path, repository_root

COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
# GitHub refuses a step summary over 1 MiB; stay well below it.
SUMMARY_LIMIT = 1024 * 1024 - 4096
SUMMARY_FINDINGS = 1000
# What GitHub shows: 10 annotations of each kind (error, warning, notice) per step,
# 50 per job; the rest are dropped silently.  The most severe come first.
ANNOTATIONS_PER_KIND = 10
ANNOTATIONS_PER_JOB = 50


def escape_data(text: str) -> str:
    """The message part of a workflow command (the runner's ``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A ``key=value`` property (the runner's ``escapeProperty``): ``:`` and ``,`` too."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(diagnostic: Diagnostic, base: Path) -> str:
    properties = [("file", relative_path(diagnostic.path, base)), ("line", str(max(1, diagnostic.start.row)))]
    if not diagnostic.project_level:
        properties.append(("endLine", str(max(diagnostic.end.row, diagnostic.start.row))))
        # The runner draws columns only on one line; on several it would mark nonsense.
        if not is_multiline(diagnostic):
            properties += [("col", str(diagnostic.start.column)), ("endColumn", str(diagnostic.end.column))]
    properties.append(("title", f"policy-check ({diagnostic.code})"))
    message = diagnostic.message
    if diagnostic.fix is not None:
        message += f"\nFix ({diagnostic.fix.applicability.value}): {diagnostic.fix.message}"
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{COMMANDS.get(diagnostic.severity, 'warning')} {rendered}::{escape_data(message)}"


def annotations_shown(diagnostics: list[Diagnostic]) -> int:
    """How many annotations GitHub shows of these (one step's) findings."""
    kinds = Counter(COMMANDS.get(d.severity, "warning") for d in diagnostics)
    return min(ANNOTATIONS_PER_JOB, sum(min(ANNOTATIONS_PER_KIND, count) for count in kinds.values()))


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    base = repository_root(report.root)
    for diagnostic in most_severe_first(report.diagnostics):
        stream.write(annotation(diagnostic, base) + "\n")
    count = len(report.diagnostics)
    if count:
        stream.write(f"policy-check: {count} finding{'s' if count != 1 else ''} in {report.files_checked} files checked\n")
    else:
        stream.write(f"policy-check: all checks passed ({report.files_checked} files checked)\n")


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def render_summary(report: RunReport) -> str:
    """A Markdown job summary: counts per code, then the first findings."""
    base = repository_root(report.root)
    lines = ["## policy-check", ""]
    if not report.diagnostics:
        lines.append(f":white_check_mark: All checks passed ({report.files_checked} files checked).")
        return "\n".join(lines) + "\n"
    fixable = {d.code for d in report.fixable()}
    names = report.names_by_code()
    lines += [
        f"Found **{len(report.diagnostics)}** findings in {report.files_checked} files checked"
        + (f"; {len(report.fixable())} fixable with `policy-check --fix`." if report.fixable() else "."),
        "",
    ]
    hidden = len(report.diagnostics) - annotations_shown(report.diagnostics)
    if hidden > 0:
        lines += [
            f"GitHub shows at most {ANNOTATIONS_PER_KIND} annotations of each kind per step and "
            f"{ANNOTATIONS_PER_JOB} per job, the most severe first: **{hidden}** findings are not annotated. "
            "This summary and the SARIF file hold them all.",
            "",
        ]
    lines += [
        "| Code | Name | Count | Fixable |",
        "|---|---|---:|:---:|",
    ]
    for code, count in sorted(report.counts_by_code().items(), key=lambda item: (-item[1], item[0])):
        lines.append(f"| `{code}` | {_cell(names.get(code, ''))} | {count} | {'yes' if code in fixable else ''} |")
    shown = report.diagnostics[:SUMMARY_FINDINGS]
    lines += ["", f"### First {len(shown)} findings" if len(shown) < len(report.diagnostics) else "### Findings", ""]
    lines += ["| Location | Code | Message |", "|---|---|---|"]
    size = sum(len(line) + 1 for line in lines)
    for diagnostic in shown:
        where = f"{relative_path(diagnostic.path, base)}:{diagnostic.start.row}"
        row = f"| `{_cell(where)}` | `{diagnostic.code}` | {_cell(diagnostic.message)} |"
        if size + len(row.encode("utf-8")) > SUMMARY_LIMIT:
            break
        lines.append(row)
        size += len(row.encode("utf-8")) + 1
    return "\n".join(lines) + "\n"


def summary_path(explicit: Path | None, output_format: str) -> Path | None:
    """Where the job summary goes: ``--summary FILE``, else the runner's
    ``$GITHUB_STEP_SUMMARY`` when the annotations are being written."""
    if explicit is not None:
        return explicit
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if output_format == "github" and step_summary:
        return Path(step_summary)
    return None


def append_summary(report: RunReport, path: Path) -> None:
    # Appended, not overwritten: other steps of the job write to the same file.
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(render_summary(report))
