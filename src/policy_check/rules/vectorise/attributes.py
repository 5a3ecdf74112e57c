"""Arrays held in ``self.attr``: evidence from what the class assigns to the attribute.

Research classes make their arrays in ``__init__`` (``self.x = np.zeros(n)``) or in
a setup method, and loop over them elsewhere (``self.x[i]``).  An attribute is taken
as an array when the class assigns it at least once and every assignment in the
class's methods (through each method's own first parameter) is array-valued by that
method's evidence.  Code outside the class may still rebind it (``obj.x = [...]``),
so the evidence is only *likely*: suggestions that say "if `self.x` is a NumPy
array", never edits.  An attribute also bound by unpacking, ``del``, or a
``@staticmethod``/``@classmethod`` stays unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import libcst as cst

from policy_check.rules.base import FileContext
from policy_check.rules.vectorise.scope_walk import walk_local

# `evidence.py` calls this module with its own types (imported there, not here: no cycle).
ArrayEvidence = Any
ArrayFacts = Any
ScopeEvidence = Callable[[FileContext, cst.CSTNode], ArrayEvidence]


def attribute_facts(evidence: ArrayEvidence, node: cst.Attribute, scope_evidence: ScopeEvidence) -> ArrayFacts | None:
    """The facts of ``self.attr`` read in a method, or ``None``."""
    method = evidence.function
    if method is None or type(node.value) is not cst.Name or node.value.value != _receiver(method):
        return None
    context = evidence.context
    owner = _classes(context).get(id(method))
    if owner is None:
        return None
    cache: dict[tuple[int, str], ArrayFacts | None] = context.__dict__.setdefault("_pc5_attribute_facts", {})
    key = (id(owner), node.attr.value)
    if key not in cache:
        cache[key] = None  # a cycle (`self.x = self.x * 2`) gives no evidence by itself
        cache[key] = _class_facts(context, owner, node.attr.value, scope_evidence)
    return cache[key]


def _class_facts(context: FileContext, owner: cst.ClassDef, attr: str, scope_evidence: ScopeEvidence) -> ArrayFacts | None:
    """Every assignment array-valued: those that do not read the attribute first, then
    (with those standing for it) those that do (`self.x = self.x[mask]`)."""
    bindings = [(method, value) for method, value in _class_bindings(context, owner).get(attr, ()) if not _is_none(value)]
    if not bindings or any(value is None for _, value in bindings):
        return None  # never assigned, or unpacked, deleted, annotated without a value: unknown
    own = [(m, v) for m, v in bindings if _mentions_attr(v, _receiver(m), attr)]  # type: ignore[arg-type]
    found = _facts_of([b for b in bindings if b not in own], context, scope_evidence)
    if not found:
        return None
    facts = _combined(found)
    context.__dict__["_pc5_attribute_facts"][(id(owner), attr)] = facts
    again = _facts_of(own, context, scope_evidence)
    return facts if again is not None else None


def _facts_of(bindings: list, context: FileContext, scope_evidence: ScopeEvidence) -> list[tuple[str, ArrayFacts]] | None:
    found = []
    for method, value in bindings:
        facts = scope_evidence(context, method).expression_facts(value)
        if facts is None:
            return None
        found.append((method.name.value, facts))
    return found


def _combined(found: list[tuple[str, ArrayFacts]]) -> ArrayFacts:
    where, first = found[0]
    ndims = {facts.ndim for _, facts in found}
    return first._replace(
        fresh=False,
        length_key=None,
        shape_source=None,
        ndim=ndims.pop() if len(ndims) == 1 else None,
        likely=True,
        why=f"set to an array in `{where}` ({first.why})" if first.why else f"set to an array in `{where}`",
    )


def _is_none(value: cst.BaseExpression | None) -> bool:
    """`self.x = None`: a placeholder until the array is made (a loop over it then raised)."""
    return type(value) is cst.Name and value.value == "None"


def _mentions_attr(value: cst.BaseExpression, receiver: str, attr: str) -> bool:
    return any(_is_attr(node, receiver, attr) for node in walk_local(value))


def _class_bindings(context: FileContext, owner: cst.ClassDef) -> dict[str, list[tuple[cst.FunctionDef, cst.BaseExpression | None]]]:
    """Attribute name → (method, value) for every binding of ``self.attr`` in the class,
    in method then source order: one walk of each method for all attributes (a walk
    per attribute read was quadratic in a large class)."""
    cache: dict[int, dict] = context.__dict__.setdefault("_pc5_class_bindings", {})
    found = cache.get(id(owner))
    if found is None:
        found = cache[id(owner)] = {}
        for method in _methods(owner):
            for attr, value in _assigned_values(method, _receiver(method)):
                found.setdefault(attr, []).append((method, value))
    return found


def _assigned_values(method: cst.FunctionDef, receiver: str | None) -> Iterator[tuple[str, cst.BaseExpression | None]]:
    """The attributes the method gives ``receiver.attr`` and their values (``None`` for a
    binding we cannot read)."""
    if receiver is None:
        return
    for node in walk_local(method.body, leaves=False):
        if type(node) is cst.Assign:
            for target in node.targets:
                attr = _attr_name(target.target, receiver)
                if attr is not None:
                    yield attr, node.value
                else:
                    yield from ((inner, None) for inner in _attrs_bound_inside(target.target, receiver))
        elif type(node) is cst.AnnAssign:
            attr = _attr_name(node.target, receiver)
            if attr is not None:
                yield attr, node.value
        elif type(node) in (cst.Del, cst.For, cst.CompFor, cst.WithItem):
            yield from ((inner, None) for inner in _attrs_bound_inside(_bound_by(node), receiver))


def _bound_by(node: cst.CSTNode) -> cst.CSTNode | None:
    if type(node) is cst.WithItem:
        return node.asname
    return node.target  # type: ignore[attr-defined]


def _is_attr(node: cst.CSTNode | None, receiver: str, attr: str) -> bool:
    return _attr_name(node, receiver) == attr


def _attr_name(node: cst.CSTNode | None, receiver: str) -> str | None:
    """``attr`` when ``node`` is ``receiver.attr``."""
    if type(node) is cst.Attribute and type(node.value) is cst.Name and node.value.value == receiver:
        return node.attr.value
    return None


def _attrs_bound_inside(node: cst.CSTNode | None, receiver: str) -> Iterator[str]:
    """The attributes a tuple target, `del`, loop or `with` target binds on
    ``receiver`` itself (not an element of one: `self.x[i] = v` keeps the array)."""
    if type(node) in (cst.Tuple, cst.List):
        for element in node.elements:
            yield from _attrs_bound_inside(element.value, receiver)
    elif type(node) in (cst.StarredElement, cst.AsName):
        yield from _attrs_bound_inside(node.value if type(node) is cst.StarredElement else node.name, receiver)
    else:
        attr = _attr_name(node, receiver)
        if attr is not None:
            yield attr


def _receiver(method: cst.FunctionDef) -> str | None:
    """The method's first parameter (``self``), unless it is a static or class method."""
    if any(_decorator_name(d) in ("staticmethod", "classmethod") for d in method.decorators):
        return None
    params = [*method.params.posonly_params, *method.params.params]
    return params[0].name.value if params else None


def _decorator_name(decorator: cst.Decorator) -> str:
    node = decorator.decorator
    return node.value if type(node) is cst.Name else ""


def _methods(owner: cst.ClassDef) -> Iterator[cst.FunctionDef]:
    body = owner.body.body if type(owner.body) is cst.IndentedBlock else ()
    for statement in body:
        if type(statement) is cst.FunctionDef:
            yield statement


def _classes(context: FileContext) -> dict[int, cst.ClassDef]:
    """Method id → its class, for every class of the module (built once)."""
    cached = context.__dict__.get("_pc5_method_classes")
    if cached is None:
        cached = {}
        for node in walk_local(context.module, local=False, expressions=False):
            if type(node) is cst.ClassDef:
                for method in _methods(node):
                    cached[id(method)] = node
        context.__dict__["_pc5_method_classes"] = cached
    return cached
