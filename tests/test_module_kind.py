"""Module kinds: entry points (a main block, a top-level script, a notebook,
``__main__.py``) and libraries (definitions only), and the functions that belong to
the entry point (called only from it)."""

from __future__ import annotations

from pathlib import PurePath

import libcst as cst
import pytest

from policy_check.analysis.module_kind import ModuleKind, module_facts
from policy_check.analysis.names import ImportNames


def facts(source: str, path: str = "analysis.py"):
    module = cst.parse_module(source)
    names = ImportNames()
    names.collect_module_level(module)
    return module_facts(module, PurePath(path), names)


@pytest.mark.parametrize(
    ("source", "path", "kind"),
    [
        ("import math\n\ndef area(r):\n    return math.pi * r**2\n", "geometry.py", ModuleKind.LIBRARY),
        # Setup at module level (logging, warnings, sys.path) is not a script's work.
        ("import logging as lg\nimport warnings\nlg.basicConfig()\nwarnings.filterwarnings('ignore')\nX = 3\n", "lib.py", ModuleKind.LIBRARY),
        ("def main():\n    pass\n\nif __name__ == '__main__':\n    main()\n", "cli.py", ModuleKind.MAIN_BLOCK),
        ("import csv\nrows = list(csv.reader(open('a.csv')))\nprint(len(rows))\n", "count.py", ModuleKind.SCRIPT),
        ("for i in range(3):\n    pass\n", "loop.py", ModuleKind.SCRIPT),
        ("from lab.core import run\n", "lab/__main__.py", ModuleKind.MAIN_BLOCK),
        ("x = 1\n", "explore.ipynb", ModuleKind.NOTEBOOK),
        # Work at module level wins over a main block: it runs on import too.
        ("import os\nos.makedirs('out', exist_ok=True)\nif __name__ == '__main__':\n    pass\n", "gen.py", ModuleKind.SCRIPT),
    ],
)
def test_module_kind(source: str, path: str, kind: ModuleKind) -> None:
    found = facts(source, path)
    assert found.kind is kind
    assert found.is_entry_point == (kind is not ModuleKind.LIBRARY)


def test_entry_functions_are_those_called_only_from_the_entry_point() -> None:
    source = (
        "def setup():\n    pass\n\n"
        "def helper():\n    pass\n\n"
        "def main():\n    setup()\n    helper()\n\n"
        "def library_api():\n    helper()\n\n"
        "if __name__ == '__main__':\n    main()\n"
    )
    found = facts(source)
    assert found.entry_functions == {"main", "setup"}
    assert found.main_guard is not None


def test_a_library_has_no_entry_functions() -> None:
    assert facts("def main():\n    pass\n").entry_functions == frozenset()
