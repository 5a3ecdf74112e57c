"""Bad input gets one clear line, never a traceback, and never stops the other files;
``--fix`` leaves bad files byte-identical."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from _commands import run_cli
from _privileges import folder_owned_by, other_user, run_as

GOOD = 'def f(x):\n    print("x", x)\n'

BAD_FILES: dict[str, bytes] = {
    "syntax_error.py": b"def broken(:\n    pass\n",
    "latin1_bytes.py": b"name = '\xe9t\xe9'\n",
    "random_binary.py": bytes(range(256)) * 4,
    "empty.py": b"",
    "nested_parens.py": b"x = " + b"(" * 3000 + b"1" + b")" * 3000 + b"\n",
    "long_expression.py": b"x = " + b"+".join([b"1"] * 200_000) + b"\n",
}


@pytest.fixture()
def messy_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "project"
    folder.mkdir()
    (folder / "good.py").write_text(GOOD)
    for name, data in BAD_FILES.items():
        (folder / name).write_bytes(data)
    (folder / "directory.py").mkdir()
    (folder / "directory.py" / "inner.py").write_text(GOOD)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "self_loop.py").symlink_to(folder / "self_loop.py")
    return folder


def _findings(stdout: str) -> list[dict]:
    return json.loads(stdout)


def test_every_bad_file_gets_one_clear_finding_and_good_files_are_still_checked(messy_folder: Path) -> None:
    result = run_cli("--output-format", "json", ".", cwd=messy_folder)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    by_file: dict[str, list[str]] = {}
    for finding in _findings(result.stdout):
        by_file.setdefault(os.path.basename(finding["filename"]), []).append(finding["code"])
    assert by_file["good.py"] == ["PC301"]
    assert by_file["inner.py"] == ["PC301"], "a folder named x.py is walked like any folder"
    assert by_file["syntax_error.py"] == ["E999"]
    assert by_file["latin1_bytes.py"] == ["E902"]
    assert by_file["random_binary.py"] == ["E902"]
    assert by_file["nested_parens.py"] == ["E999"]
    assert by_file["long_expression.py"] == ["E999"]
    assert by_file["self_loop.py"] == ["E902"]
    assert "empty.py" not in by_file
    # The symlinked folder loop is not followed: good.py is reported once.
    assert sum(1 for f in _findings(result.stdout) if f["filename"].endswith("good.py")) == 1


def test_messages_are_one_line_and_say_what_is_wrong(messy_folder: Path) -> None:
    result = run_cli("--output-format", "concise", ".", cwd=messy_folder)
    lines = {line.split(":")[0]: line for line in result.stdout.splitlines() if ":" in line}
    assert "SyntaxError" in lines["syntax_error.py"]
    assert "cannot decode as utf-8: invalid byte 0xe9 on line 1" in lines["latin1_bytes.py"]
    assert "binary file" in lines["random_binary.py"]
    assert "too many nested parentheses" in lines["nested_parens.py"]
    assert "too deeply nested" in lines["long_expression.py"]
    assert "symbolic links" in lines["self_loop.py"]


def test_fix_leaves_bad_files_byte_identical(messy_folder: Path) -> None:
    result = run_cli("--fix", "--unsafe-fixes", ".", cwd=messy_folder)
    assert "Traceback" not in result.stderr
    for name, data in BAD_FILES.items():
        assert (messy_folder / name).read_bytes() == data, name
    assert "logger.info" in (messy_folder / "good.py").read_text()


def test_a_declared_encoding_is_honoured(tmp_path: Path) -> None:
    (tmp_path / "legacy.py").write_bytes(b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\nprint(name)\n")
    result = run_cli("--fix", "--unsafe-fixes", "legacy.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    data = (tmp_path / "legacy.py").read_bytes()
    assert b"'\xe9t\xe9'" in data and b'logger.info("%s", name)' in data


def test_unreadable_file_is_reported(tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        # Root reads any file: act as an unprivileged user, for real.
        user = other_user()
        with folder_owned_by(user) as folder:
            (folder / "secret.py").write_text(GOOD)
            (folder / "secret.py").chmod(0o600)  # root's
            result = run_as(user, "--output-format", "concise", ".", cwd=folder)
    else:
        secret = tmp_path / "secret.py"
        secret.write_text(GOOD)
        secret.chmod(0)
        result = run_cli("--output-format", "concise", ".", cwd=tmp_path)
    assert "secret.py:1:1: E902 cannot read: Permission denied" in result.stdout, result.stdout + result.stderr


def test_huge_file_is_skipped_with_a_reason(tmp_path: Path) -> None:
    (tmp_path / "generated.py").write_bytes(b"x = 1\n" * (2 * 1024 * 1024))
    (tmp_path / "good.py").write_text(GOOD)
    result = run_cli("--output-format", "concise", ".", cwd=tmp_path)
    assert "generated.py:1:1: E902 file is 12.0 MB, larger than the 10 MB" in result.stdout
    assert "good.py:2:5: PC301" in result.stdout


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("[tool.policy-check]\nselekt = ['PC3']\n", "pyproject.toml:2: unknown key 'selekt' in [tool.policy-check]"),
        ("[tool.policy-check]\n\nmax-complexity = 'ten'\n", "pyproject.toml:3: [tool.policy-check] max-complexity: expected a positive whole number"),
        ("[tool.policy-check]\nselect = ['PC9']\n", "unknown rule code or prefix 'PC9'"),
        ("[tool.policy-check]\nselect = 'PC3'\n", "select: expected a list of strings"),
        ("[tool.policy-check\nselect = []\n", "invalid TOML"),
    ],
)
def test_broken_config_is_one_line_exit_2_and_nothing_checked(tmp_path: Path, config: str, message: str) -> None:
    (tmp_path / "pyproject.toml").write_text(config)
    (tmp_path / "good.py").write_text(GOOD)
    result = subprocess.run(
        [sys.executable, "-m", "policy_check", "--no-cache", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_exit_zero_keeps_exit_2_for_config_errors(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.policy-check]\nbogus = 1\n")
    result = subprocess.run(
        [sys.executable, "-m", "policy_check", "--exit-zero", "."], cwd=tmp_path, capture_output=True, text=True
    )
    assert result.returncode == 2


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("no_such_file.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "no_such_file.py: no such file or directory" in result.stderr


def test_a_file_that_cannot_be_opened_is_reported_and_the_rest_checked(tmp_path: Path) -> None:
    # A Unix socket named like a module: open() fails even for root (ENXIO).
    import socket

    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(tmp_path / "socket.py"))
        (tmp_path / "good.py").write_text(GOOD)
        result = run_cli("--output-format", "concise", "socket.py", "good.py", cwd=tmp_path)
    finally:
        server.close()
    assert "socket.py:1:1: E902 cannot read:" in result.stdout
    assert "good.py:2:5: PC301" in result.stdout
