"""PC2 — imports and paths.

Research code that runs only on its author's laptop usually does so because of a
``sys.path`` hack, a hard-coded ``/home/me/...`` path, a module loaded by file path
or an import through the ``src`` folder.  These rules find them and say what to
write instead: install the project (``pip install -e .``) and import the package.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

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
from policy_check.analysis.literals import string_value
from policy_check.analysis.names import ImportNames, dotted_name, module_level_statements
from policy_check.analysis.patterns import enclosing_function, parameter_names

# ---------------------------------------------------------------------------
# What changes the import path (shared by PC201 and PC202, which must not report
# the path of a hack twice).

SYS_PATH = "sys.path"
# List methods that change sys.path in place.
PATH_MUTATORS = frozenset({"append", "insert", "extend", "remove", "pop", "clear"})
# Where the added path is among the arguments of each call.
_PATH_ARGUMENT = {"append": 0, "insert": 1, "extend": 0, "addsitedir": 0}


def _is_sys_path(node: cst.BaseExpression, context: FileContext, aliases: Iterable[str] = ()) -> bool:
    """``sys.path`` through any import alias (``import sys as s``, ``from sys import
    path as p``), or a local name that was bound to it (``search = sys.path``)."""
    if isinstance(node, cst.Name):
        if node.value in aliases:
            return True
        if context.names.qualify(node) != SYS_PATH:
            return False
        # `from sys import path` at module level, but a parameter of the same name here.
        function = enclosing_function(context.stack)
        return function is None or node.value not in parameter_names(function)
    return isinstance(node, cst.Attribute) and context.names.qualify(node) == SYS_PATH


def _is_os_environ(node: cst.BaseExpression, names: ImportNames) -> bool:
    return names.qualify(node) == "os.environ"


def _subscript_key(node: cst.Subscript) -> str | None:
    if len(node.slice) != 1 or not isinstance(node.slice[0].slice, cst.Index):
        return None
    return string_value(node.slice[0].slice.value)


def _writes_pythonpath_target(target: cst.BaseExpression, names: ImportNames) -> bool:
    return (
        isinstance(target, cst.Subscript)
        and _is_os_environ(target.value, names)
        and _subscript_key(target) == "PYTHONPATH"
    )


def _changed_target(target: cst.BaseExpression, context: FileContext, aliases: Iterable[str], whole: bool) -> str | None:
    """What an assignment (or ``del``) to ``target`` changes, if it is the import path.

    ``whole`` allows ``sys.path = …`` itself; a bare alias name is never enough there,
    since ``p = …`` only rebinds the local name."""
    if isinstance(target, cst.Subscript) and _is_sys_path(target.value, context, aliases):
        return "sys.path[...] ="
    if whole and isinstance(target, cst.Attribute) and _is_sys_path(target, context):
        return "sys.path ="
    if _writes_pythonpath_target(target, context.names):
        return 'os.environ["PYTHONPATH"] ='
    return None


def path_change(node: cst.CSTNode, context: FileContext, aliases: Iterable[str] = ()) -> str | None:
    """A short name for how ``node`` changes the import path (``sys.path.insert``,
    ``site.addsitedir``, ``os.environ["PYTHONPATH"] =``…), or ``None``."""
    if isinstance(node, cst.Call):
        return _call_change(node, context, aliases)
    if isinstance(node, cst.Assign):
        for assign_target in node.targets:
            changed = _changed_target(assign_target.target, context, aliases, whole=True)
            if changed:
                return changed
        return None
    if isinstance(node, cst.AugAssign):
        target = node.target
        if isinstance(target, cst.Name) and target.value in aliases or _is_sys_path(target, context):
            return "sys.path +="
        return _changed_target(target, context, aliases, whole=True)
    if isinstance(node, cst.Del):
        targets = node.target.elements if isinstance(node.target, cst.Tuple) else None
        for target in [element.value for element in targets] if targets else [node.target]:
            if isinstance(target, cst.Subscript) and _is_sys_path(target.value, context, aliases):
                return "del sys.path[...]"
    return None


def _call_change(call: cst.Call, context: FileContext, aliases: Iterable[str]) -> str | None:
    func = call.func
    if isinstance(func, cst.Attribute):
        method = func.attr.value
        if method in PATH_MUTATORS:
            return f"sys.path.{method}" if _is_sys_path(func.value, context, aliases) else None
        if method not in ("addsitedir", "setdefault", "update", "putenv"):
            return None
    elif not isinstance(func, cst.Name) or func.value not in ("addsitedir", "putenv"):
        return None
    qualified = context.names.qualify(func)
    if qualified == "site.addsitedir":
        return "site.addsitedir"
    if qualified in ("os.environ.setdefault", "os.putenv"):
        if call.args and string_value(call.args[0].value) == "PYTHONPATH":
            return f'{qualified}("PYTHONPATH", ...)'
        return None
    if qualified == "os.environ.update":
        for arg in call.args:
            if arg.keyword is not None and arg.keyword.value == "PYTHONPATH":
                return "os.environ.update(PYTHONPATH=...)"
            if arg.keyword is None and isinstance(arg.value, cst.Dict):
                for element in arg.value.elements:
                    if isinstance(element, cst.DictElement) and string_value(element.key) == "PYTHONPATH":
                        return "os.environ.update(PYTHONPATH=...)"
    return None


def _added_path_expressions(node: cst.CSTNode) -> list[cst.BaseExpression]:
    """The expressions a hack adds to the path (for naming the import that works)."""
    if isinstance(node, cst.Call) and isinstance(node.func, (cst.Attribute, cst.Name)):
        method = node.func.attr.value if isinstance(node.func, cst.Attribute) else node.func.value
        index = _PATH_ARGUMENT.get(method)
        positional = [arg.value for arg in node.args if arg.keyword is None and not arg.star]
        if index is None or len(positional) <= index:
            return []
        added = positional[index]
        if method == "extend":
            return _elements(added)
        return [added]
    if isinstance(node, cst.AugAssign):
        return _elements(node.value)
    return []


def _elements(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(node, (cst.List, cst.Tuple)):
        return [element.value for element in node.elements if isinstance(element, cst.Element)]
    return []


# ---------------------------------------------------------------------------
# Where a path expression built from literals and ``__file__`` points.


_DIRNAME_CALLS = frozenset({"os.path.dirname"})
_SAME_PATH_CALLS = frozenset(
    {"os.path.abspath", "os.path.realpath", "os.path.normpath", "os.fspath", "str", "pathlib.Path", "pathlib.PurePath"}
)
_SAME_PATH_METHODS = frozenset({"resolve", "absolute", "expanduser"})


@dataclass
class StaticPaths:
    """Evaluates path expressions of one file without running it: literals, ``__file__``,
    ``os.path`` functions, ``pathlib`` operations and module-level names bound once."""

    context: FileContext
    _bindings: dict[str, cst.BaseExpression | None] | None = None

    @property
    def file(self) -> str:
        return os.path.abspath(self.context.path)

    def bindings(self) -> dict[str, cst.BaseExpression | None]:
        if self._bindings is None:
            self._bindings = {}
            for statement in module_level_statements(self.context.module.body):
                if not isinstance(statement, cst.SimpleStatementLine):
                    continue
                for small in statement.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1:
                        target = small.targets[0].target
                        if isinstance(target, cst.Name):
                            # A name bound twice has no single value.
                            seen = target.value in self._bindings
                            self._bindings[target.value] = None if seen else small.value
        return self._bindings

    def evaluate(self, node: cst.BaseExpression, depth: int = 0) -> str | None:
        if depth > 12:
            return None
        value = string_value(node)
        if value is not None:
            return value
        if isinstance(node, cst.Name):
            if node.value == "__file__":
                return self.file
            bound = self.bindings().get(node.value)
            return self.evaluate(bound, depth + 1) if bound is not None else None
        if isinstance(node, cst.Call):
            return self._call(node, depth)
        if isinstance(node, cst.Attribute) and node.attr.value == "parent":
            inner = self.evaluate(node.value, depth + 1)
            return os.path.dirname(self._absolute(inner)) if inner is not None else None
        if isinstance(node, cst.Subscript) and isinstance(node.value, cst.Attribute) and node.value.attr.value == "parents":
            inner = self.evaluate(node.value.value, depth + 1)
            index = node.slice[0].slice if len(node.slice) == 1 else None
            if inner is None or not isinstance(index, cst.Index) or not isinstance(index.value, cst.Integer):
                return None
            result = self._absolute(inner)
            for _ in range(int(index.value.value) + 1):
                result = os.path.dirname(result)
            return result
        if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Divide, cst.Add)):
            left, right = self.evaluate(node.left, depth + 1), self.evaluate(node.right, depth + 1)
            if left is None or right is None:
                return None
            return os.path.join(left, right) if isinstance(node.operator, cst.Divide) else left + right
        return None

    def _call(self, call: cst.Call, depth: int) -> str | None:
        arguments = [arg.value for arg in call.args if arg.keyword is None and not arg.star]
        if len(arguments) != len(call.args):
            return None
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in _SAME_PATH_METHODS | {"joinpath"}:
            inner = self.evaluate(func.value, depth + 1)
            if inner is None or (func.attr.value != "joinpath" and arguments):
                return None
            parts = [self.evaluate(arg, depth + 1) for arg in arguments]
            return None if None in parts else os.path.join(inner, *parts)  # type: ignore[arg-type]
        qualified = self.context.names.qualify(func)
        parts = [self.evaluate(arg, depth + 1) for arg in arguments]
        if None in parts or not parts:
            return None
        if qualified in _DIRNAME_CALLS and len(parts) == 1:
            return os.path.dirname(self._absolute(parts[0]))  # type: ignore[arg-type]
        if qualified == "os.path.join" or (qualified in _SAME_PATH_CALLS and qualified.startswith("pathlib")):
            return os.path.join(*parts)  # type: ignore[arg-type]
        if qualified in _SAME_PATH_CALLS and len(parts) == 1:
            return parts[0]
        return None

    def _absolute(self, path: str) -> str:
        # A relative path is taken from the script's folder: that is where people run it.
        return os.path.normpath(os.path.join(os.path.dirname(self.file), path))

    def folder(self, node: cst.BaseExpression) -> Path | None:
        value = self.evaluate(node)
        if value is None or not value:
            return None
        folder = Path(self._absolute(os.path.expanduser(value)))
        return folder if folder.is_dir() else None


# ---------------------------------------------------------------------------
# PC201


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


@dataclass
class _Hack:
    node: cst.CSTNode
    what: str
    # Where the statement sits, for removing it.
    removal: tuple[NodeEdit, ...] | None
    order: int
    added: list[cst.BaseExpression] = field(default_factory=list)


@dataclass
class _SeenImport:
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
        if _is_sys_path(node.value, self.context) and all(isinstance(t.target, cst.Name) for t in node.targets):
            scope = enclosing_function(self.context.stack)
            self.path_aliases.update((t.target.value, scope) for t in node.targets)  # type: ignore[attr-defined]
            return
        for assign_target in node.targets:
            if isinstance(assign_target.target, cst.Name):
                self.path_aliases.pop(assign_target.target.value, None)
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
        self.hacks.append(_Hack(node, what, _statement_removal(self.context.stack), self.order, _added_path_expressions(node)))

    def _in_package_guard_of_main(self) -> bool:
        if self.context.filename != "__main__.py":
            return False
        return any(_is_package_guard(ancestor) for ancestor in self.context.stack)

    def finish(self) -> None:
        if not self.hacks:
            return
        resolver = _ImportResolver(self.context)
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
            self.report(hack.node, self.MESSAGE.format(what=hack.what, instead=instead), fix)


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


@dataclass
class _Rewrite:
    # One rewritten import, as the message shows it.
    example: str
    edits: list[NodeEdit]


class _ImportResolver:
    """Finds the folder a hack adds and names the package-qualified form of the
    imports it serves (only when every step is unambiguous)."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.paths = StaticPaths(context)
        self.root = Path(os.path.abspath(context.settings.root))

    def rewrite(self, added: Sequence[cst.BaseExpression], imports: Sequence[cst.Import | cst.ImportFrom]) -> _Rewrite | None:
        folders = [self.paths.folder(expression) for expression in added]
        folders = [folder for folder in folders if folder is not None]
        if len(folders) != 1:
            return None
        folder = folders[0]
        package = self._package_of(folder)
        if package is None:
            return None
        served = [node for node in imports if self._served(node, folder)]
        if not served:
            return None
        edits: list[NodeEdit] = []
        examples: list[str] = []
        for node in served:
            rewritten = _qualified_import(node, package)
            if rewritten is None:
                return None
            if package:
                edits.append(Replace(node, rewritten))
            examples.append(rewritten)
        return _Rewrite(examples[0], edits)

    def _package_of(self, folder: Path) -> str | None:
        """The dotted package the folder is, seen from the project's import root
        (``src/`` in a src layout, else the project root); ``""`` for the root itself."""
        source_root = self.root / "src"
        for import_root in (source_root, self.root):
            try:
                relative = folder.relative_to(import_root)
            except ValueError:
                continue
            parts = relative.parts
            if all(part.isidentifier() for part in parts):
                return ".".join(parts)
            return None
        return None

    def _served(self, node: cst.Import | cst.ImportFrom, folder: Path) -> bool:
        heads = _imported_heads(node)
        return bool(heads) and all(
            (folder / f"{head}.py").is_file() or (folder / head).is_dir() for head in heads
        )


def _imported_heads(node: cst.Import | cst.ImportFrom) -> list[str]:
    if isinstance(node, cst.ImportFrom):
        if node.relative or node.module is None:
            return []
        name = dotted_name(node.module)
        return [name.split(".")[0]] if name else []
    heads = []
    for alias in node.names:
        name = dotted_name(alias.name)
        if name is None:
            return []
        heads.append(name.split(".")[0])
    return heads


def _qualified_import(node: cst.Import | cst.ImportFrom, package: str) -> str | None:
    """The import statement written through ``package`` (binding the same names)."""
    module = cst.Module([])
    if isinstance(node, cst.ImportFrom):
        name = dotted_name(node.module) if node.module is not None else None
        if name is None:
            return None
        qualified = f"{package}.{name}" if package else name
        new = node.with_changes(module=cst.parse_expression(qualified))
        return module.code_for_node(new)
    if not package:
        return module.code_for_node(node)
    names: list[tuple[str, str | None]] = []
    for alias in node.names:
        name = dotted_name(alias.name)
        asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None  # type: ignore[union-attr]
        if name is None:
            return None
        names.append((name, asname))
    if all(asname is not None for _, asname in names):
        # `import utils.io as uio` binds the module itself: qualify it in place.
        return "import " + ", ".join(f"{package}.{name} as {asname}" for name, asname in names)
    if any("." in name for name, _ in names):
        # `import utils.sub` binds `utils` and loads `sub`: no single import keeps both.
        return None
    return f"from {package} import " + ", ".join(name + (f" as {asname}" if asname else "") for name, asname in names)


# ---------------------------------------------------------------------------
# PC202


DEFAULT_ABSOLUTE_PATH_PREFIXES: tuple[str, ...] = (
    "/home/", "/Users/", "/mnt/", "/media/", "/scratch/", "/data/", "/nfs/", "/gpfs/", "/lustre/", "/Volumes/",
)
# Always recognised, whatever the prefix list: Windows drives, UNC shares, ~user.
_DRIVE_PATH = re.compile(r"[A-Za-z]:[\\/][\w.$~ -]")
_UNC_PATH = re.compile(r"\\\\[A-Za-z0-9][\w.$-]*\\[\w.$ -]+")
_USER_HOME = re.compile(r"~[A-Za-z_][\w.-]*/")
# Regex syntax that never appears in a real path (backslash classes only count in
# POSIX-style paths: `D:\data` is a Windows folder, not `\d`).
_REGEX_SYNTAX = re.compile(r"\(\?|\.\*|\.\+|\[\^|\||\^|\$$")
_REGEX_CLASS = re.compile(r"\\[dwsDWSbB]")
_TRIGGER_CACHE: dict[tuple[str, ...], re.Pattern[str]] = {}


def absolute_path_prefixes(context: FileContext) -> tuple[str, ...]:
    settings = context.settings
    base = DEFAULT_ABSOLUTE_PATH_PREFIXES if settings.absolute_path_prefixes is None else settings.absolute_path_prefixes
    return (*base, *settings.extend_absolute_path_prefixes)


def _source_trigger(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    """A quote followed by a path start, as it appears in source text (escaped
    backslashes included): a file without one holds no such literal."""
    pattern = _TRIGGER_CACHE.get(prefixes)
    if pattern is None:
        alternatives = [re.escape(prefix).replace(r"\\", r"\\\\?") for prefix in prefixes if prefix]
        alternatives += [r"[A-Za-z]:[\\/]", r"\\\\", r"~[A-Za-z_]"]
        pattern = re.compile(r"[\"'](?:file://)?(?:" + "|".join(alternatives) + ")")
        _TRIGGER_CACHE[prefixes] = pattern
    return pattern


def machine_specific_path(value: str, prefixes: Sequence[str]) -> bool:
    """Whether a string's text starts with a machine- or user-specific absolute path."""
    if value.startswith("file://"):
        value = value[len("file://") :]
        if len(value) > 3 and value[0] == "/" and value[2] == ":":
            value = value[1:]  # file:///C:/...
    if _REGEX_SYNTAX.search(value):
        return False
    if any(value.startswith(prefix) for prefix in prefixes):
        return "/" not in prefix_of(value, prefixes) or not _REGEX_CLASS.search(value)
    return bool(_DRIVE_PATH.match(value) or _UNC_PATH.match(value) or _USER_HOME.match(value))


def prefix_of(value: str, prefixes: Sequence[str]) -> str:
    return next(prefix for prefix in prefixes if value.startswith(prefix))


def _literal_text(prefix: str, text: str, quote: str) -> str | None:
    try:
        value = ast.literal_eval(f"{prefix}{quote}{text}{quote}")
    except (SyntaxError, ValueError):
        return None
    return value if isinstance(value, str) else None


class AbsolutePathLiteral(Rule):
    """A path such as ``/home/me/data/run3.npy`` or ``C:\\Users\\me\\Desktop`` exists on
    one computer only.  Anyone else — a colleague, a reviewer reproducing a figure,
    the same author on the cluster — gets ``FileNotFoundError`` and has to edit the
    code to run it, which is how results stop being reproducible.  Take the
    location from a command-line argument, a config file or an environment
    variable, or build it relative to the project (``Path(__file__).parent``,
    ``importlib.resources`` for files shipped with the package).

    The prefixes are configurable: ``absolute-path-prefixes`` replaces the list
    (default ``/home/``, ``/Users/``, ``/mnt/``, ``/media/``, ``/scratch/``, ``/data/``,
    ``/nfs/``, ``/gpfs/``, ``/lustre/``, ``/Volumes/``) and
    ``extend-absolute-path-prefixes`` adds to it; Windows drive paths, UNC shares
    and ``~user/`` paths are always recognised.  Docstrings, comments, URLs,
    regular expressions and system paths (``/tmp``, ``/dev/null``, ``/proc``,
    ``/etc``, ``/usr``) are not findings."""

    code = "PC202"
    name = "absolute-path-literal"
    summary = "A string literal holds a machine- or user-specific absolute path."
    MESSAGE = (
        "Machine-specific path `{path}`: take it from a CLI argument, a config value or an "
        "environment variable, or build it relative to the project (`importlib.resources`)"
    )
    trigger_words = ()

    VALID = [
        # A bare prefix is a pattern, not a path: `startswith` checks, lists of mount points.
        "USER_ROOTS = ('/home/', '/Users/')\ndef is_user_path(p):\n    return p.startswith('/home/')\n",
        'import numpy as np\n\ndef load(path):\n    """Load e.g. /home/me/data.npy (see /Users/me/notes)."""\n    return np.load(path)\n',
        "# data used to live in /home/me/research/data\nDATA = 'data/raw'\n",
        "NULL = '/dev/null'\nSCRATCH = '/tmp/run'\nLOAD = '/proc/loadavg'\nPROFILE = '/etc/profile'\nPY = '/usr/bin/python3'\n",
        "URL = 'https://example.org/home/data/file.csv'\nS3 = 's3://bucket/data/x'\nLOCAL = 'file:///tmp/x.csv'\n",
        "ROUTES = {'status': '/api/status', 'export': '/exports/{plate}.csv'}\n",
        "import re\nPERSONAL = re.compile(r'^(/home/|/Users/|[A-Za-z]:\\\\Users\\\\)[^/\\\\]+')\nHOME = re.compile(r'/home/\\w+/')\n",
        "import os\nCACHE = os.path.join(os.path.expanduser('~'), 'cache')\nMINE = '~/data'\n",
        "LATEX = r'\\\\begin{center}'\nROW_END = '\\\\\\\\'\nESCAPED = '\\\\n'\n",
        "SHEBANG = '#!/usr/bin/env python'\nRATIO = 'a:b'\n",
        # Reported by PC201 instead, not twice.
        "import sys\nsys.path.append('/home/me/research/functions')\n",
        Valid("PATH = '/srv/me/data/run.csv'\n"),
        Valid("PATH = '/home/me/data.csv'\n", config={"absolute-path-prefixes": ["/srv/"]}),
    ]
    INVALID = [
        "import numpy as np\nstakes = np.load('/Users/me/Desktop/data.npy')\n",
        "from pathlib import Path\n\nclass Writer:\n    default_dir = Path('/home/hsato/proteomics/peak_tables')\n",
        "def export(events, out='/home/rkowalski/gmt/swarm_events.xy'):\n    pass\n",
        Invalid("TILE_INDEX = r'D:\\gis\\sentinel2\\tile_index.gpkg'\nQGIS = 'C:/Users/jnavarro/QGIS/ndvi.qgz'\n", count=2),
        "ARCHIVE = r'\\\\geo-nas\\raster_archive\\sentinel2'\n",
        "DATA = 'D:\\\\data\\\\survey\\\\stations.csv'\n",
        "import getpass\nSCRATCH = f'/scratch/{getpass.getuser()}/md'\n",
        Invalid(
            "MOUNTS = ['/mnt/lab/raw', '/media/usb/raw', '/data/shared/raw', '/gpfs/proj/x', '/lustre/p/x', '/nfs/lab/x', '/Volumes/Lab/x']\n",
            count=7,
        ),
        Invalid("NOTES = '~hsato/notes/plan.txt'\nSOURCE = 'file:///home/me/data.csv'\n", count=2),
        "PATH = '/home/' 'me/data.csv'\n",
        Invalid("PATH = '/srv/me/data/run.csv'\n", config={"extend-absolute-path-prefixes": ["/srv/"]}),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.prefixes = absolute_path_prefixes(context)
        self.trigger = _source_trigger(self.prefixes)

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return bool(_source_trigger(absolute_path_prefixes(context)).search(context.source)) and super().applies_to(context)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if not self.trigger.match(node.value, len(node.prefix)) or self._is_piece():
            return
        value = string_value(node)
        # A string that is only a prefix ("/home/") names no machine's file: it is a
        # pattern to compare against (lists of prefixes, `startswith` checks).
        if value is not None and value not in self.prefixes:
            self._check(node, value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if not self._fstring_may_match(node) or self._is_piece():
            return
        head = _fstring_head(node)
        if head is not None:
            self._check(node, head)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        if self._is_piece():
            return
        first: cst.BaseExpression = node
        while isinstance(first, cst.ConcatenatedString):
            first = first.left
        if isinstance(first, cst.SimpleString):
            if not self.trigger.match(first.value, len(first.prefix)):
                return
            value = string_value(node)
            if value is None:  # an f-string further on: its literal start is enough
                value = string_value(first)
        elif isinstance(first, cst.FormattedString):
            if not self._fstring_may_match(first):
                return
            value = _fstring_head(first)
        else:
            return
        if value is not None:
            self._check(node, value)

    def _fstring_may_match(self, node: cst.FormattedString) -> bool:
        first = node.parts[0] if node.parts else None
        return isinstance(first, cst.FormattedStringText) and bool(self.trigger.match(node.start[-1] + first.value))

    def _is_piece(self) -> bool:
        """A part of an implicit concatenation (checked as a whole) or a docstring."""
        stack = self.context.stack
        parent = stack[-2] if len(stack) >= 2 else None
        return isinstance(parent, (cst.ConcatenatedString, cst.Expr))

    def _check(self, node: cst.CSTNode, value: str) -> None:
        if not machine_specific_path(value, self.prefixes) or self._in_regex_call() or self._in_path_hack():
            return
        shown = value if len(value) <= 60 else value[:57] + "..."
        self.report(node, self.MESSAGE.format(path=shown.replace("`", "'")))

    def _in_regex_call(self) -> bool:
        for ancestor in reversed(self.context.stack[:-1]):
            if isinstance(ancestor, cst.Call):
                qualified = self.context.names.qualify(ancestor.func) or ""
                return qualified.startswith("re.")
            if not isinstance(ancestor, (cst.Arg, cst.ConcatenatedString)):
                return False
        return False

    def _in_path_hack(self) -> bool:
        for ancestor in reversed(self.context.stack[:-1]):
            if isinstance(ancestor, (cst.BaseStatement, cst.FunctionDef, cst.Lambda)):
                return False
            if isinstance(ancestor, (cst.Call, cst.Assign, cst.AugAssign)) and path_change(ancestor, self.context):
                return True
        return False


def _fstring_head(node: cst.FormattedString) -> str | None:
    """The literal text an f-string starts with (up to its first placeholder)."""
    if not node.parts or not isinstance(node.parts[0], cst.FormattedStringText):
        return None
    prefix = node.prefix.lower().replace("f", "")
    quote = node.start[len(node.prefix) :]
    text = node.parts[0].value.replace("{{", "{").replace("}}", "}")
    return _literal_text(prefix, text, quote)


# ---------------------------------------------------------------------------
# PC203


FILE_LOADERS = {
    "importlib.util.spec_from_file_location": "importlib.util.spec_from_file_location",
    "importlib.machinery.SourceFileLoader": "importlib.machinery.SourceFileLoader",
    "imp.load_source": "imp.load_source",
    "runpy.run_path": "runpy.run_path",
}
_OPEN_CALLS = frozenset({"open", "io.open", "codecs.open", "builtins.open"})


class ImportByFilePath(Rule):
    """Loading a module from a file path (``spec_from_file_location``,
    ``SourceFileLoader``, ``imp.load_source``, ``runpy.run_path``,
    ``exec(open(path).read())``) bypasses the import system's names: the same file
    can be loaded twice as two different modules, the code only works when the file
    sits at that path relative to where the script runs, tools cannot see the
    dependency, and ``exec`` runs the file's code inside your namespace, where it can
    overwrite anything.  Make the code part of an installed package and import it by
    name; for plugins, use entry points."""

    code = "PC203"
    name = "import-by-file-path"
    summary = "A module is loaded by file path instead of imported by name."
    MESSAGE = (
        "`{what}` loads code by file path: put it in the installed package and import it by name "
        "(`importlib.import_module(\"lab.plugins.x\")`), or use entry points for plugins"
    )
    EXEC_MESSAGE = (
        "`exec` runs a file's code read by path: import it by name from the installed package, "
        "or keep settings as data (`tomllib.load`, `json.load`)"
    )
    trigger_words = ("spec_from_file_location", "SourceFileLoader", "load_source", "run_path", "exec")

    VALID = [
        "import importlib\nmodule = importlib.import_module('lab.extractors.mfcc')\n",
        "import runpy\nrunpy.run_module('lab.tool', run_name='__main__')\n",
        "import importlib.metadata\nplugins = [ep.load() for ep in importlib.metadata.entry_points(group='lab.plugins')]\n",
        "def hook(source, ctx):\n    exec(source, {'ctx': ctx})\n",
        "def formula(expr, **values):\n    return eval(compile(expr, '<formula>', 'eval'), {}, values)\n",
        "exec('from cupy.fft import *', {})\n",
        "import ast\nfrom pathlib import Path\nsettings = ast.literal_eval(Path('settings.txt').read_text())\n",
    ]
    INVALID = [
        "from importlib.util import module_from_spec, spec_from_file_location\n\ndef load(script):\n    spec = spec_from_file_location('extractor', script)\n    module = module_from_spec(spec)\n    spec.loader.exec_module(module)\n    return module\n",
        "import importlib.util\nspec = importlib.util.spec_from_file_location('cfg', 'config/settings.py')\n",
        "from importlib.machinery import SourceFileLoader\nloader = SourceFileLoader('legacy', 'legacy.py')\n",
        "import imp\nmodule = imp.load_source('station', 'stations/cx.py')\n",
        "import runpy\nresult = runpy.run_path(path_name='calibrate.py', run_name='calibration')\n",
        "def load(path):\n    scope = {}\n    exec(open(path, encoding='utf-8').read(), scope)\n    return scope\n",
        "exec(compile(open('setup_env.py').read(), 'setup_env.py', 'exec'))\n",
        "def load(path):\n    settings = {}\n    with open(path) as handle:\n        exec(handle.read(), settings)\n    return settings\n",
        "from pathlib import Path\nexec(Path('settings.py').read_text())\n",
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Name) and func.value == "exec":
            if node.args and self._reads_file(node.args[0].value):
                self.report(node, self.EXEC_MESSAGE)
            return
        if not isinstance(func, (cst.Name, cst.Attribute)):
            return
        last = func.attr.value if isinstance(func, cst.Attribute) else func.value
        if last not in ("spec_from_file_location", "SourceFileLoader", "load_source", "run_path"):
            return
        what = FILE_LOADERS.get(self.context.names.qualify(func) or "")
        if what is not None:
            self.report(node, self.MESSAGE.format(what=what))

    def _reads_file(self, node: cst.BaseExpression) -> bool:
        """``open(p).read()``, ``Path(p).read_text()``, ``handle.read()`` of a
        ``with open(p) as handle``, or ``compile(`` one of those ``, …)``."""
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Name) and node.func.value == "compile":
            return bool(node.args) and self._reads_file(node.args[0].value)
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            return False
        method, receiver = node.func.attr.value, node.func.value
        if method in ("read_text", "read_bytes"):
            return isinstance(receiver, cst.Call) and self.context.names.qualify(receiver.func) in ("pathlib.Path", "Path")
        if method != "read":
            return False
        if isinstance(receiver, cst.Call):
            return self.context.names.qualify(receiver.func) in _OPEN_CALLS
        if isinstance(receiver, cst.Name):
            return self._bound_by_with_open(receiver.value)
        return False

    def _bound_by_with_open(self, name: str) -> bool:
        for ancestor in reversed(self.context.stack):
            if isinstance(ancestor, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                return False
            if isinstance(ancestor, cst.With):
                for item in ancestor.items:
                    bound = item.asname.name if item.asname else None
                    if (
                        isinstance(bound, cst.Name)
                        and bound.value == name
                        and isinstance(item.item, cst.Call)
                        and self.context.names.qualify(item.item.func) in _OPEN_CALLS
                    ):
                        return True
        return False


# ---------------------------------------------------------------------------
# PC204


_SRC_IMPORT = re.compile(r"\b(?:import|from)\s+src\s*\.|\bfrom\s+src\s+import\b")


class SrcPrefixImport(Rule):
    """``src`` is the folder that holds the package, not part of its name: ``from
    src.lab import model`` works only when the script runs from the repository root
    with the checkout on the path, and never once the package is installed (the
    installed package is ``lab``, with no ``src``).  With a src layout and
    ``pip install -e .``, ``from lab import model`` works from everywhere, and tests
    import the same code users get."""

    code = "PC204"
    name = "src-prefix-import"
    summary = "An import goes through the `src` folder (`from src.pkg import ...`)."
    MESSAGE = "Import through the `src` folder: import the installed package as `{fixed}` (after `pip install -e .`)"
    fix_safety = FixSafety.SAFE
    fix_note = (
        "The `src.` prefix is dropped; with `import src.pkg`, the module's uses of `src.pkg` "
        "become `pkg` (no edit when `src` is used in any other way)."
    )
    trigger_words = ("src",)

    VALID = [
        "from lab.model import fit\nimport lab.plots as plots\n",
        "from cropyield.src_compat import LegacyRecord\nimport srcgen.templates\n",
        "from . import src\nfrom .src import helpers\n",
        "from astropy.cosmology._src import core\n",
        "import importlib\nmodule = importlib.import_module('lab.model')\n",
        "NOTE = 'imported via src.cropyield before v1.0'\n",
    ]
    INVALID = [
        Invalid("from src.hydro.models import BucketModel\n", expected="from hydro.models import BucketModel\n"),
        Invalid(
            "def load_schema(version):\n    from src.cropyield import schema as trial_schema\n    return trial_schema.for_version(version)\n",
            expected="def load_schema(version):\n    from cropyield import schema as trial_schema\n    return trial_schema.for_version(version)\n",
        ),
        Invalid("import src.cropyield.plots as trial_plots\n", expected="import cropyield.plots as trial_plots\n"),
        Invalid("from src import lab, tools as t\n", expected="import lab, tools as t\n"),
        Invalid(
            "import src.lab.model\n\nfit = src.lab.model.fit\nresult = src.lab.model.run(src.lab.config)\n",
            expected="import lab.model\n\nfit = lab.model.fit\nresult = lab.model.run(lab.config)\n",
        ),
        # `src` is used for something else too: reported without an edit.
        Invalid("import src.lab.model\n\ndef copy(src, dst):\n    dst.write(src.read())\n"),
        Invalid("from src import *\n"),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # `import src.x` without `as`: the name `src` is bound and used as `src.x…`.
        self.bare_imports: list[tuple[cst.ImportAlias, str]] = []
        self.src_attributes: list[cst.Attribute] = []
        self.other_src_uses = 0

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return super().applies_to(context) and bool(_SRC_IMPORT.search(context.source))

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted_name(alias.name) or ""
            if not name.startswith("src."):
                continue
            fixed = name[len("src.") :]
            if alias.asname is None:
                self.bare_imports.append((alias, fixed))
            else:
                fix = NodeFix("Drop the `src.` prefix", Applicability.SAFE, (Replace(alias.name, fixed),))
                self.report(alias, self.MESSAGE.format(fixed=f"import {fixed}"), fix)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if node.relative or node.module is None:
            return
        name = dotted_name(node.module) or ""
        if name.startswith("src."):
            fixed = name[len("src.") :]
            fix = NodeFix("Drop the `src.` prefix", Applicability.SAFE, (Replace(node.module, fixed),))
            self.report(node, self.MESSAGE.format(fixed=f"from {fixed} import ..."), fix)
        elif name == "src":
            if isinstance(node.names, cst.ImportStar):
                self.report(node, self.MESSAGE.format(fixed="import <the package>"))
                return
            module = cst.Module([])
            names = ", ".join(module.code_for_node(alias.with_changes(comma=cst.MaybeSentinel.DEFAULT)) for alias in node.names)
            fix = NodeFix("Drop the `src` prefix", Applicability.SAFE, (Replace(node, f"import {names}"),))
            self.report(node, self.MESSAGE.format(fixed=f"import {names}"), fix)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if isinstance(node.value, cst.Name) and node.value.value == "src" and not self._in_import():
            self.src_attributes.append(node)

    def visit_Name(self, node: cst.Name) -> None:
        if node.value != "src" or self._in_import():
            return
        parent = self.context.stack[-2] if len(self.context.stack) >= 2 else None
        if not (isinstance(parent, cst.Attribute) and parent.value is node):
            self.other_src_uses += 1

    def _in_import(self) -> bool:
        return any(isinstance(ancestor, (cst.Import, cst.ImportFrom)) for ancestor in self.context.stack)

    def finish(self) -> None:
        packages = {fixed.split(".")[0] for _, fixed in self.bare_imports}
        usable = self.other_src_uses == 0 and all(node.attr.value in packages for node in self.src_attributes)
        for alias, fixed in self.bare_imports:
            fix = None
            if usable:
                package = fixed.split(".")[0]
                uses = [Replace(node, package) for node in self.src_attributes if node.attr.value == package]
                fix = NodeFix(
                    "Drop the `src.` prefix from the import and its uses",
                    Applicability.SAFE,
                    (Replace(alias.name, fixed), *uses),
                )
            self.report(alias, self.MESSAGE.format(fixed=f"import {fixed}"), fix)


RULES = (SysPathHack, AbsolutePathLiteral, ImportByFilePath, SrcPrefixImport)
