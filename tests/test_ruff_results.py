"""ruff's findings come from the cache for the files that did not change: a warm run
with nothing changed does not start ruff, one changed file is all ruff is asked
about, and a changed ruff configuration (or one it extends) asks again."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNUSED = "import os\n\n\ndef f():\n    return 1\n"


@pytest.fixture()
def logged_ruff(tmp_path: Path) -> Path:
    """A ruff that writes each command line to a log and fails when asked to."""
    real = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if real is None:
        pytest.fail("the tests need ruff (a dependency of the project)")
    script = tmp_path / "bin" / "ruff"
    script.parent.mkdir()
    script.write_text(
        "#!/bin/sh\n"
        f'echo "$@" >> "{tmp_path / "ruff.log"}"\n'
        'if [ -n "$RUFF_FAILS" ] && [ "$1" = check ]; then echo "broken" >&2; exit 2; fi\n'
        f'exec "{real}" "$@"\n'
    )
    script.chmod(0o755)
    return script


def _checks(tmp_path: Path) -> list[list[str]]:
    log = tmp_path / "ruff.log"
    lines = log.read_text().splitlines() if log.exists() else []
    log.write_text("")
    return [line.split() for line in lines if line.startswith("check ")]


def _run(project: Path, ruff: Path, *extra: str, fails: bool = False) -> tuple[list[tuple[str, str]], str]:
    env = {**os.environ, "POLICY_CHECK_RUFF": str(ruff)}
    env.pop("RUFF_FAILS", None)
    if fails:
        env["RUFF_FAILS"] = "1"
    run = subprocess.run(
        [sys.executable, "-m", "policy_check", "--output-format", "json", "--exit-zero", *extra, "."],
        cwd=project, env=env, capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    return sorted((Path(row["filename"]).name, row["code"]) for row in json.loads(run.stdout)), run.stderr


@pytest.fixture()
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "pyproject.toml").write_text("[tool.policy-check]\nselect = ['F401', 'F811']\n")
    (folder / "a.py").write_text(UNUSED)
    (folder / "b.py").write_text(UNUSED.replace("os", "sys"))
    return folder


def test_nothing_changed_ruff_is_not_started(project: Path, logged_ruff: Path, tmp_path: Path) -> None:
    first, _ = _run(project, logged_ruff)
    assert first == [("a.py", "F401"), ("b.py", "F401")]
    assert len(_checks(tmp_path)) == 1
    second, _ = _run(project, logged_ruff)
    assert second == first
    assert _checks(tmp_path) == []


def test_only_the_changed_file_goes_to_ruff(project: Path, logged_ruff: Path, tmp_path: Path) -> None:
    _run(project, logged_ruff)
    _checks(tmp_path)
    (project / "a.py").write_text("import os\nimport os\n")
    found, _ = _run(project, logged_ruff)
    assert found == [("a.py", "F401"), ("a.py", "F811"), ("b.py", "F401")]
    (command,) = _checks(tmp_path)
    assert [Path(arg).name for arg in command if arg.endswith(".py")] == ["a.py"]


def test_a_changed_ruff_configuration_asks_ruff_again(project: Path, logged_ruff: Path, tmp_path: Path) -> None:
    _run(project, logged_ruff)
    (project / "ruff.toml").write_text('extend = "../shared-ruff.toml"\n')
    (tmp_path / "shared-ruff.toml").write_text("[lint.per-file-ignores]\n\"a.py\" = []\n")
    assert _run(project, logged_ruff)[0] == [("a.py", "F401"), ("b.py", "F401")]
    _checks(tmp_path)
    # The configuration it extends, outside the project, changes: ruff is asked again.
    (tmp_path / "shared-ruff.toml").write_text("[lint.per-file-ignores]\n\"a.py\" = ['F401']\n")
    assert _run(project, logged_ruff)[0] == [("b.py", "F401")]
    assert len(_checks(tmp_path)) == 1


def test_a_failed_ruff_run_is_not_kept(project: Path, logged_ruff: Path) -> None:
    found, errors = _run(project, logged_ruff, fails=True)
    assert found == [] and "ruff" in errors
    assert _run(project, logged_ruff)[0] == [("a.py", "F401"), ("b.py", "F401")]


def test_no_cache_always_asks_ruff(project: Path, logged_ruff: Path, tmp_path: Path) -> None:
    _run(project, logged_ruff)
    _checks(tmp_path)
    assert _run(project, logged_ruff, "--no-cache")[0] == [("a.py", "F401"), ("b.py", "F401")]
    (command,) = _checks(tmp_path)
    assert "--no-cache" in command
