"""PC403 — a lambda, nested function or local class sent to a process pool or
``Process``: pickle cannot send it to the worker."""

from __future__ import annotations

from policy_check.rules.concurrency.collector import ConcurrencyRule
from policy_check.rules.concurrency.sites import PROCESS_KINDS


class UnpicklableProcessTarget(ConcurrencyRule):
    """A process pool sends each task to a worker process by pickling the function and
    its arguments, and pickle stores a function as "module + name" so the worker can
    import it.  A lambda, a function defined inside another function, or an object of a
    class defined inside a function has no such name: the pool fails with
    ``Can't pickle <function ... <locals>...>`` (or ``AttributeError: Can't get local
    object``) — with the spawn start method even ``Process(target=...)`` does.  Move the
    function to module level; the variables it used from the enclosing function become
    its arguments (``functools.partial`` binds them)."""

    code = "PC403"
    name = "unpicklable-process-target"
    summary = "A lambda, nested function or local class is sent to a process pool or `Process`."
    MESSAGE = "{label} is {what}: it cannot be pickled to a worker process; move it to module level{free}"
    trigger_words = ("Pool", "Process")

    VALID = [
        "from concurrent.futures import ProcessPoolExecutor\n\ndef work(x):\n    return x * x\n\ndef run(xs):\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(work, xs))\n",
        "import functools\nfrom multiprocessing import Pool\n\ndef work(x, scale):\n    return x * scale\n\ndef run(xs):\n    with Pool(2) as pool:\n        return pool.map(functools.partial(work, scale=2), xs)\n",
        # Threads do not pickle.
        "from concurrent.futures import ThreadPoolExecutor\n\ndef run(paths):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(lambda p: p.stat().st_size, paths))\n",
        "import math\nfrom multiprocessing import Pool\n\ndef run(xs):\n    with Pool(2) as pool:\n        return pool.map(math.sqrt, xs)\n",
    ]
    INVALID = [
        "from concurrent.futures import ProcessPoolExecutor\n\ndef sensitivity(base, rain, deltas):\n    def perturbed(delta):\n        return sum(r * base * (1 + delta) for r in rain)\n\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(perturbed, deltas))\n",
        "import multiprocessing as mp\n\ndef run(base, seasons):\n    with mp.Pool(4) as pool:\n        return pool.map(lambda rain: sum(rain) * base, seasons)\n",
        "from concurrent.futures import ProcessPoolExecutor\n\ndef run(factors):\n    class Scenario:\n        def __init__(self, f):\n            self.f = f\n\n        def evaluate(self):\n            return self.f * 2\n\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(Scenario.evaluate, [Scenario(f) for f in factors]))\n",
        "import multiprocessing\n\ndef start(seconds):\n    def wait():\n        return seconds\n\n    proc = multiprocessing.Process(target=wait)\n    proc.start()\n    return proc\n",
    ]

    def finish(self) -> None:
        for site in self.resolved_sites():
            if site.kind not in PROCESS_KINDS:
                continue
            for target in self.targets_of(site):
                what = {
                    "lambda": "a lambda",
                    "nested-function": "a nested function",
                    "local-class": "defined by a local class",
                }.get(target.kind)
                if what is None:
                    continue
                free = ""
                if target.free_variables:
                    names = ", ".join(f"`{name}`" for name in target.free_variables)
                    noun = "arguments" if len(target.free_variables) > 1 else "an argument"
                    free = f" and pass {names} as {noun} (`functools.partial`)"
                label = "This function" if target.kind == "lambda" else target.label
                self.report(target.expression, self.MESSAGE.format(label=label, what=what, free=free))
