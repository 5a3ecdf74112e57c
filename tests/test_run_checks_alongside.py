"""The run checks (ruff, the project rules) of a check-mode run start beside the file
checks: once the worker processes exist (none is forked while their thread runs),
once per run, and their findings are reported with the files'."""

from __future__ import annotations

import json
import multiprocessing
import subprocess
import sys
from pathlib import Path

from policy_check.config import Settings
from policy_check.engine import FileJob, FixOptions
from policy_check.rules import all_rules
from policy_check.runner import run_jobs
from test_cli import KillingRule  # ends its worker on a marker, as a native crash would

PRINTS = 'def f(x):\n    print("x", x)\n'


def _jobs(folder: Path, count: int, killer: int | None = None) -> list[FileJob]:
    jobs = []
    for index in range(count):
        path = folder / f"m{index}.py"
        path.write_text("KILL_THE_WORKER = 1\n" if index == killer else PRINTS)
        jobs.append(FileJob(path, path.name, path.name, False))
    return jobs


def test_started_once_after_the_workers_are_forked_even_when_a_worker_dies(tmp_path: Path) -> None:
    seen: list[int] = []

    def alongside() -> None:
        seen.append(len(multiprocessing.active_children()))

    jobs = _jobs(tmp_path, 40, killer=7)
    results = run_jobs(jobs, Settings(root=tmp_path), [KillingRule, *all_rules()], FixOptions(), None, 2, None, alongside)
    assert len(results) == 40 and sum(r.diagnostics[0].code == "PC000" for r in results) == 1
    assert seen == [2]


def test_started_before_a_handful_of_files_is_checked_in_this_process(tmp_path: Path) -> None:
    order: list[str] = []
    jobs = _jobs(tmp_path, 2)
    results = run_jobs(jobs, Settings(root=tmp_path), all_rules(), FixOptions(), None, 2, lambda _: order.append("checked"), lambda: order.append("started"))
    assert order == ["started", "checked", "checked"]
    assert [d.code for r in results for d in r.diagnostics] == ["PC301", "PC301"]


def test_ruff_and_project_findings_reported_with_the_files(tmp_path: Path) -> None:
    project = tmp_path / "lab"
    project.mkdir()
    for index in range(12):
        (project / f"step_{index}.py").write_text(f"import os, sys\n\n\ndef step_{index}(x):\n    print(x)\n    return x\n")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    command = [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--jobs", "2", "--output-format", "json", "."]
    checked = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=300)
    codes = [row["code"] for row in json.loads(checked.stdout)]
    assert codes.count("F401") == 24 and codes.count("PC301") == 12, checked.stderr
    assert {"PC104", "PC106"} <= set(codes), codes
