"""Every example of every project rule is a test, built as a real git repository:
failing examples report (and their fix gives the expected files and silences the
rule), passing examples do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy_check.config import settings_from_table
from policy_check.diagnostics import Applicability
from policy_check.docs import render_rule
from policy_check.rules import all_rules, known_codes, rule_by_code
from policy_check.rules.project import PROJECT_RULES
from policy_check.rules.project.base import ProjectExample, ProjectRule
from policy_check.rules.project.facts import ProjectFacts
from policy_check.rules.project.runner import collect
from policy_check.rules.project.workspace import Workspace

from _project_repos import make_repo


def _cases(kind: str) -> list:
    return [
        pytest.param(rule, example, id=f"{rule.code}-{kind.lower()}-{index}")
        for rule in PROJECT_RULES
        for index, example in enumerate(getattr(rule, kind))
    ]


def _findings(rule: type[ProjectRule], root: Path, example: ProjectExample) -> list:
    settings = settings_from_table(dict(example.config), root, None)
    found, crashes = collect(ProjectFacts.gather(root, settings), [rule])
    assert crashes == []
    return [finding for _, finding in found]


def _build(tmp_path: Path, example: ProjectExample) -> Path:
    return make_repo(tmp_path / "repo", example.files, example.untracked, example.git, example.commit)


@pytest.mark.parametrize(("rule", "example"), _cases("VALID"))
def test_valid_example_does_not_report(rule: type[ProjectRule], example: ProjectExample, tmp_path: Path) -> None:
    root = _build(tmp_path, example)
    assert _findings(rule, root, example) == []


@pytest.mark.parametrize(("rule", "example"), _cases("INVALID"))
def test_invalid_example_reports_and_its_fix_silences_the_rule(
    rule: type[ProjectRule], example: ProjectExample, tmp_path: Path
) -> None:
    root = _build(tmp_path, example)
    found = _findings(rule, root, example)
    assert len(found) == example.count
    if example.fixed is None:
        return
    workspace = Workspace(root, dry_run=False, git_repo=ProjectFacts.gather(root, settings_from_table({}, root, None)).repo)
    for finding in found:
        assert finding.fix is not None
        finding.fix.apply(workspace)
    for name, content in example.fixed.items():
        if content is None:
            assert not (root / name).exists(), name
        else:
            assert (root / name).read_text(encoding="utf-8") == content, name
    assert _findings(rule, root, example) == []


@pytest.mark.parametrize("rule", PROJECT_RULES, ids=lambda rule: rule.code)
def test_project_rule_is_registered_and_documented(rule: type[ProjectRule]) -> None:
    assert rule in all_rules() and rule_by_code(rule.code) is rule and rule.code in known_codes()
    assert rule.__doc__ and len(rule.__doc__.split()) >= 20
    assert rule.VALID and rule.INVALID
    page = render_rule(rule)
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in page


def test_only_pc101_fix_is_unsafe() -> None:
    unsafe = {rule.code for rule in PROJECT_RULES if rule.fix_safety.value == Applicability.UNSAFE.value}
    assert unsafe == {"PC101"}
