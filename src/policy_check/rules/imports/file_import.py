"""PC203 — a module loaded by file path."""

from __future__ import annotations

import libcst as cst

from policy_check.rules.base import Rule

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
