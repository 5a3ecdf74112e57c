"""PC4 — processes, not threads, for CPU work.

Research code "parallelises" pure-Python Monte Carlo loops with threads and gets no
speed-up (the GIL runs one thread's Python at a time); the switch to processes has
its own traps: pools started at import time break under the spawn start method, and
lambdas or nested functions cannot be pickled to a worker process.

Where things are:

- ``collector.py``: the traversal the rules share: ``ConcurrencyFacts`` records, once
  per file whichever of the rules run, every pool, executor, thread and process
  construction (``sites.py``) and every call that hands work to one, then pairs
  them up; ``ConcurrencyRule`` passes it the nodes.
- ``targets.py``: what each worker runs (``functools.partial``, lambdas, nested
  functions, local classes, methods, module functions).
- ``workload.py``: for PC401, whether a function's work is pure-Python CPU work,
  waiting, native code or unknown.
- one module per rule: ``thread_work.py`` (PC401), ``main_guard.py`` (PC402),
  ``unpicklable_target.py`` (PC403).
"""

from __future__ import annotations

from policy_check.rules.concurrency.main_guard import MissingMainGuard
from policy_check.rules.concurrency.thread_work import ThreadForCpuWork
from policy_check.rules.concurrency.unpicklable_target import UnpicklableProcessTarget

RULES = (ThreadForCpuWork, MissingMainGuard, UnpicklableProcessTarget)

__all__ = ["RULES", "MissingMainGuard", "ThreadForCpuWork", "UnpicklableProcessTarget"]
