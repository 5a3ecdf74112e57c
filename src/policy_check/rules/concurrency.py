"""PC4 — processes, not threads, for CPU work.

Research code "parallelises" pure-Python Monte Carlo loops with threads and gets no
speed-up (the GIL runs one thread's Python at a time); the switch to processes has
its own traps: pools started at import time break under the spawn start method, and
lambdas or nested functions cannot be pickled to a worker process.

The rules share one collector: during the traversal it records every pool, executor,
thread and process construction (with the name it is bound to) and every call that
hands work to one (``submit``, ``map``, ``apply_async``…); ``finish`` pairs them up,
resolves what each worker runs and, for PC401, asks ``cpu_bound`` what kind of work it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import libcst as cst

from policy_check.diagnostics import Applicability
from policy_check.rules.base import (
    AddModuleLines,
    FileContext,
    FixSafety,
    InsertBefore,
    Invalid,
    NodeEdit,
    NodeFix,
    Replace,
    Rule,
    Valid,
)
from policy_check.rules.cpu_bound import Classifier, ModuleDefinitions, Verdict, Workload, class_methods
from policy_check.analysis.literals import string_value
from policy_check.analysis.names import ImportNames
from policy_check.analysis.patterns import assigned_names

THREAD_EXECUTORS = frozenset({"concurrent.futures.ThreadPoolExecutor", "concurrent.futures.thread.ThreadPoolExecutor"})
THREAD_POOLS = frozenset({"multiprocessing.dummy.Pool", "multiprocessing.pool.ThreadPool", "multiprocessing.dummy.ThreadPool"})
PROCESS_EXECUTORS = frozenset(
    {"concurrent.futures.ProcessPoolExecutor", "concurrent.futures.process.ProcessPoolExecutor", "loky.ProcessPoolExecutor"}
)
PROCESS_POOLS = frozenset({"multiprocessing.Pool", "multiprocessing.pool.Pool"})
PROCESS_CLASSES = frozenset({"multiprocessing.Process", "multiprocessing.context.Process"})
# Methods that hand a callable to a pool or executor; the callable is the first argument.
POOL_METHODS = frozenset(
    {"submit", "map", "imap", "imap_unordered", "starmap", "apply", "apply_async", "map_async", "starmap_async"}
)
JOBLIB_THREAD_OPTIONS = {("backend", "threading"): "loky", ("prefer", "threads"): "processes", ("require", "sharedmem"): None}

def _is_name(node: cst.CSTNode, name: str) -> bool:
    # Plain checks, not libcst.matchers: importing the matchers costs more than the rest of libcst.
    return isinstance(node, cst.Name) and node.value == name


THREAD_KINDS = frozenset({"thread", "thread-executor", "thread-pool", "joblib-threads"})
PROCESS_KINDS = frozenset({"process", "process-executor", "process-pool"})


# ---------------------------------------------------------------------------
# What the traversal records.


@dataclass
class Where:
    """The place of a node: its binding scope and what encloses it."""

    order: int
    scope: cst.CSTNode  # the innermost function, or the module
    function: cst.FunctionDef | None
    functions: tuple[cst.FunctionDef, ...]  # every enclosing function, innermost last
    owner: cst.ClassDef | None  # the class whose method encloses the node
    in_definition: bool  # inside any def, lambda or class: does not run at import
    guarded: bool  # inside the body of a main guard
    ancestors: frozenset[int]
    top_statement: cst.CSTNode | None  # the module-level statement holding the node


@dataclass
class Site:
    """A thread, pool, executor or process construction."""

    kind: str
    call: cst.Call
    where: Where
    name: str | None = None
    with_node: cst.With | None = None
    uses: list[tuple[cst.Call, str, Where]] = field(default_factory=list)


@dataclass
class Target:
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


def _is_guard_test(test: cst.BaseExpression) -> bool:
    """``__name__ == "__main__"`` (alone or in an ``and``), or the child-process checks
    ``current_process().name == "MainProcess"`` / ``parent_process() is None``."""
    if isinstance(test, cst.BooleanOperation):
        return isinstance(test.operator, cst.And) and (_is_guard_test(test.left) or _is_guard_test(test.right))
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return False
    left, right = test.left, test.comparisons[0].comparator
    operator = test.comparisons[0].operator
    if isinstance(operator, cst.Equal):
        values = {string_value(left), string_value(right)}
        if _is_name(left, "__name__") or _is_name(right, "__name__"):
            return "__main__" in values
        return "MainProcess" in values
    if isinstance(operator, cst.Is):
        return (
            _is_name(right, "None")
            and isinstance(left, cst.Call)
            and (_is_name(left.func, "parent_process") or (isinstance(left.func, cst.Attribute) and left.func.attr.value == "parent_process"))
        )
    return False


def _positional(call: cst.Call) -> list[cst.BaseExpression]:
    return [arg.value for arg in call.args if arg.keyword is None and not arg.star]


def _keyword(call: cst.Call, name: str) -> cst.BaseExpression | None:
    return next((arg.value for arg in call.args if arg.keyword is not None and arg.keyword.value == name), None)


class _ConcurrencyRule(Rule):
    """Collects sites and uses during the traversal; subclasses judge them in ``finish``."""

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.sites: list[Site] = []
        self.name_uses: list[tuple[cst.Call, str, str, Where]] = []
        self.context_names: set[str] = set()  # names bound to multiprocessing.get_context(...)
        self.thread_classes: list[tuple[cst.ClassDef, Where]] = []
        self._order = 0
        self._definitions: ModuleDefinitions | None = None
        self._module_imports: ImportNames | None = None

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
        functions = tuple(node for node in stack if isinstance(node, cst.FunctionDef))
        function = functions[-1] if functions else None
        owner = None
        if function is not None:
            index = stack.index(function)
            if index > 1 and isinstance(stack[index - 1], cst.IndentedBlock) and isinstance(stack[index - 2], cst.ClassDef):
                owner = stack[index - 2]
        guarded = False
        for index, node in enumerate(stack[:-1]):
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                break
            if isinstance(node, cst.If) and stack[index + 1] is node.body and _is_guard_test(node.test):
                guarded = True
        return Where(
            order=self._order,
            scope=function if function is not None else self.context.module,
            function=function,
            functions=functions,
            owner=owner,
            in_definition=any(isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)) for node in stack),
            guarded=guarded,
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
        stack = self.context.stack
        if isinstance(stack[-2], cst.Assign) and (joblib_kind := self._joblib_kind(node)) is not None:
            # `parallel = Parallel(prefer="threads")`, called later as `parallel(delayed(f)(x) for …)`.
            self._record_site(joblib_kind, node)
            return
        kind = self._construction_kind(node)
        if kind is not None:
            self._record_site(kind, node)
            return
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.attr.value in POOL_METHODS:
            self.name_uses.append((node, func.value.value, func.attr.value, self._where()))
        elif isinstance(func, cst.Name) and func.value not in ("print", "len", "list", "range"):
            self.name_uses.append((node, func.value, "__call__", self._where()))
        elif isinstance(func, cst.Call) and self._joblib_kind(func) is not None:
            site = Site(self._joblib_kind(func) or "", func, self._where())
            site.uses.append((node, "__call__", site.where))
            self.sites.append(site)

    def _construction_kind(self, call: cst.Call) -> str | None:
        qualified = self.context.names.qualify(call.func) or ""
        if qualified == "threading.Thread":
            return "thread"
        if qualified in THREAD_EXECUTORS:
            return "thread-executor"
        if qualified in THREAD_POOLS:
            return "thread-pool"
        if qualified in PROCESS_EXECUTORS:
            return "process-executor"
        if qualified in PROCESS_CLASSES:
            return "process"
        if qualified in PROCESS_POOLS:
            return "process-pool"
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value in ("Pool", "Process"):
            receiver = func.value
            from_context = (
                isinstance(receiver, cst.Call) and (self.context.names.qualify(receiver.func) or "").endswith("get_context")
            ) or (isinstance(receiver, cst.Name) and receiver.value in self.context_names)
            if from_context:
                return "process-pool" if func.attr.value == "Pool" else "process"
        return None

    def _joblib_kind(self, parallel: cst.Call) -> str | None:
        """``joblib-threads`` for ``Parallel(backend="threading")`` and friends."""
        if self.context.names.qualify(parallel.func) != "joblib.Parallel":
            return None
        for keyword, value in JOBLIB_THREAD_OPTIONS:
            if string_value(_keyword(parallel, keyword) or cst.Name("None")) == value:
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
        return self.sites

    def _site_for(self, name: str, where: Where, by_scope: dict[tuple[int, str], list[Site]]) -> Site | None:
        candidates = [s for s in by_scope.get((id(where.scope), name), ()) if s.where.order < where.order]
        candidates = [s for s in candidates if s.with_node is None or id(s.with_node) in where.ancestors]
        if candidates:
            return candidates[-1]
        if where.function is None:
            return None
        module_sites = by_scope.get((id(self.context.module), name), [])
        if len(module_sites) == 1 and name not in _locally_bound(where.function):
            return module_sites[0]
        return None

    # -- what a worker runs -----------------------------------------------------------------

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
            positional = _positional(call)
            return _keyword(call, "target") or (positional[1] if len(positional) > 1 else None)
        if method == "__call__":
            positional = _positional(call)
            if len(positional) != 1 or not isinstance(positional[0], (cst.GeneratorExp, cst.ListComp)):
                return None
            element = positional[0].elt
            if (
                isinstance(element, cst.Call)
                and isinstance(element.func, cst.Call)
                and self.context.names.qualify(element.func.func) == "joblib.delayed"
                and len(element.func.args) == 1
            ):
                return element.func.args[0].value
            return None
        positional = _positional(call)
        return positional[0] if positional else _keyword(call, "fn") or _keyword(call, "func")

    def resolve(self, expression: cst.BaseExpression, where: Where) -> Target:
        names = self.context.names
        if isinstance(expression, cst.Call) and names.qualify(expression.func) == "functools.partial":
            positional = _positional(expression)
            if positional:
                inner = self.resolve(positional[0], where)
                return Target(inner.kind, expression, inner.label, inner.function, inner.owner, inner.free_variables)
        if isinstance(expression, cst.Lambda):
            free = _free_variables(expression, where.functions)
            return Target("lambda", expression, "a lambda", expression, free_variables=free)
        if isinstance(expression, cst.Name):
            name = expression.value
            for function in reversed(where.functions):
                nested = _nested_definition(function, name)
                if nested is not None:
                    kind = "nested-function" if isinstance(nested, cst.FunctionDef) else "local-class"
                    free = _free_variables(nested, where.functions) if isinstance(nested, cst.FunctionDef) else ()
                    return Target(kind, expression, f"`{name}`", nested if isinstance(nested, cst.FunctionDef) else None, free_variables=free)
                if name in _locally_bound(function):
                    return Target("unresolved", expression, f"`{name}`")
            if name in self.definitions.functions and not names.is_imported(name):
                return Target("module-function", expression, f"`{name}`", self.definitions.functions[name])
            return Target("unresolved", expression, f"`{name}`")
        if isinstance(expression, cst.Attribute) and isinstance(expression.value, cst.Name):
            receiver, attribute = expression.value.value, expression.attr.value
            label = f"`{receiver}.{attribute}`"
            if receiver == "self" and where.owner is not None:
                method = class_methods(where.owner).get(attribute)
                return Target("method", expression, label, method, where.owner) if method else Target("unresolved", expression, label)
            for function in reversed(where.functions):
                local_class = _nested_definition(function, receiver) or _instance_class(function, receiver)
                if isinstance(local_class, cst.ClassDef):
                    return Target("local-class", expression, label, class_methods(local_class).get(attribute), local_class)
                if receiver in _locally_bound(function):
                    return Target("unresolved", expression, label)
            owner = self.definitions.classes.get(receiver)
            if owner is not None and attribute in class_methods(owner):
                return Target("class-function", expression, label, class_methods(owner)[attribute], owner)
        return Target("unresolved", expression, "an unresolved callable")


def _locally_bound(function: cst.FunctionDef) -> set[str]:
    """Parameters and names assigned anywhere in a function (not in nested defs)."""
    from policy_check.rules.cpu_bound import _parameter_names, _walk_body

    bound = _parameter_names(function.params) | {"self", "cls"}
    for node in _walk_body(function.body):
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)):
            bound.add(node.name.value)
        elif isinstance(node, cst.AssignTarget) and isinstance(node.target, cst.Name):
            bound.add(node.target.value)
        elif isinstance(node, (cst.For, cst.CompFor)) and isinstance(node.target, cst.Name):
            bound.add(node.target.value)
        elif isinstance(node, (cst.AnnAssign, cst.AugAssign)) and isinstance(node.target, cst.Name):
            bound.add(node.target.value)
        elif isinstance(node, cst.AsName) and isinstance(node.name, cst.Name):
            bound.add(node.name.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            pass
    for node in _walk_body(function.body):
        if isinstance(node, cst.AssignTarget) and isinstance(node.target, (cst.Tuple, cst.List)):
            bound.update(
                element.value.value for element in node.target.elements if isinstance(element.value, cst.Name)
            )
    return bound


def _nested_definition(function: cst.FunctionDef, name: str) -> cst.FunctionDef | cst.ClassDef | None:
    from policy_check.rules.cpu_bound import _walk_body

    for node in _walk_body(function.body):
        if isinstance(node, (cst.FunctionDef, cst.ClassDef)) and node.name.value == name:
            return node
    return None


def _instance_class(function: cst.FunctionDef, name: str) -> cst.ClassDef | None:
    """The local class ``name`` was made from (``obj = Local(...)``), if any."""
    from policy_check.rules.cpu_bound import _walk_body

    for node in _walk_body(function.body):
        if (
            isinstance(node, cst.Assign)
            and any(_is_name(t.target, name) for t in node.targets)
            and isinstance(node.value, cst.Call)
            and isinstance(node.value.func, cst.Name)
        ):
            found = _nested_definition(function, node.value.func.value)
            return found if isinstance(found, cst.ClassDef) else None
    return None


def _free_variables(inner: cst.FunctionDef | cst.Lambda, enclosing: Sequence[cst.FunctionDef]) -> tuple[str, ...]:
    """Names the nested function reads from the functions around it (they become arguments)."""
    outer_bound: set[str] = set()
    for function in enclosing:
        outer_bound |= _locally_bound(function) - {"self", "cls"}
    own = {p.name.value for p in (*inner.params.posonly_params, *inner.params.params, *inner.params.kwonly_params)}
    if isinstance(inner, cst.FunctionDef):
        own |= _locally_bound(inner)
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


# ---------------------------------------------------------------------------


class ThreadForCpuWork(_ConcurrencyRule):
    """Python threads share one interpreter lock (the GIL): only one thread runs
    Python bytecode at a time.  A Monte Carlo loop, a permutation test or a pair sum
    written in plain Python and spread over 8 threads takes as long as on one thread
    (often a little longer, from the switching).  Measured with
    `benchmarks/threads_vs_processes.py` (a pure-Python permutation test, 8 tasks of
    1,500 permutations, 2 workers on an idle 2-core machine): serial 0.64 s, 2 threads
    0.61 s (1.04x), 2 processes 0.32 s (1.98x) — only processes can use the second
    core, and their gain grows with the core count.  Processes each
    have their own interpreter and run truly in parallel.  Threads remain right for waiting (files,
    network, sleeping) and for NumPy/SciPy calls that release the GIL; the rule stays
    silent on those and on anything it cannot see through.  Off with
    ``free-threaded = true`` (Python 3.13t/3.14t has no GIL)."""

    code = "PC401"
    name = "thread-for-cpu-work"
    summary = "Threads run pure-Python CPU-bound work, which the GIL serialises; use processes."
    MESSAGE = "{what} runs CPU-bound Python ({target}: {reason}); the GIL lets one thread compute at a time, so use processes{how}"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "The pool becomes a `ProcessPoolExecutor` / `multiprocessing.Pool` (joblib: the process backend), "
        "only when every target is a module-level function that returns its results and the pool is created "
        "inside a function or a main guard; arguments and results are then pickled between processes."
    )
    trigger_words = ("Thread", "dummy", "threading", "joblib")

    VALID = [
        # Waiting on files: threads are right.
        "from concurrent.futures import ThreadPoolExecutor\n\ndef size(path):\n    with open(path) as fh:\n        return sum(len(line) for line in fh)\n\ndef sizes(paths):\n    with ThreadPoolExecutor(8) as ex:\n        return list(ex.map(size, paths))\n",
        # NumPy releases the GIL.
        "import threading\nimport numpy as np\n\ndef spectrum(block):\n    for _ in range(3):\n        block = np.fft.fft2(block)\n    return block\n\ndef start(block):\n    t = threading.Thread(target=spectrum, args=(block,))\n    t.start()\n    return t\n",
        # Mixed: the target calls something the rule cannot see (another module).
        "from concurrent.futures import ThreadPoolExecutor\nfrom lab.fit import fit_one\n\ndef fit_all(items):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(fit_one, items))\n",
        # Already processes.
        "from concurrent.futures import ProcessPoolExecutor\n\ndef work(n):\n    return sum(i * i for i in range(n))\n\ndef main():\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(work, [10**6] * 4))\n",
        # Sleeping and queues.
        "import threading, time\n\ndef poll(q):\n    while True:\n        item = q.get()\n        time.sleep(1)\n\ndef start(q):\n    threading.Thread(target=poll, args=(q,), daemon=True).start()\n",
        # Free-threaded Python: threads do run in parallel.
        Valid(
            "from concurrent.futures import ThreadPoolExecutor\n\ndef work(n):\n    return sum(i * i for i in range(n))\n\ndef run():\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(work, [10**6] * 4))\n",
            config={"free-threaded": True},
        ),
    ]
    INVALID = [
        Invalid(
            "from concurrent.futures import ThreadPoolExecutor\n\n\ndef pi_hits(seed, n=100_000):\n    x = seed\n    hits = 0\n    for _ in range(n):\n        x = (1103515245 * x + 12345) % 2**31\n        y = (1103515245 * x + 12345) % 2**31\n        hits += (x / 2**31) ** 2 + (y / 2**31) ** 2 < 1.0\n    return hits\n\n\ndef estimate(seeds):\n    with ThreadPoolExecutor(max_workers=4, thread_name_prefix=\"mc\") as ex:\n        return sum(ex.map(pi_hits, seeds))\n",
            expected="from concurrent.futures import ThreadPoolExecutor\nfrom concurrent.futures import ProcessPoolExecutor\n\n\ndef pi_hits(seed, n=100_000):\n    x = seed\n    hits = 0\n    for _ in range(n):\n        x = (1103515245 * x + 12345) % 2**31\n        y = (1103515245 * x + 12345) % 2**31\n        hits += (x / 2**31) ** 2 + (y / 2**31) ** 2 < 1.0\n    return hits\n\n\ndef estimate(seeds):\n    with ProcessPoolExecutor(max_workers=4) as ex:\n        return sum(ex.map(pi_hits, seeds))\n",
        ),
        Invalid(
            "import concurrent.futures as cf\n\n\ndef collatz(n):\n    steps = 0\n    while n != 1:\n        n = n // 2 if n % 2 == 0 else 3 * n + 1\n        steps += 1\n    return steps\n\n\ndef longest(limit):\n    pool = cf.ThreadPoolExecutor(8)\n    futures = [pool.submit(collatz, n) for n in range(1, limit)]\n    return max(f.result() for f in futures)\n",
            expected="import concurrent.futures as cf\n\n\ndef collatz(n):\n    steps = 0\n    while n != 1:\n        n = n // 2 if n % 2 == 0 else 3 * n + 1\n        steps += 1\n    return steps\n\n\ndef longest(limit):\n    pool = cf.ProcessPoolExecutor(8)\n    futures = [pool.submit(collatz, n) for n in range(1, limit)]\n    return max(f.result() for f in futures)\n",
        ),
        Invalid(
            "from multiprocessing.pool import ThreadPool\n\n\ndef pair_sum(points):\n    total = 0.0\n    for i, (x, y) in enumerate(points):\n        for u, v in points[i + 1:]:\n            total += ((x - u) ** 2 + (y - v) ** 2) ** -0.5\n    return total\n\n\ndef energies(configurations):\n    with ThreadPool(4) as pool:\n        return pool.map(pair_sum, configurations)\n",
            expected="from multiprocessing.pool import ThreadPool\nimport multiprocessing\n\n\ndef pair_sum(points):\n    total = 0.0\n    for i, (x, y) in enumerate(points):\n        for u, v in points[i + 1:]:\n            total += ((x - u) ** 2 + (y - v) ** 2) ** -0.5\n    return total\n\n\ndef energies(configurations):\n    with multiprocessing.Pool(4) as pool:\n        return pool.map(pair_sum, configurations)\n",
        ),
        Invalid(
            "import random\n\n\ndef perm_p(a, b, n_perm=2000):\n    gen = random.Random(0)\n    pooled = a + b\n    observed = sum(a) / len(a) - sum(b) / len(b)\n    hits = 0\n    for _ in range(n_perm):\n        gen.shuffle(pooled)\n        hits += sum(pooled[:len(a)]) / len(a) - sum(pooled[len(a):]) / len(b) >= observed\n    return hits / n_perm\n\n\ndef all_p(pairs):\n    from joblib import Parallel, delayed\n    return Parallel(n_jobs=4, prefer=\"threads\")(delayed(perm_p)(a, b) for a, b in pairs)\n",
            expected="import random\n\n\ndef perm_p(a, b, n_perm=2000):\n    gen = random.Random(0)\n    pooled = a + b\n    observed = sum(a) / len(a) - sum(b) / len(b)\n    hits = 0\n    for _ in range(n_perm):\n        gen.shuffle(pooled)\n        hits += sum(pooled[:len(a)]) / len(a) - sum(pooled[len(a):]) / len(b) >= observed\n    return hits / n_perm\n\n\ndef all_p(pairs):\n    from joblib import Parallel, delayed\n    return Parallel(n_jobs=4, prefer=\"processes\")(delayed(perm_p)(a, b) for a, b in pairs)\n",
        ),
        # Threads writing into a shared dict: suggestion only.
        "import threading\n\ndef worker(seeds, out):\n    for s in seeds:\n        out[s] = sum(i * s for i in range(10_000))\n\ndef run(seeds):\n    out = {}\n    threads = [threading.Thread(target=worker, args=(seeds[k::2], out)) for k in range(2)]\n    for t in threads:\n        t.start()\n    return out\n",
        # A lambda target: suggestion only.
        "from concurrent.futures import ThreadPoolExecutor\n\ndef run(values):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(lambda n: sum(k * k for k in range(n)), values))\n",
        # A thread subclass whose run method computes.
        "import threading\n\nclass Sampler(threading.Thread):\n    def run(self):\n        self.total = 0\n        for k in range(10**6):\n            self.total += k % 7\n",
    ]

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return not context.settings.free_threaded and super().applies_to(context)

    def finish(self) -> None:
        classifier = Classifier(self.definitions, self.context.names)
        for site in self.resolved_sites():
            if site.kind not in THREAD_KINDS:
                continue
            targets = self.targets_of(site)
            if not targets:
                continue
            verdicts = [self._verdict(classifier, target) for target in targets]
            if any(verdict is None or verdict.workload is not Workload.CPU for verdict in verdicts):
                continue  # mixed or unknown: precision first
            self._report_site(site, targets, verdicts)  # type: ignore[arg-type]
        for class_def, _where in self.thread_classes:
            verdict = classifier.classify(class_methods(class_def)["run"], class_def)
            if verdict.workload is Workload.CPU:
                self.report(
                    class_def,
                    self.MESSAGE.format(
                        what=f"Thread subclass `{class_def.name.value}`",
                        target="its `run`",
                        reason=verdict.reason,
                        how=": move the work into a module-level function and run it in a `ProcessPoolExecutor`",
                    ),
                )

    @staticmethod
    def _verdict(classifier: Classifier, target: Target) -> Verdict | None:
        if target.function is None or target.kind in ("unresolved", "local-class"):
            return None
        return classifier.classify(target.function, target.owner)

    def _report_site(self, site: Site, targets: list[Target], verdicts: list[Verdict]) -> None:
        what = {
            "thread": "`threading.Thread`",
            "thread-executor": "`ThreadPoolExecutor`",
            "thread-pool": "A thread pool",
            "joblib-threads": "joblib's threading backend",
        }[site.kind]
        blocker = self._fix_blocker(site, targets, verdicts)
        fix = None if blocker else self._fix(site)
        if fix is None and not blocker:
            blocker = "the process pool's name would clash with a name in this module"
        how = f" (no automatic fix: {blocker})" if blocker else ""
        target = targets[0]
        message = self.MESSAGE.format(what=what, target=target.label, reason=verdicts[0].reason, how=how)
        self.report(site.call, message, fix=fix)

    def _fix_blocker(self, site: Site, targets: list[Target], verdicts: list[Verdict]) -> str | None:
        if site.kind == "thread":
            return "run the function in a `ProcessPoolExecutor` and return results instead of sharing them"
        for target, verdict in zip(targets, verdicts):
            if target.kind == "lambda":
                return "the target is a lambda, which cannot be pickled; make it a module-level function"
            if target.kind == "nested-function":
                return f"{target.label} is a closure; move it to module level"
            if target.kind == "method":
                return f"{target.label} is a bound method; make it a module-level function"
            if verdict.writes_shared_state:
                return f"{target.label} writes into shared state; return the results instead"
        if not site.where.in_definition and not site.where.guarded:
            return "the pool is created at import time; create it inside a function or a main guard"
        if site.kind == "joblib-threads" and _keyword(site.call, "require") is not None:
            return "`require=\"sharedmem\"` asks for shared memory"
        if _keyword(site.call, "initializer") is not None:
            return "the initializer must be picklable too"
        return None

    def _fix(self, site: Site) -> NodeFix | None:
        call = site.call
        edits: list[NodeEdit] = []
        taken = assigned_names(list(self.context.module.body))
        imports = self.module_imports
        if site.kind == "joblib-threads":
            for (keyword, value), replacement in JOBLIB_THREAD_OPTIONS.items():
                argument = _keyword(call, keyword)
                if argument is not None and string_value(argument) == value and replacement is not None:
                    assert isinstance(argument, cst.SimpleString)
                    quote = argument.quote
                    edits.append(Replace(argument, cst.SimpleString(f"{argument.prefix}{quote}{replacement}{quote}")))
            message = "Use joblib's process backend"
            return NodeFix(message, Applicability.UNSAFE, tuple(edits)) if edits else None
        if site.kind == "thread-executor":
            new_func, additions = self._process_callable(
                call.func, "concurrent.futures", "ProcessPoolExecutor", "from concurrent.futures import ProcessPoolExecutor", taken, imports
            )
            dropped = ("thread_name_prefix",)
            message = "Use `ProcessPoolExecutor`"
        else:
            new_func, additions = self._process_callable(call.func, "multiprocessing", "Pool", "import multiprocessing", taken, imports)
            dropped = ()
            message = "Use `multiprocessing.Pool`"
        if new_func is None:
            return None
        arguments = [arg for arg in call.args if not (arg.keyword is not None and arg.keyword.value in dropped)]
        if arguments and len(arguments) < len(call.args):
            arguments[-1] = arguments[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        edits.extend(additions)
        edits.append(Replace(call, call.with_changes(func=new_func, args=arguments)))
        return NodeFix(message, Applicability.UNSAFE, tuple(edits))

    @staticmethod
    def _process_callable(
        func: cst.BaseExpression, module: str, attribute: str, import_line: str, taken: set[str], imports: ImportNames
    ) -> tuple[cst.BaseExpression | None, list[NodeEdit]]:
        """The expression that names the process version, and the import it needs."""
        if isinstance(func, cst.Attribute) and imports.qualify(func.value) == module:
            return func.with_changes(attr=cst.Name(attribute)), []
        direct = [name for name in imports.local_names_for(f"{module}.{attribute}")]
        if direct:
            return cst.Name(direct[0]), []
        module_aliases = imports.local_names_for(module)
        if module_aliases:
            return cst.Attribute(cst.Name(module_aliases[0]), cst.Name(attribute)), []
        if module == "multiprocessing":
            if "multiprocessing" in taken or imports.is_imported("multiprocessing"):
                return None, []
            return cst.Attribute(cst.Name("multiprocessing"), cst.Name(attribute)), [AddModuleLines(import_line)]
        if attribute in taken or imports.is_imported(attribute):
            return None, []
        return cst.Name(attribute), [AddModuleLines(import_line)]


class MissingMainGuard(_ConcurrencyRule):
    """Under the *spawn* start method — the default on macOS and Windows, and
    Python 3.14's *forkserver* default on Linux is the same here — every worker
    process starts a fresh interpreter and imports your module to find the
    function it should run.  A pool created at module level is then created again
    inside every worker, which fails with "An attempt has been made to start a new
    process before the current process has finished its bootstrapping phase" (or
    spawns processes without end).  Code that starts processes must run only when
    the module is executed, under ``if __name__ == "__main__":``, or inside a
    function called from there."""

    code = "PC402"
    name = "missing-main-guard"
    summary = "A process pool or `Process` is started at module level without an `if __name__ == \"__main__\":` guard."
    MESSAGE = "{what} started at module level: under the spawn start method (macOS, Windows) every worker re-imports this module and starts it again; put it under `if __name__ == \"__main__\":`{how}"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "The module-level statements from the first process-starting one to the end of the file move under "
        "`if __name__ == \"__main__\":`, so they no longer run on import. When those statements define functions, "
        "classes or names the rest of the module uses, there is no edit: move them into `def main()` called from the guard."
    )
    trigger_words = ("Pool", "Process")

    VALID = [
        'import multiprocessing\n\ndef square(x):\n    return x * x\n\nif __name__ == "__main__":\n    with multiprocessing.Pool(2) as pool:\n        print(pool.map(square, range(10)))\n',
        "from concurrent.futures import ProcessPoolExecutor\n\ndef square(x):\n    return x * x\n\ndef main():\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(square, range(10)))\n",
        # A thread pool at module level is not a process pool.
        "from concurrent.futures import ThreadPoolExecutor\nIO_POOL = ThreadPoolExecutor(4)\n",
        # The child-process check works as a guard too.
        'import multiprocessing as mp\n\ndef f(x):\n    return x\n\nif mp.current_process().name == "MainProcess" and __name__ == "__main__":\n    mp.Pool(2).map(f, [1, 2])\n',
    ]
    INVALID = [
        Invalid(
            "import multiprocessing\n\n\ndef square(x):\n    return x * x\n\n\nwith multiprocessing.Pool(2) as pool:\n    SQUARES = pool.map(square, range(10))\nprint(SQUARES)\n",
            expected='import multiprocessing\n\n\ndef square(x):\n    return x * x\n\n\nif __name__ == "__main__":\n    with multiprocessing.Pool(2) as pool:\n        SQUARES = pool.map(square, range(10))\n    print(SQUARES)\n',
        ),
        Invalid(
            "from concurrent.futures import ProcessPoolExecutor\n\nREGENERATE = False\n\ndef row(t):\n    return [t * k for k in range(10)]\n\nif REGENERATE:\n    with ProcessPoolExecutor() as pool:\n        TABLE = list(pool.map(row, range(40)))\n",
            expected='from concurrent.futures import ProcessPoolExecutor\n\nREGENERATE = False\n\ndef row(t):\n    return [t * k for k in range(10)]\n\nif __name__ == "__main__":\n    if REGENERATE:\n        with ProcessPoolExecutor() as pool:\n            TABLE = list(pool.map(row, range(40)))\n',
        ),
        # A function defined after the pool would disappear for importers: no edit.
        "import multiprocessing as mp\n\ndef work(x):\n    return x + 1\n\nPOOL = mp.get_context('spawn').Pool(2)\n\ndef submit(x):\n    return POOL.apply_async(work, (x,))\n",
        Invalid(
            "import multiprocessing\n\ndef beat():\n    pass\n\n# heartbeat\nmultiprocessing.Process(target=beat).start()  # at import\n",
            expected='import multiprocessing\n\ndef beat():\n    pass\n\n# heartbeat\nif __name__ == "__main__":\n    multiprocessing.Process(target=beat).start()  # at import\n',
        ),
    ]

    def finish(self) -> None:
        for site in self.sites:
            if site.kind not in PROCESS_KINDS or site.where.in_definition or site.where.guarded:
                continue
            if site.kind == "process" and ".start(" not in self.context.source:
                continue
            what = {"process": "A `Process` is", "process-executor": "A `ProcessPoolExecutor` is"}.get(site.kind, "A process pool is")
            blocker, fix = self._fix(site)
            how = f" (no automatic fix: {blocker})" if blocker else ""
            self.report(site.call, self.MESSAGE.format(what=what, how=how), fix=fix)

    def _fix(self, site: Site) -> tuple[str | None, NodeFix | None]:
        module = self.context.module
        top = site.where.top_statement
        if top is None or top not in module.body:
            return "the pool is not in a module-level statement", None
        start = list(module.body).index(top)
        region = list(module.body)[start:]
        if any(isinstance(statement, (cst.FunctionDef, cst.ClassDef)) for statement in region):
            return "functions or classes are defined after it; move the statements into `def main()` called from the guard", None
        defined = assigned_names(region)
        used_before = _names_used(list(module.body)[:start])
        shared = sorted(defined & used_before)
        if shared:
            return f"the rest of the module uses {', '.join(f'`{n}`' for n in shared)}; move the statements into `def main()` called from the guard", None
        edits: list[NodeEdit] = [InsertBefore(top, 'if __name__ == "__main__":')]  # type: ignore[arg-type]
        edits.extend(Replace(statement, _indented(statement, module)) for statement in region)
        return None, NodeFix("Wrap the module-level code in a main guard", Applicability.UNSAFE, tuple(edits))


def _names_used(statements: Sequence[cst.CSTNode]) -> set[str]:
    used: set[str] = set()
    stack: list[cst.CSTNode] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            used.add(node.value)
        stack.extend(node.children)
    return used


def _indented(statement: cst.BaseStatement, module: cst.Module) -> str:
    """The statement's code one level deeper, strings untouched (libcst indents blocks)."""
    bare = statement.with_changes(leading_lines=())
    if isinstance(bare, cst.SimpleStatementLine):
        bare = bare.with_changes(trailing_whitespace=cst.TrailingWhitespace())
    wrapper = module.with_changes(body=[cst.If(test=cst.Name("x"), body=cst.IndentedBlock(body=[bare]))], header=(), footer=())
    code = wrapper.code.split(module.default_newline, 1)[1]
    return code.rstrip("\r\n")


class UnpicklableProcessTarget(_ConcurrencyRule):
    """A process pool sends each task to a worker process by pickling the function and
    its arguments, and pickle stores a function as "module + name" so the worker can
    import it.  A lambda, a function defined inside another function, or an object of a
    class defined inside a function has no such name: the pool fails with
    ``Can't pickle <function ... <locals>...>`` (or ``AttributeError: Can't get local
    object``) — with the spawn start method even ``Process(target=...)`` does.  Move the
    function to module level; the variables it used from the enclosing function become
    its arguments (``functools.partial`` binds them)."""

    code = "PC403"
    name = "unpicklable-process-target"
    summary = "A lambda, nested function or local class is sent to a process pool or `Process`."
    MESSAGE = "{label} is {what}: it cannot be pickled to a worker process; move it to module level{free}"
    trigger_words = ("Pool", "Process")

    VALID = [
        "from concurrent.futures import ProcessPoolExecutor\n\ndef work(x):\n    return x * x\n\ndef run(xs):\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(work, xs))\n",
        "import functools\nfrom multiprocessing import Pool\n\ndef work(x, scale):\n    return x * scale\n\ndef run(xs):\n    with Pool(2) as pool:\n        return pool.map(functools.partial(work, scale=2), xs)\n",
        # Threads do not pickle.
        "from concurrent.futures import ThreadPoolExecutor\n\ndef run(paths):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(lambda p: p.stat().st_size, paths))\n",
        "import math\nfrom multiprocessing import Pool\n\ndef run(xs):\n    with Pool(2) as pool:\n        return pool.map(math.sqrt, xs)\n",
    ]
    INVALID = [
        "from concurrent.futures import ProcessPoolExecutor\n\ndef sensitivity(base, rain, deltas):\n    def perturbed(delta):\n        return sum(r * base * (1 + delta) for r in rain)\n\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(perturbed, deltas))\n",
        "import multiprocessing as mp\n\ndef run(base, seasons):\n    with mp.Pool(4) as pool:\n        return pool.map(lambda rain: sum(rain) * base, seasons)\n",
        "from concurrent.futures import ProcessPoolExecutor\n\ndef run(factors):\n    class Scenario:\n        def __init__(self, f):\n            self.f = f\n\n        def evaluate(self):\n            return self.f * 2\n\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(Scenario.evaluate, [Scenario(f) for f in factors]))\n",
        "import multiprocessing\n\ndef start(seconds):\n    def wait():\n        return seconds\n\n    proc = multiprocessing.Process(target=wait)\n    proc.start()\n    return proc\n",
    ]

    def finish(self) -> None:
        for site in self.resolved_sites():
            if site.kind not in PROCESS_KINDS:
                continue
            for target in self.targets_of(site):
                what = {
                    "lambda": "a lambda",
                    "nested-function": "a nested function",
                    "local-class": "defined by a local class",
                }.get(target.kind)
                if what is None:
                    continue
                free = ""
                if target.free_variables:
                    names = ", ".join(f"`{name}`" for name in target.free_variables)
                    noun = "arguments" if len(target.free_variables) > 1 else "an argument"
                    free = f" and pass {names} as {noun} (`functools.partial`)"
                label = "This function" if target.kind == "lambda" else target.label
                self.report(target.expression, self.MESSAGE.format(label=label, what=what, free=free))


RULES = (ThreadForCpuWork, MissingMainGuard, UnpicklableProcessTarget)
