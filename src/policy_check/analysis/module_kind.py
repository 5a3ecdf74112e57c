"""Is a module an entry point (a script, a command line, a notebook) or a library?

Several rules answer differently for the two: configuring logging belongs in an
entry point, a library should only log; a print in a notebook cell is its display.
A module is an *entry point* when it has an ``if __name__ == "__main__":`` block,
is a ``__main__.py``, is a notebook, or does its work at module level (a top-level
script).  Otherwise, definitions only, it is a *library*: something imported.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
import functools
from typing import NamedTuple
from pathlib import PurePath

import libcst as cst

from policy_check.analysis.names import ImportNames, dotted_name
from policy_check.analysis.patterns import is_main_guard
from policy_check.syntax_tree import child_nodes, descendants


class ModuleKind(str, enum.Enum):
    NOTEBOOK = "notebook"
    # Work at module level: runs when executed (and, alas, when imported).
    SCRIPT = "script"
    # Definitions, and the work inside `if __name__ == "__main__":` (or in `__main__.py`).
    MAIN_BLOCK = "main block"
    LIBRARY = "library"

    @property
    def is_entry_point(self) -> bool:
        return self is not ModuleKind.LIBRARY


# Module-level calls that set a module up rather than do its work: a library may
# hold them (configuring logging there is PC303's business, not a sign of a script).
_SETUP_PREFIXES = (
    "logging.basicConfig", "logging.config.", "logging.captureWarnings", "logging.disable",
    "warnings.", "sys.path.", "os.environ.", "matplotlib.use", "mpl.use", "plt.style.use",
)
_ENTRY = "<entry>"
_MODULE = "<module>"


class ModuleFacts:
    # A plain class, not a dataclass: defining one costs every check's start-up ~4M instructions.

    def __init__(
        self,
        kind: ModuleKind,
        # The first `if __name__ == "__main__":` block at module level, if any.
        main_guard: cst.If | None,
        module: cst.Module,
        # The code that runs when the module is run (none in a library).
        entry_code: tuple[cst.CSTNode, ...] = (),
    ) -> None:
        self.kind = kind
        self.main_guard = main_guard
        self.module = module
        self.entry_code = entry_code

    @property
    def is_entry_point(self) -> bool:
        return self.kind.is_entry_point

    @functools.cached_property
    def entry_functions(self) -> frozenset[str]:
        """Module-level functions called only from entry-point code (the main block,
        the work of a script) or from other such functions: `main()` and its helpers.
        Found when first asked (by PC303, in a module calling `basicConfig`)."""
        return _entry_functions(self.module, self.entry_code) if self.entry_code else frozenset()


class ModuleCalls(NamedTuple):
    """Every call in a module, found in one walk (PC3's logging facts and the entry
    functions both need them): per module-level statement, and for a module
    function, the calls of its body apart from those of its decorators and defaults."""

    by_statement: dict[int, list[cst.Call]]
    in_body: dict[int, list[cst.Call]]

    def everywhere(self) -> Iterator[cst.Call]:
        for calls in self.by_statement.values():
            yield from calls

    def of_statements(self, statements: Iterable[cst.CSTNode]) -> Iterator[cst.Call]:
        for statement in statements:
            yield from self.by_statement.get(id(statement), ())


# The facts of the last module asked about: the rules of one file ask in turn, and
# libcst trees cannot be weakly referenced (a dict would keep every tree alive).
_last: tuple[cst.Module, PurePath, ModuleFacts] | None = None
_last_calls: tuple[cst.Module, ModuleCalls] | None = None


def _calls_below(node: cst.CSTNode) -> list[cst.Call]:
    return [found for found in descendants(node) if type(found) is cst.Call]  # type: ignore[misc]


def module_calls(module: cst.Module) -> ModuleCalls:
    """The module's calls (computed once per tree)."""
    global _last_calls
    if _last_calls is not None and _last_calls[0] is module:
        return _last_calls[1]
    by_statement: dict[int, list[cst.Call]] = {}
    in_body: dict[int, list[cst.Call]] = {}
    for statement in module.body:
        if isinstance(statement, cst.FunctionDef):
            body = _calls_below(statement.body)
            head = [call for child in child_nodes(statement) if child is not statement.body for call in _calls_below(child)]
            in_body[id(statement)] = body
            by_statement[id(statement)] = head + body
        else:
            by_statement[id(statement)] = _calls_below(statement)
    calls = ModuleCalls(by_statement, in_body)
    _last_calls = (module, calls)
    return calls


def module_facts(module: cst.Module, path: PurePath, names: ImportNames | None = None) -> ModuleFacts:
    """The kind of ``module`` (read from ``path``; ``names`` resolves import aliases
    such as ``import logging as lg``); computed once per tree."""
    global _last
    if _last is not None and _last[0] is module and _last[1] == path:
        return _last[2]
    facts = _classify(module, path, names or ImportNames())
    _last = (module, path, facts)
    return facts


def _classify(module: cst.Module, path: PurePath, names: ImportNames) -> ModuleFacts:
    guard = next((statement for statement in module.body if is_main_guard(statement)), None)
    assert guard is None or isinstance(guard, cst.If)
    work = [statement for statement in module.body if statement is not guard and does_work(statement, names)]
    kind = _kind(path, bool(work), guard is not None)
    entry_code: list[cst.CSTNode] = []
    if kind.is_entry_point:
        entry_code = [guard] if guard is not None and kind is ModuleKind.MAIN_BLOCK else []
        if not entry_code:
            # A script, a notebook, a `__main__.py`: all of its module-level code runs.
            entry_code = [statement for statement in module.body if not isinstance(statement, cst.FunctionDef)]
    return ModuleFacts(kind, guard, module, tuple(entry_code))


def _kind(path: PurePath, has_work: bool, has_guard: bool) -> ModuleKind:
    if path.suffix == ".ipynb":
        return ModuleKind.NOTEBOOK
    if has_work:
        return ModuleKind.SCRIPT
    if has_guard or path.name == "__main__.py":
        return ModuleKind.MAIN_BLOCK
    return ModuleKind.LIBRARY


def does_work(statement: cst.BaseStatement, names: ImportNames) -> bool:
    """Whether a module-level statement does the module's work when run: a call
    statement, a loop, a ``with`` block (not definitions, imports, assignments,
    docstrings or setup calls such as ``warnings.filterwarnings``)."""
    # Exact types (libcst's node classes have no subclasses; a failing isinstance with
    # them goes through ABCMeta): this runs over a module's statements for several rules.
    kind = type(statement)
    if kind is cst.SimpleStatementLine:
        return any(_small_does_work(small, names) for small in statement.body)  # type: ignore[attr-defined]
    if kind in _LOOPS_AND_WITH:
        return True
    if kind is cst.If or kind is cst.Try:
        return any(does_work(inner, names) for inner in _direct_blocks(statement))  # type: ignore[arg-type]
    return False


_LOOPS_AND_WITH = frozenset({cst.For, cst.While, cst.With})
# Expression statements that do nothing: docstrings, `...`, a bare name.
_INERT = frozenset({cst.SimpleString, cst.ConcatenatedString, cst.Ellipsis, cst.Name})


def _small_does_work(small: cst.BaseSmallStatement, names: ImportNames) -> bool:
    if type(small) is not cst.Expr:
        return False
    value = small.value  # type: ignore[attr-defined]
    if type(value) in _INERT:
        return False
    if type(value) is cst.Call:
        name = names.qualify(value.func) or dotted_name(value.func) or ""
        return not name.startswith(_SETUP_PREFIXES)
    return True


def _direct_blocks(statement: cst.If | cst.Try) -> Iterable[cst.BaseStatement]:
    blocks: list[cst.BaseSuite | None] = [statement.body]
    if isinstance(statement, cst.If):
        orelse = statement.orelse
        blocks.append(orelse.body if orelse is not None else None)
    else:
        blocks.extend(handler.body for handler in statement.handlers)
        blocks.append(statement.orelse.body if statement.orelse is not None else None)
    for block in blocks:
        if isinstance(block, cst.IndentedBlock):
            yield from block.body


def _called(calls: Iterable[cst.Call], functions: set[str]) -> set[str]:
    """The names of module functions called (``name(...)``) by ``calls``."""
    return {call.func.value for call in calls if isinstance(call.func, cst.Name) and call.func.value in functions}


def _entry_functions(module: cst.Module, entry_code: Sequence[cst.CSTNode]) -> frozenset[str]:
    functions = {s.name.value: s for s in module.body if isinstance(s, cst.FunctionDef)}
    callers = _callers(module, functions, entry_code)
    entry: set[str] = set()
    changed = True
    while changed:
        changed = False
        for name, sites in callers.items():
            if name not in entry and sites and sites <= entry | {_ENTRY}:
                entry.add(name)
                changed = True
    return frozenset(entry)


def _callers(
    module: cst.Module, functions: dict[str, cst.FunctionDef], entry_code: Sequence[cst.CSTNode]
) -> dict[str, set[str]]:
    """For each module function, where it is called from: entry-point code, other
    module-level code, or (by name) another module function."""
    names = set(functions)
    calls = module_calls(module)
    callers: dict[str, set[str]] = {name: set() for name in names}
    for name in _called(calls.of_statements(entry_code), names):
        callers[name].add(_ENTRY)
    other = [s for s in module.body if s not in entry_code and not isinstance(s, cst.FunctionDef)]
    for name in _called(calls.of_statements(other), names):
        callers[name].add(_MODULE)
    for caller, function in functions.items():
        for name in _called(calls.in_body.get(id(function), ()), names) - {caller}:
            callers[name].add(caller)
    return callers
