"""GitLab: `--output-format gitlab` is a Code Quality report (GitLab's fields, its
severity scale, paths from the repository root, fingerprints that survive edits
above a finding), and the template job in hooks/gitlab/, its script run line by line
with bash as a GitLab runner runs it: the whole report for the merge-request widget,
the job's status from changed lines only on merge requests.  The pip install
(network) is left out: the policy-check of this checkout is on PATH."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml
from ci_fixtures import REPO, clean_environment, make_lab, run_policy_check

from policy_check import __version__

TEMPLATE = REPO / "hooks" / "gitlab" / "policy-check.gitlab-ci.yml"
GIT = ["git", "-c", "user.email=lab@example.org", "-c", "user.name=Lab", "-c", "commit.gpgsign=false"]
SEVERITIES = {"info", "minor", "major", "critical", "blocker"}


def _report(workspace: Path) -> list[dict]:
    result = run_policy_check(workspace, "--select", "PC3,E999", "--output-format", "gitlab", ".")
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_report_has_gitlabs_fields_and_scale(tmp_path: Path) -> None:
    workspace = make_lab(tmp_path / "repo")
    issues = _report(workspace)
    assert len(issues) == 5
    for issue in issues:
        assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(issue)
        assert issue["severity"] in SEVERITIES
        assert issue["location"]["path"].startswith("src/lab/")
        assert issue["location"]["lines"]["begin"] >= 1
        assert issue["description"].startswith(issue["check_name"] + " ")
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    by_code = {issue["check_name"]: issue for issue in issues}
    assert by_code["E999"]["severity"] == "major" and by_code["PC301"]["severity"] in ("minor", "info")
    # A finding over several lines gives its last line too.
    assert any(issue["location"]["lines"].get("end", 0) > issue["location"]["lines"]["begin"] for issue in issues)


def test_fingerprints_survive_lines_added_above(tmp_path: Path) -> None:
    workspace = make_lab(tmp_path / "repo")
    before = {(i["check_name"], i["fingerprint"]) for i in _report(workspace)}
    stats = workspace / "src" / "lab" / "stats.py"
    stats.write_text('"""Statistics."""\n\n# more lines above every finding\n' + stats.read_text())
    after = _report(workspace)
    assert {(i["check_name"], i["fingerprint"]) for i in after} == before
    assert any(i["location"]["lines"]["begin"] > 3 for i in after)
    # And from another working directory: paths and ids are the repository's.
    elsewhere = run_policy_check(workspace / "src", "--select", "PC3,E999", "--output-format", "gitlab", ".")
    assert {(i["check_name"], i["fingerprint"]) for i in json.loads(elsewhere.stdout)} == before


def _job() -> dict:
    return yaml.safe_load(TEMPLATE.read_text())["policy-check"]


def _run_job(workspace: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    job = _job()
    lines = [line for line in job["script"] if "pip install" not in line]
    env = clean_environment(CI="true", GITLAB_CI="true", CI_PROJECT_DIR=str(workspace), **variables)
    env.update({key: value for key, value in job["variables"].items() if key not in variables and key != "POLICY_CHECK_SPEC"})
    return subprocess.run(
        ["bash", "-e", "-o", "pipefail", "-c", "\n".join(lines)], cwd=workspace, env=env, capture_output=True, text=True, timeout=300
    )


def _git(workspace: Path, *args: str) -> str:
    return subprocess.run([*GIT, *args], cwd=workspace, check=True, capture_output=True, text=True).stdout.strip()


def _lab_with_legacy_and_a_branch(tmp_path: Path) -> tuple[Path, str]:
    """A clean project whose main branch holds one legacy print; returns it on a
    feature branch, and the base commit's sha."""
    workspace = make_lab(tmp_path / "repo", clean=True)
    (workspace / "pyproject.toml").write_text('[project]\nname = "lab"\nversion = "0.1"\n\n[tool.policy-check]\nselect = ["PC3"]\n')
    module = workspace / "src" / "lab" / "stats.py"
    module.write_text(module.read_text() + "\n\ndef legacy(x):\n    print('old', x)\n")
    _git(workspace, "checkout", "-q", "-b", "main")
    _git(workspace, "add", "-A")
    _git(workspace, "commit", "-qm", "base")
    base = _git(workspace, "rev-parse", "HEAD")
    _git(workspace, "checkout", "-q", "-b", "feature")
    return workspace, base


def test_branch_pipeline_reports_and_fails_on_every_finding(tmp_path: Path) -> None:
    workspace, _ = _lab_with_legacy_and_a_branch(tmp_path)
    result = _run_job(workspace, CI_COMMIT_BRANCH="main", CI_PIPELINE_SOURCE="push")
    assert result.returncode == 1, result.stdout + result.stderr
    report = json.loads((workspace / "gl-code-quality-report.json").read_text())
    assert [issue["check_name"] for issue in report] == ["PC301"]


def test_merge_request_fails_only_on_changed_lines_and_reports_everything(tmp_path: Path) -> None:
    workspace, base = _lab_with_legacy_and_a_branch(tmp_path)
    module = workspace / "src" / "lab" / "stats.py"
    module.write_text(module.read_text() + "\n\ndef new(x):\n    print('new', x)\n")
    _git(workspace, "commit", "-qam", "new print")
    mr = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_MERGE_REQUEST_DIFF_BASE_SHA": base}
    result = _run_job(workspace, **mr)
    assert result.returncode == 1, result.stdout + result.stderr
    failing = [line for line in result.stdout.splitlines() if "PC301" in line]
    assert len(failing) == 1  # one row: the new print, on the last line
    assert f"{module.relative_to(workspace)}:{len(module.read_text().splitlines())}:" in failing[0]
    # The widget compares with the target branch's report: it needs both prints.
    report = json.loads((workspace / "gl-code-quality-report.json").read_text())
    assert [issue["check_name"] for issue in report] == ["PC301", "PC301"]


def test_merge_request_without_new_problems_passes(tmp_path: Path) -> None:
    workspace, base = _lab_with_legacy_and_a_branch(tmp_path)
    (workspace / "src" / "lab" / "extra.py").write_text('"""Nothing to see."""\n\nVALUE = 1\n')
    _git(workspace, "add", "-A")
    _git(workspace, "commit", "-qm", "clean change")
    result = _run_job(workspace, CI_PIPELINE_SOURCE="merge_request_event", CI_MERGE_REQUEST_DIFF_BASE_SHA=base)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(json.loads((workspace / "gl-code-quality-report.json").read_text())) == 1


def test_job_publishes_the_report_and_installs_the_release() -> None:
    job = _job()
    assert job["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    assert job["artifacts"]["when"] == "always"
    assert job["variables"]["POLICY_CHECK_SPEC"].endswith(f"@v{__version__}")
    assert any("merge_request_event" in rule["if"] for rule in job["rules"])
