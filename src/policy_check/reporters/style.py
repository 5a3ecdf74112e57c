"""ANSI styling shared by the terminal formats; a no-op when colour is off."""

from __future__ import annotations

from policy_check.diagnostics import Diagnostic
from policy_check.printable import printable
from policy_check.report import RunReport

BOLD, RED, CYAN, GREEN, YELLOW, DIM, RESET = "\033[1m", "\033[31m", "\033[36m", "\033[32m", "\033[33m", "\033[2m", "\033[0m"


def paint(text: str, *codes: str, color: bool) -> str:
    return "".join(codes) + text + RESET if color else text


def finding_line(diagnostic: Diagnostic, report: RunReport, color: bool) -> str:
    """One finding; names and messages carry text from files, so they are escaped."""
    location = f"{printable(diagnostic.path)}:{diagnostic.start.row}:{diagnostic.start.column}:"
    # A constant-time check per finding: scanning the report for each was quadratic.
    marker = " [*]" if report.is_fixable(diagnostic) else ""
    return (
        f"{paint(location, BOLD, color=color)} {paint(printable(diagnostic.code), BOLD, RED, color=color)}"
        f"{paint(marker, CYAN, color=color)} {printable(diagnostic.message)}"
    )
