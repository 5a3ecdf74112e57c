"""The command line as a user meets it: exit codes, formats, fixes, suppression,
selection, discovery and the cache."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from policy_check.config import Settings
from policy_check.engine import FileJob, FixOptions, check_file
from policy_check.rules import all_rules
from policy_check.rules.base import Rule
from policy_check.runner import run_jobs
from policy_check.cache import ResultCache
from policy_check.testing import check_snippet

PRINTS = 'import sys\n\n\ndef f(x):\n    print("x", x)\n    print("oops", file=sys.stderr)\n'
# Configured first thing, in a format without the logger's name: PC302's fix keeps the
# text shown, so it is safe (tests/test_root_logger_output.py runs both kinds).
ROOT_LOG = (
    'import logging\n\n\ndef f(x):\n    logging.info("x %s", x)\n\n\n'
    'if __name__ == "__main__":\n    logging.basicConfig(level=logging.INFO, format="%(message)s")\n    f(1)\n'
)


def run_cli(*args: str, cwd: Path, isolated: bool = True) -> subprocess.CompletedProcess[str]:
    # These tests are about the engine and the command line, shown with the logging
    # family; project-level rules and ruff have their own tests.
    flags = ["--isolated", "--select", "PC3"] if isolated else []
    return subprocess.run(
        [sys.executable, "-m", "policy_check", *flags, *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def init_git(path: Path) -> None:
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "lab@example.org")
    git(path, "config", "user.name", "Lab")


def test_exit_codes(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(PRINTS)
    assert run_cli("a.py", cwd=tmp_path).returncode == 1
    assert run_cli("--exit-zero", "a.py", cwd=tmp_path).returncode == 0
    (tmp_path / "clean.py").write_text("x = 1\n")
    clean = run_cli("clean.py", cwd=tmp_path)
    assert clean.returncode == 0 and "All checks passed!" in clean.stdout
    assert run_cli("--select", "NOPE1", "a.py", cwd=tmp_path).returncode == 2
    assert run_cli("--no-such-flag", cwd=tmp_path).returncode == 2


def test_text_output_has_location_code_fix_hint_and_summary(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(ROOT_LOG)
    (tmp_path / "b.py").write_text(PRINTS)
    result = run_cli("a.py", "b.py", cwd=tmp_path)
    assert "a.py:5:5: PC302 [*] Root logger call" in result.stdout
    assert "    fix: Log through `logger.info`" in result.stdout
    assert "unsafe fix (--unsafe-fixes): Replace `print` with `logger.info`" in result.stdout
    assert "[*] 1 fixable with `--fix` (2 unsafe fixes held back" in result.stdout
    assert "\x1b[" not in result.stdout, "no colour when not on a terminal"


def test_json_output_has_exactly_ruffs_shape(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import os\n" + ROOT_LOG)
    ours = json.loads(run_cli("--output-format", "json", "a.py", cwd=tmp_path).stdout)
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    theirs = json.loads(
        subprocess.run(
            [ruff, "check", "--isolated", "--select", "F401", "--output-format", "json", "a.py"],
            cwd=tmp_path, capture_output=True, text=True,
        ).stdout
    )
    assert ours and theirs
    finding = next(f for f in ours if f["code"] == "PC302")
    assert set(finding) == set(theirs[0])
    assert set(finding["fix"]) == set(theirs[0]["fix"])
    assert set(finding["fix"]["edits"][0]) == set(theirs[0]["fix"]["edits"][0])
    assert finding["location"] == {"row": 6, "column": 5}
    assert finding["noqa_row"] == 6
    assert finding["fix"]["applicability"] == "safe"
    assert Path(finding["filename"]).is_absolute()


def test_diff_applies_with_git_apply_and_changes_nothing(tmp_path: Path) -> None:
    init_git(tmp_path)
    (tmp_path / "a.py").write_text(PRINTS)
    (tmp_path / "b.py").write_text(ROOT_LOG)
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-qm", "start")
    result = run_cli("--diff", "--unsafe-fixes", ".", cwd=tmp_path)
    assert result.returncode == 1
    assert (tmp_path / "a.py").read_text() == PRINTS, "--diff writes nothing"
    patch = tmp_path / "fix.patch"
    patch.write_text(result.stdout)
    git(tmp_path, "apply", "--check", str(patch))
    git(tmp_path, "apply", str(patch))
    assert run_cli(".", cwd=tmp_path).returncode == 0


def test_fix_applies_safe_fixes_only_unless_unsafe_allowed(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(PRINTS)
    (tmp_path / "b.py").write_text(ROOT_LOG)
    result = run_cli("--fix", "--show-fixes", "a.py", "b.py", cwd=tmp_path)
    assert "logger.info(\"x %s\", x)" in (tmp_path / "b.py").read_text()
    assert 'print("x", x)' in (tmp_path / "a.py").read_text(), "unsafe print fix held back"
    assert result.returncode == 1
    assert "Fixed 1 findings" in result.stdout
    result = run_cli("--fix", "--unsafe-fixes", "a.py", "b.py", cwd=tmp_path)
    assert result.returncode == 0, result.stdout
    assert "print(" not in (tmp_path / "a.py").read_text()
    compile((tmp_path / "a.py").read_text(), "a.py", "exec")
    before = (tmp_path / "a.py").read_bytes(), (tmp_path / "b.py").read_bytes()
    run_cli("--fix", "--unsafe-fixes", "a.py", "b.py", cwd=tmp_path)
    assert ((tmp_path / "a.py").read_bytes(), (tmp_path / "b.py").read_bytes()) == before, "a second --fix changes nothing"


def test_fix_keeps_file_mode_and_crlf_line_endings(tmp_path: Path) -> None:
    script = tmp_path / "run.py"
    script.write_bytes(ROOT_LOG.replace("\n", "\r\n").encode())
    script.chmod(0o755)
    run_cli("--fix", "run.py", cwd=tmp_path)
    data = script.read_bytes()
    assert b"logger = logging.getLogger(__name__)\r\n" in data
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert script.stat().st_mode & 0o777 == 0o755


def test_noqa_comments_suppress(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(
        "def f(x):\n    print(x)  # noqa: PC301\n    print(x)  # NOQA\n    print(x)  # noqa: E501, pc301\n"
        "    print(x)  # noqa: PC302\n"
    )
    result = run_cli("--output-format", "concise", "a.py", cwd=tmp_path)
    assert [line.split(":")[1] for line in result.stdout.splitlines() if "PC301" in line] == ["5"]


def test_config_selection_per_file_ignores_and_allow_print(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.policy-check]\nselect = ["PC3"]\nignore = ["PC302"]\nallow-print = ["scripts/*"]\n'
        '[tool.policy-check.per-file-ignores]\n"legacy/*.py" = ["PC3"]\n'
    )
    for folder in ("scripts", "legacy", "lab"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "mod.py").write_text('import logging\n\n\ndef f(x):\n    logging.info("x %s", x)\n' + "print('x')\n")
    result = run_cli("--output-format", "concise", ".", cwd=tmp_path, isolated=False)
    lines = [line for line in result.stdout.splitlines() if ": PC" in line]
    assert lines == ["lab/mod.py:6:1: PC301 `print` call: log through a module logger (`logger.info(...)`) that users can silence, redirect and timestamp"]
    selected = run_cli("--select", "PC302", "--output-format", "concise", ".", cwd=tmp_path, isolated=False)
    assert {line.split(": ")[1].split()[0] for line in selected.stdout.splitlines() if ": PC" in line} == {"PC302"}
    isolated = run_cli("--output-format", "concise", "legacy", cwd=tmp_path)
    assert "PC301" in isolated.stdout and "PC302" in isolated.stdout


def test_exclude_applies_to_files_passed_explicitly(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.policy-check]\nselect = ["PC3"]\nextend-exclude = ["generated"]\n')
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "out.py").write_text(PRINTS)
    result = run_cli("generated/out.py", cwd=tmp_path, isolated=False)
    assert result.returncode == 0


def test_git_discovery_honours_gitignore_and_includes_untracked(tmp_path: Path) -> None:
    init_git(tmp_path)
    (tmp_path / ".gitignore").write_text("ignored/\n")
    (tmp_path / "ignored").mkdir()
    (tmp_path / "ignored" / "a.py").write_text(PRINTS)
    (tmp_path / "tracked.py").write_text(PRINTS)
    git(tmp_path, "add", "tracked.py", ".gitignore")
    (tmp_path / "untracked.py").write_text(PRINTS)
    result = run_cli("--output-format", "concise", ".", cwd=tmp_path)
    files = {line.split(":")[0] for line in result.stdout.splitlines() if ": PC" in line}
    assert files == {"tracked.py", "untracked.py"}


def test_statistics_and_rule_documentation(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text(PRINTS)
    stats = run_cli("--statistics", "a.py", cwd=tmp_path)
    assert stats.stdout.split("\t")[:2] == ["    2", "PC301"]
    page = run_cli("rule", "PC301", cwd=tmp_path, isolated=False)
    assert page.returncode == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert heading in page.stdout
    catalogue = run_cli("rules", cwd=tmp_path, isolated=False)
    for rule in all_rules():
        assert rule.code in catalogue.stdout
    assert run_cli("rule", "PC999", cwd=tmp_path, isolated=False).returncode == 2


def test_parallel_run_matches_in_process_run(tmp_path: Path) -> None:
    for index in range(30):
        (tmp_path / f"m{index}.py").write_text(PRINTS if index % 2 else ROOT_LOG)
    one = run_cli("--jobs", "1", "--output-format", "json", "--no-cache", ".", cwd=tmp_path)
    two = run_cli("--jobs", "2", "--output-format", "json", "--no-cache", ".", cwd=tmp_path)
    assert json.loads(one.stdout) == json.loads(two.stdout)
    assert len(json.loads(two.stdout)) == 45


def test_cache_returns_the_same_findings_without_parsing(tmp_path: Path) -> None:
    source = tmp_path / "a.py"
    source.write_text(PRINTS)
    settings = Settings(root=tmp_path)
    cache = ResultCache.at_root(tmp_path, "salt")
    assert cache is not None
    job = FileJob(source, "a.py", "a.py", False)
    first = check_file(job, settings, all_rules(), FixOptions(), cache)
    second = check_file(job, settings, all_rules(), FixOptions(), cache)
    assert not first.cached and second.cached
    assert [d.to_dict() for d in first.diagnostics] == [d.to_dict() for d in second.diagnostics]
    source.write_text(PRINTS + "print('more')\n")
    third = check_file(job, settings, all_rules(), FixOptions(), cache)
    assert not third.cached and len(third.diagnostics) == 3
    assert (tmp_path / ".policy_check_cache" / ".gitignore").read_text().endswith("*\n")


class CrashingRule(Rule):
    """A rule with a bug, to show that one rule's crash is contained to one finding."""

    code = "PC999"
    name = "crashing-rule"
    summary = "crashes"
    MESSAGE = "never"

    def visit_Call(self, node) -> None:
        raise ZeroDivisionError("boom")


def test_a_crashing_rule_gives_one_internal_error_and_other_rules_still_run() -> None:
    rules = [CrashingRule, *all_rules()]
    found = check_snippet(PRINTS, rules)
    codes = [d.code for d in found]
    assert codes.count("PC000") == 1
    assert codes.count("PC301") == 2
    internal = next(d for d in found if d.code == "PC000")
    assert "internal error in rule PC999 (crashing-rule)" in internal.message
    assert internal.start.row == 5


def test_a_worker_killed_by_a_file_is_replaced_and_the_file_named(tmp_path: Path) -> None:
    # A rule that kills its process stands in for a native stack overflow.
    jobs = []
    for index in range(20):
        path = tmp_path / f"m{index}.py"
        path.write_text(PRINTS if index != 7 else "KILL_THE_WORKER = 1\n")
        jobs.append(FileJob(path, path.name, path.name, False))
    results = run_jobs(jobs, Settings(root=tmp_path), [KillingRule, *all_rules()], FixOptions(), None, workers=2)
    by_file = {r.display_path: [d.code for d in r.diagnostics] for r in results}
    assert len(by_file) == 20
    assert by_file["m7.py"] == ["PC000"]
    assert all(codes == ["PC301", "PC301"] for name, codes in by_file.items() if name != "m7.py")


class KillingRule(Rule):
    """Ends the process abruptly on one marker, as a segfault in a native parser would."""

    code = "PC998"
    name = "killing-rule"
    summary = "kills"
    MESSAGE = "never"
    trigger_words = ("KILL_THE_WORKER",)

    def visit_Module(self, node) -> None:
        import os

        os._exit(139)


@pytest.mark.parametrize("args", [["--version"], ["--help"]])
def test_version_and_help(tmp_path: Path, args: list[str]) -> None:
    result = run_cli(*args, cwd=tmp_path)
    assert result.returncode == 0 and "policy-check" in result.stdout


class BreakingFixRule(Rule):
    """A rule whose fix would produce invalid code, to show such a fix is never kept."""

    code = "PC997"
    name = "breaking-fix"
    summary = "breaks"
    MESSAGE = "found a call"

    def visit_Call(self, node) -> None:
        from policy_check.diagnostics import Applicability
        from policy_check.rules.base import NodeFix, Replace

        self.report(node, fix=NodeFix("break it", Applicability.SAFE, (Replace(node, "(((("),)))


def test_a_fix_that_would_not_parse_is_dropped_and_said(tmp_path: Path) -> None:
    from policy_check.engine import Mode

    path = tmp_path / "a.py"
    path.write_text("x = f(1)\n")
    result = check_file(FileJob(path, "a.py", "a.py", False), Settings(root=tmp_path), [BreakingFixRule], FixOptions(Mode.FIX))
    assert path.read_text() == "x = f(1)\n"
    assert result.fixed == []
    assert [d.message for d in result.diagnostics] == ["found a call (its fix was not applied: the result would not parse)"]


def test_overlapping_fixes_converge_over_passes() -> None:
    from policy_check.testing import fix_snippet

    source = "import logging\n\ndef f(a, b):\n    logging.info(f'{a}' % ())\n    logging.info(f'{b}')\n"
    fixed, remaining, applied = fix_snippet(source, all_rules())
    assert "logger.info(\"%s\", b)" in fixed
    assert fixed.count("logger = logging.getLogger(__name__)") == 1


@pytest.mark.parametrize("code", ["PC000", "PC001", "E902", "E999"])
def test_engine_codes_have_a_page(tmp_path: Path, code: str) -> None:
    page = run_cli("rule", code.lower(), cwd=tmp_path, isolated=False)
    assert page.returncode == 0
    assert page.stdout.startswith(f"# {code}\n") and len(page.stdout.split()) > 20
