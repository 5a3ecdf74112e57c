"""The default terminal format: each finding with its fix hint, then a summary that
says what ``--fix`` and ``--unsafe-fixes`` would do."""

from __future__ import annotations

from typing import TextIO

from policy_check.diagnostics import FIX_WITHHELD
from policy_check.printable import printable
from policy_check.report import RunReport
from policy_check.reporters import style, volume


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    for diagnostic in report.diagnostics:
        stream.write(style.finding_line(diagnostic, report, color) + "\n")
        if diagnostic.fix is not None:
            label = "fix" if report.is_fixable(diagnostic) else "unsafe fix (--unsafe-fixes)"
            message = printable(diagnostic.fix.message)
            stream.write(style.paint(f"    {label}: {message}", style.DIM, color=color) + "\n")
    write_summary(report, stream, color)


def _plural(count: int, word: str) -> str:
    suffix = "" if count == 1 else "es" if word.endswith(("x", "s")) else "s"
    return f"{count} {word}{suffix}"


def write_summary(report: RunReport, stream: TextIO, color: bool) -> None:
    if report.fixed:
        stream.write(f"Fixed {_plural(len(report.fixed), 'finding')}.\n")
    remaining = len(report.diagnostics)
    if remaining == 0:
        if not report.fixed:
            stream.write(style.paint("All checks passed!", style.GREEN, color=color) + "\n")
        return
    stream.write(f"Found {_plural(remaining, 'finding')} in {_plural(report.files_checked, 'file')} checked.\n")
    volume.write_breakdown(report, stream)
    fixable = len(report.fixable())
    hidden = len(report.hidden_unsafe_fixes())
    held_back = (
        f"{_plural(hidden, 'unsafe fix')} held back: review with `--diff --unsafe-fixes`, "
        "apply with `--fix --unsafe-fixes`"
    )
    option = "`--fix --unsafe-fixes`" if report.unsafe_fixes else "`--fix`"
    if fixable and hidden:
        stream.write(f"[*] {fixable} fixable with {option} ({held_back}).\n")
    elif fixable:
        stream.write(f"[*] {fixable} fixable with {option}.\n")
    elif hidden:
        stream.write(f"No safe fixes ({held_back}).\n")
    _write_withheld(report, stream)


def _write_withheld(report: RunReport, stream: TextIO) -> None:
    """Fixes the rules had but a file libcst cannot parse as written could not take."""
    withheld = [d for d in report.diagnostics if FIX_WITHHELD in d.extra]
    if not withheld:
        return
    files = sorted({d.path for d in withheld})
    named = printable(files[0]) if len(files) == 1 else _plural(len(files), "file")
    stream.write(
        f"{_plural(len(withheld), 'fix')} not offered: libcst cannot parse {named} as written "
        "(Python can; each finding says what it could not read).\n"
    )
