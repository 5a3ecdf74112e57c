"""ruff runs on notebooks too: its findings name the cell as ours do, and a notebook
fix that leaves an import unused is cleaned up as in a .py file, with the outputs,
metadata and cells kept as they were (no cell ids added, no reformatting)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

OUTPUT = {"output_type": "stream", "name": "stdout", "text": ["47.5\n"]}


def _notebook(*cells: list[str]) -> dict:
    return {
        "cells": [
            {"cell_type": "code", "execution_count": n, "metadata": {"tags": ["keep"]}, "outputs": [OUTPUT], "source": source}
            for n, source in enumerate(cells, start=1)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 4,
    }


def _run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", *args], cwd=cwd, capture_output=True, text=True, timeout=300
    )


def test_ruff_findings_in_a_notebook_name_the_cell(tmp_path: Path) -> None:
    notebook = _notebook(["import numpy as np\n", "x = 1\n"], ["import os\n", "print(x)\n"])
    (tmp_path / "melt.ipynb").write_text(json.dumps(notebook, indent=1))
    result = _run(tmp_path, "--select", "F401", "--output-format", "json", "melt.ipynb")
    rows = json.loads(result.stdout)
    assert sorted((row["cell"], row["location"]["row"], row["message"].split(":")[0]) for row in rows) == [(1, 1, "cell 1"), (2, 1, "cell 2")]


def test_a_fix_that_leaves_an_import_unused_is_cleaned_up_in_a_notebook(tmp_path: Path) -> None:
    notebook = _notebook(
        ["import sys\n", "sys.path.append('/home/me/lab/src')\n", "import numpy as np\n"],
        ["%matplotlib inline\n", "melt = np.array([1.0, 2.0])\n", "total = melt.sum()"],
    )
    path = tmp_path / "melt.ipynb"
    path.write_text(json.dumps(notebook, indent=1) + "\n")
    fixed = _run(tmp_path, "--select", "PC201,F401", "--fix", "--unsafe-fixes", "--show-fixes", "melt.ipynb")
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    after = json.loads(path.read_text())
    first, second = (cell["source"] for cell in after["cells"])
    # The sys.path hack is gone (PC201), then the `import sys` it left unused (ruff's F401).
    assert "".join(first).rstrip("\n") == "import numpy as np", first
    assert second == notebook["cells"][1]["source"], "an untouched cell stays byte for byte"
    for cell in after["cells"]:
        assert cell["outputs"] == [OUTPUT] and cell["metadata"] == {"tags": ["keep"]} and "id" not in cell
    assert after["metadata"] == notebook["metadata"]
    assert ": PC201 " in fixed.stdout and ": F401 " in fixed.stdout
    again = _run(tmp_path, "--select", "PC201,F401", "melt.ipynb")
    assert again.returncode == 0, again.stdout
