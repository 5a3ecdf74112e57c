"""ImportNames: what a name or attribute chain refers to through the module's imports,
and the cheap form asked of every call (only names ending in one of a few words)."""

from __future__ import annotations

import libcst as cst
import pytest

from policy_check.analysis.names import ImportNames


def _names(code: str) -> ImportNames:
    names = ImportNames()
    names.collect_module_level(cst.parse_module(code))
    return names


IMPORTS = "import os.path\nimport pathlib as pl\nfrom os.path import join as pjoin\nfrom pathlib import Path\n"


@pytest.mark.parametrize(
    ("expression", "qualified"),
    [
        ("os.path.join", "os.path.join"),
        ("pl.Path", "pathlib.Path"),
        ("pjoin", "os.path.join"),
        ("Path", "pathlib.Path"),
        ("join", "join"),
        ("np.zeros", "np.zeros"),
        ("f().join", None),
        ("x[0]", None),
    ],
)
def test_qualify_resolves_the_first_name_through_imports(expression: str, qualified: str | None) -> None:
    assert _names(IMPORTS).qualify(cst.parse_expression(expression)) == qualified


@pytest.mark.parametrize(
    "expression", ["os.path.join", "pl.Path", "pjoin", "Path", "join", "np.zeros", "f().join", "x[0]", "pl.PurePath", "os.sep"]
)
def test_qualify_ending_is_qualify_for_the_names_asked(expression: str) -> None:
    names, node = _names(IMPORTS), cst.parse_expression(expression)
    last_names = frozenset({"join", "Path"})
    qualified = names.qualify(node)
    expected = qualified if qualified is not None and qualified.rpartition(".")[2] in last_names else None
    assert names.qualify_ending(node, last_names) == expected
