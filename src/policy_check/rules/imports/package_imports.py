"""The package-qualified form of imports a ``sys.path`` hack served (PC201's fix)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import NamedTuple
from pathlib import Path

import libcst as cst

from policy_check.analysis.names import dotted_name
from policy_check.rules.base import FileContext, NodeEdit, Replace
from policy_check.rules.imports.static_paths import StaticPaths


class _Rewrite(NamedTuple):
    # One rewritten import, as the message shows it.
    example: str
    edits: list[NodeEdit]


class ImportResolver:
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
    names = _imported_names(node)
    if names is None:
        return None
    if all(asname is not None for _, asname in names):
        # `import utils.io as uio` binds the module itself: qualify it in place.
        return "import " + ", ".join(f"{package}.{name} as {asname}" for name, asname in names)
    if any("." in name for name, _ in names):
        # `import utils.sub` binds `utils` and loads `sub`: no single import keeps both.
        return None
    return f"from {package} import " + ", ".join(name + (f" as {asname}" if asname else "") for name, asname in names)


def _imported_names(node: cst.Import) -> list[tuple[str, str | None]] | None:
    """(dotted name, alias) of each name ``import`` binds; None for an unreadable one."""
    names: list[tuple[str, str | None]] = []
    for alias in node.names:
        name = dotted_name(alias.name)
        asname = alias.asname.name.value if alias.asname and isinstance(alias.asname.name, cst.Name) else None  # type: ignore[union-attr]
        if name is None:
            return None
        names.append((name, asname))
    return names
