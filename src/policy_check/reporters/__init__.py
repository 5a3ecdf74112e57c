"""Output formats.  Each reporter is a function ``(RunReport, stream, color) -> None``
in a module of its own; adding a format is one module and one line here.  A run
imports only the reporter it writes with."""

from __future__ import annotations

import importlib
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
    return module.write  # type: ignore[no-any-return]


def __getattr__(name: str) -> object:
    # ``REPORTERS``: every format's reporter, for callers that want them all.
    if name == "REPORTERS":
        return {format_name: reporter(format_name) for format_name in FORMATS}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
