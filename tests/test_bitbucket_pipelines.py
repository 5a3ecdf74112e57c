"""The ready Bitbucket Pipelines step, its script run line by line with bash as
Pipelines runs it, against a local proxy on 127.0.0.1.  The pip install (network)
is left out: the policy-check of this checkout is on PATH."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from ci_fixtures import REPO, clean_environment, make_lab
from test_bitbucket_upload import API, PIPELINE, FakeProxy, proxy  # noqa: F401 - the fixture

PIPELINE_FILE = REPO / "hooks" / "bitbucket" / "bitbucket-pipelines.yml"


def _steps(pipeline: str) -> list[dict]:
    pipelines = yaml.safe_load(PIPELINE_FILE.read_text())["pipelines"]
    return pipelines["default"] if pipeline == "default" else pipelines["pull-requests"]["**"]


PYPROJECT = '[project]\nname = "lab"\nversion = "0.1"\n\n[tool.policy-check]\nselect = ["PC3"]\n'


def _run_step(
    workspace: Path, proxy_url: str, pipeline: str = "default", pyproject: str = PYPROJECT, **variables: str
) -> subprocess.CompletedProcess[str]:
    (step,) = _steps(pipeline)
    lines = [line for line in step["step"]["script"] if "pip install" not in line]
    (workspace / "pyproject.toml").write_text(pyproject)
    env = clean_environment(CI="true", POLICY_CHECK_BITBUCKET_PROXY=proxy_url, **PIPELINE, **variables)
    return subprocess.run(
        ["bash", "-e", "-c", "\n".join(lines)], cwd=workspace, env=env, capture_output=True, text=True, timeout=120
    )


def test_step_uploads_insights_writes_junit_and_fails_on_findings(tmp_path: Path, proxy: FakeProxy) -> None:  # noqa: F811 - the imported fixture
    workspace = make_lab(tmp_path / "repo")
    result = _run_step(workspace, proxy.url)
    assert result.returncode == 1, result.stderr
    assert [(method, url) for method, url, _, _ in proxy.requests] == [("PUT", API), ("POST", API + "/annotations")]
    suites = ET.parse(workspace / "test-results" / "policy-check.xml").getroot()
    assert suites.get("failures") == "5"


def test_step_passes_on_a_clean_project(tmp_path: Path, proxy: FakeProxy) -> None:  # noqa: F811 - the imported fixture
    workspace = make_lab(tmp_path / "repo", clean=True)
    result = _run_step(workspace, proxy.url)
    assert result.returncode == 0, result.stderr
    assert proxy.requests[0][3]["result"] == "PASSED"
    assert len(proxy.requests) == 1, "no annotations to post"


def test_step_is_a_reusable_definition() -> None:
    document = yaml.safe_load(PIPELINE_FILE.read_text())
    step = document["definitions"]["steps"][0]["step"]
    assert step["name"] == "policy-check"
    assert any("test-results/" in line for line in step["script"])


def test_pull_request_step_reports_only_changed_lines(tmp_path: Path, proxy: FakeProxy) -> None:  # noqa: F811 - the imported fixture
    workspace = make_lab(tmp_path / "repo", clean=True)
    module = workspace / "src" / "lab" / "stats.py"
    git = ["git", "-c", "user.email=lab@example.org", "-c", "user.name=Lab"]
    module.write_text(module.read_text() + "\n\ndef legacy(x):\n    print('old', x)\n")
    subprocess.run([*git, "checkout", "-q", "-b", "main"], cwd=workspace, check=True)
    subprocess.run([*git, "add", "-A"], cwd=workspace, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=workspace, check=True)
    subprocess.run([*git, "checkout", "-q", "-b", "feature"], cwd=workspace, check=True)
    module.write_text(module.read_text() + "\n\ndef new(x):\n    print('new', x)\n")
    # Bitbucket runs the `pull-requests` pipeline for a pull request (only there is
    # the destination branch set).
    result = _run_step(workspace, proxy.url, "pull-requests", BITBUCKET_PR_DESTINATION_BRANCH="main")
    assert result.returncode == 1, result.stderr
    suites = ET.parse(workspace / "test-results" / "policy-check.xml").getroot()
    assert suites.get("failures") == "1", "only the print added on the branch"


def test_pull_requests_pipeline_runs_the_same_step() -> None:
    assert _steps("pull-requests") == _steps("default")
    assert _steps("pull-requests")[0]["step"]["name"] == "policy-check"


def test_a_configuration_error_fails_the_step_before_any_upload(tmp_path: Path, proxy: FakeProxy) -> None:  # noqa: F811 - the imported fixture
    workspace = make_lab(tmp_path / "repo")
    result = _run_step(workspace, proxy.url, pyproject=PYPROJECT.replace('["PC3"]', '["PC3011"]'))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "did you mean 'PC301'?" in result.stderr
    assert proxy.requests == []
