"""``--diff-base REF``: only findings on lines changed since REF, on real git repositories."""

from __future__ import annotations

from pathlib import Path

import pytest
from _adoption_repo import Repo


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    repo = Repo(tmp_path)
    repo.write("src/legacy/__init__.py", "")
    repo.write("src/legacy/old.py", 'def run():\n    print("old")\n    return 1\n')
    repo.commit("legacy code")
    return repo


def test_changed_line_reports_and_unchanged_line_does_not(repo: Repo) -> None:
    repo.write("src/legacy/old.py", 'def run():\n    print("old")\n    print("new")\n    return 1\n')
    repo.commit("add a print")
    findings = repo.findings("--diff-base", "HEAD~1")
    assert [(f.path, f.row) for f in findings] == [("src/legacy/old.py", 3)]
    assert len(repo.findings()) == 2


def test_unstaged_changes_count(repo: Repo) -> None:
    repo.write("src/legacy/old.py", 'def run():\n    print("old")\n    return print("edited")\n')
    assert [f.row for f in repo.findings("--diff-base", "main")] == [3]


def test_staged_changes_count(repo: Repo) -> None:
    repo.write("src/legacy/old.py", 'print("top")\ndef run():\n    print("old")\n    return 1\n')
    repo.git("add", "src/legacy/old.py")
    assert [f.row for f in repo.findings("--diff-base", "main")] == [1]


def test_untracked_file_counts_whole(repo: Repo) -> None:
    repo.write("src/legacy/new.py", 'print("a")\nprint("b")\n')
    findings = repo.findings("--diff-base", "main")
    assert [(f.path, f.row) for f in findings] == [("src/legacy/new.py", 1), ("src/legacy/new.py", 2)]


def test_ignored_file_is_not_a_change(repo: Repo) -> None:
    repo.write(".gitignore", "scratch.py\n")
    repo.commit("ignore scratch")
    repo.write("scratch.py", 'print("scratch")\n')
    assert repo.findings("--diff-base", "main", "scratch.py") == []


def test_multi_line_finding_reports_when_any_of_its_lines_changed(repo: Repo) -> None:
    repo.write("src/legacy/call.py", 'print(\n    "a",\n    "b",\n)\n')
    repo.commit("multi-line print")
    repo.write("src/legacy/call.py", 'print(\n    "a",\n    "changed",\n)\n')
    assert [f.row for f in repo.findings("--diff-base", "main")] == [1]


def test_branch_base_resolves_to_merge_base(repo: Repo) -> None:
    fork_point = repo.git("rev-parse", "HEAD")
    repo.git("checkout", "-q", "-b", "feature")
    repo.write("src/legacy/feature.py", 'print("feature")\n')
    repo.commit("feature work")
    # main moves on after the fork: its new lines are not the feature's changes.
    repo.git("checkout", "-q", "main")
    repo.write("src/legacy/mainline.py", 'print("main")\n')
    repo.commit("main work")
    repo.git("checkout", "-q", "feature")

    findings = repo.findings("--diff-base", "main")
    assert [f.path for f in findings] == ["src/legacy/feature.py"]
    # A commit (not a branch) is compared with directly: the same fork point gives the same answer.
    assert [f.path for f in repo.findings("--diff-base", fork_point)] == ["src/legacy/feature.py"]


def test_remote_tracking_branch_resolves_to_merge_base(repo: Repo) -> None:
    repo.git("update-ref", "refs/remotes/origin/main", "HEAD")
    repo.write("src/legacy/old.py", 'def run():\n    print("old")\n    print("pr")\n    return 1\n')
    repo.commit("pr work")
    assert [f.row for f in repo.findings("--diff-base", "origin/main")] == [3]


def test_a_bare_branch_name_falls_back_to_its_remote_tracking_branch(repo: Repo) -> None:
    # As in CI: the target branch exists only as origin/<name>, and main moved on after the fork.
    repo.git("update-ref", "refs/remotes/origin/trunk", "HEAD")
    repo.git("checkout", "-q", "-b", "pr")
    repo.write("src/legacy/pr.py", 'print("pr")\n')
    repo.commit("pr work")
    repo.git("checkout", "-q", "--detach", "refs/remotes/origin/trunk")
    repo.write("src/legacy/trunk.py", 'print("trunk")\n')
    repo.commit("trunk work")
    repo.git("update-ref", "refs/remotes/origin/trunk", "HEAD")
    repo.git("checkout", "-q", "pr")
    assert [f.path for f in repo.findings("--diff-base", "trunk")] == ["src/legacy/pr.py"]


def test_renamed_file_without_edits_reports_nothing(repo: Repo) -> None:
    repo.git("mv", "src/legacy/old.py", "src/legacy/renamed.py")
    assert repo.findings("--diff-base", "main") == []


def test_unknown_ref_is_a_usage_error(repo: Repo) -> None:
    code, _, err = repo.run("--diff-base", "no-such-branch")
    assert code == 2
    assert "no-such-branch" in err


def test_outside_git_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.policy-check]\nruff = false\n")
    from _adoption_repo import Repo as _Repo

    plain = object.__new__(_Repo)
    plain.root = tmp_path
    code, _, err = plain.run("--diff-base", "main")
    assert code == 2
    assert "git repository" in err


def test_project_level_findings_follow_the_file_or_folder_they_are_about(repo: Repo) -> None:
    from policy_check.adoption.changed_lines import changed_lines
    from policy_check.diagnostics import Diagnostic, Location

    def about(path: str) -> Diagnostic:
        start = Location(1, 1)
        return Diagnostic("PC105", "m", str(repo.root / path), start, start, project_level=True)

    repo.write("src/legacy/sub/mod.py", "VALUE = 1\n")
    changed = changed_lines(repo.root, "main")
    assert changed.keeps(about("src/legacy/sub"))  # a new folder
    assert not changed.keeps(about("src/legacy"))  # an old folder with a new file in it
    assert not changed.keeps(about("."))
    assert not changed.keeps(about("pyproject.toml"))
    repo.write("pyproject.toml", repo.read("pyproject.toml") + "\n# edited\n")
    assert changed_lines(repo.root, "main").keeps(about("pyproject.toml"))
