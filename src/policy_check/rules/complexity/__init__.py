"""PC6 — complexity, measured as radon measures it on the tree the engine already parsed.

A function with many paths through it is one nobody can test path by path, and a
module nobody can read is one nobody dares to change.  radon computes McCabe's
cyclomatic complexity per function (asserts not counted: research code uses them as
shape checks; ``measure.function_complexities`` counts radon's number in one walk,
six times faster than radon's visitor) and the maintainability index per module.  A
cheap keyword count skips the files where no function can pass the threshold.

``measure.py`` holds the measuring helpers; one module per rule:
``complex_function.py`` (PC601), ``unmaintainable_module.py`` (PC602).
"""

from __future__ import annotations

from policy_check.rules.base import Rule
from policy_check.rules.complexity.complex_function import ComplexFunction
from policy_check.rules.complexity.unmaintainable_module import UnmaintainableModule

RULES: tuple[type[Rule], ...] = (ComplexFunction, UnmaintainableModule)

__all__ = ["RULES", "ComplexFunction", "UnmaintainableModule"]
