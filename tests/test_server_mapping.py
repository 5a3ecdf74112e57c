"""The language server's pure parts: positions in the client's units, the smallest
edit between two texts, and a notebook's joined rows put back into its cells."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the server's tests need the test extra (pygls)")

from lsprotocol import types  # noqa: E402
from pygls.workspace import PositionCodec  # noqa: E402

from policy_check.diagnostics import Applicability, Diagnostic, Edit, Fix, Location  # noqa: E402
from policy_check.in_memory import check_source, notebook_of_cells, settings_for  # noqa: E402
from policy_check.server.documents import Part, Snapshot  # noqa: E402
from policy_check.server.findings import fill_fix_edits, publish_plan  # noqa: E402
from policy_check.server.cells import CellLayout  # noqa: E402
from policy_check.server.convert import lines_of, minimal_edit, to_position  # noqa: E402

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)


def apply(text: str, edit: types.TextEdit) -> str:
    lines = text.splitlines(keepends=True) + [""]

    def offset(position: types.Position) -> int:
        return sum(len(line) for line in lines[: position.line]) + position.character

    return text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end) :]


def test_lines_are_split_as_python_counts_rows() -> None:
    assert lines_of("a\rb\r\nc\n") == ["a", "b", "c", ""]
    assert lines_of("a\x0cb") == ["a\x0cb"]  # a form feed is not a line break for Python


def test_columns_count_utf16_code_units() -> None:
    lines = ["s = '\U0001f600'; print(s)"]
    assert to_position(Location(1, 6), lines, UTF16).character == 5  # the emoji starts here
    assert to_position(Location(1, 7), lines, UTF16).character == 7  # and takes two units
    assert to_position(Location(1, 11), lines, UTF16) == types.Position(line=0, character=11)  # `print`


def test_a_place_past_the_last_line_is_the_end_of_the_document() -> None:
    assert to_position(Location(3, 1), ["x", ""], UTF16) == types.Position(line=2, character=0)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("a\r\nb\r\n", "a\r\nc\r\nb\r\n"),
        ("x = 1\n", "import os\nx = 1\n"),
        ("print(1)\n", "print(1)  # noqa: PC301\n"),
        ("abc", ""),
    ],
)
def test_the_minimal_edit_turns_the_old_text_into_the_new(old: str, new: str) -> None:
    edit = minimal_edit(old, new, UTF16)
    assert edit is not None and apply(old, edit) == new
    assert len(edit.new_text) <= len(new)


def test_no_edit_between_equal_texts() -> None:
    assert minimal_edit("x\n", "x\n", UTF16) is None


def layout_of(texts: list[str]) -> CellLayout:
    return CellLayout.of(texts, notebook_of_cells(texts))


def finding(start: Location, end: Location, edits: tuple[Edit, ...] = ()) -> Diagnostic:
    fix = Fix("fix it", Applicability.SAFE, edits) if edits else None
    return Diagnostic("PC301", "print", "nb.ipynb", start, end, fix=fix)


def test_a_cell_magic_cell_is_left_out_and_later_cells_keep_their_index() -> None:
    layout = layout_of(["import numpy as np", "%%bash\necho hi", "print(np.pi)"])
    cell, moved = layout.finding_in_cell(finding(Location(3, 1), Location(3, 13)))
    assert cell == 2
    assert (moved.start, moved.end) == (Location(1, 1), Location(1, 13))


def test_an_import_added_after_the_first_cell_goes_at_its_end() -> None:
    # The joined module: row 1 `import numpy as np`, row 2 the separator, row 3 the print.
    layout = layout_of(["import numpy as np", "print(np.pi)"])
    added = Edit("import logging\n", Location(2, 1), Location(2, 1))
    replaced = Edit("logger.info('%s', np.pi)", Location(3, 1), Location(3, 13))
    edits = layout.fix_in_cells(finding(Location(3, 1), Location(3, 13), (added, replaced)))
    assert edits == {
        0: [Edit("\nimport logging", Location(1, 19), Location(1, 19))],
        1: [Edit("logger.info('%s', np.pi)", Location(1, 1), Location(1, 13))],
    }


def test_a_fix_that_rewrites_a_magic_is_not_offered() -> None:
    layout = layout_of(["%matplotlib inline\nx = 1\n"])
    rewrite = Edit("pass", Location(1, 1), Location(1, 5))
    assert layout.fix_in_cells(finding(Location(1, 1), Location(1, 5), (rewrite,))) is None
    insert_before = Edit("import logging\n", Location(1, 1), Location(1, 1))
    assert layout.fix_in_cells(finding(Location(2, 1), Location(2, 6), (insert_before,))) == {0: [insert_before]}


# ---------------------------------------------------------------------------
# Fix edits computed when a code action needs them

LAZY = "import logging\n\n\ndef report(rows):\n    logging.info(f'{len(rows)} rows')\n    print('done')\n"


def _findings(tmp_path: Path, fix_edits: bool) -> list[Diagnostic]:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "0"\n\n[tool.policy-check]\n', encoding="utf-8")
    path = tmp_path / "report.py"
    return check_source(LAZY, path, settings_for(path), with_ruff=False, fix_edits=fix_edits)


def test_a_check_without_fix_edits_finds_the_same_and_says_what_each_fix_does(tmp_path: Path) -> None:
    full, light = _findings(tmp_path, True), _findings(tmp_path, False)
    assert [d.code for d in full] == ["PC302", "PC304", "PC301"]
    assert all(d.fix is not None and d.fix.edits for d in full)
    same = [(d.code, d.start, d.end, d.message, d.fix.message, d.fix.applicability) for d in full if d.fix]
    assert same == [(d.code, d.start, d.end, d.message, d.fix.message, d.fix.applicability) for d in light if d.fix]
    assert all(d.fix is not None and d.fix.edits == () for d in light)


def test_pending_fix_edits_are_filled_in_from_a_check_with_them(tmp_path: Path) -> None:
    path = tmp_path / "report.py"
    uri = path.as_uri()
    shown_snapshot = Snapshot(uri, path, (Part(uri, 3, LAZY),))
    shown = publish_plan(shown_snapshot, _findings(tmp_path, False), None, UTF16, with_edits=False)
    assert all(f.edits_pending and f.fix_edits is None for f in shown[uri].findings)
    full = _findings(tmp_path, True)
    fill_fix_edits(shown, publish_plan(shown_snapshot, full, None, UTF16))
    assert not any(f.edits_pending for f in shown[uri].findings)
    assert [f.fix_edits for f in shown[uri].findings] == [{uri: list(d.fix.edits)} for d in full if d.fix]


def test_fix_edits_of_an_older_version_are_not_given_to_a_newer_one(tmp_path: Path) -> None:
    path = tmp_path / "report.py"
    uri = path.as_uri()
    newer = Snapshot(uri, path, (Part(uri, 4, LAZY),))
    shown = publish_plan(newer, _findings(tmp_path, False), None, UTF16, with_edits=False)
    older = Snapshot(uri, path, (Part(uri, 3, LAZY),))
    fill_fix_edits(shown, publish_plan(older, _findings(tmp_path, True), None, UTF16))
    assert all(f.edits_pending for f in shown[uri].findings)
