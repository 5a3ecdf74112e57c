"""The run-level check that runs the selected project rules once per run: gather the
facts, ask each rule, honour ``per-file-ignores``, apply the allowed fixes
(``--fix``, ``--unsafe-fixes``) or print them (``--diff``), and hand back
diagnostics at the file or folder each finding concerns (row 1)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from policy_check.diagnostics import INTERNAL_ERROR, Diagnostic, Fix, Location, Severity
from policy_check.jobs import Mode
from policy_check.globs import matches_any
from policy_check.rules.project import PROJECT_RULES
from policy_check.rules.project.base import Finding, ProjectRule
from policy_check.rules.project.facts import ProjectFacts

if TYPE_CHECKING:
    from policy_check.config import Settings
    from policy_check.rules.project.workspace import Workspace
    from policy_check.run_context import RunContext

logger = logging.getLogger(__name__)

FIRST_ROW = Location(1, 1)


def run_project_checks(context: RunContext) -> list[Diagnostic]:
    rules = [rule for rule in PROJECT_RULES if rule.code in context.selected_codes]
    if not rules:
        return []
    start = project_start(context.paths)
    facts = ProjectFacts.gather(start, context.settings)
    if not facts.is_project:
        return []
    found, crashes = collect(facts, rules)
    facts.memo.save()
    mode = context.options.mode
    allowed = [(rule, finding) for rule, finding in found if finding.fix and context.options.allows(finding.fix.applicability)]
    if mode is Mode.DIFF and allowed:
        _diff(facts, allowed, context)
    elif mode is Mode.FIX and allowed:
        _fix(facts, allowed, context)
        # Look again: what is left is what the fixes did not (or could not) resolve.
        facts = ProjectFacts.gather(start, context.settings)
        found, crashes = collect(facts, rules)
        facts.memo.save()
    return [*crashes, *(_diagnostic(rule, finding, facts, context) for rule, finding in found)]


def _diff(facts: ProjectFacts, allowed: Sequence[tuple[type[ProjectRule], Finding]], context: RunContext) -> None:
    """--diff: the fixes as one git-style patch (moves as renames), counted as fixes."""
    from policy_check.rules.project.workspace import Workspace  # only when fixing

    workspace = Workspace(facts.root, dry_run=True, overlay=context.fixed_sources)
    applied = _apply(workspace, allowed)
    sys.stdout.write(workspace.diff(lambda path: _relative(path, facts.root)))
    context.diffed_paths.update(workspace.changed_paths())
    context.changed_files.update(workspace.touched_paths())
    context.fixed.extend(_diagnostic(rule, finding, facts, context) for rule, finding in applied)


def _fix(facts: ProjectFacts, allowed: Sequence[tuple[type[ProjectRule], Finding]], context: RunContext) -> None:
    """--fix: apply, count and list the fixes; after a move, say to reinstall."""
    from policy_check.rules.project.workspace import Workspace

    workspace = Workspace(facts.root, dry_run=False, git_repo=facts.repo)
    applied = _apply(workspace, allowed)
    context.fixed.extend(_diagnostic(rule, finding, facts, context) for rule, finding in applied)
    context.changed_files.update(workspace.touched_paths())
    logger.info("fixed %d project findings", len(applied))
    if workspace.moves:
        logger.warning(
            "moved %s: an editable install (`pip install -e .`) points at the old place; run it again",
            ", ".join(f"{_relative(source, facts.root)}/ to {_relative(target, facts.root)}/" for source, target in workspace.moves),
        )


def project_start(paths: Sequence[Path]) -> Path:
    """Where the project is looked for: the first folder given; the working directory
    when only files are given (pre-commit passes file names from the repository root)."""
    for path in paths:
        if os.path.isdir(path):  # False, not an error, inside a folder the user may not read
            return path
    return Path.cwd()


def collect(facts: ProjectFacts, rules: Sequence[type[ProjectRule]]) -> tuple[list[tuple[type[ProjectRule], Finding]], list[Diagnostic]]:
    """Every rule's findings, minus those ``per-file-ignores`` silences; a rule that
    crashes gives one internal-error diagnostic and the others still run."""
    found: list[tuple[type[ProjectRule], Finding]] = []
    crashes: list[Diagnostic] = []
    for rule in rules:
        try:
            findings = list(rule(facts).check())
        except Exception as error:  # noqa: BLE001 - one rule must not stop the run
            logger.debug("rule %s crashed", rule.code, exc_info=True)
            message = f"internal error in rule {rule.code} on project {facts.root}: {type(error).__name__}: {error}"
            crashes.append(
                Diagnostic(INTERNAL_ERROR, message, str(facts.root), FIRST_ROW, FIRST_ROW, Severity.ERROR,
                           "internal-error", project_level=True)
            )
            continue
        found.extend((rule, finding) for finding in findings if not _ignored(rule.code, finding.path, facts))
    return found, crashes


def _ignored(code: str, path: Path, facts: ProjectFacts) -> bool:
    relative = _relative(path, facts.root)
    return any(
        any(code.startswith(prefix) for prefix in codes) and matches_any(relative, [glob])
        for glob, codes in facts.settings.per_file_ignores
    )


def _apply(
    workspace: Workspace, allowed: Sequence[tuple[type[ProjectRule], Finding]]
) -> list[tuple[type[ProjectRule], Finding]]:
    applied = []
    for rule, finding in allowed:
        assert finding.fix is not None
        try:
            finding.fix.apply(workspace)
            applied.append((rule, finding))
        except Exception as error:  # noqa: BLE001 - a fix that fails leaves the finding reported
            logger.error("could not apply the %s fix (%s): %s", rule.code, finding.fix.message, error)
    return applied


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix() or "."
    except ValueError:
        return path.as_posix()


def _display(path: Path) -> str:
    absolute = os.path.abspath(path)
    relative = os.path.relpath(absolute)
    return absolute if relative.startswith("..") else relative


def _diagnostic(rule: type[ProjectRule], finding: Finding, facts: ProjectFacts, context: RunContext) -> Diagnostic:
    fix = Fix(finding.fix.message, finding.fix.applicability, ()) if finding.fix else None
    relative = _relative(finding.path, facts.root)
    return Diagnostic(
        code=rule.code,
        message=finding.message,
        path=_display(finding.path),
        start=FIRST_ROW,
        end=FIRST_ROW,
        severity=rule.severity,
        name=rule.name,
        fix=fix,
        # Baselines fingerprint on this: the rule and the file it concerns.
        snippet=f"{rule.code} {relative}",
        project_level=True,
    )


def check_project(start: Path, settings: Settings, codes: Sequence[str] | None = None) -> list[tuple[str, Finding]]:
    """The findings for a project folder, for tests and tools: (code, finding) pairs."""
    facts = ProjectFacts.gather(start, settings)
    rules = [rule for rule in PROJECT_RULES if codes is None or rule.code in codes]
    found, crashes = collect(facts, rules)
    facts.memo.save()
    if crashes:
        raise RuntimeError(crashes[0].message)
    return [(rule.code, finding) for rule, finding in found]
