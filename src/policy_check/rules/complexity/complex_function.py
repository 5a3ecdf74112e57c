"""PC601 — a function whose cyclomatic complexity (radon's, asserts not counted) is
over ``max-complexity``.  The number is radon's, counted by
``measure.function_complexities`` in one walk of CPython's tree."""

from __future__ import annotations

import libcst as cst

from policy_check.diagnostics import Location, Severity
from policy_check.rules.base import FileContext, Invalid, Rule, Valid
from policy_check.rules.complexity.measure import complexity_drivers, decision_words_at_least, function_complexities


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
        over = [(function, complexity) for function, complexity in function_complexities(tree) if complexity > threshold]
        if not over:
            return
        lines = self.context.source.splitlines()
        for function, complexity in over:
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
