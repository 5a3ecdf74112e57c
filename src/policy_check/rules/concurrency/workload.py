"""Is a thread's work CPU-bound Python?  A small static classifier for PC401.

It reads one function (or lambda) and the module-level functions it calls, one or two
calls deep, and sorts the work into pure-Python CPU work (the GIL serialises it),
waiting (I/O, sleeping, sockets, queues), GIL-releasing native work (NumPy, hashlib…)
or unknown.  Only clear, all-Python CPU work counts; anything it cannot see through is
unknown, so the rule stays silent (precision first).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from typing import NamedTuple

import libcst as cst

from policy_check.analysis.names import ImportNames, module_level_statements


class Workload(str, enum.Enum):
    CPU = "cpu"
    WAITING = "waiting"
    NATIVE = "native"
    UNKNOWN = "unknown"
    # Straight-line code with no loop or recursion: nothing worth parallelising.
    TRIVIAL = "trivial"


# Builtins that compute in Python (or are cheap) and never wait.
PURE_BUILTINS = frozenset(
    """abs all any ascii bin bool bytes callable chr complex divmod enumerate filter float
    format frozenset getattr hasattr hash hex int isinstance issubclass iter len list map max
    min next oct ord pow range repr reversed round set slice sorted str sum tuple type zip dict
    ValueError TypeError KeyError IndexError RuntimeError ZeroDivisionError ArithmeticError""".split()
)
# Output is cheap next to a compute loop; a progress line does not make work I/O-bound.
NEUTRAL_BUILTINS = frozenset({"print", "id", "vars", "super", "isinstance"})
WAITING_BUILTINS = frozenset({"open", "input", "__import__", "exec", "eval", "compile"})

# Standard-library modules whose functions are pure-Python computation.
PURE_MODULES = frozenset(
    """math cmath random itertools functools operator statistics collections heapq bisect
    fractions decimal string re copy str list dict set int float tuple complex bytes
    dataclasses enum typing array struct numbers""".split()
)
# Calls that wait on the outside world (or may block on another thread).
WAITING_MODULES = frozenset(
    """requests httpx urllib urllib3 aiohttp socket ssl http boto3 botocore s3fs gcsfs fsspec
    subprocess shutil io gzip tarfile zipfile pathlib glob tempfile sqlite3 psycopg psycopg2 pymysql
    sqlalchemy pymongo redis asyncio queue select selectors threading multiprocessing concurrent
    ftplib smtplib paramiko pickle json csv shelve dbm h5py netCDF4 xarray zarr webbrowser
    signal logging""".split()
)
WAITING_CALLS = frozenset({"time.sleep", "os.system", "os.popen", "os.read", "os.write", "os.listdir", "os.walk", "os.scandir", "os.stat", "os.remove", "os.makedirs", "os.mkdir", "os.rename", "os.replace", "os.unlink", "os.waitpid"})
# Pure helpers of otherwise waiting modules.
PURE_CALLS = frozenset({"json.loads", "json.dumps", "pickle.loads", "pickle.dumps", "time.time", "time.perf_counter", "time.monotonic", "os.getpid"})
# Native code that releases the GIL (or at least does its work outside Python bytecode).
NATIVE_MODULES = frozenset(
    """numpy scipy torch tensorflow jax cupy numba numexpr pandas sklearn skimage statsmodels
    hashlib zlib bz2 lzma PIL cv2 pyarrow polars xgboost lightgbm astropy sympy networkx
    cython llvmlite dask""".split()
)

# Methods of builtin containers, strings, numbers and random generators.
PURE_METHODS = frozenset(
    """append extend insert pop remove clear copy count index sort reverse add discard update
    union intersection difference symmetric_difference issubset issuperset setdefault items keys
    values popitem most_common elements subtract appendleft popleft extendleft rotate
    split rsplit splitlines strip lstrip rstrip replace translate maketrans startswith endswith
    lower upper title capitalize casefold swapcase find rfind isdigit isalpha isalnum isspace
    isupper islower zfill ljust rjust center encode decode partition rpartition expandtabs
    conjugate bit_length bit_count as_integer_ratio is_integer hex real imag
    random randint randrange uniform gauss normalvariate lognormvariate expovariate
    vonmisesvariate gammavariate betavariate paretovariate weibullvariate triangular choice
    choices shuffle sample getrandbits seed binomialvariate""".split()
)
# Method names that wait whatever the receiver (files, sockets, cursors, futures, paths).
WAITING_METHODS = frozenset(
    """read readline readlines readinto write writelines flush recv recv_into recvfrom send sendall
    sendto accept connect execute executemany fetchone fetchall fetchmany commit wait acquire
    result read_text write_text read_bytes write_bytes open stat mkdir exists is_file is_dir
    iterdir glob rglob unlink rmdir touch urlopen request post download upload communicate
    poll sleep put put_nowait get_nowait to_csv to_parquet savefig save load dump""".split()
)
# Mutating a shared object passed to every worker: results written in place.
MUTATING_METHODS = frozenset({"append", "extend", "insert", "update", "add", "setdefault", "put", "__setitem__"})

MAX_DEPTH = 2


class ModuleDefinitions:
    """The module-level functions and classes of one module (a scan of its top level)."""

    def __init__(self) -> None:
        self.functions: dict[str, cst.FunctionDef] = {}
        self.classes: dict[str, cst.ClassDef] = {}

    @classmethod
    def of(cls, module: cst.Module) -> ModuleDefinitions:
        definitions = cls()
        for statement in module_level_statements(module.body):
            if isinstance(statement, cst.FunctionDef):
                definitions.functions[statement.name.value] = statement
            elif isinstance(statement, cst.ClassDef):
                definitions.classes[statement.name.value] = statement
        return definitions


def class_methods(class_def: cst.ClassDef) -> dict[str, cst.FunctionDef]:
    body = class_def.body.body if isinstance(class_def.body, cst.IndentedBlock) else ()
    return {statement.name.value: statement for statement in body if isinstance(statement, cst.FunctionDef)}


class Verdict(NamedTuple):
    workload: Workload
    # What decided it, for the message: "nested `for` loops", "`open(...)`", "`np.fft.fft2`".
    reason: str
    # Whether the function writes into an object it was given (a shared results list).
    writes_shared_state: bool = False


class _Evidence:
    """What a scan of one function found, strongest kind first when judged."""

    def __init__(self, parameters: set[str]) -> None:
        self.parameters = parameters
        self.waiting: list[str] = []
        self.native: list[str] = []
        self.unknown: list[str] = []
        self.cpu: list[str] = []
        self.writes_shared = False

    def absorb(self, verdict: Verdict, callee: str) -> None:
        bucket = {
            Workload.WAITING: self.waiting,
            Workload.NATIVE: self.native,
            Workload.UNKNOWN: self.unknown,
            Workload.CPU: self.cpu,
        }.get(verdict.workload)
        if bucket is not None:
            bucket.append(f"{verdict.reason} in `{callee}`")

    def verdict(self) -> Verdict:
        """Waiting beats native beats unknown beats CPU: one wait makes threads right."""
        for found, workload, reason in (
            (self.waiting, Workload.WAITING, "waits on {}"),
            (self.native, Workload.NATIVE, "calls native code ({})"),
            (self.unknown, Workload.UNKNOWN, "calls {}"),
            (self.cpu, Workload.CPU, "{}"),
        ):
            if found:
                return Verdict(workload, reason.format(found[0]), self.writes_shared)
        return Verdict(Workload.TRIVIAL, "no loop", self.writes_shared)


def _children(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    yield from node.children


def walk_body(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    """The nodes of a function body, not entering nested functions, lambdas or classes
    (their code does not run unless called, and a call to them is judged as a call)."""
    stack = list(_children(node))
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(_children(current))


def _has_arithmetic(node: cst.CSTNode) -> bool:
    return any(
        isinstance(inner, (cst.BinaryOperation, cst.AugAssign, cst.Comparison, cst.UnaryOperation))
        for inner in walk_body(node)
    )


class Classifier:
    """Classifies functions of one module; results are memoised per function node."""

    def __init__(self, definitions: ModuleDefinitions, names: ImportNames) -> None:
        self.definitions = definitions
        self.names = names
        self._memo: dict[tuple[int, int], Verdict] = {}

    def classify(
        self,
        function: cst.FunctionDef | cst.Lambda,
        owner: cst.ClassDef | None = None,
        depth: int = MAX_DEPTH,
    ) -> Verdict:
        key = (id(function), depth)
        if key not in self._memo:
            # A recursive cycle through other functions is unknown until proven otherwise.
            self._memo[key] = Verdict(Workload.UNKNOWN, "a call cycle")
            self._memo[key] = self._classify(function, owner, depth)
        return self._memo[key]

    def _classify(self, function: cst.FunctionDef | cst.Lambda, owner: cst.ClassDef | None, depth: int) -> Verdict:
        evidence = _Evidence(parameter_names(function.params))
        own_name = function.name.value if isinstance(function, cst.FunctionDef) else None
        body: cst.CSTNode = function.body
        nodes = [body, *walk_body(body)] if isinstance(function, cst.Lambda) else list(walk_body(body))
        for node in nodes:
            if isinstance(node, cst.Call):
                evidence.writes_shared |= _mutates_parameter(node, evidence.parameters)
                self._judge_call(node, own_name, owner, depth, evidence)
            else:
                _observe(node, evidence)
        return evidence.verdict()

    def _judge_call(
        self, call: cst.Call, own_name: str | None, owner: cst.ClassDef | None, depth: int, evidence: _Evidence
    ) -> None:
        func = call.func
        if isinstance(func, cst.Name) and self._judge_plain_name(func.value, own_name, depth, evidence):
            return
        method = _self_method_name(func)
        if method is not None and owner is not None:
            self._judge_own_method(method, owner, depth, evidence)
            return
        if self._judge_imported(func, evidence):
            return
        if isinstance(func, cst.Attribute):
            _judge_method(call, func, evidence)
            return
        evidence.unknown.append("a computed callable")

    def _judge_plain_name(self, name: str, own_name: str | None, depth: int, evidence: _Evidence) -> bool:
        """``f(...)``: recursion, a module function (followed) or a builtin; False when
        ``f`` is imported (judged by what it names)."""
        if name == own_name:
            evidence.cpu.append("recursion")
            return True
        if self.names.is_imported(name):
            return False
        if name in self.definitions.functions:
            self._follow(self.definitions.functions[name], None, depth, name, evidence)
        else:
            _judge_builtin(name, evidence)
        return True

    def _judge_own_method(self, method: str, owner: cst.ClassDef, depth: int, evidence: _Evidence) -> None:
        """``self.method(...)``: followed into the class's own method."""
        function = class_methods(owner).get(method)
        if function is not None:
            self._follow(function, owner, depth, f"self.{method}", evidence)
        else:
            evidence.unknown.append(f"`self.{method}(...)`")

    def _judge_imported(self, func: cst.BaseExpression, evidence: _Evidence) -> bool:
        """A call of something imported (or of a pure standard module); False otherwise."""
        qualified = self.names.qualify(func)
        if qualified is None:
            return False
        head = qualified.split(".")[0]
        if not (self.names.is_imported(head) or head in PURE_MODULES):
            return False
        self._judge_qualified(qualified, head, evidence)
        return True

    def _judge_qualified(self, qualified: str, head: str, evidence: _Evidence) -> None:
        if qualified in PURE_CALLS:
            return
        if qualified in WAITING_CALLS or head in WAITING_MODULES:
            evidence.waiting.append(f"`{qualified}`")
        elif head in NATIVE_MODULES:
            evidence.native.append(f"`{qualified}`")
        elif head in PURE_MODULES or qualified == "os.path" or qualified.startswith("os.path."):
            return
        else:
            evidence.unknown.append(f"`{qualified}`")

    def _follow(
        self, function: cst.FunctionDef, owner: cst.ClassDef | None, depth: int, label: str, evidence: _Evidence
    ) -> None:
        if depth <= 0:
            evidence.unknown.append(f"`{label}` (too deep to follow)")
            return
        evidence.absorb(self.classify(function, owner, depth - 1), label)


def parameter_names(params: cst.Parameters) -> set[str]:
    names = {p.name.value for p in (*params.posonly_params, *params.params, *params.kwonly_params)}
    for star in (params.star_arg, params.star_kwarg):
        if isinstance(star, cst.Param):
            names.add(star.name.value)
    return names - {"self", "cls"}


def _writes_into(target: cst.BaseExpression, parameters: set[str]) -> bool:
    """``results[i] = …`` or ``out.total = …`` on an object the worker was given."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return any(_writes_into(element.value, parameters) for element in target.elements)
    if isinstance(target, (cst.Subscript, cst.Attribute)):
        base = target.value
        while isinstance(base, (cst.Subscript, cst.Attribute)):
            base = base.value
        return isinstance(base, cst.Name) and base.value in parameters
    return False


def _observe(node: cst.CSTNode, evidence: _Evidence) -> None:
    """What one node of the body (other than a call) tells about the work."""
    if isinstance(node, (cst.Await, cst.Yield)):
        evidence.waiting.append("`await`" if isinstance(node, cst.Await) else "`yield`")
    elif isinstance(node, (cst.Global, cst.Nonlocal)):
        evidence.writes_shared = True
    elif isinstance(node, cst.WithItem) and not isinstance(node.item, cst.Call):
        evidence.unknown.append("a `with` block on an object (a lock?)")
    elif isinstance(node, (cst.For, cst.While)):
        _observe_loop(node, evidence)
    elif isinstance(node, cst.CompFor):
        evidence.cpu.append("a comprehension")
    elif isinstance(node, (cst.Assign, cst.AugAssign)):
        targets = [t.target for t in node.targets] if isinstance(node, cst.Assign) else [node.target]
        evidence.writes_shared |= any(_writes_into(target, evidence.parameters) for target in targets)


def _observe_loop(node: cst.For | cst.While, evidence: _Evidence) -> None:
    """A loop that computes (arithmetic, a nested loop, any ``while``) is CPU work."""
    nested = any(isinstance(inner, (cst.For, cst.While, cst.CompFor)) for inner in walk_body(node.body))
    if _has_arithmetic(node.body) or nested or isinstance(node, cst.While):
        kind = "`while`" if isinstance(node, cst.While) else "`for`"
        evidence.cpu.append(f"nested {kind} loops" if nested else f"a {kind} loop")


def _mutates_parameter(call: cst.Call, parameters: set[str]) -> bool:
    """``results.append(…)`` on an object the worker was given."""
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in MUTATING_METHODS
        and isinstance(func.value, cst.Name)
        and func.value.value in parameters
    )


def _self_method_name(func: cst.BaseExpression) -> str | None:
    """``method`` of ``self.method``."""
    if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name) and func.value.value == "self":
        return func.attr.value
    return None


def _judge_builtin(name: str, evidence: _Evidence) -> None:
    """A name neither defined in the module nor imported: a builtin, or unknown."""
    if name in PURE_BUILTINS or name in NEUTRAL_BUILTINS:
        return
    if name in WAITING_BUILTINS:
        evidence.waiting.append(f"`{name}(...)`")
    else:
        evidence.unknown.append(f"`{name}(...)`")


def _judge_method(call: cst.Call, func: cst.Attribute, evidence: _Evidence) -> None:
    """``receiver.method(...)`` on an object the classifier cannot type: by the
    method's name."""
    method = func.attr.value
    if isinstance(func.value, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
        return  # "sep".join(...), "{}".format(...)
    if method in ("join", "get"):
        # str.join(iterable), dict.get(key); Thread.join() and Queue.get() have no argument.
        if not call.args:
            evidence.waiting.append(f"`.{method}()`")
        return
    if method in WAITING_METHODS:
        evidence.waiting.append(f"`.{method}(...)`")
    elif method not in PURE_METHODS:
        evidence.unknown.append(f"`.{method}(...)`")
