"""Which imported thing a name or attribute chain refers to, without libcst's metadata.

Resolving ScopeProvider and QualifiedNameProvider for every file costs ten times the
parse, so the engine tracks imports itself: module-level imports are collected
before the traversal (statements only, never expressions), and imports inside
functions are added as the traversal meets them.
"""

from __future__ import annotations

from collections.abc import Iterable

import libcst as cst


# libcst's node classes are abstract-base-class subclasses: `isinstance` with them
# goes through ABCMeta (0.5 µs, and per class of a tuple); these helpers run for
# every statement and call, so they compare exact types (the parser builds no subclasses).
_NESTED_BLOCKS = frozenset({cst.If, cst.Try, cst.With, cst.For, cst.While})
_IMPORTS = frozenset({cst.Import, cst.ImportFrom})


def dotted_name(node: cst.BaseExpression) -> str | None:
    """``a.b.c`` for a chain of names and attributes, else ``None``."""
    parts: list[str] = []
    while type(node) is cst.Attribute:
        parts.append(node.attr.value)  # type: ignore[attr-defined]
        node = node.value  # type: ignore[attr-defined]
    if type(node) is not cst.Name:
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _module_name(node: cst.BaseExpression | None) -> str:
    if node is None:
        return ""
    return dotted_name(node) or ""


class ImportNames:
    """Local name → fully qualified name, for every import seen so far."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}

    def add_import(self, node: cst.Import | cst.ImportFrom) -> None:
        # Exact types, as above (every import of every file comes here).
        if type(node) is cst.Import:
            for alias in node.names:
                full = _module_name(alias.name)
                if alias.asname is not None and type(alias.asname.name) is cst.Name:
                    self.aliases[alias.asname.name.value] = full  # type: ignore[attr-defined]
                else:
                    # `import os.path` binds `os`.
                    head = full.split(".")[0]
                    self.aliases[head] = head
            return
        if node.relative or type(node.names) is cst.ImportStar:  # type: ignore[union-attr]
            return
        module = _module_name(node.module)  # type: ignore[union-attr]
        for alias in node.names:  # type: ignore[union-attr]
            name = _module_name(alias.name)
            local = name
            if alias.asname is not None and type(alias.asname.name) is cst.Name:
                local = alias.asname.name.value  # type: ignore[attr-defined]
            self.aliases[local] = f"{module}.{name}"

    def collect_module_level(self, module: cst.Module) -> None:
        for statement in module_level_statements(module.body):
            if type(statement) is cst.SimpleStatementLine:
                for small in statement.body:  # type: ignore[attr-defined]
                    if type(small) in _IMPORTS:
                        self.add_import(small)

    def qualify(self, node: cst.BaseExpression) -> str | None:
        """The dotted name with its first part resolved through the imports:
        ``np.zeros`` → ``numpy.zeros``.  Names that were not imported stay as they are."""
        dotted = dotted_name(node)
        if dotted is None:
            return None
        head, _, rest = dotted.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return dotted
        return f"{target}.{rest}" if rest else target

    def qualify_ending(self, node: cst.BaseExpression, last_names: frozenset[str]) -> str | None:
        """``qualify(node)`` when its last name is one of ``last_names``, else ``None``.
        For the questions asked of every call: an attribute's last name is checked
        before anything is qualified (qualifying keeps it)."""
        if type(node) is cst.Attribute:
            if node.attr.value not in last_names:  # type: ignore[attr-defined]
                return None
        elif type(node) is not cst.Name:
            return None
        qualified = self.qualify(node)
        return qualified if qualified is not None and qualified.rpartition(".")[2] in last_names else None

    def is_imported(self, local_name: str) -> bool:
        return local_name in self.aliases

    def local_names_for(self, qualified: str) -> list[str]:
        """The local names bound to a qualified name (``numpy`` → ``["np"]``)."""
        return [local for local, full in self.aliases.items() if full == qualified]


def module_level_statements(body: Iterable[cst.BaseStatement]) -> Iterable[cst.BaseStatement]:
    """Module-level statements, looking into if/try/with blocks but not into
    functions or classes (their bindings are not module-level)."""
    for statement in body:
        yield statement
        if type(statement) in _NESTED_BLOCKS:
            yield from module_level_statements(_blocks_of(statement))  # type: ignore[arg-type]


def _blocks_of(statement: cst.BaseCompoundStatement) -> list[cst.BaseStatement]:
    statements: list[cst.BaseStatement] = []
    body = statement.body
    if type(body) is cst.IndentedBlock:
        statements.extend(body.body)  # type: ignore[attr-defined]
    for attribute in ("orelse", "finalbody"):
        other = getattr(statement, attribute, None)
        while other is not None:
            if type(other.body) is cst.IndentedBlock:
                statements.extend(other.body.body)
            other = getattr(other, "orelse", None) if type(other) is cst.If else None
    for handler in getattr(statement, "handlers", ()):
        if type(handler.body) is cst.IndentedBlock:
            statements.extend(handler.body.body)
    return statements
