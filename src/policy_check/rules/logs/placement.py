"""Where inserted logging lines go, so that they look hand-written.

``import logging`` (and ``import sys``) join the standard-library import group at the
place isort (ruff's ``I001``) sorts them to; ``logger = logging.getLogger(__name__)``
follows the imports after one blank line, keeping the blank lines that separated the
imports from the code (PEP 8's two before a ``def``).  A top-level script gets its
logging configuration right after that; a module with a main block gets it as the
block's first statement.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NamedTuple

import libcst as cst

from policy_check.analysis.names import dotted_name
from policy_check.analysis.statements import is_docstring, is_import_statement
from policy_check.rules.base import InsertAfter, InsertBefore, NodeEdit

_STDLIB = frozenset(getattr(sys, "stdlib_module_names", ())) or frozenset(
    {"abc", "argparse", "collections", "copy", "csv", "datetime", "functools", "glob", "io", "itertools",
     "json", "logging", "math", "os", "pathlib", "pickle", "random", "re", "shutil", "string", "subprocess",
     "sys", "time", "typing", "warnings"}
)


class _Import(NamedTuple):
    statement: cst.SimpleStatementLine
    section: str  # "future", "stdlib" or "other"
    straight: bool  # `import x` rather than `from x import y`
    name: str


class ModuleHeader(NamedTuple):
    """The docstring and the leading imports of a module."""

    docstring: cst.BaseStatement | None
    imports: tuple[_Import, ...]
    # The last statement of the leading import block (an import line, or a
    # `try:`/`if` block of imports): the module logger goes after it.
    last_import: cst.BaseStatement | None
    first_statement: cst.BaseStatement | None

    @classmethod
    def of(cls, module: cst.Module) -> ModuleHeader:
        docstring = None
        imports: list[_Import] = []
        last_import = None
        for index, statement in enumerate(module.body):
            if index == 0 and is_docstring(statement):
                docstring = statement
            elif is_import_statement(statement):
                last_import = statement
                if isinstance(statement, cst.SimpleStatementLine):
                    imports.extend(_describe(statement))
            elif not _is_plain_assignment(statement):
                break
        return cls(docstring, tuple(imports), last_import, module.body[0] if module.body else None)


def _describe(statement: cst.SimpleStatementLine) -> list[_Import]:
    described = []
    for small in statement.body:
        if isinstance(small, cst.Import):
            name = dotted_name(small.names[0].name) or ""
            described.append(_Import(statement, _section(name), True, name))
        elif isinstance(small, cst.ImportFrom):
            name = dotted_name(small.module) if small.module is not None and not small.relative else ""
            section = "future" if name == "__future__" else _section(name or "")
            described.append(_Import(statement, section, False, name or ""))
    return described


def _section(name: str) -> str:
    return "stdlib" if name.split(".")[0] in _STDLIB else "other"


def _is_plain_assignment(statement: cst.BaseStatement) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(small, (cst.Assign, cst.AnnAssign, cst.Pass)) for small in statement.body
    )


def _import_anchor(header: ModuleHeader, module_name: str) -> tuple[str, cst.BaseStatement] | None:
    """Where ``import <module_name>`` goes: ("before"|"after", statement), or ``None``
    when the module has no imports to sort it among."""
    stdlib = [item for item in header.imports if item.section == "stdlib"]
    straight = [item for item in stdlib if item.straight]
    later = [item for item in straight if item.name.lower() > module_name]
    if later:
        return "before", later[0].statement
    if straight:
        return "after", straight[-1].statement
    if stdlib:
        return "before", stdlib[0].statement  # straight imports come before `from` imports
    future = [item for item in header.imports if item.section == "future"]
    if future:
        return "after-section", future[-1].statement
    if header.imports:
        return "before-section", header.imports[0].statement
    return None


def setup_edits(module: cst.Module, new_imports: Sequence[str], header_lines: Sequence[str]) -> list[NodeEdit]:
    """Edits adding ``import <name>`` for each of ``new_imports`` and ``header_lines``
    (the module logger, a script's configuration) after the imports."""
    header = ModuleHeader.of(module)
    grouped: dict[tuple[str, int], tuple[str, cst.BaseStatement, list[str]]] = {}
    loose: list[str] = []
    for name in sorted(new_imports):
        anchor = _import_anchor(header, name)
        if anchor is None:
            loose.append(f"import {name}")
            continue
        where, statement = anchor
        grouped.setdefault((where, id(statement)), (where, statement, []))[2].append(f"import {name}")
    edits: list[NodeEdit] = []
    block = list(header_lines)
    for where, statement, lines in grouped.values():
        if where == "after-section":
            lines = ["", *lines]
        elif where == "before-section":
            lines = [*lines, ""]
        if where.startswith("after") and statement is header.last_import and block:
            lines, block = [*lines, "", *block], []
        edits.append((InsertBefore if where.startswith("before") else InsertAfter)(statement, _text(lines)))
    edits.extend(_block_edits(header, loose, block))
    return edits


def _block_edits(header: ModuleHeader, imports: list[str], block: list[str]) -> list[NodeEdit]:
    if not imports and not block:
        return []
    lines = [*imports, *([""] if imports and block else []), *block]
    anchor = header.last_import or header.docstring
    if anchor is not None:
        return [InsertAfter(anchor, _text(["", *lines]))]
    first = header.first_statement
    if first is None:
        return []
    definition = isinstance(first, (cst.FunctionDef, cst.ClassDef))
    return [InsertBefore(first, _text([*lines, "", *([""] if definition else [])]))]


def _text(lines: Sequence[str]) -> str:
    """Lines as an edit's text (a trailing empty line survives ``splitlines``)."""
    return "\n".join(lines) + ("\n" if lines and lines[-1] == "" else "")
