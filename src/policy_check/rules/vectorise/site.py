"""One loop as every PC5 rule sees it: its function's array evidence, its header,
its statements and the names it assigns — computed once per loop and shared.
``for`` loops and ``while i < len(a): …; i += 1`` index loops are both sites."""

from __future__ import annotations

from typing import NamedTuple

import libcst as cst

from policy_check.rules.base import FileContext
from policy_check.rules.vectorise.evidence import ArrayEvidence, evidence_for
from policy_check.rules.vectorise.loops import (
    LoopHeader,
    code,
    could_vectorise,
    name_uses,
    names_assigned,
    read_header,
    read_while_header,
    statements_of,
)
from policy_check.rules.vectorise.vectoriser import Vectoriser


class LoopSite(NamedTuple):
    loop: cst.For | cst.While
    evidence: ArrayEvidence
    header: LoopHeader
    statements: list
    assigned: set[str]
    # The function (or module) the loop is in: where "used after the loop" is checked.
    scope: cst.CSTNode

    @property
    def is_while(self) -> bool:
        return type(self.loop) is cst.While

    # The file, for the per-scope name counts behind `used_outside`.
    context: FileContext | None = None

    def vectoriser(self, context: FileContext, trailing: int = 0) -> Vectoriser:
        return Vectoriser(context, self.evidence, self.header, self.assigned, trailing)

    def used_outside(self, name: str) -> bool:
        return name_uses(self.scope, name, self.loop, self.context) > 0

    def loop_names_escape(self) -> bool:
        """Whether the index or element names are read after the loop (their last value)."""
        names = [self.header.index] if self.header.index else []
        names += list(self.header.elements)
        return any(self.used_outside(name) for name in names)


_ARRAY_WORDS = ("numpy", "to_numpy", ".values", "ndarray", "pandas", "xarray", "netCDF4", "h5py", "scipy", "astropy")


def mentions_arrays(context: FileContext) -> bool:
    """A file that never names NumPy (or a library that makes arrays) cannot hold arrays we see
    (asked by every PC5 rule of every file: the text is searched once)."""
    found = context.__dict__.get("_pc5_mentions_arrays")
    if found is None:
        found = context.__dict__["_pc5_mentions_arrays"] = any(word in context.source for word in _ARRAY_WORDS)
    return found


def scope_of(stack: list[cst.CSTNode], module: cst.Module) -> cst.CSTNode:
    for ancestor in reversed(stack[:-1]):
        if type(ancestor) in (cst.FunctionDef, cst.Lambda, cst.ClassDef):
            return ancestor
    return module


def loop_site(context: FileContext, loop: cst.For | cst.While) -> LoopSite | None:
    """The analysed loop, or ``None`` when it does not run over arrays we can see."""
    cache: dict[int, tuple[cst.CSTNode, LoopSite | None]] = context.__dict__.setdefault("_pc5_loops", {})
    hit = cache.get(id(loop))
    if hit is not None and hit[0] is loop:
        return hit[1]
    site = _analyse(context, loop)
    cache[id(loop)] = (loop, site)
    return site


def _header_and_statements(context: FileContext, loop: cst.For | cst.While, evidence: ArrayEvidence) -> tuple[LoopHeader, list] | None:
    if type(loop) is cst.While:
        return read_while_header(loop, _statements_before(context, loop), evidence, context)
    header = read_header(loop, evidence, context)
    statements = statements_of(loop.body)
    if header is None or statements is None:
        return None
    return header, statements


def _statements_before(context: FileContext, loop: cst.CSTNode) -> list[cst.CSTNode]:
    block = context.stack[-2] if len(context.stack) >= 2 else None
    body = getattr(block, "body", None)
    if not isinstance(body, (list, tuple)):
        return []
    statements = list(body)
    position = next((k for k, s in enumerate(statements) if s is loop), None)
    return statements[:position] if position is not None else []


def _analyse(context: FileContext, loop: cst.For | cst.While) -> LoopSite | None:
    if not could_vectorise(loop, context):
        return None  # decided without computing any evidence
    evidence = evidence_for(context, context.stack)
    if not evidence.has_candidates():
        return None
    found = _header_and_statements(context, loop, evidence)
    if found is None:
        return None
    header, statements = found
    assigned = names_assigned(loop.body)
    if type(loop) is cst.While and header.index is not None:
        assigned.discard(header.index)
        if any(header.index in names_assigned(s) for s in statements):
            return None
    elif header.index is not None and header.index in assigned:
        return None
    if any(name in assigned for name in header.elements):
        return None
    return LoopSite(loop, evidence, header, statements, assigned, scope_of(context.stack, context.module), context)


__all__ = ["LoopSite", "code", "loop_site"]
