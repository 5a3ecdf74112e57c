"""Output formats.  Each reporter is a function ``(RunReport, stream, color) -> None``;
adding a format is one module and one line here."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from policy_check.report import RunReport
from policy_check.reporters import concise, json_format, text
from policy_check.reporters import bitbucket, github, gitlab, junit, sarif

Reporter = Callable[[RunReport, TextIO, bool], None]

REPORTERS: dict[str, Reporter] = {
    "text": text.write,
    "concise": concise.write,
    "json": json_format.write,
    "sarif": sarif.write,
    "github": github.write,
    "gitlab": gitlab.write,
    "junit": junit.write,
    "bitbucket": bitbucket.write,
}
