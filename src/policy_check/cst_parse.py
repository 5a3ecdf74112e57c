"""libcst's parse without validating, node by node, what its own parser built.

Every libcst node checks its fields when it is constructed (``CSTNode.__post_init__``
calls ``_validate``: parentheses balanced, the spaces a keyword needs, ...).  That
guards trees that code builds by hand; a tree from the parser is valid by
construction, and checking it costs 10-20% of the parse (libcst's own comment there:
"It might make more sense to move validation work into the visitor, which would
allow us to avoid validating the tree when parsing a file").  Here the check is off
while the parser builds the tree and on for every node built otherwise (the rules'
fixes).  Every node of the research corpus and of three large libraries
parsed this way passes ``_validate`` afterwards (``benchmarks/unvalidated_parse.py``
checks a corpus and times both parses).

If libcst's ``__post_init__`` ever does more than validate, it is left alone.
"""

from __future__ import annotations

import threading

import libcst as cst
from libcst._nodes.base import CSTNode

_validating_post_init = CSTNode.__post_init__
# Only a __post_init__ that does nothing but validate is switched off.
_ONLY_VALIDATES = getattr(getattr(_validating_post_init, "__code__", None), "co_names", None) == ("_validate",)
_lock = threading.Lock()
_parsing = False


def _validate_unless_parsing(self: CSTNode) -> None:
    # Set once, not swapped in and out around each parse: assigning an attribute of
    # CSTNode invalidates the attribute caches of its ~250 node classes, each time.
    if not _parsing:
        self._validate()


if _ONLY_VALIDATES:
    CSTNode.__post_init__ = _validate_unless_parsing  # type: ignore[method-assign]


def parse_module(text: str) -> cst.Module:
    """``libcst.parse_module(text)``, the same tree and errors, without node validation."""
    global _parsing
    if not _ONLY_VALIDATES:
        return cst.parse_module(text)
    # Nodes built by another thread meanwhile are not checked either; the engine
    # parses on one thread (deep_stack), and a node built wrongly is still caught
    # when its code is generated and parsed again.
    with _lock:
        _parsing = True
        try:
            return cst.parse_module(text)
        finally:
            _parsing = False
