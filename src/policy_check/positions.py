"""Where nodes are in the text, computed only for files that have findings.

libcst's PositionProvider builds a line/column object for every node and costs
about 1.6x the parse itself; this records plain character offsets during one code
generation pass (about a quarter of the parse) and converts to rows and columns
only for the nodes that are reported.  It gives exactly PositionProvider's ranges.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from contextlib import contextmanager

import libcst as cst
from libcst._nodes.internal import CodegenState

from policy_check.diagnostics import Location

_NEWLINE = re.compile(r"\r\n|\r|\n")


class _OffsetRecordingState(CodegenState):
    """A code generation state that records each node's (start, end) offsets."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.offset = 0
        self.spans: dict[cst.CSTNode, tuple[int, int]] = {}
        self._starts: list[int] = []

    def add_indent_tokens(self) -> None:
        for token in self.indent_tokens:
            self.offset += len(token)
        self.tokens.extend(self.indent_tokens)

    def add_token(self, value: str) -> None:
        self.offset += len(value)
        self.tokens.append(value)

    def pop_trailing_newline(self) -> None:
        if self.tokens:
            self.offset -= len(self.tokens[-1])
        super().pop_trailing_newline()

    def before_codegen(self, node: cst.CSTNode) -> None:
        self._starts.append(self.offset)

    def after_codegen(self, node: cst.CSTNode) -> None:
        start = self._starts.pop()
        # The syntactic range (without surrounding whitespace) wins where a node has one.
        self.spans.setdefault(node, (start, self.offset))

    @contextmanager
    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> Iterator[None]:
        start = self.offset
        yield
        end = self.offset
        if start_node is not None:
            start = self.spans[start_node][0]
        if end_node is not None:
            end = self.spans[end_node][1]
        self.spans[node] = (start, end)


class SourcePositions:
    """Offsets of every node of one module, and row/column conversion for its text."""

    def __init__(self, module: cst.Module, text: str) -> None:
        state = _OffsetRecordingState(module)
        module._codegen(state)
        self.spans = state.spans
        self.text = text
        self.line_starts = [0] + [match.end() for match in _NEWLINE.finditer(text)]

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        return self.spans[node]

    def location(self, offset: int) -> Location:
        row = bisect.bisect_right(self.line_starts, offset) - 1
        return Location(row + 1, offset - self.line_starts[row] + 1)


    def line_start(self, offset: int) -> int:
        return self.line_starts[bisect.bisect_right(self.line_starts, offset) - 1]

    def next_line_start(self, offset: int) -> int:
        index = bisect.bisect_right(self.line_starts, offset)
        return self.line_starts[index] if index < len(self.line_starts) else len(self.text)



def line_starts_of(text: str) -> list[int]:
    return [0] + [match.end() for match in _NEWLINE.finditer(text)]
