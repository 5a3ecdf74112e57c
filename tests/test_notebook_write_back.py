"""A fix written back into a notebook changes the fixed cells' code and nothing else:
a cell no fix touched comes back as it was read, a fixed cell keeps its final newline
and line endings, and the file keeps its JSON layout. The notebooks in
tests/data/notebooks were written by nbformat 5.11.1 (`nbformat.write`):
``mass_balance.ipynb`` as found, ``mass_balance.fixed.ipynb`` with PC302's fix made
by hand, so the fix must write exactly what nbformat writes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from policy_check.config import Settings
from policy_check.engine import FileJob, FixOptions, Mode, check_file
from policy_check.rules import logs

DATA = Path(__file__).resolve().parent / "data" / "notebooks"
ORIGINAL = DATA / "mass_balance.ipynb"
FIXED = DATA / "mass_balance.fixed.ipynb"
# The cells PC302's fix edits: the first (the logger added), c3 and c6 (the calls).
EDITED = {"c1", "c3", "c6"}


def fix(path: Path) -> list[str]:
    job = FileJob(path, path.name, path.name, False)
    result = check_file(job, Settings(root=path.parent), logs.RULES, FixOptions(Mode.FIX, unsafe=True))
    return [diagnostic.code for diagnostic in result.fixed]


def test_fix_writes_exactly_what_nbformat_writes(tmp_path: Path) -> None:
    path = tmp_path / ORIGINAL.name
    shutil.copyfile(ORIGINAL, path)
    assert fix(path) == ["PC302", "PC302"]
    assert path.read_bytes() == FIXED.read_bytes()
    assert fix(path) == [], "a second fix changes nothing"


def test_cells_no_fix_touched_come_back_as_read(tmp_path: Path) -> None:
    path = tmp_path / ORIGINAL.name
    shutil.copyfile(ORIGINAL, path)
    fix(path)
    before = json.loads(ORIGINAL.read_text(encoding="utf-8"))
    after = json.loads(path.read_text(encoding="utf-8"))
    assert {key: value for key, value in after.items() if key != "cells"} == {key: value for key, value in before.items() if key != "cells"}
    for old, new in zip(before["cells"], after["cells"], strict=True):
        if old["id"] in EDITED:
            assert {k: v for k, v in new.items() if k != "source"} == {k: v for k, v in old.items() if k != "source"}
        else:
            assert new == old
    sources = {cell["id"]: "".join(cell["source"]) for cell in after["cells"]}
    assert sources["c3"].endswith("reading', bad)\n"), "the fixed cell keeps its final newline"
    assert sources["c6"] == "def area(a):\r\n    logger.error('no area for %s', a)\r\n", "and its line endings"


def _reordered(value: Any) -> Any:
    """The same JSON with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {key: _reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(item) for item in value]
    return value


LAYOUTS = {
    "indent 2, no final newline (another editor)": lambda nb: json.dumps(nb, indent=2, ensure_ascii=False),
    "ASCII escapes": lambda nb: json.dumps(nb, indent=1, ensure_ascii=True) + "\n",
    "Windows line breaks": lambda nb: json.dumps(nb, indent=1, ensure_ascii=False).replace("\n", "\r\n") + "\r\n",
    "keys in another order": lambda nb: json.dumps(_reordered(nb), indent=1, ensure_ascii=False) + "\n",
    "one line, compact": lambda nb: json.dumps(nb, separators=(",", ":"), ensure_ascii=False),
    "one line, json.dumps defaults": lambda nb: json.dumps(nb),
    "tabs": lambda nb: json.dumps(nb, indent="\t", ensure_ascii=False) + "\n",
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_the_files_json_layout_is_kept(tmp_path: Path, layout: str) -> None:
    write = LAYOUTS[layout]
    path = tmp_path / "notebook.ipynb"
    path.write_bytes(write(json.loads(ORIGINAL.read_text(encoding="utf-8"))).encode("utf-8"))
    assert fix(path) == ["PC302", "PC302"]
    assert path.read_bytes() == write(json.loads(FIXED.read_text(encoding="utf-8"))).encode("utf-8")


def test_a_cell_held_as_one_string_stays_one_string(tmp_path: Path) -> None:
    notebook = json.loads(ORIGINAL.read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        cell["source"] = "".join(cell["source"])
    path = tmp_path / "strings.ipynb"
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    fix(path)
    expected = json.loads(FIXED.read_text(encoding="utf-8"))
    for cell in expected["cells"]:
        cell["source"] = "".join(cell["source"])
    assert path.read_text(encoding="utf-8") == json.dumps(expected, indent=1, ensure_ascii=False) + "\n"


def test_characters_python_keeps_inside_a_line_stay_there(tmp_path: Path) -> None:
    # U+2028 in a string literal and a form feed are inside a line for Python (str.splitlines
    # breaks at both): the cell is Python, its finding on its row, the characters kept.
    source = ['import logging\n', 'label = "north\u2028south"\x0c\n', "def f():\n", "    logging.warning('%s', label)\n"]
    notebook = json.loads(ORIGINAL.read_text(encoding="utf-8"))
    notebook["cells"] = [{**notebook["cells"][1], "source": source}]
    path = tmp_path / "separators.ipynb"
    path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    job = FileJob(path, path.name, path.name, False)
    found = check_file(job, Settings(root=path.parent), logs.RULES, FixOptions(Mode.CHECK)).diagnostics
    assert [(d.code, d.extra["cell"], d.start.row) for d in found] == [("PC302", 1, 4)]
    assert fix(path) == ["PC302"]
    fixed = "".join(json.loads(path.read_text(encoding="utf-8"))["cells"][0]["source"])
    assert 'label = "north\u2028south"\x0c\n' in fixed and "    logger.warning('%s', label)\n" in fixed
