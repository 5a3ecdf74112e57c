"""One bad file ends as one clear finding, never as a hang, a crash of the whole run,
or silence: special files, unreadable folders, a file ruff cannot check, and worker
processes that outlive their run."""

from __future__ import annotations

import os
import time
import subprocess
import sys
from pathlib import Path

import pytest

from _privileges import folder_owned_by, other_user, run_as

GOOD = 'def f(x):\n    print("x", x)\n'


def run_cli(*args: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--output-format", "concise", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_a_fifo_and_a_link_to_a_device_are_reported_not_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "zeros.py").symlink_to("/dev/zero")
    (tmp_path / "good.py").write_text(GOOD)
    result = run_cli(".", cwd=tmp_path, timeout=60)
    assert "pipe.py:1:1: E902 not a regular file" in result.stdout
    assert "zeros.py:1:1: E902 not a regular file" in result.stdout
    assert "good.py:2:5: PC301" in result.stdout
    assert result.returncode == 1


@pytest.mark.parametrize("in_git", [False, True])
def test_a_folder_the_user_may_not_read_is_reported(in_git: bool) -> None:
    user = other_user()
    with folder_owned_by(user) as folder:
        (folder / "good.py").write_text(GOOD)
        secret = folder / "secret"
        secret.mkdir(mode=0o700)  # root's: the user may not list it
        (secret / "hidden.py").write_text(GOOD)
        if in_git:
            subprocess.run(["git", "init", "-q"], cwd=folder, check=True)
            subprocess.run(["chown", "-R", f"{user[0]}:{user[1]}", str(folder / ".git")], check=True)
        whole = run_as(user, "--output-format", "concise", ".", cwd=folder)
        inside = run_as(user, "--output-format", "concise", "secret/hidden.py", cwd=folder)
    assert "secret:1:1: E902 cannot read: Permission denied" in whole.stdout, whole.stdout + whole.stderr
    assert "good.py:2:5: PC301" in whole.stdout
    assert whole.returncode == 1
    assert "secret/hidden.py:1:1: E902 cannot read: Permission denied" in inside.stdout, inside.stdout + inside.stderr
    assert "internal error" not in inside.stderr and inside.returncode == 1


def _children(pid: int) -> list[int]:
    """The run's Python children: its worker processes.  ruff, which the run also
    starts, is left out: it ends when its own work is done, not with the run."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in _read_or_empty(task / "children").split()]
    return [child for child in children if _is_python(child)]


def _read_or_empty(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the thread ended between listing and reading (the run's ruff thread does)
        return ""


def _is_python(pid: int) -> bool:
    try:
        return "python" in Path(f"/proc/{pid}/exe").resolve().name
    except OSError:
        return False


def _alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads process children from Linux's /proc")
def test_workers_exit_when_the_run_is_killed(tmp_path: Path) -> None:
    # Many middling files, not a few huge ones: a worker notices its run is gone
    # between two pieces of Python work, and a long parse holds the interpreter, so
    # on a loaded machine one huge file could outlast the wait below.
    body = "".join(f"def step_{i}(x):\n    print('step', x)\n    return x + {i}\n\n\n" for i in range(200))
    for index in range(400):
        (tmp_path / f"module_{index}.py").write_text(body)
    run = subprocess.Popen(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--jobs", "2", "."],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 60
        while len(workers) < 2 and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.1)
            workers = _children(run.pid)
        assert len(workers) >= 2, "the run started its worker processes"
        run.kill()  # kill -9: the pool gets no chance to stop its workers
        run.wait()
        deadline = time.monotonic() + 30  # a loaded machine schedules the watchers late
        while any(_alive(worker) for worker in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(worker) for worker in workers), "workers outlived the run"
    finally:
        run.kill()
        for worker in workers:  # a failing run leaves no orphans behind
            if _alive(worker):
                os.kill(worker, 9)


def test_a_file_that_crashes_ruff_costs_only_its_own_ruff_findings(tmp_path: Path) -> None:
    # 8,000 terms: Python parses it, ruff's recursive checker overflows its stack.
    (tmp_path / "deep.py").write_text("total = " + " + ".join(["1"] * 8_000) + "\n")
    for index in range(3):
        (tmp_path / f"good_{index}.py").write_text("import os\n\n\ndef f(x):\n    return x\n")
    # ruff's rule only: the engine's own handling of such a file is another matter.
    result = run_cli("--select", "F401", ".", cwd=tmp_path, timeout=300)
    for index in range(3):
        assert f"good_{index}.py:1:8: F401" in result.stdout, result.stdout + result.stderr
    assert "deep.py:1:1: PC000 internal error: ruff crashed on this file" in result.stdout
    assert "ruff failed" not in result.stderr
