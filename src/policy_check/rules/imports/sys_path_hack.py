"""PC201 — the import path changed at run time."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import libcst as cst

from policy_check.analysis.patterns import enclosing_function
from policy_check.diagnostics import Applicability
from policy_check.rules.base import (
    FileContext,
    FixSafety,
    Invalid,
    NodeEdit,
    NodeFix,
    RemoveLines,
    Replace,
    Rule,
    Valid,
)
from policy_check.rules.imports.package_imports import ImportResolver
from policy_check.rules.imports.path_changes import added_path_expressions, is_sys_path, path_change


def _is_package_guard(node: cst.CSTNode) -> bool:
    """PyPA's ``if not __package__:`` (or ``if __package__ == "":`` / ``is None``)."""
    if not isinstance(node, cst.If):
        return False
    test = node.test
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return isinstance(test.expression, cst.Name) and test.expression.value == "__package__"
    return isinstance(test, cst.Comparison) and isinstance(test.left, cst.Name) and test.left.value == "__package__"


def is_exempt_from_path_rule(relative_path: str) -> bool:
    """Files whose job is to set the path up: Sphinx's ``conf.py`` in a docs folder,
    ``conftest.py`` and ``noxfile.py``."""
    parts = relative_path.split("/")
    name = parts[-1]
    if name in ("conftest.py", "noxfile.py"):
        return True
    return name == "conf.py" and any(part in ("doc", "docs") for part in parts[:-1])


class _Hack(NamedTuple):
    node: cst.CSTNode
    what: str
    # Where the statement sits, for removing it.
    removal: tuple[NodeEdit, ...] | None
    order: int
    added: list[cst.BaseExpression]
    # The node's ancestors when it was seen: it is reported after the traversal.
    ancestors: tuple[cst.CSTNode, ...]


class _SeenImport(NamedTuple):
    node: cst.Import | cst.ImportFrom
    order: int


class SysPathHack(Rule):
    """Changing ``sys.path`` makes a script import code from wherever the author's
    checkout happened to be: it breaks when the folder moves, when someone else
    clones the repository, when the script is run from another directory, or on a
    cluster node.  It also hides which code is really imported — a stale copy found
    first on the path wins silently.  Installing the project once in editable mode
    (``pip install -e .``) makes its package importable from everywhere, and imports
    then name the package (``from lab.utils import smooth``).  Writing ``PYTHONPATH``
    through ``os.environ`` does the same for child processes.

    Sphinx's ``docs/conf.py``, ``conftest.py``, ``noxfile.py`` and PyPA's
    ``if not __package__:`` block in a ``__main__.py`` set the path on purpose and
    are exempt."""

    code = "PC201"
    name = "sys-path-hack"
    summary = "The import path is changed at run time (`sys.path`, `site.addsitedir`, `PYTHONPATH`)."
    MESSAGE = "`{what}` changes the import path: install the project (`pip install -e .`) and import the package{instead}"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "The statement is removed (a lone statement of a block becomes `pass`). When the added "
        "folder is a literal or built from `__file__` and holds the modules imported after it, "
        "those imports are rewritten to their package-qualified form; the code then works only "
        "once the project is installed."
    )
    trigger_words = ("path", "addsitedir", "PYTHONPATH")
    references = (
        "https://packaging.python.org/en/latest/tutorials/packaging-projects/",
        "https://setuptools.pypa.io/en/latest/userguide/development_mode.html",
    )

    VALID = [
        # Reading the path is fine.
        "import sys\nfor entry in sys.path:\n    print(entry)\n",
        "import os, sys\nhere = os.getcwd()\nif here in sys.path:\n    pass\nprint(sys.path)\n",
        "import os, sys\n\ndef search_order(extra):\n    order = sys.path[:]\n    order.insert(0, os.getcwd())\n    order += extra\n    return order\n",
        "import os\nenv = dict(os.environ)\nenv['PYTHONPATH'] = 'src'\nroot = os.environ.get('PYTHONPATH', '')\n",
        "import sys\nsys.meta_path.insert(0, object())\nsys.modules.pop('lab', None)\n",
        # A parameter called `path` is not `sys.path`, even after `from sys import path`.
        "from sys import path\n\ndef grow(path, item):\n    path.append(item)\n",
        # Files whose job is setting the path up.
        Valid("import os, sys\nsys.path.insert(0, os.path.abspath('../src'))\n", path="docs/conf.py"),
        Valid("import os, sys\nsys.path.insert(0, os.path.abspath('..'))\n", path="doc/source/conf.py"),
        Valid("import sys\nsys.path.insert(0, 'scripts')\n", path="tests/conftest.py"),
        Valid("import sys\nsys.path.append('src')\n", path="noxfile.py"),
        Valid(
            "import os, sys\n\nif not __package__:\n    # python src/lab works from a checkout\n"
            "    sys.path.insert(0, os.path.dirname(os.path.dirname(__file__)))\n",
            path="src/lab/__main__.py",
        ),
        Valid(
            "import os, sys\n\nif __package__ == '':\n    path = os.path.dirname(os.path.dirname(__file__))\n    sys.path.insert(0, path)\n",
            path="src/lab/__main__.py",
        ),
    ]
    INVALID = [
        Invalid(
            "import sys\nsys.path.append('/home/me/research/functions/')\nfrom smooth import gaussian\n",
            expected="import sys\nfrom smooth import gaussian\n",
        ),
        Invalid(
            "import os\nimport sys\n\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..'))\n",
            expected="import os\nimport sys\n\n",
        ),
        Invalid(
            "import sys as s\n\nif True:\n    s.path.extend(['lib', 'vendor'])\n",
            expected="import sys as s\n\nif True:\n    pass\n",
        ),
        Invalid(
            "from sys import path as import_path\nimport_path.extend(['build/lib'])\n",
            expected="from sys import path as import_path\n",
        ),
        Invalid("import sys\nsys.path += ['lib']\n", expected="import sys\n"),
        Invalid("import sys\nsys.path[0:0] = ['lib']\n", expected="import sys\n"),
        Invalid("import sys\n\ndef prefer(build):\n    sys.path[:] = [build] + sys.path\n", expected="import sys\n\ndef prefer(build):\n    pass\n"),
        Invalid("import os, sys\nsys.path = sys.path + [os.environ['SHARED']]\n", expected="import os, sys\n"),
        Invalid(
            "import sys\n\ndef forget(entry):\n    sys.path.remove(entry)\n    sys.path.pop(0)\n",
            expected="import sys\n\ndef forget(entry):\n    pass\n",
            count=2,
        ),
        Invalid(
            "import sys\n\ndef importable(directory):\n    search = sys.path\n    search.insert(0, directory)\n",
            expected="import sys\n\ndef importable(directory):\n    search = sys.path\n",
        ),
        Invalid("import site\nsite.addsitedir('/opt/plugins')\n", expected="import site\n"),
        Invalid("import site as _site\n_site.addsitedir('plugins')\n", expected="import site as _site\n"),
        Invalid("from site import addsitedir\naddsitedir('plugins')\n", expected="from site import addsitedir\n"),
        Invalid(
            "import os\n\ndef prepend(tools):\n    os.environ['PYTHONPATH'] += os.pathsep + tools\n",
            expected="import os\n\ndef prepend(tools):\n    pass\n",
        ),
        Invalid("import os\nos.environ['PYTHONPATH'] = 'src'\n", expected="import os\n"),
        Invalid("import os\nos.environ.setdefault('PYTHONPATH', 'src')\n", expected="import os\n"),
        Invalid("import os\nos.environ.update(PYTHONPATH='src')\n", expected="import os\n"),
        Invalid("from os import environ\nenviron.update({'PYTHONPATH': 'src'})\n", expected="from os import environ\n"),
        Invalid("import os\nos.putenv('PYTHONPATH', 'src')\n", expected="import os\n"),
        # The __package__ exemption belongs to __main__.py only.
        Invalid(
            "import sys\nfrom pathlib import Path\n\nif not __package__:\n    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n",
            expected="import sys\nfrom pathlib import Path\n\nif not __package__:\n    pass\n",
            path="src/lab/cli.py",
        ),
        # Not a statement of its own: reported without an edit.
        Invalid("import sys\nadded = [sys.path.append(p) for p in ('a', 'b')]\n"),
        Invalid("import sys; sys.path.append('lib')\n"),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # Local names bound to sys.path itself (`search = sys.path`), with their function.
        self.path_aliases: dict[str, cst.FunctionDef | None] = {}
        self.hacks: list[_Hack] = []
        self.imports: list[_SeenImport] = []
        self.order = 0

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return not is_exempt_from_path_rule(context.relative_path) and super().applies_to(context)

    def visit_Import(self, node: cst.Import) -> None:
        self._seen_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._seen_import(node)

    def _seen_import(self, node: cst.Import | cst.ImportFrom) -> None:
        if self.hacks:
            self.order += 1
            self.imports.append(_SeenImport(node, self.order))

    def visit_Assign(self, node: cst.Assign) -> None:
        if is_sys_path(node.value, self.context) and all(type(t.target) is cst.Name for t in node.targets):
            scope = enclosing_function(self.context.stack)
            self.path_aliases.update((t.target.value, scope) for t in node.targets)  # type: ignore[attr-defined]
            return
        if self.path_aliases:
            for assign_target in node.targets:
                if type(assign_target.target) is cst.Name:
                    self.path_aliases.pop(assign_target.target.value, None)  # type: ignore[attr-defined]
        self._check(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._check(node)

    def visit_Del(self, node: cst.Del) -> None:
        self._check(node)

    def visit_Call(self, node: cst.Call) -> None:
        self._check(node)

    def _check(self, node: cst.CSTNode) -> None:
        aliases: set[str] = set()
        if self.path_aliases:
            scope = enclosing_function(self.context.stack)
            aliases = {name for name, where in self.path_aliases.items() if where is scope}
        what = path_change(node, self.context, aliases)
        if what is None or self._in_package_guard_of_main():
            return
        self.order += 1
        stack = self.context.stack
        self.hacks.append(_Hack(node, what, _statement_removal(stack), self.order, added_path_expressions(node), tuple(stack)))

    def _in_package_guard_of_main(self) -> bool:
        if self.context.filename != "__main__.py":
            return False
        return any(_is_package_guard(ancestor) for ancestor in self.context.stack)

    def finish(self) -> None:
        if not self.hacks:
            return
        resolver = ImportResolver(self.context)
        for hack in self.hacks:
            later = [seen.node for seen in self.imports if seen.order > hack.order]
            rewrite = resolver.rewrite(hack.added, later) if hack.added and later else None
            instead = ""
            edits: list[NodeEdit] = list(hack.removal or ())
            if rewrite is not None:
                instead = f": `{rewrite.example}`"
                if hack.removal is not None:
                    edits.extend(rewrite.edits)
            fix = None
            if hack.removal is not None:
                fix = NodeFix(
                    "Remove the import-path change" + (" and import through the package" if rewrite and rewrite.edits else ""),
                    Applicability.UNSAFE,
                    tuple(edits),
                )
            self.report(hack.node, self.MESSAGE.format(what=hack.what, instead=instead), fix, ancestors=hack.ancestors)


def _statement_removal(stack: Sequence[cst.CSTNode]) -> tuple[NodeEdit, ...] | None:
    """Edits that delete the statement the current node makes up on its own: its lines,
    or ``pass`` when it is the only statement of its block.  ``None`` when the node
    is part of a larger statement or shares its line with others."""
    index = len(stack) - 1
    node = stack[index]
    if isinstance(node, cst.Call):
        index -= 1
        if index < 0 or not isinstance(stack[index], cst.Expr) or stack[index].value is not node:  # type: ignore[attr-defined]
            return None
    small = stack[index]
    line = stack[index - 1] if index >= 1 else None
    block = stack[index - 2] if index >= 2 else None
    if isinstance(line, cst.SimpleStatementSuite) and len(line.body) == 1:
        return (Replace(small, "pass"),)
    if not isinstance(line, cst.SimpleStatementLine) or len(line.body) != 1:
        return None
    if isinstance(block, cst.IndentedBlock) and len(block.body) == 1:
        return (Replace(line, "pass"),)
    return (RemoveLines(line),)
