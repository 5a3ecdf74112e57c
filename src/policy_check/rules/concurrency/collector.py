"""The traversal PC4's rules share: it records every pool, executor, thread and
process construction (with the name it is bound to) and every call that hands work
to one (``submit``, ``map``, ``apply_async``…); ``resolved_sites`` pairs them up
after the traversal and ``targets_of`` says what each worker runs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import libcst as cst

from policy_check.analysis.names import ImportNames
from policy_check.analysis.patterns import SCOPE_TYPES
from policy_check.rules.base import FileContext, Rule
from policy_check.rules.concurrency.sites import (
    CONSTRUCTIONS,
    CONTEXT_CONSTRUCTIONS,
    JOBLIB_THREAD_OPTIONS,
    POOL_METHODS,
    Site,
    Where,
    is_guard_test,
    keyword,
)
from policy_check.analysis.literals import string_value
from policy_check.rules.concurrency.targets import Target, TargetResolver, locally_bound
from policy_check.rules.concurrency.workload import ModuleDefinitions, class_methods

_CONSTRUCTOR_NAMES = frozenset(constructor.rpartition(".")[2] for constructor in CONSTRUCTIONS)
# Calls by a bare name that never hand work to a pool.
_NOT_POOLS = ("print", "len", "list", "range")


class ConcurrencyFacts:
    """What the traversal records for every PC4 rule of a file, recorded once: the
    rules' handlers all pass each node here, and the first of them records it."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.sites: list[Site] = []
        self.name_uses: list[tuple[cst.Call, str, str, Where]] = []
        self.context_names: set[str] = set()  # names bound to multiprocessing.get_context(...)
        self.thread_classes: list[tuple[cst.ClassDef, Where]] = []
        self._order = 0
        self._definitions: ModuleDefinitions | None = None
        self._module_imports: ImportNames | None = None
        self._resolved = False
        # The node being recorded, and the error recording it raised: every rule
        # handling that node then fails with it, as each did with a traversal of its own.
        self._node: cst.CSTNode | None = None
        self._error: Exception | None = None

    @classmethod
    def of(cls, context: FileContext) -> ConcurrencyFacts:
        """The facts of the file being checked, shared by its PC4 rules."""
        # Kept on the context, as PC5 keeps its caches: the engine clears them after the
        # check (a global "last file" would keep the checked tree alive until the next).
        facts = context.__dict__.get("_pc4_facts")
        if facts is None:
            facts = context.__dict__["_pc4_facts"] = cls(context)
        return facts  # type: ignore[no-any-return]

    def record(self, node: cst.CSTNode, recorder: Callable[[Any], None]) -> None:
        """``recorder(node)`` the first time a rule's handler passes ``node``."""
        if node is self._node:
            if self._error is not None:
                raise self._error
            return
        self._node, self._error = node, None
        try:
            recorder(node)
        except Exception as error:
            self._error = error
            raise

    # -- shared facts, built on first need ----------------------------------------

    @property
    def definitions(self) -> ModuleDefinitions:
        if self._definitions is None:
            self._definitions = ModuleDefinitions.of(self.context.module)
        return self._definitions

    @property
    def module_imports(self) -> ImportNames:
        if self._module_imports is None:
            self._module_imports = ImportNames()
            self._module_imports.collect_module_level(self.context.module)
        return self._module_imports

    def _where(self) -> Where:
        self._order += 1
        stack = self.context.stack
        functions = tuple(node for node in stack if type(node) is cst.FunctionDef)
        function = functions[-1] if functions else None
        return Where(
            order=self._order,
            scope=function if function is not None else self.context.module,
            function=function,
            functions=functions,
            owner=_method_owner(stack, function),
            in_definition=any(type(node) in SCOPE_TYPES for node in stack),
            guarded=_under_main_guard(stack),
            ancestors=frozenset(id(node) for node in stack),
            top_statement=stack[1] if len(stack) > 1 and isinstance(stack[0], cst.Module) else None,
        )

    # -- the traversal ----------------------------------------------------------------

    def visit_Assign(self, node: cst.Assign) -> None:
        if isinstance(node.value, cst.Call) and (self.context.names.qualify(node.value.func) or "").endswith("get_context"):
            for target in node.targets:
                if isinstance(target.target, cst.Name):
                    self.context_names.add(target.target.value)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if any(self.context.names.qualify(base.value) == "threading.Thread" for base in node.bases):
            if "run" in class_methods(node):
                self.thread_classes.append((node, self._where()))

    def visit_Call(self, node: cst.Call) -> None:
        # Exact types here and in _where (libcst's node classes have no subclasses, and a
        # failing isinstance with them is slow): this runs for every call.
        stack = self.context.stack
        if type(stack[-2]) is cst.Assign and (joblib_kind := self._joblib_kind(node)) is not None:
            # `parallel = Parallel(prefer="threads")`, called later as `parallel(delayed(f)(x) for …)`.
            self._record_site(joblib_kind, node)
            return
        kind = self._construction_kind(node)
        if kind is not None:
            self._record_site(kind, node)
            return
        func = node.func
        kind = type(func)
        if kind is cst.Attribute and type(func.value) is cst.Name and func.attr.value in POOL_METHODS:  # type: ignore[attr-defined]
            self.name_uses.append((node, func.value.value, func.attr.value, self._where()))  # type: ignore[attr-defined]
        elif kind is cst.Name and func.value not in _NOT_POOLS:  # type: ignore[attr-defined]
            self.name_uses.append((node, func.value, "__call__", self._where()))  # type: ignore[attr-defined]
        elif kind is cst.Call and self._joblib_kind(func) is not None:  # type: ignore[arg-type]
            site = Site(self._joblib_kind(func) or "", func, self._where())
            site.uses.append((node, "__call__", site.where))
            self.sites.append(site)

    def _construction_kind(self, call: cst.Call) -> str | None:
        qualified = self.context.names.qualify_ending(call.func, _CONSTRUCTOR_NAMES)
        if qualified in CONSTRUCTIONS:
            return CONSTRUCTIONS[qualified]
        func = call.func
        if type(func) is cst.Attribute and func.attr.value in CONTEXT_CONSTRUCTIONS and self._is_context(func.value):  # type: ignore[attr-defined]
            return CONTEXT_CONSTRUCTIONS[func.attr.value]
        return None

    def _is_context(self, receiver: cst.BaseExpression) -> bool:
        """``multiprocessing.get_context(...)``, or a name bound to one."""
        if isinstance(receiver, cst.Call):
            return (self.context.names.qualify(receiver.func) or "").endswith("get_context")
        return isinstance(receiver, cst.Name) and receiver.value in self.context_names

    def _joblib_kind(self, parallel: cst.Call) -> str | None:
        """``joblib-threads`` for ``Parallel(backend="threading")`` and friends."""
        if self.context.names.qualify(parallel.func) != "joblib.Parallel":
            return None
        for name, value in JOBLIB_THREAD_OPTIONS:
            if string_value(keyword(parallel, name) or cst.Name("None")) == value:
                return "joblib-threads"
        return "joblib"

    def _record_site(self, kind: str, call: cst.Call) -> None:
        stack = self.context.stack
        site = Site(kind, call, self._where())
        parent = stack[-2] if len(stack) > 1 else None
        if isinstance(parent, cst.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0].target, cst.Name):
            site.name = parent.targets[0].target.value
        elif isinstance(parent, cst.WithItem) and parent.asname is not None and isinstance(parent.asname.name, cst.Name):
            site.name = parent.asname.name.value
            with_node = stack[-3] if len(stack) > 2 else None
            site.with_node = with_node if isinstance(with_node, cst.With) else None
        elif isinstance(parent, cst.Attribute) and len(stack) > 2 and isinstance(stack[-3], cst.Call):
            if parent.attr.value in POOL_METHODS:
                site.uses.append((stack[-3], parent.attr.value, site.where))
        if kind in ("thread", "process"):
            site.uses.append((call, "target", site.where))
        self.sites.append(site)

    # -- pairing sites with the calls that hand them work -------------------------------

    def resolved_sites(self) -> list[Site]:
        """The sites with the calls that hand them work (paired once per file)."""
        if self._resolved:
            return self.sites
        by_scope: dict[tuple[int, str], list[Site]] = {}
        for site in self.sites:
            if site.name is not None:
                by_scope.setdefault((id(site.where.scope), site.name), []).append(site)
        for call, name, method, where in self.name_uses:
            site = self._site_for(name, where, by_scope)
            if site is None:
                continue
            if method == "__call__" and site.kind.startswith("joblib"):
                site.uses.append((call, "__call__", where))
            elif method in POOL_METHODS and not site.kind.startswith("joblib") and site.kind not in ("thread", "process"):
                site.uses.append((call, method, where))
        self._resolved = True
        return self.sites

    def _site_for(self, name: str, where: Where, by_scope: dict[tuple[int, str], list[Site]]) -> Site | None:
        candidates = [s for s in by_scope.get((id(where.scope), name), ()) if s.where.order < where.order]
        candidates = [s for s in candidates if s.with_node is None or id(s.with_node) in where.ancestors]
        if candidates:
            return candidates[-1]
        if where.function is None:
            return None
        module_sites = by_scope.get((id(self.context.module), name), [])
        if len(module_sites) == 1 and name not in locally_bound(where.function):
            return module_sites[0]
        return None



class ConcurrencyRule(Rule):
    """Passes the traversal's nodes to the file's shared ``ConcurrencyFacts``;
    subclasses judge the sites in ``finish``."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.facts = ConcurrencyFacts.of(context)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.facts.record(node, self.facts.visit_Assign)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.facts.record(node, self.facts.visit_ClassDef)

    def visit_Call(self, node: cst.Call) -> None:
        self.facts.record(node, self.facts.visit_Call)

    @property
    def sites(self) -> list[Site]:
        return self.facts.sites

    @property
    def thread_classes(self) -> list[tuple[cst.ClassDef, Where]]:
        return self.facts.thread_classes

    @property
    def definitions(self) -> ModuleDefinitions:
        return self.facts.definitions

    @property
    def module_imports(self) -> ImportNames:
        return self.facts.module_imports

    def resolved_sites(self) -> list[Site]:
        return self.facts.resolved_sites()

    def targets_of(self, site: Site) -> list[Target]:
        return TargetResolver(self.context.names, self.definitions).targets_of(site)


def _method_owner(stack: list[cst.CSTNode], function: cst.FunctionDef | None) -> cst.ClassDef | None:
    """The class whose body defines ``function`` directly (it is a method)."""
    if function is None:
        return None
    index = stack.index(function)
    if index > 1 and isinstance(stack[index - 1], cst.IndentedBlock) and isinstance(stack[index - 2], cst.ClassDef):
        return stack[index - 2]  # type: ignore[return-value]
    return None


def _under_main_guard(stack: list[cst.CSTNode]) -> bool:
    """In the body of a main guard, and not inside a def, lambda or class there."""
    for index, node in enumerate(stack[:-1]):
        if type(node) in SCOPE_TYPES:
            return False
        if type(node) is cst.If and stack[index + 1] is node.body and is_guard_test(node.test):
            return True
    return False
