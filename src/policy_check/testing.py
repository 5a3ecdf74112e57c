"""Running a rule on a snippet, as the example tests (and rule authors) need it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from policy_check.config import settings_from_table
from policy_check.diagnostics import Diagnostic
from policy_check.discovery import is_test_path
from policy_check.engine import FixOptions, Mode, check_text, fix_text
from policy_check.rules.base import Rule

EXAMPLE_ROOT = Path("/example-project")


def check_snippet(
    code: str, rules: Sequence[type[Rule]], path: str = "example.py", config: Mapping[str, Any] | None = None
) -> list[Diagnostic]:
    settings = settings_from_table(dict(config or {}), EXAMPLE_ROOT, None)
    return check_text(code, EXAMPLE_ROOT / path, path, path, settings, rules, is_test_path(path))


def fix_snippet(
    code: str,
    rules: Sequence[type[Rule]],
    path: str = "example.py",
    config: Mapping[str, Any] | None = None,
    unsafe: bool = True,
) -> tuple[str, list[Diagnostic], list[Diagnostic]]:
    """The fixed text, the findings left and the findings fixed."""
    settings = settings_from_table(dict(config or {}), EXAMPLE_ROOT, None)

    def check(text: str) -> list[Diagnostic]:
        return check_text(text, EXAMPLE_ROOT / path, path, path, settings, rules, is_test_path(path))

    return fix_text(code, check, FixOptions(Mode.FIX, unsafe=unsafe))
