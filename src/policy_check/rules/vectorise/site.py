"""One loop as every PC5 rule sees it: its function's array evidence, its header,
its statements and the names it assigns — computed once per loop and shared."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from policy_check.rules.base import FileContext
from policy_check.rules.vectorise.evidence import ArrayEvidence, evidence_for
from policy_check.rules.vectorise.loops import LoopHeader, Vectoriser, code, name_uses, names_assigned, read_header, statements_of


@dataclass
class LoopSite:
    loop: cst.For
    evidence: ArrayEvidence
    header: LoopHeader
    statements: list
    assigned: set[str]
    # The function (or module) the loop is in: where "used after the loop" is checked.
    scope: cst.CSTNode

    def vectoriser(self, context: FileContext) -> Vectoriser:
        return Vectoriser(context, self.evidence, self.header, self.assigned)

    def used_outside(self, name: str) -> bool:
        return name_uses(self.scope, name, self.loop) > 0

    def loop_names_escape(self) -> bool:
        """Whether the index or element names are read after the loop (their last value)."""
        names = [self.header.index] if self.header.index else []
        names += list(self.header.elements)
        return any(self.used_outside(name) for name in names)


_ARRAY_WORDS = ("numpy", "to_numpy", ".values", "ndarray")


def mentions_arrays(context: FileContext) -> bool:
    """A file that never names NumPy, `.values` or `.to_numpy` cannot hold arrays we see."""
    return any(word in context.source for word in _ARRAY_WORDS)


def scope_of(stack: list[cst.CSTNode], module: cst.Module) -> cst.CSTNode:
    for ancestor in reversed(stack[:-1]):
        if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
            return ancestor
    return module


def loop_site(context: FileContext, loop: cst.For) -> LoopSite | None:
    """The analysed loop, or ``None`` when it does not run over arrays we can see."""
    cache: dict[int, tuple[cst.For, LoopSite | None]] = context.__dict__.setdefault("_pc5_loops", {})
    hit = cache.get(id(loop))
    if hit is not None and hit[0] is loop:
        return hit[1]
    site = _analyse(context, loop)
    cache[id(loop)] = (loop, site)
    return site


def _analyse(context: FileContext, loop: cst.For) -> LoopSite | None:
    evidence = evidence_for(context, context.stack)
    if not evidence.arrays:
        return None
    header = read_header(loop, evidence, context)
    if header is None:
        return None
    statements = statements_of(loop.body)
    if statements is None:
        return None
    assigned = names_assigned(loop.body)
    if header.index is not None and header.index in assigned:
        return None
    if any(name in assigned for name in header.elements):
        return None
    return LoopSite(loop, evidence, header, statements, assigned, scope_of(context.stack, context.module))


__all__ = ["LoopSite", "loop_site", "code"]
