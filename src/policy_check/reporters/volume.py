"""The summary of a long report: findings counted per code with what the fixes
would change, and each rule's advice for its findings in bulk, said once (a
research repository can hold thousands of prints)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path, PurePosixPath
from typing import TextIO

from policy_check.printable import printable
from policy_check.report import RunReport

# From this many findings the summary breaks them down by code.
VOLUME = 50
TOP_CODES = 10


def write_breakdown(report: RunReport, stream: TextIO) -> None:
    counts = report.counts_by_code()
    if sum(counts.values()) < VOLUME:
        return
    fixable = Counter(d.code for d in report.fixable())
    held_back = Counter(d.code for d in report.hidden_unsafe_fixes())
    names = report.names_by_code()
    stream.write("By code:\n")
    for code, count in counts.most_common(TOP_CODES):
        notes = [f"{fixable[code]} fixable"] if fixable[code] else []
        notes += [f"{held_back[code]} with --unsafe-fixes"] if held_back[code] else []
        stream.write(f"  {count:>6}  {code:<7} {names.get(code, '')}{'  (' + ', '.join(notes) + ')' if notes else ''}\n")
    if len(counts) > TOP_CODES:
        stream.write(f"  and {len(counts) - TOP_CODES} more codes (`--statistics` lists them all)\n")
    advice = {rule.code: rule.bulk_advice for rule in report.rules if rule.bulk_advice}
    for code, count in counts.most_common():
        if code in advice and count >= VOLUME:
            glob = printable(_busiest_folder_glob(report, code))  # a folder name may hold control characters
            stream.write(f"{code}: " + advice[code].format(count=count, glob=glob) + "\n")


def _busiest_folder_glob(report: RunReport, code: str) -> str:
    """A glob for the top-level folder holding most findings of ``code`` (``/*.py``
    for files at the root)."""
    folders: Counter[str] = Counter()
    for diagnostic in report.diagnostics:
        if diagnostic.code == code:
            path = Path(diagnostic.path)
            if path.is_absolute() and path.is_relative_to(report.root):
                path = path.relative_to(report.root)
            parts = PurePosixPath(path.as_posix()).parts
            folders[parts[0] if len(parts) > 1 and not path.is_absolute() else ""] += 1
    folder = folders.most_common(1)[0][0] if folders else ""
    return f"{folder}/**" if folder and folder != "." else "/*.py"
