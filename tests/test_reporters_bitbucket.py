"""The Bitbucket Code Insights report and annotations, within the API's rules."""

from __future__ import annotations

from pathlib import Path

from ci_fixtures import json_output, make_lab

from policy_check.diagnostics import Diagnostic, Location, Severity
from policy_check.report import RunReport
from policy_check.reporters import bitbucket


def test_report_fields_and_counts(tmp_path: Path) -> None:
    document = json_output(make_lab(tmp_path), "bitbucket", "--select", "PC3")
    report = document["report"]
    assert report["title"] == "policy-check" and report["reporter"] == "policy-check"
    assert report["report_type"] == "BUG" and report["result"] == "FAILED"
    assert len(report["data"]) <= 10
    values = {field["title"]: field["value"] for field in report["data"]}
    assert values["Findings"] == 5 and values["Errors"] == 1 and values["Warnings"] == 4
    assert all(field["type"] == "NUMBER" for field in report["data"])
    assert len(report["details"]) <= 2000


def test_annotations_follow_the_api_rules(tmp_path: Path) -> None:
    annotations = json_output(make_lab(tmp_path), "bitbucket", "--select", "PC3")["annotations"]
    assert len({a["external_id"] for a in annotations}) == len(annotations) == 5
    for annotation in annotations:
        assert annotation["annotation_type"] in {"CODE_SMELL", "BUG", "VULNERABILITY"}
        assert annotation["severity"] in {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
        assert annotation["line"] >= 1 and not annotation["path"].startswith("/")
        assert len(annotation["summary"]) <= 450
    syntax_error = next(a for a in annotations if a["summary"].startswith("E999"))
    assert syntax_error == {**syntax_error, "annotation_type": "BUG", "severity": "HIGH", "path": "src/lab/broken.py", "line": 1}
    a_print = next(a for a in annotations if a["summary"].startswith("PC301"))
    assert a_print["annotation_type"] == "CODE_SMELL" and a_print["severity"] == "MEDIUM"


def test_external_ids_are_stable_when_lines_move(tmp_path: Path) -> None:
    root = make_lab(tmp_path)
    before = {a["external_id"] for a in json_output(root, "bitbucket", "--select", "PC3")["annotations"]}
    stats = root / "src" / "lab" / "stats.py"
    stats.write_text("# a comment\n\n" + stats.read_text())
    after = json_output(root, "bitbucket", "--select", "PC3")["annotations"]
    assert {a["external_id"] for a in after} == before
    assert {a["line"] for a in after if a["path"] == "src/lab/stats.py"} >= {7, 13}


def test_long_messages_are_cut_to_the_summary_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    here = Location(1, 1)
    diagnostics = [
        Diagnostic("PC701", "k" * 3000, "id_rsa", here, here, Severity.ERROR, project_level=True),
        Diagnostic("PC602", "m", "a.py", Location(0, 1), here, Severity.INFO),
    ]
    key, low = bitbucket.build_report(RunReport(diagnostics, root=tmp_path))["annotations"]
    assert len(key["summary"]) == 450 and key["summary"].endswith("…")
    assert len(key["details"]) <= 2000
    assert (key["annotation_type"], key["severity"]) == ("VULNERABILITY", "CRITICAL")
    assert (low["severity"], low["line"]) == ("LOW", 1)


def test_clean_run_passes(tmp_path: Path) -> None:
    document = json_output(make_lab(tmp_path, clean=True), "bitbucket", "--select", "PC3")
    assert document["report"]["result"] == "PASSED" and document["annotations"] == []
