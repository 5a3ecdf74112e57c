"""The README's rule table is the registry's: a rule added without documenting it
fails here (the expected table is printed, ready to paste)."""

from __future__ import annotations

from pathlib import Path

from policy_check.docs import render_readme_table

README = Path(__file__).resolve().parents[1] / "README.md"
START = "<!-- rules-table: generated from the registry; tests/test_readme.py keeps it in sync -->\n"
END = "<!-- end rules-table -->"


def test_readme_rule_table_matches_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    table = text.split(START, 1)[1].split(END, 1)[0]
    expected = render_readme_table()
    assert table == expected, "README rule table is out of date; replace it with:\n" + expected
