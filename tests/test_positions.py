"""Positions of findings: exactly libcst's PositionProvider ranges, computed from the
statement that holds the node rather than from the whole module's code."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from policy_check.positions import SourcePositions, line_starts_of
from policy_check.syntax_tree import child_nodes

# Every kind of block the anchoring descends into, decorators, comments and blank
# lines before statements, `;`-separated statements, one-line suites, tabs.
SHAPES = '''\
"""Module docstring."""
import os  # a comment

# a comment line before a decorated function


@decorator(1)

@other
def outer(a, b=2, *args, **kwargs):
    """Doc."""
    x = 1; y = 2
    if a:
        # comment in a block
        print(a)
    elif b:
        print(b)
    elif x:  # trailing
        pass
    else:
        print(x, y)
    for i in range(3):
        total = i
    else:
        total = -1
    while False:
        break
    else:
        pass
    try:
        value = os.sep
    except ValueError as error:
        print(error)
    except (KeyError, TypeError):
        pass
    else:
        value = 2
    finally:
        done = True
    with open(a) as handle, open(b):
        data = handle.read()
    if b: print("one line")
    return [v for v in data if v]


class Model(Base, metaclass=Meta):
    attribute: int = 3

    def method(self):
        return self.attribute


def tabbed():
\tif True:
\t\treturn 1


async def coroutine():
    async with lock:
        async for item in stream:
            await item


def matcher(command):
    match command.split():
        case [action]:
            print(action)
        case [action, obj] if obj:
            print(action, obj)
        case _:
            pass
print("the end")
'''


def _every_node(module: cst.Module) -> list[cst.CSTNode]:
    nodes, pending = [], [module]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(child_nodes(node))
    return nodes


def _provider_ranges(module: cst.Module) -> dict[cst.CSTNode, tuple[int, int, int, int]]:
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    positions = wrapper.resolve(PositionProvider)
    return {
        node: (where.start.line, where.start.column + 1, where.end.line, where.end.column + 1)
        for node, where in positions.items()
    }


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("trailing_newline", [True, False])
def test_every_node_gets_position_providers_range(newline: str, trailing_newline: bool) -> None:
    text = SHAPES.replace("\n", newline)
    if not trailing_newline:
        text = text.rstrip("\r\n")
    module = cst.parse_module(text)
    tree = ast.parse(text)
    expected = _provider_ranges(module)
    for node in _every_node(module):
        positions = SourcePositions(module, text, tree)  # afresh: no other node placed yet
        start, end = positions.span(node)
        first, last = positions.location(start), positions.location(end)
        got = (first.row, first.column, last.row, last.column)
        if node is module and not trailing_newline:
            # PositionProvider counts the newline the module drops; the text ends before it.
            assert got[2:] == (text.count(newline) + 1, len(text.rsplit(newline, 1)[-1]) + 1)
            continue
        assert got == expected[node], (type(node).__name__, module.code_for_node(node)[:60])
        # The snippet text is the node's own code, up to indentation (libcst cannot
        # generate an annotation alone, and generates an `elif` alone as `if`).
        if not isinstance(node, (cst.Annotation, cst.If)):
            assert positions.code(node).split() == module.code_for_node(node).split()


def test_a_node_in_one_function_does_not_generate_the_whole_module() -> None:
    module = cst.parse_module(SHAPES)
    positions = SourcePositions(module, SHAPES, ast.parse(SHAPES))
    outer, model = module.body[2], module.body[3]
    assert isinstance(outer, cst.FunctionDef) and isinstance(model, cst.ClassDef)
    method = model.body.body[1]
    assert isinstance(method, cst.FunctionDef)
    returned = method.body.body[0]

    positions.span(returned)

    assert not positions.whole_module_generated
    assert outer not in positions.spans, "other statements are not generated"
    assert model not in positions.spans, "only the innermost statement holding the node"


def test_without_cpythons_tree_the_whole_module_is_generated() -> None:
    module = cst.parse_module(SHAPES)
    positions = SourcePositions(module, SHAPES)
    positions.span(module.body[-1])
    assert positions.whole_module_generated


def test_a_finding_after_code_libcst_does_not_reproduce_is_placed_by_the_text(tmp_path: Path) -> None:
    # libcst drops the space before this colon when it generates code, so offsets
    # counted on the whole module's generated code put the print one column early.
    (tmp_path / "script.py").write_text('try:\n    pass\nexcept ValueError :\n    pass\nprint("x")\n')
    result = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC301", "--output-format", "concise", "script.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.stdout.splitlines()[0].startswith("script.py:5:1: PC301"), result.stdout + result.stderr


def test_a_node_beside_its_findings_ancestors_is_found_near_them() -> None:
    # A fix's edit on the statement before the flagged one (an inserted line): the
    # node is not an ancestor of the report, and is searched for below the nearest
    # ancestors, not through a map of the whole module.
    module = cst.parse_module(SHAPES)
    outer = module.body[2]
    assert isinstance(outer, cst.FunctionDef)
    docstring, assignments = outer.body.body[0], outer.body.body[1]
    flagged = outer.body.body[2]  # the `if a:` statement
    ancestors = (module, outer, outer.body, flagged)
    positions = SourcePositions(module, SHAPES, ast.parse(SHAPES), {assignments: ancestors, docstring: ancestors})
    expected = _provider_ranges(module)
    for node in (assignments, docstring):
        start, end = positions.span(node)
        first, last = positions.location(start), positions.location(end)
        assert (first.row, first.column, last.row, last.column) == expected[node]
    assert positions._parents is None, "no map of the whole module's parents was built"
    assert not positions.whole_module_generated


def test_a_node_outside_the_module_is_not_placed() -> None:
    module = cst.parse_module(SHAPES)
    stranger = cst.parse_module("x = 1\n").body[0]
    positions = SourcePositions(module, SHAPES, ast.parse(SHAPES), {stranger: (module, module.body[2])})
    assert positions.find(stranger) is None


@pytest.mark.parametrize("text", ["", "\n", "a", "a\n", "a\nbc\n\nd", "a\r\nb\rc\n", "\r\r\n\n", "é\nü\n", "x = 1\n# c\n"])
def test_line_starts_are_the_offsets_after_each_line_break(text: str) -> None:
    breaks = [index + 1 for index, char in enumerate(text) if char == "\n" or (char == "\r" and text[index + 1 : index + 2] != "\n")]
    assert line_starts_of(text) == [0, *breaks]
