"""JUnit XML, which Bitbucket Pipelines, GitLab and Jenkins show as test results:
one test suite per file, one failing test case per finding."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import TextIO

from policy_check.diagnostics import Diagnostic
from policy_check.report import RunReport
from policy_check.reporters.ci_common import relative_path, repository_root

# XML 1.0 cannot hold most control characters, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(text: str) -> str:
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", text)


def _testcase(suite: ET.Element, diagnostic: Diagnostic, path: str) -> None:
    where = f"{path}:{diagnostic.start.row}:{diagnostic.start.column}"
    case = ET.SubElement(
        suite,
        "testcase",
        name=_xml_text(f"{diagnostic.code} {where}"),
        classname=_xml_text(path),
        file=_xml_text(path),
        line=str(diagnostic.start.row),
        time="0",
    )
    failure = ET.SubElement(case, "failure", message=_xml_text(diagnostic.message), type=diagnostic.code)
    body = [f"{where}: {diagnostic.code} {diagnostic.message}"]
    if diagnostic.name:
        body.append(f"rule: {diagnostic.name} (policy-check rule {diagnostic.code})")
    if diagnostic.fix is not None:
        body.append(f"fix ({diagnostic.fix.applicability.value}): {diagnostic.fix.message}")
    failure.text = _xml_text("\n".join(body))


def build_junit(report: RunReport) -> ET.Element:
    base = repository_root(report.root)
    total = len(report.diagnostics)
    suites = ET.Element("testsuites", name="policy-check", tests=str(max(total, 1)), failures=str(total), errors="0", time="0")
    if not report.diagnostics:
        # A passing case, so the CI shows "1 passed" rather than "no tests found".
        suite = ET.SubElement(suites, "testsuite", name="policy-check", tests="1", failures="0", errors="0", skipped="0", time="0")
        ET.SubElement(suite, "testcase", name=f"policy-check ({report.files_checked} files checked)", classname="policy-check", time="0")
        return suites
    by_path: dict[str, list[Diagnostic]] = {}
    for diagnostic in report.diagnostics:
        by_path.setdefault(relative_path(diagnostic.path, base), []).append(diagnostic)
    for path, found in by_path.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=_xml_text(path),
            tests=str(len(found)),
            failures=str(len(found)),
            errors="0",
            skipped="0",
            time="0",
        )
        for diagnostic in found:
            _testcase(suite, diagnostic, path)
    return suites


def write(report: RunReport, stream: TextIO, color: bool) -> None:
    tree = ET.ElementTree(build_junit(report))
    ET.indent(tree)
    stream.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    tree.write(stream, encoding="unicode")
    stream.write("\n")
