"""Checking files on a thread with a deep stack, so that deeply nested code ends as
findings or one clear error and never as a crash.

libcst parses, generates code and is walked recursively, and a chain such as
``a and b and ...`` nests one level per term (CPython's own tree keeps it flat and
accepts any length).  On the main thread (8 MB of C stack) a 10,000-term chain
crashed the process inside libcst's native parser, and with the recursion limit of
the main thread a 5,000-term one raised RecursionError while placing findings.
Here the work runs on one helper thread with a 256 MB stack (address space only:
the pages a check does not use are never committed) and a recursion limit that
stack holds with room to spare.  What is nested deeper still raises RecursionError,
which the engine reports as one per-file error; what libcst's parser could not hold
even on this stack is refused before it is parsed (``too_deep_for_libcst``).
"""

from __future__ import annotations

import ast
import functools
import io
import os
import sys
import threading
import tokenize
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from policy_check.positions import line_starts_of

STACK_BYTES = 256 * 1024 * 1024
# Python frames the deep thread may nest: libcst's code generation takes up to five
# per nesting level, each well under 2 KB of C stack.
RECURSION_LIMIT = 60_000
# Nesting levels libcst's native parser holds on that stack (it takes about 1.2 KB a
# level), with a margin of two.
MAX_LIBCST_DEPTH = 100_000
# CPython builds its tree with a recursion budget of three levels per allowed frame:
# parsed under this limit, a left-nested chain (`a + b + ...`, `a.b.c...`, `f()()...`)
# of more than about 2,980 terms is refused.  libcst takes quadratic time on those
# (1,000 terms: 0.6 s; 2,000: 4 s; 10,000: 9 minutes), so longer ones are reported
# rather than parsed.
CHAIN_PARSE_LIMIT = 1_000
# A chain nests at most one level per 3 characters (`1or 1or 1`, `'' '' ''`); a text
# shorter than this cannot come near the limit, and is not measured.
_MEASURED_ABOVE = 3 * MAX_LIBCST_DEPTH

F = TypeVar("F", bound=Callable[..., Any])

_FSTRING_START = getattr(tokenize, "FSTRING_START", -1)  # Python 3.12+

_local = threading.local()
_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_executor_pid = 0


def on_deep_stack(function: F) -> F:
    """Run every call of ``function`` on the deep-stack thread (calls made there
    already run directly)."""

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        if getattr(_local, "deep", False):
            return function(*args, **kwargs)
        executor = _deep_executor()
        if executor is None:  # a platform that cannot size thread stacks
            return function(*args, **kwargs)
        return executor.submit(_run_deep, function, args, kwargs).result()

    return run  # type: ignore[return-value]


def _run_deep(function: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    _local.deep = True
    # The limit is the interpreter's, not the thread's: raised only while a check runs
    # here (the caller waits meanwhile), so the main thread keeps its safe limit.
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, RECURSION_LIMIT))
    try:
        return function(*args, **kwargs)
    finally:
        sys.setrecursionlimit(previous)
        _local.deep = False


def _deep_executor() -> ThreadPoolExecutor | None:
    global _executor, _executor_pid
    with _lock:
        if _executor is not None and _executor_pid == os.getpid():
            return _executor
        try:
            previous = threading.stack_size(STACK_BYTES)
        except (ValueError, RuntimeError):
            return None
        try:
            executor = ThreadPoolExecutor(1, thread_name_prefix="policy-check-deep")
            executor.submit(int).result()  # starts the thread now, while the size holds
        except RuntimeError:  # no memory for the stack, or threads unavailable
            return None
        finally:
            threading.stack_size(previous)
        _executor, _executor_pid = executor, os.getpid()
        return executor


def _forget_after_fork() -> None:
    # A forked worker has no copy of the parent's thread, and the lock may have been
    # held at the fork: start afresh.
    global _lock, _executor
    _lock = threading.Lock()
    _executor = None


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)


class ChainTooLong(Exception):
    """Valid Python with a chain too long for libcst to parse in reasonable time."""


def python_tree(text: str, filename: str) -> ast.Module:
    """CPython's tree of the text; ChainTooLong for a left-nested chain of more than
    about 2,980 terms that CPython itself accepts (RecursionError when it does not)."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(CHAIN_PARSE_LIMIT)
    try:
        return ast.parse(text, filename=filename)
    except RecursionError:
        pass
    finally:
        sys.setrecursionlimit(previous)
    ast.parse(text, filename=filename)
    raise ChainTooLong("an expression chain of more than about 3,000 terms (libcst would take minutes to parse it)")


def too_deep_for_libcst(text: str, tree: ast.Module) -> int | None:
    """How deep libcst would nest this text, when that is more than its parser can
    hold: CPython's tree with each ``and``/``or`` chain and each run of adjacent
    string literals counted one level per term, as libcst nests them."""
    if len(text) <= _MEASURED_ABOVE:
        return None
    line_starts = line_starts_of(text)
    deepest = 0
    pending: list[tuple[ast.AST, int]] = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        depth += _levels(node, text, line_starts)
        deepest = max(deepest, depth)
        pending.extend((child, depth) for child in ast.iter_child_nodes(node))
    return deepest if deepest > MAX_LIBCST_DEPTH else None


def _levels(node: ast.AST, text: str, line_starts: list[int]) -> int:
    if isinstance(node, ast.BoolOp):
        return len(node.values)
    if isinstance(node, (ast.JoinedStr, ast.Constant)) and isinstance(getattr(node, "value", ""), (str, bytes)):
        # Adjacent literals are one constant to CPython and a chain to libcst.  The
        # quotes bound the count; only where that bound is large are they counted.
        start = _offset(text, line_starts, node.lineno, node.col_offset)
        end = _offset(text, line_starts, node.end_lineno or node.lineno, node.end_col_offset or 0)
        segment = text[start:end]
        bound = (segment.count('"') + segment.count("'")) // 2
        return _string_pieces(segment) if bound > 1_000 else max(1, bound)
    return 1


def _string_pieces(segment: str) -> int:
    try:
        tokens = tokenize.generate_tokens(io.StringIO(f"({segment})").readline)
        return sum(1 for token in tokens if token.type == tokenize.STRING or token.type == _FSTRING_START)
    except (tokenize.TokenError, SyntaxError):
        return (segment.count('"') + segment.count("'")) // 2


def _offset(text: str, line_starts: list[int], row: int, utf8_column: int) -> int:
    """The text offset of CPython's (row, column); its columns count UTF-8 bytes."""
    start = line_starts[row - 1]
    line = text[start : line_starts[row]] if row < len(line_starts) else text[start:]
    if line.isascii():
        return start + utf8_column
    return start + len(line.encode("utf-8", "surrogatepass")[:utf8_column].decode("utf-8", "ignore"))
