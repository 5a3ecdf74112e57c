"""PC5 — loops over NumPy arrays (and DataFrames) that should be vectorised.

``evidence`` finds which names hold arrays, ``loops`` reads loop headers and turns
loop bodies into array expressions, and one module per group of rules reports
(and, where the rewrite is exact, fixes) the loops.
"""

from __future__ import annotations

from policy_check.rules.base import Rule
from policy_check.rules.vectorise.builtin_calls import BuiltinOnArray
from policy_check.rules.vectorise.elementwise import ElementwiseLoop
from policy_check.rules.vectorise.frames import DataFrameRowLoop
from policy_check.rules.vectorise.growth import ArrayGrowthInLoop
from policy_check.rules.vectorise.lists import ListThenArray
from policy_check.rules.vectorise.nested import NestedIndexLoop
from policy_check.rules.vectorise.reductions import ReductionLoop
from policy_check.rules.vectorise.scans import ScanLoop

RULES: tuple[type[Rule], ...] = (
    ElementwiseLoop,
    ReductionLoop,
    ArrayGrowthInLoop,
    ListThenArray,
    NestedIndexLoop,
    ScanLoop,
    BuiltinOnArray,
    DataFrameRowLoop,
)
