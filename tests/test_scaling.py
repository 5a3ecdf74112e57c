"""Nothing is quadratic: every reporter is linear in the number of findings (text
output once scanned the whole report for each finding) and writes its report at
once, PC302 is linear in the number of root-logger calls, and per-file-ignores in
the number of patterns."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest

from policy_check.config import Settings
from policy_check.diagnostics import Applicability, Diagnostic, Edit, Fix, Location
from policy_check.engine import check_text
from policy_check.globs import matches_any
from policy_check.report import RunReport
from policy_check.reporters import REPORTERS
from policy_check.rules.logs.root_logger import RootLoggerCall

FINDINGS = 3_000


def _report() -> RunReport:
    diagnostics = []
    for index in range(FINDINGS):
        fix = Fix("Replace", Applicability.SAFE if index % 2 else Applicability.UNSAFE, (Edit("x", Location(index + 1, 1), Location(index + 1, 2)),))
        diagnostics.append(Diagnostic("PC301", f"message {index}", f"file_{index % 50}.py", Location(index + 1, 1), Location(index + 1, 2), fix=fix, snippet="print(x)"))
    return RunReport(diagnostics, files_checked=50)


def _seconds(output_format: str, report: RunReport) -> float:
    start = time.perf_counter()
    REPORTERS[output_format](report, io.StringIO(), False)
    return time.perf_counter() - start


@pytest.fixture(scope="module")
def report_and_json_time() -> tuple[RunReport, float]:
    report = _report()
    return report, _seconds("json", report)


@pytest.mark.parametrize("output_format", sorted(set(REPORTERS) - {"json"}))
def test_a_reporter_takes_about_as_long_as_json(output_format: str, report_and_json_time: tuple[RunReport, float]) -> None:
    report, json_time = report_and_json_time
    # Quadratic was 3,000 x 3,000 steps: half a minute against JSON's fraction of a second.
    assert _seconds(output_format, report) < 10 * json_time + 1.0


class _CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@pytest.mark.parametrize("output_format", sorted(REPORTERS))
def test_a_report_is_written_at_once(output_format: str, report_and_json_time: tuple[RunReport, float]) -> None:
    # With PYTHONUNBUFFERED set every write to standard output is a system call: JSON
    # once made one per token (4.4 million for the research corpus, 3.6 s of CPU).
    report, _ = report_and_json_time
    stream = _CountingStream()
    REPORTERS[output_format](report, stream, False)
    assert stream.writes == 1 and stream.getvalue().count("message 2999") >= 1


def _check_seconds(tmp_path: Path, calls: int) -> float:
    body = "".join(f"def step_{i}(x):\n    logging.info('step %d', x)\n\n\n" for i in range(calls))
    path = tmp_path / f"pipeline_{calls}.py"
    path.write_text("import logging\n\n\n" + body)
    start = time.perf_counter()
    check_text(path.read_text(), path, path.name, path.name, Settings(root=tmp_path), [RootLoggerCall], False)
    return time.perf_counter() - start


def test_root_logger_calls_are_linear_in_their_number(tmp_path: Path) -> None:
    # Each call once rescanned the whole module: 4x the calls cost 16x the time.
    small, large = _check_seconds(tmp_path, 250), _check_seconds(tmp_path, 1000)
    assert large < 8 * small + 0.5


def test_many_per_file_ignore_patterns_are_compiled_once() -> None:
    patterns = [f"generated/part_{i}/*.py" for i in range(2_000)]
    start = time.perf_counter()
    matches_any("src/model.py", patterns)
    first = time.perf_counter() - start
    start = time.perf_counter()
    for index in range(20):
        matches_any(f"src/model_{index}.py", patterns)
    rest = time.perf_counter() - start
    # Past 512 patterns an LRU cache recompiled every pattern for every file.
    assert rest < 20 * first / 3
