"""Jupyter notebooks as Python: the code cells joined into one module (cells share
one namespace, so an import in the first cell serves the fifth), IPython magics
and shell escapes stood in for by ``pass``, and fixes written back into the cells
without touching outputs or metadata."""

from __future__ import annotations

import ast
import json
import re
from typing import Any, NamedTuple

from policy_check.diagnostics import Diagnostic, Edit, Fix, Location
from policy_check.source import UnreadableSource

# Between cells in the joined module; a comment, so no rule sees it.
CELL_SEPARATOR = "# %% policy-check: next cell"
# A line IPython reads but Python does not: `%magic`, `!shell`, `x = !ls`, `obj?`.
_MAGIC_LINE = re.compile(r"^\s*(?:[\w.]+\s*=\s*)?[%!]|^\s*[\w.]+\?{1,2}\s*$|^\s*\?")
# The stand-in names the notebook's own token: a user's line that looks the same
# (with another token, or none) is the user's and is written back as it is.
_PLACEHOLDER = re.compile(r"^(\s*)pass  # policy-check: magic ([0-9a-f]+)-(\d+)$")
# `from __future__ import ...` in a later cell: valid there (IPython compiles cell by
# cell), not in the joined module; stood in for like a magic.
_FUTURE_IMPORT = re.compile(r"^from\s+__future__\s+import\b")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# The start of a notebook's JSON: whether a line break and what indentation come before
# its first key, and the separator after that key.
_FIRST_KEY = re.compile(r'\{(\r?\n)?([ \t]*)"(?:[^"\\]|\\.)*"(\s*:\s*)')


class JsonLayout(NamedTuple):
    """The indentation, separators, escaping and final newline of a notebook's JSON
    (nbformat's: ``indent=1``, ``ensure_ascii=False``, a final newline; keys sorted,
    and the order read is kept)."""

    indent: int | str | None = 1
    separators: tuple[str, str] = (",", ": ")
    ensure_ascii: bool = False
    line_break: str = "\n"
    final_newline: bool = True

    @classmethod
    def of(cls, text: str) -> JsonLayout:
        opening = _FIRST_KEY.match(text)
        if opening is None:
            return cls()
        line_break, indent, colon = opening.groups()
        escaped = text.isascii() and "\\u" in text  # written with ensure_ascii=True
        final_newline = text.endswith("\n")
        if not line_break:  # all on one line
            return cls(None, (",", colon) if colon == ":" else (", ", colon), escaped, "\n", final_newline)
        width: int | str = len(indent) if indent.strip(" ") == "" else indent
        return cls(width, (",", colon), escaped, line_break, final_newline)

    def dumps(self, notebook: dict[str, Any]) -> str:
        text = json.dumps(notebook, indent=self.indent, separators=self.separators, ensure_ascii=self.ensure_ascii)
        if self.line_break != "\n":
            text = text.replace("\n", self.line_break)  # only the layout's: strings hold `\\n`
        return text + self.line_break if self.final_newline else text


class NotebookModule:
    """The notebook's JSON and its code cells joined into one module."""

    def __init__(self, notebook: dict[str, Any], text: str, token: str = "", layout: JsonLayout | None = None) -> None:
        self.notebook = notebook
        self.text = text
        # For each joined cell: its index in the notebook and the joined row of its first line.
        self.cells: list[tuple[int, int]] = []
        self.magics: list[str] = []
        self.token = token
        # Code cells that are not Python (a pasted shell command, a path, prose): their
        # 1-based number, the row and column of the problem in the cell, and Python's message.
        self.not_python: list[tuple[int, int, int, str]] = []
        # How the file's JSON was laid out, kept when fixes are written back.
        self.layout = JsonLayout() if layout is None else layout


def _cell_source(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def read_notebook(text: str) -> NotebookModule:
    try:
        notebook = json.loads(text)
    except ValueError as error:
        raise UnreadableSource(f"not a valid notebook: {error}") from None
    if not isinstance(notebook, dict) or not isinstance(notebook.get("cells"), list):
        raise UnreadableSource("not a valid notebook: no list of cells")
    # A digest of the notebook itself: no line of it can hold its own digest.
    import hashlib  # OpenSSL's ~12M instructions: only runs that read a notebook

    module = NotebookModule(
        notebook, "", token=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16], layout=JsonLayout.of(text)
    )
    if not _python_kernel(notebook):
        return module  # an R or Julia notebook: no cell of it is Python (ruff skips these too)
    pieces: list[str] = []
    row = 1
    for index, cell in enumerate(notebook["cells"]):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = _cell_source(cell)
        if source.lstrip().startswith("%%"):
            continue  # a cell magic (%%bash, %%timeit …): not Python
        first_magic = len(module.magics)
        lines = _as_python(source, module, later_cell=bool(pieces))
        problem = _not_python(lines)
        if problem is not None:
            module.not_python.append((index + 1, *problem))
            del module.magics[first_magic:]  # the cell is not joined: its magics are not either
            continue
        if pieces:
            pieces.append(CELL_SEPARATOR)
            row += 1
        module.cells.append((index, row))
        pieces.extend(lines or [""])
        row += len(lines or [""])
    module.text = "\n".join(pieces) + "\n" if pieces else ""
    return module


def _as_python(source: str, module: NotebookModule, later_cell: bool) -> list[str]:
    """The cell's lines with magics (and a later cell's ``__future__`` import) stood in
    for by numbered ``pass`` placeholders, remembered in ``module.magics``."""
    lines = []
    for line in _python_lines(source):
        if _MAGIC_LINE.match(line) or (later_cell and _FUTURE_IMPORT.match(line)):
            indentation = line[: len(line) - len(line.lstrip())]
            lines.append(f"{indentation}pass  # policy-check: magic {module.token}-{len(module.magics)}")
            module.magics.append(line)
        else:
            lines.append(line)
    return lines


def _python_lines(source: str) -> list[str]:
    """The cell's lines as Python reads them: broken at ``\\n``, ``\\r\\n`` and ``\\r``
    only (``str.splitlines`` also breaks at a form feed, U+2028 and others, which
    Python keeps inside a line, in a string literal too)."""
    lines = _LINE_BREAK.split(source)
    if lines[-1] == "":
        lines.pop()  # the break that ends the last line
    return lines


def _python_kernel(notebook: dict[str, Any]) -> bool:
    """Whether the notebook's kernel runs Python (a notebook that does not say is taken to)."""
    metadata = notebook.get("metadata")
    if not isinstance(metadata, dict):
        return True
    for table, key in (("language_info", "name"), ("kernelspec", "language")):
        value = metadata.get(table, {}).get(key) if isinstance(metadata.get(table), dict) else None
        if isinstance(value, str) and value:
            return value.lower() == "python"
    return True


def _not_python(lines: list[str]) -> tuple[int, int, str] | None:
    """Where and why a cell's code (magics already stood in for) is not Python, or ``None``."""
    try:
        ast.parse("\n".join(lines) + "\n")
    except SyntaxError as error:
        return max(error.lineno or 1, 1), max(error.offset or 1, 1), error.msg
    except (ValueError, RecursionError, MemoryError) as error:
        return 1, 1, str(error) or type(error).__name__
    return None


def cell_of(module: NotebookModule, row: int) -> tuple[int, int]:
    """(1-based cell number in the notebook, row within that cell) for a joined row."""
    found = module.cells[0] if module.cells else (0, 1)
    for cell in module.cells:
        if cell[1] <= row:
            found = cell
    index, start = found
    return index + 1, row - start + 1


def to_cell_locations(module: NotebookModule, diagnostic: Diagnostic) -> Diagnostic:
    """The finding as users see it: the cell it is in and rows counted within it."""
    cell, start_row = cell_of(module, diagnostic.start.row)
    _, end_row = cell_of(module, diagnostic.end.row)
    diagnostic.extra["cell"] = cell
    offset = diagnostic.start.row - start_row
    diagnostic.start = Location(start_row, diagnostic.start.column)
    diagnostic.end = Location(max(end_row, 1), diagnostic.end.column)
    diagnostic.message = f"cell {cell}: {diagnostic.message}"
    if diagnostic.fix is not None:
        edits = tuple(
            Edit(edit.content, Location(edit.start.row - offset, edit.start.column), Location(edit.end.row - offset, edit.end.column))
            for edit in diagnostic.fix.edits
        )
        diagnostic.fix = Fix(diagnostic.fix.message, diagnostic.fix.applicability, edits)
    return diagnostic


def write_back(module: NotebookModule, fixed_text: str) -> str:
    """The notebook's JSON with the fixed code in its cells; everything else as it was
    (a cell no fix changed keeps its source as read; a changed one its line endings,
    final newline and form), laid out as the file was."""
    cell_texts = _cell_texts(fixed_text)
    if len(cell_texts) != len(module.cells):
        raise ValueError("the fixed code no longer has one part per cell")
    for (index, _), text, before in zip(module.cells, cell_texts, _cell_texts(module.text)):
        if text == before:
            continue
        lines = []
        for line in text.split("\n"):
            placeholder = _PLACEHOLDER.match(line)
            ours = placeholder is not None and placeholder.group(2) == module.token
            lines.append(module.magics[int(placeholder.group(3))] if ours and placeholder else line)
        cell = module.notebook["cells"][index]
        original = _cell_source(cell)
        newline = _LINE_BREAK.search(original)
        line_break = newline.group() if newline else "\n"
        source = line_break.join(lines) + (line_break if original.endswith(("\n", "\r")) else "")
        if source == original:
            continue
        cell["source"] = source.splitlines(keepends=True) if isinstance(cell.get("source"), list) else source
    return module.layout.dumps(module.notebook)


def _cell_texts(joined: str) -> list[str]:
    """The joined module's code, one text per cell (its last line break taken off)."""
    if not joined:
        return []
    return joined.removesuffix("\n").split("\n" + CELL_SEPARATOR + "\n")
