"""Where nodes are in the text, computed only for the nodes that findings need.

libcst's PositionProvider builds a line/column object for every node and costs
about 1.6x the parse; generating the whole module's code once and recording
character offsets costs about a third of the parse, and on research code, where
nearly every file has findings, every file paid it.  Here a node is placed by
generating the code of the innermost statement that holds it, anchored at the line
where CPython's ``ast`` puts that statement: a finding in one function costs that
statement's code generation, not the module's.  Every anchored generation is
compared with the text; if it does not match (or the node cannot be anchored), the
whole module is generated once, as before.  The ranges are exactly
PositionProvider's either way.
"""

from __future__ import annotations

import ast
import bisect
import itertools
import re
from collections import deque
from collections.abc import Mapping, Sequence

import libcst as cst
from libcst._nodes.internal import CodegenState

from policy_check.diagnostics import Location
from policy_check.syntax_tree import child_nodes

_NEWLINE = re.compile(r"\r\n|\r|\n")

Span = tuple[int, int]

# libcst statement types and the CPython statements they parse to.
_AST_TYPES: dict[type, tuple[type, ...]] = {
    cst.FunctionDef: (ast.FunctionDef, ast.AsyncFunctionDef),
    cst.ClassDef: (ast.ClassDef,),
    cst.If: (ast.If,),
    cst.For: (ast.For, ast.AsyncFor),
    cst.While: (ast.While,),
    cst.With: (ast.With, ast.AsyncWith),
    cst.Try: (ast.Try,),
}
if hasattr(ast, "TryStar"):  # Python 3.11+
    _AST_TYPES[cst.TryStar] = (ast.TryStar,)
if hasattr(ast, "Match"):
    _AST_TYPES[cst.Match] = (ast.Match,)


class _OffsetRecordingState(CodegenState):
    """A code generation state that records each node's offsets: its syntactic range
    (what positions report) and its whole generated text (what a snippet shows)."""

    def __init__(self, default_indent: str, default_newline: str, indent_tokens: Sequence[str] = ()) -> None:
        super().__init__(default_indent=default_indent, default_newline=default_newline)
        self.indent_tokens.extend(indent_tokens)
        self.offset = 0
        self.spans: dict[cst.CSTNode, Span] = {}
        self.extents: dict[cst.CSTNode, Span] = {}
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
        self.extents[node] = (start, self.offset)
        # The syntactic range (without surrounding whitespace) wins where a node has one.
        self.spans.setdefault(node, (start, self.offset))

    def record_syntactic_position(
        self,
        node: cst.CSTNode,
        *,
        start_node: cst.CSTNode | None = None,
        end_node: cst.CSTNode | None = None,
    ) -> _SyntacticRange:
        return _SyntacticRange(self, node, start_node, end_node)


class _SyntacticRange:
    """Records a node's syntactic range around its code generation: a plain context
    manager, not a generator one (libcst enters one per expression and statement, and a
    generator's costs about twice as much)."""

    __slots__ = ("state", "node", "start_node", "end_node", "start")

    def __init__(self, state: _OffsetRecordingState, node: cst.CSTNode, start_node: cst.CSTNode | None, end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node

    def __enter__(self) -> None:
        self.start = self.state.offset

    def __exit__(self, error_type: type[BaseException] | None, error: BaseException | None, traceback: object) -> None:
        if error_type is not None:
            return  # the generation failed: nothing to record
        state = self.state
        start, end = self.start, state.offset
        if self.start_node is not None:
            start = state.spans[self.start_node][0]
        if self.end_node is not None:
            end = state.spans[self.end_node][1]
        state.spans[self.node] = (start, end)


class SourcePositions:
    """Offsets of the nodes findings need, and row/column conversion for the text.

    ``hints`` maps a node to the ancestors the traversal had when a rule reported it
    (``Report.ancestors``): the way to the node, without searching the tree."""

    def __init__(
        self,
        module: cst.Module,
        text: str,
        python_ast: ast.Module | None = None,
        hints: Mapping[cst.CSTNode, Sequence[cst.CSTNode]] | None = None,
    ) -> None:
        self.module = module
        self.text = text
        self.python_ast = python_ast
        self.hints = dict(hints or {})
        self.line_starts = line_starts_of(text)
        self.spans: dict[cst.CSTNode, Span] = {}
        self.extents: dict[cst.CSTNode, Span] = {}
        self.whole_module_generated = False
        self._parents: dict[cst.CSTNode, cst.CSTNode] | None = None
        self._block_starts: dict[int, dict[int, int] | None] = {}

    # -- queries ------------------------------------------------------------

    def span(self, node: cst.CSTNode) -> Span:
        """The node's syntactic range as offsets (KeyError for a node not in the module)."""
        if node not in self.spans:
            self._place(node)
        return self.spans[node]

    def find(self, node: cst.CSTNode) -> Span | None:
        try:
            return self.span(node)
        except KeyError:
            return None

    def code(self, node: cst.CSTNode) -> str:
        """The node's generated code (with its leading lines), as ``Module.code_for_node``
        gives it up to indentation."""
        if node not in self.extents:
            self._place(node)
        start, end = self.extents[node]
        return self.text[start:end]

    def location(self, offset: int) -> Location:
        row = bisect.bisect_right(self.line_starts, offset) - 1
        return Location(row + 1, offset - self.line_starts[row] + 1)

    def line_start(self, offset: int) -> int:
        return self.line_starts[bisect.bisect_right(self.line_starts, offset) - 1]

    def next_line_start(self, offset: int) -> int:
        index = bisect.bisect_right(self.line_starts, offset)
        return self.line_starts[index] if index < len(self.line_starts) else len(self.text)

    # -- placing a node -------------------------------------------------------

    def _place(self, node: cst.CSTNode) -> None:
        if self.whole_module_generated:
            return
        path = self._path_to(node)
        anchor = self._anchor(path) if path is not None and self.python_ast is not None else None
        if anchor is None or not self._generate_statement(*anchor):
            self._generate_module()

    def _generate_module(self) -> None:
        state = _OffsetRecordingState(self.module.default_indent, self.module.default_newline)
        self.module._codegen(state)
        self.spans, self.extents = state.spans, state.extents
        self.whole_module_generated = True

    def _generate_statement(self, statement: cst.BaseStatement, first_row: int, indents: Sequence[str]) -> bool:
        """Generate one statement's code, check it against the text at its anchor and
        record its nodes' offsets; False when the text differs there."""
        if not 1 <= first_row <= len(self.line_starts):
            return False
        state = _OffsetRecordingState(self.module.default_indent, self.module.default_newline, indents)
        statement._codegen(state)
        code = "".join(state.tokens)
        base = self.line_starts[first_row - 1]
        if not self.text.startswith(code, base):
            # The module's last newline is dropped when the file has none.
            newline = state.tokens[-1] if state.tokens else ""
            at_end = base + len(code) - len(newline) == len(self.text)
            if not (at_end and newline and self.text.startswith(code[: len(code) - len(newline)], base)):
                return False
        for node, (start, end) in state.spans.items():
            self.spans[node] = (base + start, base + end)
        for node, (start, end) in state.extents.items():
            self.extents[node] = (base + start, base + end)
        return True

    # -- the way to a node ----------------------------------------------------

    def _path_to(self, node: cst.CSTNode) -> list[cst.CSTNode] | None:
        """The node's ancestors from the module down, the node itself last."""
        if node is self.module:
            return [node]
        for statement in self.module.body:
            if statement is node:
                return [self.module, node]
        hint = self.hints.get(node)
        if hint and hint[0] is self.module:
            for index, ancestor in enumerate(hint):
                if ancestor is node:
                    return list(hint[: index + 1])
            # Below the reported node, then below each ancestor in turn, nearest first
            # (a fix's edit is usually close to its finding: the statement before it).
            searched: cst.CSTNode | None = None
            for index in range(len(hint) - 1, -1, -1):
                below = _search(hint[index], node, searched)
                if below is not None:
                    return [*hint[:index], *below]
                searched = hint[index]
            return None  # not in the module
        return self._path_from_parents(node)

    def _path_from_parents(self, node: cst.CSTNode) -> list[cst.CSTNode] | None:
        if self._parents is None:
            self._parents = _parent_map(self.module)
        if node not in self._parents:
            return None
        path = [node]
        while path[-1] is not self.module:
            path.append(self._parents[path[-1]])
        path.reverse()
        return path

    # -- anchoring a statement at a line ---------------------------------------

    def _anchor(self, path: Sequence[cst.CSTNode]) -> tuple[cst.BaseStatement, int, list[str]] | None:
        """The innermost statement on ``path`` that can be placed from CPython's tree:
        the statement, its first row (leading lines included) and the indentation of
        the blocks around it."""
        assert self.python_ast is not None
        anchor: tuple[cst.BaseStatement, int, list[str]] | None = None
        body: Sequence[cst.BaseStatement] = self.module.body
        python_body: Sequence[ast.stmt] = self.python_ast.body
        indents: list[str] = []
        index = 1
        while index < len(path):
            statement = path[index]
            python_statement = self._python_statement(statement, body, python_body)
            if python_statement is None:
                break
            anchor = (statement, _first_row(statement, python_statement), list(indents))  # type: ignore[arg-type]
            below = _block_below(path, index, python_statement)
            if below is None:
                break
            index, block, python_body = below
            indents.append(self.module.default_indent if block.indent is None else block.indent)
            body = block.body
            index += 1
        return anchor

    def _python_statement(
        self, statement: cst.CSTNode, body: Sequence[cst.BaseStatement], python_body: Sequence[ast.stmt]
    ) -> ast.stmt | None:
        starts = self._block_starts.get(id(body), ...)
        if starts is ...:
            starts = _statement_starts(body, python_body)
            self._block_starts[id(body)] = starts
        if starts is None or id(statement) not in starts:
            return None
        python_statement = python_body[starts[id(statement)]]
        if isinstance(statement, cst.SimpleStatementLine):
            return python_statement
        expected = _AST_TYPES.get(type(statement))
        return python_statement if expected and isinstance(python_statement, expected) else None


def _statement_starts(body: Sequence[cst.BaseStatement], python_body: Sequence[ast.stmt]) -> dict[int, int] | None:
    """Where each libcst statement of a block starts among CPython's statements (a line
    ``a = 1; b = 2`` is one libcst statement and two of CPython's); None when the
    counts disagree."""
    starts: dict[int, int] = {}
    position = 0
    for statement in body:
        starts[id(statement)] = position
        position += len(statement.body) if isinstance(statement, cst.SimpleStatementLine) else 1
    return starts if position == len(python_body) else None


def _first_row(statement: cst.BaseStatement, python_statement: ast.stmt) -> int:
    """The row where the statement's generated code starts: its first token's row,
    less its leading blank and comment lines (and its first decorator's)."""
    row = python_statement.lineno
    leading = len(statement.leading_lines)
    decorators = getattr(statement, "decorators", ())
    python_decorators = getattr(python_statement, "decorator_list", ())
    if decorators and python_decorators:
        row = python_decorators[0].lineno
        leading += len(decorators[0].leading_lines)
    return row - leading


def _block_below(
    path: Sequence[cst.CSTNode], index: int, python_statement: ast.stmt
) -> tuple[int, cst.IndentedBlock, Sequence[ast.stmt]] | None:
    """The indented block the path enters below the compound statement at ``index``:
    its place on the path and CPython's statements for it."""
    owner: cst.CSTNode = path[index]
    python_owner: ast.AST | None = python_statement
    for place in range(index + 1, len(path)):
        child = path[place]
        if isinstance(child, cst.IndentedBlock):
            body = getattr(python_owner, "body", None)
            enters = child is getattr(owner, "body", None) and isinstance(body, list)
            return (place, child, body) if enters else None  # type: ignore[return-value]
        if isinstance(child, (cst.Else, cst.Finally)):
            return _clause_block(path, place, owner, python_owner)
        python_owner = _python_clause(owner, python_owner, child)
        if python_owner is None:
            return None
        owner = child
    return None


def _python_clause(owner: cst.CSTNode, python_owner: ast.AST | None, child: cst.CSTNode) -> ast.AST | None:
    """CPython's node for an ``elif``, ``except`` or ``case`` clause on the way down."""
    if isinstance(child, cst.If):
        orelse = getattr(python_owner, "orelse", [])
        is_elif = child is getattr(owner, "orelse", None) and len(orelse) == 1 and isinstance(orelse[0], ast.If)
        return orelse[0] if is_elif else None
    if isinstance(child, (cst.ExceptHandler, cst.ExceptStarHandler)):
        return _nth(getattr(owner, "handlers", ()), getattr(python_owner, "handlers", ()), child)
    if isinstance(child, cst.MatchCase):
        return _nth(getattr(owner, "cases", ()), getattr(python_owner, "cases", ()), child)
    return None


def _clause_block(
    path: Sequence[cst.CSTNode], index: int, owner: cst.CSTNode, python_owner: ast.AST | None
) -> tuple[int, cst.IndentedBlock, Sequence[ast.stmt]] | None:
    """An ``else:`` or ``finally:`` clause's block: CPython keeps its statements as a list."""
    clause = path[index]
    field = "orelse" if isinstance(clause, cst.Else) else "finalbody"
    block = path[index + 1] if index + 1 < len(path) else None
    python_body = getattr(python_owner, field, None)
    body = getattr(clause, "body", None)
    if clause is getattr(owner, field, None) and block is body and isinstance(python_body, list):
        return index + 1, body, python_body  # type: ignore[return-value]
    return None


def _nth(nodes: Sequence[cst.CSTNode], python_nodes: Sequence[ast.AST], node: cst.CSTNode) -> ast.AST | None:
    if len(nodes) != len(python_nodes):
        return None
    for candidate, python_node in zip(nodes, python_nodes):
        if candidate is node:
            return python_node
    return None


def _search(root: cst.CSTNode, target: cst.CSTNode, searched: cst.CSTNode | None = None) -> list[cst.CSTNode] | None:
    """The way from ``root`` down to ``target`` (both included), or None; breadth
    first (a statement is found before the expressions of its neighbours), not below
    ``searched`` (already searched)."""
    parents: dict[cst.CSTNode, cst.CSTNode | None] = {root: None}
    pending = deque([root])
    while pending:
        node = pending.popleft()
        if node is target:
            path = [node]
            while (parent := parents[path[-1]]) is not None:
                path.append(parent)
            path.reverse()
            return path
        for child in child_nodes(node):
            if child is not searched:
                parents[child] = node
                pending.append(child)
    return None


def _parent_map(module: cst.Module) -> dict[cst.CSTNode, cst.CSTNode]:
    parents: dict[cst.CSTNode, cst.CSTNode] = {}
    pending: list[cst.CSTNode] = [module]
    while pending:
        node = pending.pop()
        for child in child_nodes(node):
            parents[child] = node
            pending.append(child)
    return parents


def line_starts_of(text: str) -> list[int]:
    """The offset where each line starts (after ``\\n``, ``\\r\\n`` or ``\\r``)."""
    if "\r" in text:
        return [0] + [match.end() for match in _NEWLINE.finditer(text)]
    # Only `\n`: the lines' lengths summed, a third of the time of a match per line.
    starts = [0]
    starts += itertools.accumulate(len(line) + 1 for line in text.split("\n")[:-1])
    return starts
