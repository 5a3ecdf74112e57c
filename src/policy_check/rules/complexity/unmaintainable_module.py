"""PC602 — a module whose maintainability index (radon's) is under
``min-maintainability``; informational and off by default."""

from __future__ import annotations

import libcst as cst
from radon.metrics import h_visit_ast, mi_compute
from radon.raw import analyze
from radon.visitors import ComplexityVisitor

from policy_check.diagnostics import Severity
from policy_check.rules.base import Invalid, Rule, Valid


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
