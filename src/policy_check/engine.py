"""Checking one file: parse once, run every selected rule in one traversal, give the
findings positions, and (in fix mode) apply fixes until the file is clean.

The engine knows nothing about any one rule: it asks each rule class whether it
applies, dispatches nodes to the rules' ``visit_*``/``leave_*`` methods, and turns
their reports into diagnostics.
"""

from __future__ import annotations

import ast
import functools
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

import libcst as cst

from policy_check.cache import ResultCache
from policy_check.cst_parse import parse_module
from policy_check.config import Settings
from policy_check.diagnostics import (
    FIX_WITHHELD,
    INTERNAL_ERROR,
    IO_ERROR,
    NOT_ANALYSED,
    SYNTAX_ERROR,
    Diagnostic,
    Location,
    Severity,
)
from policy_check.adoption.scope import enclosing_scope
from policy_check.adoption.unused_noqa import unused_noqa_diagnostics
from policy_check.deep_stack import MAX_LIBCST_DEPTH, ChainTooLong, on_deep_stack, python_tree, too_deep_for_libcst
from policy_check.diffs import unified_diff
from policy_check.fixes import apply_fixes, resolve_fix, unresolved_fix
from policy_check.jobs import FileJob, FileResult, FixOptions, Mode  # re-exported: the run's records
from policy_check.notebooks import NotebookModule, read_notebook, to_cell_locations, write_back
from policy_check.parse_fallback import Readable, readable
from policy_check.positions import SourcePositions
from policy_check.rules.base import FileContext, Report, Rule
from policy_check.analysis.names import ImportNames
from policy_check.syntax_tree import CHILDREN, leaf_types
from policy_check.source import NotWritten, SourceText, UnreadableSource, read_source, write_fixed
from policy_check.suppression import filter_suppressed
from policy_check.test_code import is_script_named_like_a_test

logger = logging.getLogger(__name__)

# Python itself cannot compile code nested deeper than its parser allows; the ast
# check below rejects that first, so this only has to cover what ast accepts.
RECURSION_LIMIT = 10_000
MAX_FIX_PASSES = 10
_SNIPPET_LIMIT = 300


# ---------------------------------------------------------------------------
# Parsing


class NotParsed(Exception):
    """The source is not Python we can analyse; carries the E999 diagnostic."""

    def __init__(self, diagnostic: Diagnostic) -> None:
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


def _syntax_diagnostic(path: str, message: str, row: int, column: int) -> Diagnostic:
    return engine_diagnostic(SYNTAX_ERROR, path, f"SyntaxError: {message}", Location(max(row, 1), max(column, 1)))


class Parsed(NamedTuple):
    """A source text as the rules see it.  ``readable`` is set when libcst could only
    read a rewrite of it (same positions; see ``parse_fallback``)."""

    module: cst.Module
    tree: ast.Module
    text: str
    readable: Readable | None = None


def parse(text: str, display_path: str) -> tuple[cst.Module, ast.Module]:
    parsed = parse_source(text, display_path)
    return parsed.module, parsed.tree


def parse_source(text: str, display_path: str) -> Parsed:
    """Parse with CPython first: it gives Python's own error messages, and it rejects
    nesting that would overflow libcst's native parser (which crashes the process
    rather than raising).  What CPython accepts and libcst does not is read through
    ``parse_fallback``: E999 means Python itself rejects the file."""
    try:
        tree = python_tree(text, display_path)
    except ChainTooLong as error:
        raise NotParsed(_internal_error(display_path, f"internal error: file too deeply nested to analyse: {error}")) from None
    except SyntaxError as error:
        raise NotParsed(_syntax_diagnostic(display_path, error.msg, error.lineno or 1, error.offset or 1)) from None
    except (RecursionError, MemoryError):
        raise NotParsed(
            _syntax_diagnostic(display_path, "too deeply nested for Python's parser (it cannot compile this file)", 1, 1)
        ) from None
    except ValueError as error:
        raise NotParsed(_syntax_diagnostic(display_path, str(error), 1, 1)) from None
    depth = too_deep_for_libcst(text, tree)
    if depth is not None:
        message = f"internal error: file too deeply nested to analyse (about {depth:,} levels; libcst holds {MAX_LIBCST_DEPTH:,})"
        raise NotParsed(_internal_error(display_path, message))
    try:
        return Parsed(parse_module(text), tree, text)
    except cst.ParserSyntaxError as error:
        message = str(error).splitlines()[0] if str(error) else "invalid syntax"
        location = (error.raw_line, error.raw_column + 1)
    except RecursionError:
        message, location = "too deeply nested to analyse", (1, 1)
    try:
        fallback = readable(text, tree)
    except Exception:  # noqa: BLE001 - a bug in the fallback must not cost the file its E999
        logger.debug("parse fallback failed on %s", display_path, exc_info=True)
        fallback = None
    if fallback is None:
        logger.warning("%s: valid Python that libcst cannot read (%s)", display_path, message)
        raise NotParsed(_syntax_diagnostic(display_path, f"libcst cannot parse this file: {message}", *location))
    return Parsed(fallback.module, tree, fallback.text, fallback)


# ---------------------------------------------------------------------------
# The traversal


_Handler = tuple[Rule, Callable[[cst.CSTNode], object]]
# A node type's visit and leave handlers, its children function, and whether it is
# an import (which the engine's import names collect before any rule sees it).
_Plan = tuple[list[_Handler] | None, list[_Handler] | None, Callable[[cst.CSTNode], list[cst.CSTNode]], bool]


@functools.cache
def _handler_names(rule_type: type[Rule]) -> tuple[str, ...]:
    """The rule class's ``visit_*`` and ``leave_*`` methods, in ``dir`` order."""
    return tuple(attribute for attribute in dir(rule_type) if attribute.startswith(("visit_", "leave_")))


class _Dispatcher:
    """Walks the tree once and calls each active rule's handlers for each node.

    libcst's own ``visit`` rebuilds every node as it goes (it is a transformer
    underneath) and costs about half a parse; this walk reads the dataclass fields
    and costs a tenth.  ``context_stack`` holds the ancestors of the current node."""

    def __init__(self, rules: Sequence[Rule], context: FileContext, on_crash: Callable[[Rule, cst.CSTNode, BaseException], None]) -> None:
        self.visit_handlers: dict[str, list[_Handler]] = {}
        self.leave_handlers: dict[str, list[_Handler]] = {}
        for rule in rules:
            for attribute in _handler_names(type(rule)):
                handlers = self.visit_handlers if attribute.startswith("visit_") else self.leave_handlers
                handlers.setdefault(attribute[6:], []).append((rule, getattr(rule, attribute)))
        self.context = context
        self.names = context.names
        self.on_crash = on_crash
        self.crashed: set[int] = set()
        # Node type → its handlers and children.  Tokens (`.`, `(`, `+`) have no children;
        # those no rule handles are passed by without being entered.
        self.plans: dict[type, _Plan] = {}
        handled = self.visit_handlers.keys() | self.leave_handlers.keys()
        self.skipped = {node_type for node_type in leaf_types() if node_type.__name__ not in handled}

    def _plan(self, node_type: type) -> _Plan:
        kind = node_type.__name__
        is_import = node_type is cst.Import or node_type is cst.ImportFrom
        plan = (self.visit_handlers.get(kind), self.leave_handlers.get(kind), CHILDREN[node_type], is_import)
        self.plans[node_type] = plan
        return plan

    def _call(self, handlers: list[_Handler], node: cst.CSTNode) -> None:
        for rule, handler in handlers:
            if id(rule) in self.crashed:
                continue
            try:
                handler(node)
            except Exception as error:  # a rule's bug must not stop the file or the run
                self.crashed.add(id(rule))
                self.on_crash(rule, node, error)

    def walk(self, module: cst.CSTNode) -> None:
        # A closure over locals, not a method: one call per node, and what every call
        # reads (the plans, the ancestors' stack) is a local, not an attribute.
        plans, plan_of, call, skipped, add_import = self.plans, self._plan, self._call, self.skipped, self.names.add_import
        stack = self.context.stack
        push, pop = stack.append, stack.pop

        def walk(node: cst.CSTNode) -> None:
            visit, leave, children_of, is_import = plans.get(node.__class__) or plan_of(node.__class__)
            if is_import:
                add_import(node)  # type: ignore[arg-type]
            push(node)
            if visit:
                call(visit, node)
            for child in children_of(node):
                if child.__class__ not in skipped:
                    walk(child)  # noqa: F821 - bound while the walk runs (deleted below)
            if leave:
                call(leave, node)
            pop()

        try:
            walk(module)
        finally:
            del walk  # it refers to itself: a cycle holding the rules and the nodes


# ---------------------------------------------------------------------------
# Checking one text


def _snippet(module: cst.Module, positions: SourcePositions, node: cst.CSTNode) -> str:
    try:
        # Baselines fingerprint snippets, which have always been libcst's code for the
        # node; an `elif` alone generates as `if`, so it keeps that form.
        code = module.code_for_node(node) if isinstance(node, cst.If) else positions.code(node)
    except Exception:  # noqa: BLE001 - a snippet is a nicety, never a failure
        return ""
    return " ".join(code.split())[:_SNIPPET_LIMIT]


def engine_diagnostic(
    code: str, path: str, message: str, location: Location | None = None, severity: Severity = Severity.ERROR
) -> Diagnostic:
    """A finding the engine itself reports (PC000, PC002, E902, E999) at one point."""
    location = location or Location(1, 1)
    names = {
        INTERNAL_ERROR: "internal-error",
        IO_ERROR: "io-error",
        SYNTAX_ERROR: "syntax-error",
        NOT_ANALYSED: "not-analysed",
    }
    return Diagnostic(
        code=code,
        message=message,
        path=path,
        start=location,
        end=location,
        severity=severity,
        name=names.get(code, code.lower()),
    )


def _internal_error(path: str, message: str, location: Location | None = None) -> Diagnostic:
    return engine_diagnostic(INTERNAL_ERROR, path, message, location)


@on_deep_stack
def check_text(
    text: str,
    path: Path,
    relative_path: str,
    display_path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    is_test_code: bool,
    *,
    fix_edits: bool = True,
) -> list[Diagnostic]:
    """All findings of ``rules`` in one source text, suppressions applied.  Without
    ``fix_edits`` a finding's fix says what it does and how safe it is, but carries no
    edits (``fixes.unresolved_fix``): what only shows findings (the language server's
    diagnostics) skips placing and rendering them."""
    try:
        parsed = parse_source(text, display_path)
    except NotParsed as not_parsed:
        return [not_parsed.diagnostic]
    diagnostics = _check_parsed(parsed, path, relative_path, display_path, settings, rules, is_test_code, fix_edits)
    if parsed.readable is not None:
        return _as_read_through_fallback(diagnostics, parsed.readable, display_path)
    return diagnostics


def _check_parsed(
    parsed: Parsed,
    path: Path,
    relative_path: str,
    display_path: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    is_test_code: bool,
    fix_edits: bool = True,
) -> list[Diagnostic]:
    module, text = parsed.module, parsed.text
    names = ImportNames()
    names.collect_module_level(module)
    context = FileContext(
        path=path,
        relative_path=relative_path,
        source=text,
        module=module,
        settings=settings,
        is_test_code=is_test_code and not is_script_named_like_a_test(relative_path, parsed.tree),
        names=names,
        python_ast=parsed.tree,
    )
    try:
        return _findings(context, rules, display_path, fix_edits)
    finally:
        # What rules keep on the context (PC5's caches) refers back to it, and the cycle
        # would hold the file's trees until a garbage collection; let them go now.
        vars(context).clear()


def _findings(context: FileContext, rules: Sequence[type[Rule]], display_path: str, fix_edits: bool) -> list[Diagnostic]:
    settings, text, relative_path = context.settings, context.source, context.relative_path
    active = [rule_class(context) for rule_class in rules if rule_class.applies_to(context)]
    try:
        crashes = _run_rules(active, context)
    except RecursionError:
        return [_internal_error(display_path, "internal error: file too deeply nested to analyse")]
    checked_codes = {rule.code for rule in rules}
    if not context.reports and not crashes:
        if settings.report_unused_noqa:  # every directive of a file without findings is unused
            return unused_noqa_diagnostics(text, display_path, relative_path, (), checked_codes, settings)
        return []
    try:
        diagnostics = _diagnostics_of(context, crashes, display_path, fix_edits)
    except RecursionError:
        return [_internal_error(display_path, "internal error: file too deeply nested to analyse")]
    used_noqa: set[tuple[int, str]] = set()
    kept = filter_suppressed(diagnostics, text, relative_path, settings, used_noqa)
    if settings.report_unused_noqa:
        kept.extend(unused_noqa_diagnostics(text, display_path, relative_path, used_noqa, checked_codes, settings))
    return kept


def _as_read_through_fallback(diagnostics: list[Diagnostic], fallback: Readable, display_path: str) -> list[Diagnostic]:
    """Findings in a rewritten text offer no fix (an edit computed on the rewrite would
    write the rewrite back); statements no rule saw are said, never skipped silently."""
    rewrites = "; ".join(fallback.rewrites)
    reason = f"no fix offered: libcst cannot parse this file as written ({rewrites})"
    for diagnostic in diagnostics:
        if diagnostic.fix is not None:
            diagnostic.fix = None
            diagnostic.message += f" ({reason})"
            diagnostic.extra[FIX_WITHHELD] = rewrites  # the run's summary counts them
    for first, last in fallback.skipped:
        lines = f"line {first}" if first == last else f"lines {first}-{last}"
        diagnostics.append(
            engine_diagnostic(
                NOT_ANALYSED,
                display_path,
                f"Not analysed: libcst cannot read the statement at {lines} (valid Python); "
                "no rule ran on it, the rest of the file was checked",
                Location(first, 1),
                Severity.WARNING,
            )
        )
    return diagnostics


class Crash(NamedTuple):
    """A rule that raised: on which node (with its ancestors), and what."""

    rule: Rule
    node: cst.CSTNode
    error: BaseException
    ancestors: tuple[cst.CSTNode, ...] = ()


def _diagnostics_of(context: FileContext, crashes: Sequence[Crash], display_path: str, fix_edits: bool = True) -> list[Diagnostic]:
    """The rules' reports and crashes as diagnostics, each with its place and scope."""
    module = context.module
    # Node positions cost code generation: only for the nodes a report or crash needs.
    hints = _position_hints(context.reports, crashes, fix_edits)
    positions = SourcePositions(module, context.source, context.python_ast, hints)
    diagnostics = [_to_diagnostic(report, module, positions, display_path, fix_edits) for report in context.reports]
    if context.python_ast is not None:
        for diagnostic in diagnostics:
            diagnostic.scope = enclosing_scope(context.python_ast, diagnostic.start.row)
    diagnostics.extend(_crash_diagnostics(crashes, positions, display_path))
    return diagnostics


def _position_hints(
    reports: Sequence[Report], crashes: Sequence[Crash], fix_edits: bool = True
) -> dict[cst.CSTNode, tuple[cst.CSTNode, ...]]:
    """Each node to place, with the ancestors it had when reported (fix edits take
    their report's): the way to it without searching the tree."""
    hints: dict[cst.CSTNode, tuple[cst.CSTNode, ...]] = {}
    for report in reports:
        if report.node is None:
            continue
        hints[report.node] = report.ancestors
        for edit in report.fix.edits if report.fix is not None and fix_edits else ():
            node = getattr(edit, "node", None)
            if node is not None:
                hints.setdefault(node, report.ancestors)
    for crash in crashes:
        hints.setdefault(crash.node, crash.ancestors)
    return hints


def _run_rules(active: Sequence[Rule], context: FileContext) -> list[Crash]:
    """One traversal for every active rule, then each rule's ``finish``; the rules
    that crashed, with where and how (the others' reports stand)."""
    crashes: list[Crash] = []
    if not active:
        return crashes
    dispatcher = _Dispatcher(
        active, context, lambda rule, node, error: crashes.append(Crash(rule, node, error, tuple(context.stack)))
    )
    dispatcher.walk(context.module)
    for rule in active:
        if id(rule) in dispatcher.crashed:
            continue
        try:
            rule.finish()
        except Exception as error:  # noqa: BLE001 - a rule's bug must not stop the file
            crashes.append(Crash(rule, context.module, error, (context.module,)))
    return crashes


def _crash_diagnostics(crashes: Sequence[Crash], positions: SourcePositions, display_path: str) -> list[Diagnostic]:
    diagnostics = []
    for crash in crashes:
        rule, error = crash.rule, crash.error
        logger.debug("rule %s crashed on %s", rule.code, display_path, exc_info=error)
        span = positions.find(crash.node)
        diagnostics.append(
            _internal_error(
                display_path,
                f"internal error in rule {rule.code} ({rule.name}) on this file: {type(error).__name__}: {error}",
                positions.location(span[0]) if span else None,
            )
        )
    return diagnostics


def _to_diagnostic(report: Report, module: cst.Module, positions: SourcePositions, display_path: str, fix_edits: bool = True) -> Diagnostic:
    if report.node is None:
        assert report.span is not None, "a report has a node or a span"
        return Diagnostic(
            code=report.rule.code,
            message=report.message,
            path=display_path,
            start=report.span[0],
            end=report.span[1],
            severity=report.severity,
            name=report.rule.name,
            snippet=report.snippet,
        )
    start, end = positions.span(report.node)
    fix = None
    if report.fix is not None:
        fix = resolve_fix(report.fix, module, positions) if fix_edits else unresolved_fix(report.fix)
    return Diagnostic(
        code=report.rule.code,
        message=report.message,
        path=display_path,
        start=positions.location(start),
        end=positions.location(end),
        severity=report.severity,
        name=report.rule.name,
        fix=fix,
        snippet=_snippet(module, positions, report.node),
    )


@on_deep_stack
def parses(text: str) -> bool:
    try:
        parse(text, "<fixed>")
    except NotParsed:
        return False
    return True


# ---------------------------------------------------------------------------
# One file, end to end


def _unreadable(display_path: str, reason: str) -> Diagnostic:
    return engine_diagnostic(IO_ERROR, display_path, reason)


@on_deep_stack
def check_file(
    job: FileJob,
    settings: Settings,
    rules: Sequence[type[Rule]],
    options: FixOptions,
    cache: ResultCache | None = None,
) -> FileResult:
    """Read, check and (in fix or diff mode) fix one file.  Never raises for a bad file."""
    result = FileResult(job.display_path)
    try:
        source = read_source(job.path)
    except UnreadableSource as error:
        result.diagnostics.append(_unreadable(job.display_path, str(error)))
        return result

    notebook: NotebookModule | None = None
    text = source.text
    if job.path.suffix == ".ipynb":
        try:
            notebook = read_notebook(source.text)
        except UnreadableSource as error:
            result.diagnostics.append(_unreadable(job.display_path, str(error)))
            return result
        text = notebook.text
    skipped_cells = _not_python_cells(notebook, job.display_path) if notebook else []

    def check(text: str) -> list[Diagnostic]:
        return check_text(text, job.path, job.relative_path, job.display_path, settings, rules, job.is_test_code)

    def as_reported(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
        return [to_cell_locations(notebook, d) for d in diagnostics] if notebook else diagnostics

    if options.mode is Mode.CHECK:
        key = cache.key(job.relative_path, source.text) if cache else ""
        cached = cache.load(key, job.display_path) if cache else None
        if cached is not None:
            result.diagnostics, result.cached = cached, True
            return result
        result.diagnostics = skipped_cells + as_reported(check(text))
        if cache:
            cache.store(key, result.diagnostics)
        return result
    fixed_text, remaining, fixed = fix_text(text, check, options)
    result.diagnostics, result.fixed = skipped_cells + as_reported(remaining), as_reported(fixed)
    if fixed_text == text:
        return result
    if notebook is not None:
        try:
            fixed_text = write_back(notebook, fixed_text)
        except ValueError as error:
            result.fixed = []
            result.diagnostics.append(_unreadable(job.display_path, f"fixes not written: {error}"))
            return result
    if options.mode is Mode.FIX:
        failure = _write(job, source, fixed_text, settings.root, python=notebook is None)
        if failure is not None:
            # Nothing was written: what stands is the file as it is.
            result.fixed = []
            result.diagnostics = [*skipped_cells, *as_reported(check(text)), failure]
    else:
        result.diff = unified_diff(job.display_path, source.text, fixed_text)
        result.source_path, result.fixed_text = os.path.abspath(job.path), fixed_text
    return result


def _not_python_cells(notebook: NotebookModule, display_path: str) -> list[Diagnostic]:
    """One finding per code cell that is not Python: skipped, said, the others checked."""
    diagnostics = []
    for cell, row, column, reason in notebook.not_python:
        diagnostic = engine_diagnostic(
            NOT_ANALYSED,
            display_path,
            f"cell {cell}: not Python ({reason}); this cell was skipped, the notebook's other cells were checked",
            Location(row, column),
            Severity.WARNING,
        )
        diagnostic.extra["cell"] = cell
        diagnostics.append(diagnostic)
    return diagnostics


def _write(job: FileJob, source: SourceText, fixed_text: str, root: Path, python: bool) -> Diagnostic | None:
    """Write the fixes; when that fails, the E902 finding that says why."""
    try:
        write_fixed(job.path, source, fixed_text, root, python)
    except NotWritten as error:
        reason = str(error)
    except OSError as error:
        reason = error.strerror or str(error)
    else:
        return None
    return _unreadable(job.display_path, f"fixes not written: {reason}")


def fix_text(
    text: str, check: Callable[[str], list[Diagnostic]], options: FixOptions
) -> tuple[str, list[Diagnostic], list[Diagnostic]]:
    """Apply fixes pass by pass until none is left; returns the new text, the
    remaining findings and the fixed ones.  A fix whose result does not parse is
    never kept: its finding stays, saying so."""
    fixed: list[Diagnostic] = []
    broken: set[tuple[str, str, str]] = set()
    diagnostics = check(text)
    for _ in range(MAX_FIX_PASSES):
        fixable = [
            d
            for d in diagnostics
            if d.fix is not None and options.allows(d.fix.applicability) and _fix_key(d) not in broken
        ]
        if not fixable:
            break
        attempt = apply_fixes(text, fixable)
        if not parses(attempt.text):
            attempt = _first_fix_that_parses(text, attempt.applied, broken)
            if attempt is None:
                break
        text = attempt.text
        fixed.extend(attempt.applied)
        diagnostics = check(text)
    for diagnostic in diagnostics:
        if _fix_key(diagnostic) in broken:
            diagnostic.message += " (its fix was not applied: the result would not parse)"
    return text, diagnostics, fixed


def _first_fix_that_parses(text: str, candidates: Sequence[Diagnostic], broken: set[tuple[str, str, str]]):  # type: ignore[no-untyped-def]
    for diagnostic in candidates:
        attempt = apply_fixes(text, [diagnostic])
        if parses(attempt.text):
            return attempt
        broken.add(_fix_key(diagnostic))
    return None


def _fix_key(diagnostic: Diagnostic) -> tuple[str, str, str]:
    return (diagnostic.code, diagnostic.snippet, diagnostic.message)


def raise_recursion_limit() -> None:
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
