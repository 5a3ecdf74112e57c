"""The engine's parse skips libcst's node-by-node validation only while the parser
builds the tree: the same tree and errors as libcst.parse_module, every node of it
valid, and validation on again for nodes built afterwards (the rules' fixes)."""

from __future__ import annotations

import libcst as cst
import pytest

from policy_check import cst_parse
from policy_check.cst_parse import parse_module

# Parentheses, keywords that need spaces, decorators, comprehensions, f-strings,
# star-expressions, lambdas, match, walrus: the fields _validate looks at.
SHAPES = '''\
import os, sys as system
from . import (a, b)


@decorator(1)
async def run(x, /, y=(1), *args, z: int = 2, **kwargs) -> "T":
    global counter
    assert (x), "message"
    del x[0], y
    if not(x) and (y)or z:
        return(x)
    elif (n := len(args)) > 2:
        yield from(args)
    values = [v for v in(args) if(v)]
    total = {k: v for k, v in kwargs.items()}
    label = f"{x!r:>{y}} {'nested'}" "implicit" 'join'
    first, *rest = (lambda q, *r: (q, r))(1, 2)
    with (open(x) as a, open(y)):
        raise ValueError("x") from None
    try:
        pass
    except(KeyError) as error:
        print(error, file=sys.stderr)
    match command:
        case [1, *others] | {"k": _} if others:
            pass
        case Point(x=0) as p:
            pass
    return -x ** ~y @ z is not None in (1,)
'''


def _every_node(module: cst.Module) -> list[cst.CSTNode]:
    nodes, pending = [], [module]
    while pending:
        node = pending.pop()
        nodes.append(node)
        pending.extend(node.children)
    return nodes


def test_the_tree_is_libcsts_and_every_node_is_valid() -> None:
    module = parse_module(SHAPES)
    assert module.code == SHAPES
    assert module.deep_equals(cst.parse_module(SHAPES))
    for node in _every_node(module):
        node._validate()  # raises for an invalid node


def test_validation_is_on_again_after_a_parse_and_after_a_syntax_error() -> None:
    parse_module("x = 1\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")
    with pytest.raises(cst.ParserSyntaxError):
        parse_module("def broken(:\n")
    with pytest.raises(cst.CSTValidationError):
        cst.Name("not a name")


def test_libcsts_post_init_is_the_one_this_was_written_for() -> None:
    # If libcst's __post_init__ ever does more than validate, the engine parses with
    # it as it is (slower, still correct); this says when that happens.
    assert cst_parse._ONLY_VALIDATES
