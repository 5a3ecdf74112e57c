"""A notebook code cell that is not Python (a pasted shell command, a path, prose)
is reported once, naming the cell, and skipped; the other cells are checked and
fixed as usual (issue 14)."""

from __future__ import annotations

import json
from pathlib import Path

from policy_check.config import Settings
from policy_check.engine import FileJob, FixOptions, Mode, check_file
from policy_check.rules import logs


def notebook(*sources: str) -> dict:
    return {
        "cells": [
            {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": source.splitlines(keepends=True)}
            for source in sources
        ],
        "metadata": {"kernelspec": {"name": "python3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


# The cells log through the root logger (PC302): a notebook's prints are its display,
# not PC301 findings.
def run(path: Path, mode: Mode = Mode.CHECK):
    job = FileJob(path, path.name, path.name, False)
    return check_file(job, Settings(root=path.parent), logs.RULES, FixOptions(mode, unsafe=True))


def test_a_pasted_shell_command_is_reported_once_and_the_other_cells_are_checked(tmp_path: Path) -> None:
    path = tmp_path / "analysis.ipynb"
    path.write_text(json.dumps(notebook("import numpy as np\nlogging.warning('%s', np.pi)", "pip install numpy pandas", "logging.warning('%s', 2)")))
    result = run(path)
    found = sorted((d.code, d.extra["cell"]) for d in result.diagnostics)
    assert found == [("PC002", 2), ("PC302", 1), ("PC302", 3)]
    note = next(d for d in result.diagnostics if d.code == "PC002")
    assert note.message.startswith("cell 2: not Python (invalid syntax); this cell was skipped")
    assert (note.start.row, note.start.column) == (1, 5)


def test_a_cell_holding_a_bare_path_does_not_silence_the_notebook(tmp_path: Path) -> None:
    path = tmp_path / "paths.ipynb"
    pasted = "/".join(("", "home", "ana", "data", "run1.csv"))
    path.write_text(json.dumps(notebook(pasted, "import os\nlogging.warning('%s', os.getcwd())")))
    result = run(path)
    assert sorted((d.code, d.extra["cell"]) for d in result.diagnostics) == [("PC002", 1), ("PC302", 2)]


def test_magics_and_shell_lines_are_still_python_cells(tmp_path: Path) -> None:
    path = tmp_path / "magics.ipynb"
    path.write_text(json.dumps(notebook("%matplotlib inline\n!ls data\nfiles = !ls\nlogging.warning('%s', files)")))
    assert [d.code for d in run(path).diagnostics] == ["PC302"]


def test_fix_rewrites_the_python_cells_and_leaves_the_other_cell_as_written(tmp_path: Path) -> None:
    path = tmp_path / "fixme.ipynb"
    original = notebook("import numpy as np\n%matplotlib inline", "conda activate lab\n!ls", "logging.warning('%s', np.pi)")
    path.write_text(json.dumps(original, indent=1))
    result = run(path, Mode.FIX)
    assert [d.code for d in result.fixed] == ["PC302"]
    assert [d.code for d in result.diagnostics] == ["PC002"]
    cells = json.loads(path.read_text())["cells"]
    assert cells[1]["source"] == original["cells"][1]["source"], "the skipped cell is untouched"
    assert "%matplotlib inline" in "".join(cells[0]["source"]) and "import logging\n" in cells[0]["source"]
    assert cells[2]["source"] == ["logger.warning('%s', np.pi)"]
    second = run(path, Mode.FIX)
    assert second.fixed == [] and [d.code for d in second.diagnostics] == ["PC002"]


def test_a_notebook_with_no_python_cell_reports_each_cell_and_nothing_else(tmp_path: Path) -> None:
    path = tmp_path / "shell.ipynb"
    path.write_text(json.dumps(notebook("cd data", "conda install -c conda-forge xarray")))
    result = run(path)
    assert sorted((d.code, d.extra["cell"]) for d in result.diagnostics) == [("PC002", 1), ("PC002", 2)]


def test_a_future_import_in_a_later_cell_is_kept_and_the_notebook_checked(tmp_path: Path) -> None:
    path = tmp_path / "future.ipynb"
    original = notebook("import numpy as np", "from __future__ import division\nlogging.warning('%s', np.pi / 2)")
    path.write_text(json.dumps(original, indent=1))
    assert [(d.code, d.extra["cell"]) for d in run(path).diagnostics] == [("PC302", 2)]
    run(path, Mode.FIX)
    cells = json.loads(path.read_text())["cells"]
    assert cells[1]["source"][0] == "from __future__ import division\n"


def test_a_notebook_with_an_r_kernel_is_not_read_as_python(tmp_path: Path) -> None:
    path = tmp_path / "models.ipynb"
    content = notebook("library(tidyverse)\nA %>% filter(x)", "anova(M0, M1)\nprint(summary(M1))")
    content["metadata"] = {"kernelspec": {"name": "ir", "language": "R"}, "language_info": {"name": "R"}}
    path.write_text(json.dumps(content))
    assert run(path).diagnostics == []
