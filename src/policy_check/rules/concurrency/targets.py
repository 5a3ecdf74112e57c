"""What a worker runs, as far as the module shows it: the callable handed to a
thread, pool or process (``Target``), resolved through ``functools.partial``,
lambdas, nested functions, local classes, methods and module-level functions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import libcst as cst

from policy_check.analysis.names import ImportNames
from policy_check.rules.concurrency.sites import Site, Where, is_name, keyword, positional
from policy_check.rules.concurrency.workload import ModuleDefinitions, class_methods, parameter_names, walk_body


class Target(NamedTuple):
    """What a worker runs, as far as the module shows it."""

    # module-function, class-function, nested-function, lambda, method, local-class, unresolved
    kind: str
    expression: cst.BaseExpression
    label: str
    function: cst.FunctionDef | cst.Lambda | None = None
    owner: cst.ClassDef | None = None
    free_variables: tuple[str, ...] = ()

    @property
    def picklable(self) -> bool:
        return self.kind in ("module-function", "class-function")


class TargetResolver:
    """Resolves the callables of one module's sites (after the traversal)."""

    def __init__(self, names: ImportNames, definitions: ModuleDefinitions) -> None:
        self.names = names
        self.definitions = definitions

    def targets_of(self, site: Site) -> list[Target]:
        targets = []
        for call, method, where in site.uses:
            expression = self._target_expression(call, method)
            if expression is None:
                targets.append(Target("unresolved", call, "an unresolved callable"))
            else:
                targets.append(self.resolve(expression, where))
        return targets

    def _target_expression(self, call: cst.Call, method: str) -> cst.BaseExpression | None:
        if method == "target":
            arguments = positional(call)
            return keyword(call, "target") or (arguments[1] if len(arguments) > 1 else None)
        if method == "__call__":
            return self._delayed_function(call)
        arguments = positional(call)
        return arguments[0] if arguments else keyword(call, "fn") or keyword(call, "func")

    def _delayed_function(self, call: cst.Call) -> cst.BaseExpression | None:
        """``f`` of ``parallel(delayed(f)(x) for x in …)``."""
        arguments = positional(call)
        if len(arguments) != 1 or not isinstance(arguments[0], (cst.GeneratorExp, cst.ListComp)):
            return None
        element = arguments[0].elt
        if (
            isinstance(element, cst.Call)
            and isinstance(element.func, cst.Call)
            and self.names.qualify(element.func.func) == "joblib.delayed"
            and len(element.func.args) == 1
        ):
            return element.func.args[0].value
        return None

    def resolve(self, expression: cst.BaseExpression, where: Where) -> Target:
        if isinstance(expression, cst.Call) and self.names.qualify(expression.func) == "functools.partial":
            arguments = positional(expression)
            if arguments:
                inner = self.resolve(arguments[0], where)
                return Target(inner.kind, expression, inner.label, inner.function, inner.owner, inner.free_variables)
        if isinstance(expression, cst.Lambda):
            free = free_variables(expression, where.functions)
            return Target("lambda", expression, "a lambda", expression, free_variables=free)
        if isinstance(expression, cst.Name):
            return self._resolve_name(expression, where)
        if isinstance(expression, cst.Attribute) and isinstance(expression.value, cst.Name):
            target = self._resolve_attribute(expression, expression.value.value, where)
            if target is not None:
                return target
        return Target("unresolved", expression, "an unresolved callable")

    def _resolve_name(self, expression: cst.Name, where: Where) -> Target:
        """``f``: a function nested in an enclosing function, a local class, or a
        module-level function (unless a local name shadows it)."""
        name = expression.value
        for function in reversed(where.functions):
            nested = _nested_definition(function, name)
            if isinstance(nested, cst.FunctionDef):
                free = free_variables(nested, where.functions)
                return Target("nested-function", expression, f"`{name}`", nested, free_variables=free)
            if nested is not None:
                return Target("local-class", expression, f"`{name}`")
            if name in locally_bound(function):
                return Target("unresolved", expression, f"`{name}`")
        if name in self.definitions.functions and not self.names.is_imported(name):
            return Target("module-function", expression, f"`{name}`", self.definitions.functions[name])
        return Target("unresolved", expression, f"`{name}`")

    def _resolve_attribute(self, expression: cst.Attribute, receiver: str, where: Where) -> Target | None:
        """``self.method``, ``Local.method`` / ``local_object.method``, or
        ``ModuleClass.function``; None when nothing says what it is."""
        attribute = expression.attr.value
        label = f"`{receiver}.{attribute}`"
        if receiver == "self" and where.owner is not None:
            method = class_methods(where.owner).get(attribute)
            return Target("method", expression, label, method, where.owner) if method else Target("unresolved", expression, label)
        for function in reversed(where.functions):
            local_class = _nested_definition(function, receiver) or _instance_class(function, receiver)
            if isinstance(local_class, cst.ClassDef):
                return Target("local-class", expression, label, class_methods(local_class).get(attribute), local_class)
            if receiver in locally_bound(function):
                return Target("unresolved", expression, label)
        owner = self.definitions.classes.get(receiver)
        if owner is not None and attribute in class_methods(owner):
            return Target("class-function", expression, label, class_methods(owner)[attribute], owner)
        return None


def locally_bound(function: cst.FunctionDef) -> set[str]:
    """Parameters and names assigned anywhere in a function (not in nested defs)."""
    bound = parameter_names(function.params) | {"self", "cls"}
    for node in walk_body(function.body):
        name = _bound_name(node)
        if name is not None:
            bound.add(name)
        bound.update(_unpacked_names(node))
    return bound


def _bound_name(node: cst.CSTNode) -> str | None:
    """The name a definition, assignment, loop or ``as`` binds, when it is one name."""
    if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
        return node.name.value
    if isinstance(node, cst.AsName):
        return node.name.value if isinstance(node.name, cst.Name) else None
    if isinstance(node, (cst.AssignTarget, cst.For, cst.CompFor, cst.AnnAssign, cst.AugAssign)):
        return node.target.value if isinstance(node.target, cst.Name) else None
    return None


def _unpacked_names(node: cst.CSTNode) -> list[str]:
    """The plain names of ``a, b = …`` / ``[a, b] = …``."""
    if isinstance(node, cst.AssignTarget) and isinstance(node.target, (cst.Tuple, cst.List)):
        return [element.value.value for element in node.target.elements if isinstance(element.value, cst.Name)]
    return []


def _nested_definition(function: cst.FunctionDef, name: str) -> cst.FunctionDef | cst.ClassDef | None:
    for node in walk_body(function.body):
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.name.value == name:
            return node
    return None


def _instance_class(function: cst.FunctionDef, name: str) -> cst.ClassDef | None:
    """The local class ``name`` was made from (``obj = Local(...)``), if any."""
    for node in walk_body(function.body):
        if (
            isinstance(node, cst.Assign)
            and any(is_name(t.target, name) for t in node.targets)
            and isinstance(node.value, cst.Call)
            and isinstance(node.value.func, cst.Name)
        ):
            found = _nested_definition(function, node.value.func.value)
            return found if isinstance(found, cst.ClassDef) else None
    return None


def free_variables(inner: cst.FunctionDef | cst.Lambda, enclosing: Sequence[cst.FunctionDef]) -> tuple[str, ...]:
    """Names the nested function reads from the functions around it (they become arguments)."""
    outer_bound: set[str] = set()
    for function in enclosing:
        outer_bound |= locally_bound(function) - {"self", "cls"}
    own = {p.name.value for p in (*inner.params.posonly_params, *inner.params.params, *inner.params.kwonly_params)}
    if isinstance(inner, cst.FunctionDef):
        own |= locally_bound(inner)
        own.add(inner.name.value)
    used: list[str] = []
    stack: list[cst.CSTNode] = [inner.body]
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name) and node.value in outer_bound and node.value not in own and node.value not in used:
            used.append(node.value)
        if isinstance(node, cst.Attribute):
            stack.append(node.value)  # `x.attr`: only `x` is a name
            continue
        if isinstance(node, cst.Arg):
            stack.append(node.value)  # keyword names are not variables
            continue
        stack.extend(node.children)
    return tuple(sorted(used))
