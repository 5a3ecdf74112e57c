"""Which files are test code (exempt from PC301 and PC601).

A path says so first: a file in a ``tests``/``test``/``testing`` folder, ``conftest.py``,
``test_*.py`` or ``*_test.py``.  In research repositories the name is often all there is
to it: of 57 test-named files outside any test folder in 30 repositories, 51 define no
test at all (``test_mnist.py`` trying a model out, ``k-s_distribution_test.py`` running a
statistical test); they are pipeline scripts, and pytest collects nothing from them.
Such a file — named like a test, outside any test folder, defining no ``test*``
function and no ``Test*`` class — is checked as the script it is.
"""

from __future__ import annotations

import ast

from policy_check.discovery import TEST_FOLDERS, is_test_path


def defines_tests(tree: ast.Module) -> bool:
    """A ``test*`` function or a ``Test*`` class at module level: what pytest collects."""
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            return True
        if isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            return True
    return False


def is_script_named_like_a_test(relative_path: str, tree: ast.Module) -> bool:
    """A ``test_*.py`` or ``*_test.py`` outside any test folder that defines no test."""
    parts = relative_path.split("/")
    if parts[-1] == "conftest.py" or any(part in TEST_FOLDERS for part in parts[:-1]):
        return False
    return is_test_path(relative_path) and not defines_tests(tree)
