"""Output formats.  Each reporter is a function ``(RunReport, stream, color) -> None``
in a module of its own; adding a format is one module and one line here.  A run
imports only the reporter it writes with, and writes its report to the stream at
once: with ``PYTHONUNBUFFERED`` set (many CI images and containers) every small
write to standard output is a system call of its own."""

from __future__ import annotations

import importlib
import io
from collections.abc import Callable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from policy_check.report import RunReport

Reporter = Callable[["RunReport", TextIO, bool], None]

# Format name → the module whose ``write`` writes it.
_MODULES = {
    "text": "text",
    "concise": "concise",
    "json": "json_format",
    "sarif": "sarif",
    "github": "github",
    "junit": "junit",
    "bitbucket": "bitbucket",
    "gitlab": "gitlab",
}
FORMATS: tuple[str, ...] = tuple(_MODULES)


def reporter(name: str) -> Reporter:
    """The reporter of one format (KeyError for an unknown name)."""
    module = importlib.import_module(f"policy_check.reporters.{_MODULES[name]}")
    write: Reporter = module.write

    def write_at_once(report: RunReport, stream: TextIO, color: bool) -> None:
        text = io.StringIO()
        write(report, text, color)
        stream.write(text.getvalue())

    return write_at_once


def __getattr__(name: str) -> object:
    # ``REPORTERS``: every format's reporter, for callers that want them all.
    if name == "REPORTERS":
        return {format_name: reporter(format_name) for format_name in FORMATS}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
