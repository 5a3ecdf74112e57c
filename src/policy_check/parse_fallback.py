"""Reading valid Python that libcst's parser rejects.

CPython accepts a few things libcst's grammar does not: a block indented with a tab
where its parent used spaces (Python compares indentation with tabs worth 8 columns
and worth 1; libcst wants one indentation to start with the other), a parenthesised
annotation target (``(x): int = 1``), a backslash continuation right before the
CRLF that ends the file, and thousands of implicitly concatenated strings.

Each of these is rewritten here *character for character* (a tab becomes one space,
a parenthesis a space, a statement libcst still cannot read becomes ``pass`` padded
with spaces), so every line and column of the rewritten text is the line and column
of the original: findings land where they belong.  Python's own parse of the
original (``ast``) says where the statements are.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Iterator
from typing import NamedTuple

import libcst as cst

_NEWLINE = re.compile(r"\r\n|\r|\n")
# libcst reads a statement of this many characters or more slowly enough that
# trying each one separately must stop somewhere: past it the statement is skipped whole.
_MAX_ATTEMPTS = 200


class Readable(NamedTuple):
    """A text libcst can parse, with the same positions as the original."""

    text: str
    module: cst.Module
    # What was rewritten, for the message ("tab indentation", …).
    rewrites: list[str]
    # Line ranges (1-based, inclusive) whose statements no rule saw.
    skipped: list[tuple[int, int]]


class _Offsets:
    """Character offsets of ``ast`` positions (line, UTF-8 byte column)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts = [0] + [match.end() for match in _NEWLINE.finditer(text)]

    def line(self, lineno: int) -> str:
        start = self.starts[lineno - 1]
        end = self.starts[lineno] if lineno < len(self.starts) else len(self.text)
        return self.text[start:end]

    def offset(self, lineno: int, byte_column: int) -> int:
        prefix = self.line(lineno).encode("utf-8")[:byte_column].decode("utf-8", errors="ignore")
        return self.starts[lineno - 1] + len(prefix)


def readable(text: str, tree: ast.Module) -> Readable | None:
    """The text rewritten until libcst parses it, or ``None`` when nothing helps."""
    chars = list(text)
    rewrites: list[str] = []
    offsets = _Offsets(text)
    if _tabs_to_spaces(text, chars):
        rewrites.append("tabs in indentation read as spaces")
    if _unparenthesise_annotation_targets(tree, offsets, chars):
        rewrites.append("parenthesised annotation targets read without parentheses")
    if _drop_final_continuation(chars):
        rewrites.append("the backslash before the final line break dropped")
    candidate = "".join(chars)
    module = _try_parse(candidate)
    if module is not None:
        return Readable(candidate, module, rewrites, [])
    skipped: list[tuple[int, int]] = []
    _blank_unreadable(tree.body, _Offsets(candidate), chars, skipped, [0])
    candidate = "".join(chars)
    module = _try_parse(candidate)
    if module is None:
        return None
    if skipped:
        rewrites.append("statements libcst cannot read skipped")
    return Readable(candidate, module, rewrites, skipped)


def _try_parse(text: str) -> cst.Module | None:
    try:
        return cst.parse_module(text)
    except (cst.ParserSyntaxError, RecursionError, ValueError):
        return None


# ---------------------------------------------------------------------------
# Rewrites that keep every character's position


def _logical_line_starts(text: str) -> Iterator[int]:
    """Line numbers (1-based) where a token starts a line: the lines whose leading
    whitespace is indentation (not the inside of a string)."""
    previous_end = 0
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            row, _ = token.start
            if row > previous_end and token.type not in (tokenize.DEDENT, tokenize.ENDMARKER):
                yield row
            previous_end = max(previous_end, token.end[0])
    except (tokenize.TokenError, SyntaxError):
        return


def _tabs_to_spaces(text: str, chars: list[str]) -> bool:
    """A tab in indentation becomes one space.  CPython accepts mixed indentation only
    when comparing it with tabs worth 1 column gives the same blocks as with tabs
    worth 8 (else ``TabError``), so one space per tab keeps every block."""
    if "\t" not in text:
        return False
    offsets = _Offsets(text)
    changed = False
    for row in set(_logical_line_starts(text)):
        start = offsets.starts[row - 1]
        index = start
        while index < len(text) and text[index] in " \t\f":
            if text[index] == "\t":
                chars[index] = " "
                changed = True
            index += 1
    return changed


def _unparenthesise_annotation_targets(tree: ast.Module, offsets: _Offsets, chars: list[str]) -> bool:
    """``(x): int = 1`` becomes ``x  : int = 1``: the target moves left onto the opening
    parenthesis (only its own columns change), the parentheses become spaces."""
    changed = False
    for node in ast.walk(tree):
        if not isinstance(node, ast.AnnAssign) or node.simple:
            continue
        target = node.target
        start = offsets.offset(node.lineno, node.col_offset)
        inner = offsets.offset(target.lineno, target.col_offset)
        target_end = offsets.offset(target.end_lineno or target.lineno, target.end_col_offset or 0)
        annotation = offsets.offset(node.annotation.lineno, node.annotation.col_offset)
        colon = offsets.text.rfind(":", target_end, annotation)
        between = offsets.text[start:inner] + offsets.text[target_end:colon]
        if start >= inner or colon < 0 or set(between) - set("() \t"):
            continue
        target_text = offsets.text[inner:target_end]
        if "\n" in target_text or "\r" in target_text:
            continue
        chars[start:colon] = list(target_text + " " * (colon - start - len(target_text)))
        changed = True
    return changed


def _drop_final_continuation(chars: list[str]) -> bool:
    """``x = 1 \\`` + CRLF at the very end: CPython ends the statement there, libcst
    waits for the continued line."""
    end = len(chars)
    while end and chars[end - 1] in " \t\f\r\n":
        end -= 1
    if end and chars[end - 1] == "\\" and "".join(chars[end:]).startswith("\r\n"):
        chars[end - 1] = " "
        return True
    return False


# ---------------------------------------------------------------------------
# Statements libcst still cannot read


def _statement_start(node: ast.stmt) -> tuple[int, int]:
    decorators = getattr(node, "decorator_list", [])
    if decorators:
        first = min(decorators, key=lambda d: (d.lineno, d.col_offset))
        return first.lineno, max(first.col_offset - 1, 0)  # the `@`
    return node.lineno, node.col_offset


def _lines_of(node: ast.stmt, offsets: _Offsets) -> str:
    start_row, _ = _statement_start(node)
    end_row = node.end_lineno or node.lineno
    return "".join(offsets.line(row) for row in range(start_row, end_row + 1))


def _parses_alone(node: ast.stmt, offsets: _Offsets) -> bool:
    """Whether libcst reads the statement's lines on their own (dedented to the left)."""
    lines = _lines_of(node, offsets)
    _, column = _statement_start(node)
    indent = offsets.line(_statement_start(node)[0])[:column] if column else ""
    if indent and not all(not line.strip() or line.startswith(indent) for line in lines.splitlines()):
        return True  # a continuation outdented past the statement: leave it to the whole parse
    body = "".join(line[len(indent) :] if line.startswith(indent) else line for line in lines.splitlines(keepends=True))
    if not body.endswith(("\n", "\r")):
        body += "\n"
    return _try_parse(body) is not None


def _blank_unreadable(
    body: list[ast.stmt], offsets: _Offsets, chars: list[str], skipped: list[tuple[int, int]], attempts: list[int]
) -> None:
    """Replace each statement libcst cannot read by ``pass`` (its inner statements
    first, when the compound statement's own lines are fine)."""
    for node in body:
        if attempts[0] >= _MAX_ATTEMPTS:
            _blank(node, offsets, chars, skipped)
            continue
        attempts[0] += 1
        if _parses_alone(node, offsets):
            continue
        inner = [child for field_name in ("body", "orelse", "finalbody") for child in getattr(node, field_name, []) or []]
        inner += [child for handler in getattr(node, "handlers", []) for child in handler.body]
        inner += [child for case in getattr(node, "cases", []) for child in case.body]
        if inner and _header_readable(node, inner, offsets, chars, skipped, attempts):
            continue
        _blank(node, offsets, chars, skipped)


def _header_readable(
    node: ast.stmt,
    inner: list[ast.stmt],
    offsets: _Offsets,
    chars: list[str],
    skipped: list[tuple[int, int]],
    attempts: list[int],
) -> bool:
    """Blank the unreadable inner statements; whether the statement then reads."""
    trial = list(chars)
    trial_skipped: list[tuple[int, int]] = []
    _blank_unreadable(inner, offsets, trial, trial_skipped, attempts)
    if not trial_skipped:
        return False
    rewritten = _Offsets("".join(trial))
    if not _parses_alone(node, rewritten):
        return False
    chars[:] = trial
    skipped.extend(trial_skipped)
    return True


def _blank(node: ast.stmt, offsets: _Offsets, chars: list[str], skipped: list[tuple[int, int]]) -> None:
    """The statement becomes ``pass`` followed by spaces; its line breaks stay."""
    start_row, start_column = _statement_start(node)
    start = offsets.offset(start_row, start_column)
    end = offsets.offset(node.end_lineno or node.lineno, node.end_col_offset or 0)
    replacement = "pass"
    written = 0
    for index in range(start, end):
        if chars[index] in "\r\n":
            continue
        chars[index] = replacement[written] if written < len(replacement) else " "
        written += 1
    skipped.append((start_row, node.end_lineno or node.lineno))
