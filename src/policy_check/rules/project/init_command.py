"""``policy-check init``: write ``[tool.policy-check]`` (with the default selection
as comments) into ``pyproject.toml`` and add the hooks to ``.pre-commit-config.yaml``.
Running it twice changes nothing; it never replaces existing settings without
``--force``."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

import tomlkit
import tomlkit.exceptions

from policy_check.rules.project import precommit
from policy_check.rules.project.facts import find_root
from policy_check.rules.project.workspace import Workspace

logger = logging.getLogger(__name__)

POLICY_TABLE = """\
[tool.policy-check]
# Every rule on by default runs; narrow or widen the selection with codes or prefixes:
# select = ["PC1", "PC2", "PC3", "PC4", "PC5", "PC6", "PC7"]
# extend-select = ["PC602"]
# ignore = []
# per-file-ignores = { "scripts/*" = ["PC301"] }
# max-file-mb = 5
"""


def _policy_table_present(text: str) -> bool:
    document = tomlkit.parse(text)
    tool = document.get("tool")
    return isinstance(tool, dict) and "policy-check" in tool


def updated_pyproject(text: str | None, force: bool) -> tuple[str | None, str]:
    """The new ``pyproject.toml`` text (None: leave it) and what was done."""
    if text is None:
        return POLICY_TABLE, "created pyproject.toml with [tool.policy-check]"
    if not _policy_table_present(text):
        separator = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        return text + separator + POLICY_TABLE, "added [tool.policy-check] to pyproject.toml"
    if not force:
        return None, "pyproject.toml already has [tool.policy-check]: left as it is (--force replaces it)"
    document = tomlkit.parse(text)
    document["tool"].remove("policy-check")  # type: ignore[union-attr]
    rest = tomlkit.dumps(document).rstrip("\n")
    return (rest + "\n\n" if rest else "") + POLICY_TABLE, "replaced [tool.policy-check] in pyproject.toml"


def init_command(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="policy-check init",
        description="Write [tool.policy-check] into pyproject.toml and add the policy-check hooks to .pre-commit-config.yaml.",
    )
    parser.add_argument("path", nargs="?", type=Path, default=Path("."), help="the project folder (default: .)")
    parser.add_argument("--force", action="store_true", help="replace an existing [tool.policy-check] table")
    args = parser.parse_args(argv)
    root, repo = find_root(args.path)
    top = repo.top if repo is not None else root
    workspace = Workspace(root, dry_run=False)
    pyproject = root / "pyproject.toml"
    try:
        new_text, done = updated_pyproject(workspace.read(pyproject), args.force)
    except tomlkit.exceptions.ParseError as error:
        sys.stderr.write(f"policy-check init: {pyproject}: invalid TOML ({error}); nothing written\n")
        return 2
    # Leaving a table that differs from ours is a refusal; leaving ours is idempotence.
    refused = new_text is None and _differs(workspace.read(pyproject))
    if new_text is not None:
        workspace.write(pyproject, new_text)
    sys.stdout.write(done + "\n")
    config = top / ".pre-commit-config.yaml"
    before = workspace.read(config)
    after = precommit.add_hooks(before)
    if after is None:
        sys.stdout.write(f"{config.name}: could not be extended safely; add the policy-check hooks by hand:\n")
        sys.stdout.write(precommit.new_config())
        refused = True
    elif after != before:
        workspace.write(config, after)
        sys.stdout.write(f"{'created' if before is None else 'added the policy-check hooks to'} {config.name}\n")
    else:
        sys.stdout.write(f"{config.name} already runs the policy-check hooks\n")
    return 1 if refused else 0


def _differs(text: str | None) -> bool:
    """Whether the existing table is not the one ``init`` writes (so leaving it was a refusal)."""
    if text is None:
        return False
    document = tomlkit.parse(text)
    ours = tomlkit.parse(POLICY_TABLE)
    return document.get("tool", {}).get("policy-check") != ours["tool"]["policy-check"]  # type: ignore[union-attr]
