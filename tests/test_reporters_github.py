"""GitHub workflow-command annotations (escaped as the runner parses them) and the
Markdown job summary."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from ci_fixtures import make_lab, run_policy_check

from policy_check.diagnostics import Applicability, Diagnostic, Edit, Fix, Location, Severity
from policy_check.report import RunReport
from policy_check.reporters import github


@pytest.fixture(autouse=True)
def _in_tmp_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Findings' paths are relative to the working directory, as the CLI displays them.
    monkeypatch.chdir(tmp_path)


def _unescape(text: str) -> str:
    # The runner's own decoding, to read annotations back as GitHub will.
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        text = text.replace(escaped, raw)
    return text


def _parse(line: str) -> tuple[str, dict[str, str], str]:
    match = re.fullmatch(r"::(\w+) ([^:]*)::(.*)", line)
    assert match, line
    command, properties, message = match.groups()
    pairs = dict(item.split("=", 1) for item in properties.split(","))
    return command, {key: _unescape(value) for key, value in pairs.items()}, _unescape(message)


def _diagnostic(message: str, start: Location, end: Location, path: str = "src/a.py", **kwargs) -> Diagnostic:
    return Diagnostic("PC301", message, path, start, end, **kwargs)


def test_messages_escape_percent_and_line_breaks(tmp_path: Path) -> None:
    diagnostic = _diagnostic("100% done\r\nnext: a, b", Location(3, 5), Location(3, 9))
    line = github.annotation(diagnostic, tmp_path)
    assert "\n" not in line and "\r" not in line
    assert line.endswith("::100%25 done%0D%0Anext: a, b")
    assert _parse(line)[2] == "100% done\r\nnext: a, b"


def test_properties_escape_colon_and_comma(tmp_path: Path) -> None:
    diagnostic = _diagnostic("m", Location(1, 1), Location(1, 2), path="data:raw,v2/100%.py")
    line = github.annotation(diagnostic, tmp_path)
    assert "file=data%3Araw%2Cv2/100%25.py," in line
    assert "title=policy-check (PC301)::" in line
    assert _parse(line)[1]["file"] == "data:raw,v2/100%.py"


def test_single_line_finding_has_columns(tmp_path: Path) -> None:
    line = github.annotation(_diagnostic("m", Location(4, 5), Location(4, 32)), tmp_path)
    assert _parse(line) == (
        "warning",
        {"file": "src/a.py", "line": "4", "endLine": "4", "col": "5", "endColumn": "32", "title": "policy-check (PC301)"},
        "m",
    )


def test_multi_line_finding_has_no_columns(tmp_path: Path) -> None:
    _, properties, _ = _parse(github.annotation(_diagnostic("m", Location(11, 5), Location(12, 17)), tmp_path))
    assert properties["line"] == "11" and properties["endLine"] == "12"
    assert "col" not in properties and "endColumn" not in properties


def test_project_level_finding_points_at_line_one(tmp_path: Path) -> None:
    diagnostic = _diagnostic("no tests", Location(1, 1), Location(1, 1), path="pyproject.toml", project_level=True)
    _, properties, _ = _parse(github.annotation(diagnostic, tmp_path))
    assert properties == {"file": "pyproject.toml", "line": "1", "title": "policy-check (PC301)"}


def test_severity_chooses_the_command_and_the_fix_is_in_the_message(tmp_path: Path) -> None:
    fix = Fix("Replace `print` with `logger.info`", Applicability.UNSAFE, (Edit("x", Location(1, 1), Location(1, 2)),))
    error = _diagnostic("boom", Location(1, 1), Location(1, 2), severity=Severity.ERROR, fix=fix)
    info = _diagnostic("fyi", Location(1, 1), Location(1, 2), severity=Severity.INFO)
    command, _, message = _parse(github.annotation(error, tmp_path))
    assert command == "error"
    assert message == "boom\nFix (unsafe): Replace `print` with `logger.info`"
    assert _parse(github.annotation(info, tmp_path))[0] == "notice"


def test_run_prints_one_annotation_per_finding_with_repository_paths(tmp_path: Path) -> None:
    root = make_lab(tmp_path)
    result = run_policy_check(root / "src", "--output-format", "github", "--select", "PC3", ".")
    assert result.returncode == 1
    annotations = [_parse(line) for line in result.stdout.splitlines() if line.startswith("::")]
    assert {(command, properties["file"], properties["line"]) for command, properties, _ in annotations} >= {
        ("warning", "src/lab/stats.py", "5"),
        ("warning", "src/lab/stats.py", "11"),
        ("error", "src/lab/broken.py", "1"),
    }
    assert "findings" in result.stdout.splitlines()[-1]


def test_summary_file_gets_counts_per_code_and_first_findings(tmp_path: Path) -> None:
    root = make_lab(tmp_path)
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    result = run_policy_check(root, "--select", "PC3", "--summary", str(summary), "--output-format", "json")
    assert result.returncode == 1
    text = summary.read_text()
    assert text.startswith("earlier step\n## policy-check")
    assert "| `PC301` | print-call | 2 |" in text
    assert "| `src/lab/stats.py:5` | `PC301` |" in text


def test_step_summary_is_written_with_the_github_format(tmp_path: Path) -> None:
    root = make_lab(tmp_path)
    summary = tmp_path / "step_summary.md"
    run_policy_check(root, "--select", "PC3", "--output-format", "github", GITHUB_STEP_SUMMARY=str(summary))
    assert "| `PC304` | eager-log-format | 1 | yes |" in summary.read_text()
    other = tmp_path / "not_written.md"
    run_policy_check(root, "--select", "PC3", "--output-format", "json", GITHUB_STEP_SUMMARY=str(other))
    assert not other.exists(), "only the github format writes the step summary unasked"


def test_summary_stays_under_one_mebibyte(tmp_path: Path) -> None:
    here = Location(1, 1)
    diagnostics = [_diagnostic("x|" * 5000, here, here, path=f"f{i}.py") for i in range(5000)]
    text = github.render_summary(RunReport(diagnostics, files_checked=5000, root=tmp_path))
    assert len(text.encode("utf-8")) < 1024 * 1024
    assert "| 5000 |" in text


def test_clean_summary_says_all_checks_passed(tmp_path: Path) -> None:
    text = github.render_summary(RunReport([], files_checked=3, root=tmp_path))
    assert "All checks passed (3 files checked)" in text


def test_most_severe_first_and_the_summary_counts_what_github_does_not_show(tmp_path: Path) -> None:
    warnings = [_diagnostic(f"print {row}", Location(row, 1), Location(row, 5), severity=Severity.WARNING) for row in range(1, 15)]
    errors = [_diagnostic("broken", Location(20, 1), Location(20, 2), path="src/b.py", severity=Severity.ERROR)]
    report = RunReport(diagnostics=[*warnings, *errors], files_checked=2, root=tmp_path)
    stream = io.StringIO()
    github.write(report, stream, False)
    commands = [_parse(line)[0] for line in stream.getvalue().splitlines() if line.startswith("::")]
    assert commands == ["error"] + ["warning"] * 14
    # 10 warnings and the error are shown; 4 warnings are not.
    assert github.annotations_shown(report.diagnostics) == 11
    summary = github.render_summary(report)
    assert "**4** findings are not annotated" in summary and "10 annotations of each kind per step" in summary
    assert summary.count("| `src/") == 15  # the summary keeps them all
    few = RunReport(diagnostics=warnings[:3], files_checked=1, root=tmp_path)
    assert "not annotated" not in github.render_summary(few)
