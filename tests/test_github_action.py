"""The composite action's shell steps, run locally with bash as the runner runs
them (``bash --noprofile --norc -eo pipefail``), with the ``GITHUB_*`` files in a
temporary folder.  Only the pip install is left out: it needs the network; the
policy-check of this checkout is on PATH instead."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from ci_fixtures import REPO, VENV_BIN, clean_environment, make_lab

ACTION = REPO / "hooks" / "github" / "action.yml"
NETWORK_STEPS = {"Install policy-check"}
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


@dataclass
class ActionRun:
    exit_status: int
    failed_step: str | None
    stdout: str
    summary: str
    outputs: dict[str, dict[str, str]]


def _read_outputs(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if "=" in line)


def run_action(
    workspace: Path, inputs: dict[str, str], tmp_path: Path, github_base_ref: str = "", path_prefix: str = ""
) -> ActionRun:
    action = yaml.safe_load(ACTION.read_text())
    # The `github` context as a runner gives it (a push: no pull request base).
    values = {"github.action_path": str(ACTION.parent), "github.base_ref": github_base_ref}
    for name, spec in action["inputs"].items():
        default = str(spec.get("default", ""))
        values[f"inputs.{name}"] = EXPRESSION.sub(lambda m: values.get(m.group(1).strip(), ""), default)
    values.update({f"inputs.{name}": value for name, value in inputs.items()})
    summary, github_path = tmp_path / "step_summary.md", tmp_path / "github_path"
    summary.touch()
    github_path.touch()
    outputs: dict[str, dict[str, str]] = {}
    stdout = []

    def evaluate(expression: str) -> str:
        # The expressions this action uses: a value, or `value != ''`.
        if expression.endswith("!= ''"):
            return "true" if values[expression[: -len("!= ''")].strip()] else ""
        return values.get(expression, "")

    for index, step in enumerate(action["runs"]["steps"]):
        name = step.get("name", f"step {index}")
        condition = step.get("if")
        if condition is not None and not EXPRESSION.sub(lambda m: evaluate(m.group(1)), condition):
            continue
        if name in NETWORK_STEPS:
            continue
        output_file = tmp_path / f"output_{index}"
        output_file.touch()
        env = clean_environment(
            GITHUB_ACTIONS="true",
            CI="true",
            GITHUB_OUTPUT=str(output_file),
            GITHUB_STEP_SUMMARY=str(summary),
            GITHUB_PATH=str(github_path),
            GITHUB_WORKSPACE=str(workspace),
            RUNNER_TEMP=str(tmp_path),
        )
        if path_prefix:
            env["PATH"] = f"{path_prefix}{os.pathsep}{env['PATH']}"
        env.update({key: EXPRESSION.sub(lambda m: evaluate(m.group(1)), str(value)) for key, value in step.get("env", {}).items()})
        assert step["shell"] == "bash"
        script = tmp_path / f"step_{index}.sh"
        script.write_text(step["run"])
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace, env=env, capture_output=True, text=True, timeout=120,
        )
        stdout.append(result.stdout)
        if "id" in step:
            outputs[step["id"]] = _read_outputs(output_file)
            values.update({f"steps.{step['id']}.outputs.{k}": v for k, v in outputs[step["id"]].items()})
        if result.returncode != 0:
            return ActionRun(result.returncode, name, "".join(stdout), summary.read_text(), outputs)
    return ActionRun(0, None, "".join(stdout), summary.read_text(), outputs)


def test_findings_annotate_summarise_write_sarif_and_fail_the_step(tmp_path: Path) -> None:
    workspace = make_lab(tmp_path / "repo")
    run = run_action(workspace, {"args": "--isolated --select PC3", "sarif-file": "results.sarif"}, tmp_path)
    assert (run.exit_status, run.failed_step) == (1, "Run policy-check")
    assert "::warning file=src/lab/stats.py,line=5,endLine=5,col=5,endColumn=45,title=policy-check (PC301)::" in run.stdout
    assert "::error file=src/lab/broken.py,line=1" in run.stdout
    assert "| `PC301` | print-call | 2 |" in run.summary
    sarif = json.loads((workspace / "results.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 5
    assert run.outputs["run"] == {"sarif-file": "results.sarif"}
    # The most severe first: the syntax error's annotation leads.
    assert run.stdout.splitlines()[0].startswith("::error file=src/lab/broken.py")


def test_clean_project_passes_without_annotations(tmp_path: Path) -> None:
    workspace = make_lab(tmp_path / "repo", clean=True)
    run = run_action(workspace, {"args": "--isolated --select PC3", "paths": "src"}, tmp_path)
    assert run.exit_status == 0
    assert "::" not in run.stdout
    assert "All checks passed" in run.summary
    assert not (workspace / "results.sarif").exists()


def test_configuration_error_fails_the_step(tmp_path: Path) -> None:
    workspace = make_lab(tmp_path / "repo")
    run = run_action(workspace, {"args": "--select NOPE", "sarif-file": "results.sarif"}, tmp_path)
    assert (run.exit_status, run.failed_step) == (2, "Run policy-check")


def test_the_check_runs_once_for_annotations_summary_and_sarif(tmp_path: Path) -> None:
    workspace = make_lab(tmp_path / "repo")
    # The real policy-check behind a wrapper that counts its runs.
    wrapper_bin = tmp_path / "bin"
    wrapper_bin.mkdir()
    calls = tmp_path / "calls.log"
    wrapper = wrapper_bin / "policy-check"
    wrapper.write_text(f'#!/bin/sh\necho run >> "{calls}"\nexec "{VENV_BIN / "policy-check"}" "$@"\n')
    wrapper.chmod(0o755)
    run = run_action(workspace, {"args": "--isolated --select PC3", "sarif-file": "out/results.sarif"}, tmp_path, path_prefix=str(wrapper_bin))
    assert run.exit_status == 1
    assert calls.read_text().splitlines() == ["run"]
    sarif = json.loads((workspace / "out" / "results.sarif").read_text())
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert len(sarif["runs"][0]["results"]) == len(annotations) == 5
    assert "Found **5** findings" in run.summary


@pytest.mark.parametrize(
    ("version", "spec"),
    [("", str(REPO)), ("0.2.0", "policy-check==0.2.0"), ("v1.4", "policy-check==1.4"), ("policy-check>=0.2", "policy-check>=0.2")],
)
def test_version_input_becomes_a_pip_requirement(tmp_path: Path, version: str, spec: str) -> None:
    workspace = make_lab(tmp_path / "repo", clean=True)
    run = run_action(workspace, {"version": version, "args": "--isolated --select PC3"}, tmp_path)
    assert run.outputs["resolve"]["spec"] == spec
    install = next(s for s in yaml.safe_load(ACTION.read_text())["runs"]["steps"] if s["name"] in NETWORK_STEPS)
    assert install["env"]["SPEC"] == "${{ steps.resolve.outputs.spec }}" and '"$SPEC"' in install["run"]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.email=lab@example.org", "-c", "user.name=Lab", *args],
        cwd=cwd, check=True, capture_output=True,
    )


def test_pull_request_annotates_only_lines_changed_since_its_base(tmp_path: Path) -> None:
    workspace = make_lab(tmp_path / "repo", clean=True)
    module = workspace / "src" / "lab" / "stats.py"
    module.write_text(module.read_text() + "\n\ndef legacy(x):\n    print('old', x)\n")
    _git(workspace, "checkout", "-q", "-b", "main")
    _git(workspace, "add", "-A")
    _git(workspace, "commit", "-qm", "base")
    _git(workspace, "checkout", "-q", "-b", "feature")
    module.write_text(module.read_text() + "\n\ndef new(x):\n    print('new', x)\n")
    _git(workspace, "commit", "-qam", "feature")
    # On a pull request the runner's github.base_ref names the target branch.
    run = run_action(workspace, {"args": "--isolated --select PC3"}, tmp_path, github_base_ref="main")
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert run.exit_status == 1 and run.failed_step == "Run policy-check"
    new_line = module.read_text().splitlines().index("    print('new', x)") + 1
    assert len(annotations) == 1
    assert annotations[0].startswith(f"::warning file=src/lab/stats.py,line={new_line},") and "PC301" in annotations[0]
    # On a push (no base) everything is checked.
    (tmp_path / "push").mkdir()
    push = run_action(workspace, {"args": "--isolated --select PC3"}, tmp_path / "push")
    assert len([line for line in push.stdout.splitlines() if line.startswith("::")]) == 2
