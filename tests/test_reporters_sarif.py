"""SARIF 2.1.0 output: valid against the OASIS schema, one rule entry per rule that
ran, regions, fingerprints that survive line shifts, fixes as replacements, and
GitHub code scanning's result limit."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from ci_fixtures import SARIF_SCHEMA, copy_messy_lab, json_output, make_lab, run_policy_check

from policy_check.diagnostics import Diagnostic, Location, Severity
from policy_check.report import RunReport
from policy_check.reporters import sarif
from policy_check.rules import all_rules


def _validate(document: dict) -> None:
    schema = json.loads(SARIF_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class(schema, format_checker=validator_class.FORMAT_CHECKER).validate(document)


@pytest.mark.parametrize("project", ["lab", "messy-lab"])
def test_sarif_of_a_real_run_validates_against_the_schema(tmp_path: Path, project: str) -> None:
    root = make_lab(tmp_path / "lab") if project == "lab" else copy_messy_lab(tmp_path)
    document = json_output(root, "sarif")
    _validate(document)
    assert document["runs"][0]["results"], "the project has findings"


def test_sarif_names_every_rule_that_ran_and_points_results_at_them(tmp_path: Path) -> None:
    run = json_output(make_lab(tmp_path), "sarif")["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [rule["id"] for rule in rules]
    assert {"PC301", "PC302", "PC304"} <= set(ids)
    assert len(ids) == len(set(ids))
    assert "E999" in ids, "engine codes found in the run get an entry too"
    print_rule = rules[ids.index("PC301")]
    assert print_rule["name"] == "print-call"
    assert print_rule["shortDescription"]["text"]
    assert "print" in print_rule["fullDescription"]["text"]
    assert print_rule["help"]["markdown"].startswith("# print-call (PC301)")
    assert print_rule["defaultConfiguration"]["level"] == "warning"
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    syntax_error = next(r for r in run["results"] if r["ruleId"] == "E999")
    assert syntax_error["level"] == "error"
    assert run["tool"]["driver"]["version"]


def test_sarif_locations_are_repository_relative_regions(tmp_path: Path) -> None:
    run = json_output(make_lab(tmp_path), "sarif")["runs"][0]
    prints = [r for r in run["results"] if r["ruleId"] == "PC301"]
    regions = sorted(
        (
            (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["locations"][0]["physicalLocation"]["region"])
            for r in prints
        ),
        key=lambda item: item[1]["startLine"],
    )
    uri, first = regions[0]
    assert uri == "src/lab/stats.py"
    assert first == {"startLine": 5, "startColumn": 5, "endLine": 5, "endColumn": 45}
    assert regions[1][1]["startLine"] == 11 and regions[1][1]["endLine"] == 12
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.resolve().as_uri() + "/"


def test_fingerprints_survive_lines_added_above(tmp_path: Path) -> None:
    root = make_lab(tmp_path)

    def fingerprints_and_lines() -> tuple[list[str], list[int]]:
        results = json_output(root, "sarif")["runs"][0]["results"]
        return (
            sorted(r["partialFingerprints"]["policyCheck/v1"] for r in results),
            sorted(r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in results),
        )

    before, lines_before = fingerprints_and_lines()
    stats = root / "src" / "lab" / "stats.py"
    stats.write_text('"""Statistics."""\n\n# two more lines\n' + stats.read_text())
    after, lines_after = fingerprints_and_lines()
    assert lines_before != lines_after
    assert before == after
    assert len(set(before)) == len(before)


def _apply(text: str, replacements: list[dict]) -> str:
    lines = text.splitlines(keepends=True)

    def offset(line: int, column: int) -> int:
        return sum(len(item) for item in lines[: line - 1]) + column - 1

    for replacement in sorted(replacements, key=lambda r: (r["deletedRegion"]["startLine"], r["deletedRegion"]["startColumn"]), reverse=True):
        region = replacement["deletedRegion"]
        start = offset(region["startLine"], region["startColumn"])
        end = offset(region["endLine"], region["endColumn"])
        text = text[:start] + replacement["insertedContent"]["text"] + text[end:]
    return text


def test_fix_replacements_reproduce_what_fix_writes(tmp_path: Path) -> None:
    root = make_lab(tmp_path)
    stats = root / "src" / "lab" / "stats.py"
    (root / "src" / "lab" / "broken.py").unlink()
    original = stats.read_text()
    # PC302's fix is unsafe here (nothing configures logging first): shown and applied with --unsafe-fixes.
    results = json_output(root, "sarif", "--select", "PC302", "--unsafe-fixes")["runs"][0]["results"]
    (result,) = results
    (change,) = result["fixes"][0]["artifactChanges"]
    assert change["artifactLocation"]["uri"] == "src/lab/stats.py"
    from_sarif = _apply(original, change["replacements"])
    assert run_policy_check(root, "--select", "PC302", "--fix", "--unsafe-fixes").returncode == 0
    assert from_sarif == stats.read_text() != original


def test_results_are_capped_at_the_code_scanning_limit_most_severe_kept(tmp_path: Path) -> None:
    here = Location(1, 1)
    diagnostics = [
        Diagnostic("PC301", "print", f"f{i:05}.py", here, here, Severity.WARNING, "print-call", snippet=f"print({i})")
        for i in range(sarif.MAX_RESULTS)
    ]
    diagnostics.append(Diagnostic("E999", "SyntaxError", "z.py", here, here, Severity.ERROR, "syntax-error"))
    document = sarif.build_sarif(RunReport(diagnostics, rules=list(all_rules()), root=tmp_path))
    run = document["runs"][0]
    assert len(run["results"]) == sarif.MAX_RESULTS
    assert any(r["ruleId"] == "E999" for r in run["results"])
    assert "most severe" in run["invocations"][0]["toolExecutionNotifications"][0]["message"]["text"]


def test_clean_run_is_valid_sarif_with_no_results(tmp_path: Path) -> None:
    document = json_output(make_lab(tmp_path, clean=True), "sarif", "--select", "PC3")
    _validate(document)
    assert document["runs"][0]["results"] == []
