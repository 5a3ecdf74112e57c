"""PC6 — complexity, measured with radon on the tree the engine already parsed.

A function with many paths through it is one nobody can test path by path, and a
module nobody can read is one nobody dares to change.  radon computes McCabe's
cyclomatic complexity per function (asserts not counted: research code uses them as
shape checks) and the maintainability index per module.  A cheap keyword count skips
the files where no function can pass the threshold, so most files never reach radon.
"""

from __future__ import annotations

import ast
import re
from collections import Counter

import libcst as cst
from radon.complexity import cc_visit_ast
from radon.metrics import h_visit_ast, mi_compute
from radon.raw import analyze
from radon.visitors import ComplexityVisitor, Function

from policy_check.diagnostics import Location, Severity
from policy_check.rules.base import FileContext, Invalid, Rule, Valid

# Every keyword that can add one to a function's complexity (and some that cannot):
# a file with fewer of them than the threshold has no function over it.
_DECISION_WORD = re.compile(rb"\b(?:if|elif|for|while|and|or|except|else|case)\b")
_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def decision_words_at_least(source: str, count: int) -> bool:
    """Whether ``source`` holds at least ``count`` decision keywords (stops at ``count``)."""
    found = 0
    for _ in _DECISION_WORD.finditer(source.encode("utf-8", "surrogatepass")):
        found += 1
        if found >= count:
            return True
    return False


def _flatten(blocks: list[object]) -> list[Function]:
    """radon's functions, methods and closures as one list."""
    functions: list[Function] = []
    pending = list(blocks)
    while pending:
        block = pending.pop()
        if isinstance(block, Function):
            functions.append(block)
            pending.extend(block.closures)
        else:  # a Class: its methods
            pending.extend(getattr(block, "methods", ()))
    return functions


def complexity_drivers(function: ast.AST) -> str:
    """What makes a function complex, in words: branches, boolean operators, loops."""
    counts: Counter[str] = Counter()
    pending = list(ast.iter_child_nodes(function))
    while pending:
        node = pending.pop()
        if isinstance(node, _NESTED_SCOPES):
            continue  # nested functions and classes are measured on their own
        if isinstance(node, (ast.If, ast.IfExp)):
            counts["branches"] += 1
        elif isinstance(node, ast.Try) or type(node).__name__ == "TryStar":
            counts["branches"] += len(node.handlers) + bool(node.orelse)  # type: ignore[attr-defined]
        elif type(node).__name__ == "Match":
            counts["branches"] += len(node.cases)  # type: ignore[attr-defined]
        elif isinstance(node, ast.BoolOp):
            counts["boolean operators"] += len(node.values) - 1
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
            counts["loops"] += 1
            counts["branches"] += bool(node.orelse)
        elif isinstance(node, ast.comprehension):
            counts["loops"] += 1
            counts["branches"] += len(node.ifs)
        pending.extend(ast.iter_child_nodes(node))
    parts = [f"{counts[kind]} {kind if counts[kind] != 1 else kind[:-1]}" for kind in ("branches", "boolean operators", "loops") if counts[kind]]
    return ", ".join(parts) if parts else "its structure"


class ComplexFunction(Rule):
    """Cyclomatic complexity counts the independent paths through a function: one,
    plus one for every ``if``, loop, ``except``, ``case`` and ``and``/``or``.  Past
    about ten, a function cannot be tested path by path or held in one's head, and it
    is where bugs hide: an analysis step with fifteen paths has paths that no run has
    ever taken.  Splitting it into named steps (load, clean, fit, report) makes each
    testable on its own.  Asserts are not counted: research code uses them as shape
    checks, and they add no path worth testing.  Test code is exempt."""

    code = "PC601"
    name = "complex-function"
    summary = "A function's cyclomatic complexity is above `max-complexity` (default 10)."
    MESSAGE = "`{name}` has cyclomatic complexity {complexity} (max {threshold}), from {drivers}: split it into smaller functions"
    severity = Severity.WARNING
    fix_note = "Split the function into smaller, named steps."
    exempt_in_tests = True
    references = ("https://radon.readthedocs.io/en/latest/intro.html#cyclomatic-complexity",)
    VALID = (
        Valid(
            "def shape_checked(x, y, fast):\n"
            "    assert x.ndim == 2\n"
            "    assert y.ndim == 1\n"
            "    assert x.shape[0] == y.shape[0]\n"
            "    method = 'fast' if fast else 'exact'\n"
            "    return solve(x, y, method)\n",
            config={"max-complexity": 2},
        ),
        Valid(
            "def classify(x):\n"
            "    if x < 0:\n"
            "        return 'negative'\n"
            "    if x > 0:\n"
            "        return 'positive'\n"
            "    return 'zero'\n",
            config={"max-complexity": 3},
        ),
        Valid(
            "def test_many_cases(x):\n"
            "    if x and x > 1 or x < -1:\n"
            "        for i in range(x):\n"
            "            if i:\n"
            "                pass\n",
            path="tests/test_cases.py",
            config={"max-complexity": 3},
        ),
    )
    INVALID = (
        Invalid(
            "def clean(rows):\n"
            "    kept = []\n"
            "    for row in rows:\n"
            "        if row is None or not row:\n"
            "            continue\n"
            "        if row[0] == '#':\n"
            "            continue\n"
            "        kept.append(row)\n"
            "    return kept\n",
            config={"max-complexity": 3},
        ),
        Invalid(
            "class Model:\n"
            "    def fit(self, x, y=None):\n"
            "        if y is None and x is None:\n"
            "            raise ValueError('no data')\n"
            "        while self.loss(x) > 1e-6:\n"
            "            self.step(x)\n"
            "        return self\n",
            config={"max-complexity": 3},
        ),
    )

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return super().applies_to(context) and decision_words_at_least(context.source, context.settings.max_complexity)

    def visit_Module(self, node: cst.Module) -> None:
        tree = self.context.python_ast
        if tree is None:
            return
        threshold = self.context.settings.max_complexity
        over = {
            (function.lineno, function.col_offset): function.complexity
            for function in _flatten(cc_visit_ast(tree, no_assert=True))
            if function.complexity > threshold
        }
        if not over:
            return
        lines = self.context.source.splitlines()
        for function in ast.walk(tree):
            if not isinstance(function, _DEFS):
                continue
            complexity = over.get((function.lineno, function.col_offset))
            if complexity is None:
                continue
            # Point at the name, on the `def` line, where `# noqa: PC601` goes.
            line = lines[function.lineno - 1] if function.lineno <= len(lines) else ""
            column = line.find(function.name, function.col_offset)
            column = column if column >= 0 else function.col_offset
            start = Location(function.lineno, column + 1)
            end = Location(function.lineno, column + 1 + len(function.name))
            message = self.MESSAGE.format(
                name=function.name,
                complexity=complexity,
                threshold=threshold,
                drivers=complexity_drivers(function),
            )
            self.report_at(start, end, f"def {function.name}", message)


class UnmaintainableModule(Rule):
    """The maintainability index folds a module's size (lines), its total complexity
    and its Halstead volume (how many operators and operands it uses), credited for
    comments, into one score from 0 to 100.  Below 10 (radon's rank C) a module is
    one that people avoid changing: a 3,000-line script with every step of the
    analysis in it.  It is a signal to split the module by responsibility, not a
    verdict, so the rule is informational and off by default
    (``extend-select = ["PC602"]``).  Test code is exempt."""

    code = "PC602"
    name = "unmaintainable-module"
    summary = "The module's maintainability index is below `min-maintainability` (default 10)."
    MESSAGE = (
        "maintainability index {index:.1f} (min {threshold:g}): {lines} logical lines, total complexity "
        "{complexity}, Halstead volume {volume:.0f}, {comments:.0f}% comments: split the module by responsibility"
    )
    severity = Severity.INFO
    default_enabled = False
    exempt_in_tests = True
    fix_note = "Split the module into smaller ones, each with one responsibility."
    references = ("https://radon.readthedocs.io/en/latest/intro.html#maintainability-index",)
    VALID = (
        Valid("def mean(values):\n    return sum(values) / len(values)\n"),
        Valid(
            "def branchy(x):\n    if x:\n        return 1\n    return 2\n",
            path="tests/test_branchy.py",
            config={"min-maintainability": 99},
        ),
    )
    INVALID = (
        Invalid(
            "def branchy(x, y):\n"
            "    if x and y:\n"
            "        return x * y + x / y - x ** y\n"
            "    return x - y\n",
            config={"min-maintainability": 99},
        ),
    )

    def visit_Module(self, node: cst.Module) -> None:
        tree = self.context.python_ast
        if tree is None or not node.body:
            return
        raw = analyze(self.context.source)
        comments = (raw.comments + raw.multi) / raw.sloc * 100 if raw.sloc else 0.0
        volume = h_visit_ast(tree).total.volume
        complexity = ComplexityVisitor.from_ast(tree, no_assert=True).total_complexity
        index = mi_compute(volume, complexity, raw.lloc, comments)
        threshold = self.context.settings.min_maintainability
        if index < threshold:
            message = self.MESSAGE.format(
                index=index, threshold=threshold, lines=raw.lloc, complexity=complexity, volume=volume, comments=comments
            )
            self.report(node.body[0], message)


RULES: tuple[type[Rule], ...] = (ComplexFunction, UnmaintainableModule)
