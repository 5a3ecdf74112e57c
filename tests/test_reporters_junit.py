"""JUnit XML as CI services read it: one suite per file, one failing case per finding."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from ci_fixtures import make_lab, output_of

from policy_check.diagnostics import Diagnostic, Location
from policy_check.report import RunReport
from policy_check.reporters import junit


def test_one_suite_per_file_and_one_failing_case_per_finding(tmp_path: Path) -> None:
    root = ET.fromstring(output_of(make_lab(tmp_path), "junit", "--select", "PC3"))
    assert root.tag == "testsuites"
    suites = {suite.get("name"): suite for suite in root.findall("testsuite")}
    assert set(suites) == {"src/lab/broken.py", "src/lab/stats.py"}
    stats = suites["src/lab/stats.py"]
    cases = stats.findall("testcase")
    assert stats.get("tests") == stats.get("failures") == str(len(cases)) == "4"
    assert root.get("failures") == "5"
    first = cases[0]
    assert first.get("name") == "PC301 src/lab/stats.py:5:5"
    assert first.get("file") == "src/lab/stats.py" and first.get("line") == "5"
    failure = first.find("failure")
    assert failure is not None and failure.get("type") == "PC301"
    assert failure.get("message", "").startswith("`print` call")
    assert "fix (unsafe): Replace `print` with `logger.info`" in (failure.text or "")


def test_clean_run_is_one_passing_case(tmp_path: Path) -> None:
    root = ET.fromstring(output_of(make_lab(tmp_path, clean=True), "junit", "--select", "PC3"))
    (case,) = root.iter("testcase")
    assert case.find("failure") is None
    assert root.get("failures") == "0"


def test_control_characters_and_markup_survive_as_valid_xml(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    here = Location(1, 1)
    message = 'bad \x00\x1b byte & <tag> "quoted"'
    report = RunReport([Diagnostic("E902", message, "a&b.py", here, here)], root=tmp_path)
    element = ET.fromstring(ET.tostring(junit.build_junit(report), encoding="unicode"))
    failure = next(element.iter("failure"))
    assert failure.get("message") == 'bad \N{REPLACEMENT CHARACTER}\N{REPLACEMENT CHARACTER} byte & <tag> "quoted"'
    assert next(element.iter("testsuite")).get("name") == "a&b.py"
