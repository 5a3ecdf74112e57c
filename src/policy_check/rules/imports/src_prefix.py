"""PC204 — an import through the ``src`` folder."""

from __future__ import annotations

import re

import libcst as cst

from policy_check.analysis.names import dotted_name
from policy_check.diagnostics import Applicability
from policy_check.rules.base import FileContext, FixSafety, Invalid, NodeFix, Replace, Rule

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
