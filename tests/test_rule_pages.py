"""docs/rules/CODE.md are the pages `policy-check rule CODE` prints (one source: the
rule classes), every rule's `url` points at its page, and the pages are in the
repository for that url to resolve."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policy_check import HOME_URL, __version__
from policy_check.docs import rule_pages
from policy_check.rules import ENGINE_CODES, all_rules

REPO = Path(__file__).resolve().parents[1]
PAGES = REPO / "docs" / "rules"


def test_pages_in_the_repository_are_the_generated_ones() -> None:
    expected = rule_pages()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in PAGES.glob("*.md")}
    stale = sorted(set(on_disk) - set(expected))
    missing = sorted(set(expected) - set(on_disk))
    changed = sorted(name for name in set(on_disk) & set(expected) if on_disk[name] != expected[name])
    assert not (stale or missing or changed), (
        f"docs/rules is out of date (stale {stale}, missing {missing}, changed {changed}): "
        "run `python -m policy_check.docs docs/rules`"
    )


@pytest.mark.parametrize("code", ["PC301", "PC101", "E999"])
def test_a_page_is_what_rule_prints(code: str) -> None:
    printed = subprocess.run([sys.executable, "-m", "policy_check", "rule", code], capture_output=True, text=True, timeout=60)
    assert printed.returncode == 0
    assert (PAGES / f"{code}.md").read_text(encoding="utf-8") == printed.stdout


def test_every_url_points_at_its_page() -> None:
    for rule in all_rules():
        assert rule.url() == f"{HOME_URL}/blob/v{__version__}/docs/rules/{rule.code}.md"
        assert (PAGES / f"{rule.code}.md").is_file()
    for code in ENGINE_CODES:
        assert (PAGES / f"{code}.md").is_file()


def test_json_output_carries_the_url(tmp_path: Path) -> None:
    (tmp_path / "analysis.py").write_text('def f(x):\n    print("x", x)\n\ndef broken(:\n')
    (tmp_path / "ok.py").write_text('def f(x):\n    print("x", x)\n')
    result = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC301", "--output-format", "json", "."],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )
    rows = {row["code"]: row for row in json.loads(result.stdout)}
    assert rows["PC301"]["url"].endswith("/docs/rules/PC301.md")
    assert rows["E999"]["url"].endswith("/docs/rules/E999.md")
