"""One line a finding (``path:row:col: CODE [*] message``), then the summary."""

from __future__ import annotations

from typing import TextIO

from policy_check.report import RunReport
from policy_check.reporters import style
from policy_check.reporters.text import write_summary


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    for diagnostic in report.diagnostics:
        stream.write(style.finding_line(diagnostic, report, color) + "\n")
    write_summary(report, stream, color)
