"""Notebooks: code cells are checked as one module (magics skipped), findings name
the cell, and fixes go back into the cells without touching outputs or metadata."""

from __future__ import annotations

import json
from pathlib import Path

from policy_check.config import Settings
from policy_check.engine import FileJob, FixOptions, Mode, check_file
from policy_check.rules import logs


def notebook(*cells: tuple[str, str], outputs: list | None = None) -> dict:
    return {
        "cells": [
            {
                "cell_type": kind,
                "metadata": {"tags": ["keep"]},
                "source": source.splitlines(keepends=True),
                **({"execution_count": 3, "outputs": outputs or []} if kind == "code" else {}),
            }
            for kind, source in cells
        ],
        "metadata": {"kernelspec": {"name": "python3"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def run(path: Path, mode: Mode = Mode.CHECK):
    job = FileJob(path, path.name, path.name, False)
    return check_file(job, Settings(root=path.parent), logs.RULES, FixOptions(mode, unsafe=True))


def test_findings_name_the_cell_and_count_rows_within_it(tmp_path: Path) -> None:
    path = tmp_path / "explore.ipynb"
    path.write_text(json.dumps(notebook(("markdown", "# Title"), ("code", "%matplotlib inline\nimport logging"), ("code", "x = 3\n!ls data\nlogging.info('%s', x)"))))
    result = run(path)
    assert [(d.code, d.extra["cell"], d.start.row, d.start.column) for d in result.diagnostics] == [("PC302", 3, 3, 1)]
    assert result.diagnostics[0].message.startswith("cell 3: ")


def test_fix_rewrites_only_the_code_keeping_magics_outputs_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "explore.ipynb"
    outputs = [{"name": "stdout", "output_type": "stream", "text": ["[1. 1. 1.]\n"]}]
    original = notebook(("code", "%matplotlib inline\nimport numpy as np"), ("code", "x = np.ones(3)\n!ls data\nlogging.warning('%s', x)"), outputs=outputs)
    path.write_text(json.dumps(original, indent=1))
    result = run(path, Mode.FIX)
    assert [d.code for d in result.fixed] == ["PC302"]
    fixed = json.loads(path.read_text())
    assert fixed["cells"][0]["source"] == ["%matplotlib inline\n", "import logging\n", "\n", "import numpy as np\n", "\n", "logger = logging.getLogger(__name__)"]
    assert fixed["cells"][1]["source"] == ["x = np.ones(3)\n", "!ls data\n", "logger.warning('%s', x)"]
    assert fixed["cells"][1]["outputs"] == outputs
    assert fixed["metadata"] == original["metadata"]
    assert all(cell["metadata"] == {"tags": ["keep"]} for cell in fixed["cells"])
    assert run(path, Mode.FIX).fixed == [], "a second fix changes nothing"


def test_prints_in_a_notebook_are_its_display_not_findings(tmp_path: Path) -> None:
    path = tmp_path / "explore.ipynb"
    cells = [("code", "import numpy as np\nx = np.ones(3)\nprint(x)"), ("code", "def show(a):\n    print(a.sum())\nshow(x)")]
    path.write_text(json.dumps(notebook(*cells)))
    assert run(path).diagnostics == []
    assert run(path, Mode.FIX).fixed == []


def test_cell_magics_and_invalid_json_are_handled(tmp_path: Path) -> None:
    path = tmp_path / "shell.ipynb"
    path.write_text(json.dumps(notebook(("code", "%%bash\necho print(1)"))))
    assert run(path).diagnostics == []
    broken = tmp_path / "broken.ipynb"
    broken.write_text("{not json")
    assert [d.code for d in run(broken).diagnostics] == ["E902"]
