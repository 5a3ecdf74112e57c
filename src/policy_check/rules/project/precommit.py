"""Reading and extending ``.pre-commit-config.yaml`` as text, so the user's comments,
ordering and quoting survive: the new repository entry is inserted at the end of
the ``repos:`` block, indented like its neighbours, and the result must parse."""

from __future__ import annotations

import re
from typing import Any


from policy_check import HOME_URL, __version__

# Where users fetch the hooks from; pre-commit pins it with `rev`.
HOOK_REPO_URL = HOME_URL
HOOK_IDS = ("policy-check", "policy-check-project")


def _load_yaml(text: str) -> tuple[Any, bool]:
    """The parsed YAML and whether it parsed.  PyYAML is imported here: only runs
    that meet a pre-commit config pay for it."""
    import yaml

    try:
        return yaml.safe_load(text), True
    # Not only YAMLError: PyYAML builds dates and numbers with Python's own
    # constructors, so `2023-02-30` raises ValueError, and thousands of nested
    # brackets overflow its recursive composer. Either way the config did not parse.
    except (yaml.YAMLError, ValueError, RecursionError):
        return None, False


def hook_ids(text: str) -> set[str]:
    """The hook ids that the config runs (commented-out hooks do not count)."""
    from policy_check.rules.project.block_yaml import block_hook_ids

    simple = block_hook_ids(text)  # most configs: no PyYAML needed
    if simple is not None:
        return simple
    data, valid = _load_yaml(text)
    if not valid:
        return set()
    ids: set[str] = set()
    if not isinstance(data, dict) or not isinstance(data.get("repos"), list):
        return ids
    for repo in data["repos"]:
        if isinstance(repo, dict) and isinstance(repo.get("hooks"), list):
            ids |= {str(hook.get("id")) for hook in repo["hooks"] if isinstance(hook, dict)}
    return ids


def runs_policy_check(text: str) -> bool:
    return any(hook_id.startswith("policy-check") for hook_id in hook_ids(text))


def _entry(indent: str, hooks: tuple[str, ...]) -> str:
    lines = [
        f"{indent}- repo: {HOOK_REPO_URL}",
        f"{indent}  rev: v{__version__}",
        f"{indent}  hooks:",
        *[f"{indent}    - id: {hook}" for hook in hooks],
    ]
    return "\n".join(lines) + "\n"


def new_config(hooks: tuple[str, ...] = HOOK_IDS) -> str:
    return "repos:\n" + _entry("  ", hooks)


def add_hooks(text: str | None, hooks: tuple[str, ...] = HOOK_IDS) -> str | None:
    """The config with a policy-check repository entry running ``hooks`` that are not
    there yet; the text unchanged when all are; None when it cannot be edited safely
    (not valid YAML, no block-style ``repos:`` list)."""
    if text is None or not text.strip():
        return new_config(hooks)
    present = hook_ids(text)
    missing = tuple(hook for hook in hooks if hook not in present)
    if not missing:
        return text
    data, valid = _load_yaml(text)
    if not valid or not isinstance(data, dict):
        return None
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    header = next((i for i, line in enumerate(lines) if re.match(r"^repos\s*:\s*(#.*)?$", line)), None)
    if header is None:
        if "repos" in data:
            return None  # flow style (`repos: []`) or unusual: leave it to the user
        return "".join(lines) + new_config(missing)
    end = _block_end(lines, header)
    insert_at = _insertion_point(lines, header, end)
    result = "".join(lines[:insert_at]) + _entry(_entry_indent(lines[header + 1 : end]), missing) + "".join(lines[insert_at:])
    if not set(missing) <= hook_ids(result):
        return None
    return result


def _block_end(lines: list[str], header: int) -> int:
    """The ``repos:`` block ends before the next top-level key."""
    for index in range(header + 1, len(lines)):
        line = lines[index]
        if line.strip() and not line.startswith((" ", "\t", "-", "#")):
            return index
    return len(lines)


def _entry_indent(block: list[str]) -> str:
    """The indentation of the block's list items (two spaces when it has none)."""
    for line in block:
        match = re.match(r"^(\s*)- ", line)
        if match:
            return match.group(1)
    return "  "


def _insertion_point(lines: list[str], header: int, end: int) -> int:
    """After the block's last entry: trailing blank lines and comments stay after us."""
    insert_at = end
    while insert_at > header + 1 and (not lines[insert_at - 1].strip() or lines[insert_at - 1].startswith("#")):
        insert_at -= 1
    return insert_at
