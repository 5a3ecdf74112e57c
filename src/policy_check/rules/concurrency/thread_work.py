"""PC401 — threads running pure-Python CPU work (the GIL serialises it), with a fix
to the process version of the same pool when that is safe to offer."""

from __future__ import annotations

import libcst as cst

from policy_check.analysis.literals import string_value
from policy_check.analysis.names import ImportNames
from policy_check.analysis.patterns import assigned_names
from policy_check.diagnostics import Applicability
from policy_check.rules.base import AddModuleLines, FileContext, FixSafety, Invalid, NodeEdit, NodeFix, Replace, Valid
from policy_check.rules.concurrency.collector import ConcurrencyRule
from policy_check.rules.concurrency.sites import JOBLIB_THREAD_OPTIONS, THREAD_KINDS, Site, keyword
from policy_check.rules.concurrency.targets import Target
from policy_check.rules.concurrency.workload import Classifier, Verdict, Workload, class_methods


class ThreadForCpuWork(ConcurrencyRule):
    """Python threads share one interpreter lock (the GIL): only one thread runs
    Python bytecode at a time.  A Monte Carlo loop, a permutation test or a pair sum
    written in plain Python and spread over 8 threads takes as long as on one thread
    (often a little longer, from the switching).  Measured with
    `benchmarks/threads_vs_processes.py` (a pure-Python permutation test, 8 tasks of
    1,500 permutations, 2 workers on an idle 2-core machine): serial 0.64 s, 2 threads
    0.61 s (1.04x), 2 processes 0.32 s (1.98x) — only processes can use the second
    core, and their gain grows with the core count.  Processes each
    have their own interpreter and run truly in parallel.  Threads remain right for waiting (files,
    network, sleeping) and for NumPy/SciPy calls that release the GIL; the rule stays
    silent on those and on anything it cannot see through.  Off with
    ``free-threaded = true`` (Python 3.13t/3.14t has no GIL)."""

    code = "PC401"
    name = "thread-for-cpu-work"
    summary = "Threads run pure-Python CPU-bound work, which the GIL serialises; use processes."
    MESSAGE = "{what} runs CPU-bound Python ({target}: {reason}); the GIL lets one thread compute at a time, so use processes{how}"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "The pool becomes a `ProcessPoolExecutor` / `multiprocessing.Pool` (joblib: the process backend), "
        "only when every target is a module-level function that returns its results and the pool is created "
        "inside a function or a main guard; arguments and results are then pickled between processes."
    )
    trigger_words = ("Thread", "dummy", "threading", "joblib")

    VALID = [
        # Waiting on files: threads are right.
        "from concurrent.futures import ThreadPoolExecutor\n\ndef size(path):\n    with open(path) as fh:\n        return sum(len(line) for line in fh)\n\ndef sizes(paths):\n    with ThreadPoolExecutor(8) as ex:\n        return list(ex.map(size, paths))\n",
        # NumPy releases the GIL.
        "import threading\nimport numpy as np\n\ndef spectrum(block):\n    for _ in range(3):\n        block = np.fft.fft2(block)\n    return block\n\ndef start(block):\n    t = threading.Thread(target=spectrum, args=(block,))\n    t.start()\n    return t\n",
        # Mixed: the target calls something the rule cannot see (another module).
        "from concurrent.futures import ThreadPoolExecutor\nfrom lab.fit import fit_one\n\ndef fit_all(items):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(fit_one, items))\n",
        # Already processes.
        "from concurrent.futures import ProcessPoolExecutor\n\ndef work(n):\n    return sum(i * i for i in range(n))\n\ndef main():\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(work, [10**6] * 4))\n",
        # Sleeping and queues.
        "import threading, time\n\ndef poll(q):\n    while True:\n        item = q.get()\n        time.sleep(1)\n\ndef start(q):\n    threading.Thread(target=poll, args=(q,), daemon=True).start()\n",
        # Free-threaded Python: threads do run in parallel.
        Valid(
            "from concurrent.futures import ThreadPoolExecutor\n\ndef work(n):\n    return sum(i * i for i in range(n))\n\ndef run():\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(work, [10**6] * 4))\n",
            config={"free-threaded": True},
        ),
    ]
    INVALID = [
        Invalid(
            "from concurrent.futures import ThreadPoolExecutor\n\n\ndef pi_hits(seed, n=100_000):\n    x = seed\n    hits = 0\n    for _ in range(n):\n        x = (1103515245 * x + 12345) % 2**31\n        y = (1103515245 * x + 12345) % 2**31\n        hits += (x / 2**31) ** 2 + (y / 2**31) ** 2 < 1.0\n    return hits\n\n\ndef estimate(seeds):\n    with ThreadPoolExecutor(max_workers=4, thread_name_prefix=\"mc\") as ex:\n        return sum(ex.map(pi_hits, seeds))\n",
            expected="from concurrent.futures import ThreadPoolExecutor\nfrom concurrent.futures import ProcessPoolExecutor\n\n\ndef pi_hits(seed, n=100_000):\n    x = seed\n    hits = 0\n    for _ in range(n):\n        x = (1103515245 * x + 12345) % 2**31\n        y = (1103515245 * x + 12345) % 2**31\n        hits += (x / 2**31) ** 2 + (y / 2**31) ** 2 < 1.0\n    return hits\n\n\ndef estimate(seeds):\n    with ProcessPoolExecutor(max_workers=4) as ex:\n        return sum(ex.map(pi_hits, seeds))\n",
        ),
        Invalid(
            "import concurrent.futures as cf\n\n\ndef collatz(n):\n    steps = 0\n    while n != 1:\n        n = n // 2 if n % 2 == 0 else 3 * n + 1\n        steps += 1\n    return steps\n\n\ndef longest(limit):\n    pool = cf.ThreadPoolExecutor(8)\n    futures = [pool.submit(collatz, n) for n in range(1, limit)]\n    return max(f.result() for f in futures)\n",
            expected="import concurrent.futures as cf\n\n\ndef collatz(n):\n    steps = 0\n    while n != 1:\n        n = n // 2 if n % 2 == 0 else 3 * n + 1\n        steps += 1\n    return steps\n\n\ndef longest(limit):\n    pool = cf.ProcessPoolExecutor(8)\n    futures = [pool.submit(collatz, n) for n in range(1, limit)]\n    return max(f.result() for f in futures)\n",
        ),
        Invalid(
            "from multiprocessing.pool import ThreadPool\n\n\ndef pair_sum(points):\n    total = 0.0\n    for i, (x, y) in enumerate(points):\n        for u, v in points[i + 1:]:\n            total += ((x - u) ** 2 + (y - v) ** 2) ** -0.5\n    return total\n\n\ndef energies(configurations):\n    with ThreadPool(4) as pool:\n        return pool.map(pair_sum, configurations)\n",
            expected="from multiprocessing.pool import ThreadPool\nimport multiprocessing\n\n\ndef pair_sum(points):\n    total = 0.0\n    for i, (x, y) in enumerate(points):\n        for u, v in points[i + 1:]:\n            total += ((x - u) ** 2 + (y - v) ** 2) ** -0.5\n    return total\n\n\ndef energies(configurations):\n    with multiprocessing.Pool(4) as pool:\n        return pool.map(pair_sum, configurations)\n",
        ),
        Invalid(
            "import random\n\n\ndef perm_p(a, b, n_perm=2000):\n    gen = random.Random(0)\n    pooled = a + b\n    observed = sum(a) / len(a) - sum(b) / len(b)\n    hits = 0\n    for _ in range(n_perm):\n        gen.shuffle(pooled)\n        hits += sum(pooled[:len(a)]) / len(a) - sum(pooled[len(a):]) / len(b) >= observed\n    return hits / n_perm\n\n\ndef all_p(pairs):\n    from joblib import Parallel, delayed\n    return Parallel(n_jobs=4, prefer=\"threads\")(delayed(perm_p)(a, b) for a, b in pairs)\n",
            expected="import random\n\n\ndef perm_p(a, b, n_perm=2000):\n    gen = random.Random(0)\n    pooled = a + b\n    observed = sum(a) / len(a) - sum(b) / len(b)\n    hits = 0\n    for _ in range(n_perm):\n        gen.shuffle(pooled)\n        hits += sum(pooled[:len(a)]) / len(a) - sum(pooled[len(a):]) / len(b) >= observed\n    return hits / n_perm\n\n\ndef all_p(pairs):\n    from joblib import Parallel, delayed\n    return Parallel(n_jobs=4, prefer=\"processes\")(delayed(perm_p)(a, b) for a, b in pairs)\n",
        ),
        # Threads writing into a shared dict: suggestion only.
        "import threading\n\ndef worker(seeds, out):\n    for s in seeds:\n        out[s] = sum(i * s for i in range(10_000))\n\ndef run(seeds):\n    out = {}\n    threads = [threading.Thread(target=worker, args=(seeds[k::2], out)) for k in range(2)]\n    for t in threads:\n        t.start()\n    return out\n",
        # A lambda target: suggestion only.
        "from concurrent.futures import ThreadPoolExecutor\n\ndef run(values):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(lambda n: sum(k * k for k in range(n)), values))\n",
        # A thread subclass whose run method computes.
        "import threading\n\nclass Sampler(threading.Thread):\n    def run(self):\n        self.total = 0\n        for k in range(10**6):\n            self.total += k % 7\n",
    ]

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return not context.settings.free_threaded and super().applies_to(context)

    def finish(self) -> None:
        classifier = Classifier(self.definitions, self.context.names)
        for site in self.resolved_sites():
            if site.kind not in THREAD_KINDS:
                continue
            targets = self.targets_of(site)
            if not targets:
                continue
            verdicts = [self._verdict(classifier, target) for target in targets]
            if any(verdict is None or verdict.workload is not Workload.CPU for verdict in verdicts):
                continue  # mixed or unknown: precision first
            self._report_site(site, targets, verdicts)  # type: ignore[arg-type]
        for class_def, _where in self.thread_classes:
            verdict = classifier.classify(class_methods(class_def)["run"], class_def)
            if verdict.workload is Workload.CPU:
                self.report(
                    class_def,
                    self.MESSAGE.format(
                        what=f"Thread subclass `{class_def.name.value}`",
                        target="its `run`",
                        reason=verdict.reason,
                        how=": move the work into a module-level function and run it in a `ProcessPoolExecutor`",
                    ),
                )

    @staticmethod
    def _verdict(classifier: Classifier, target: Target) -> Verdict | None:
        if target.function is None or target.kind in ("unresolved", "local-class"):
            return None
        return classifier.classify(target.function, target.owner)

    def _report_site(self, site: Site, targets: list[Target], verdicts: list[Verdict]) -> None:
        what = {
            "thread": "`threading.Thread`",
            "thread-executor": "`ThreadPoolExecutor`",
            "thread-pool": "A thread pool",
            "joblib-threads": "joblib's threading backend",
        }[site.kind]
        blocker = self._fix_blocker(site, targets, verdicts)
        fix = None if blocker else self._fix(site)
        if fix is None and not blocker:
            blocker = "the process pool's name would clash with a name in this module"
        how = f" (no automatic fix: {blocker})" if blocker else ""
        target = targets[0]
        message = self.MESSAGE.format(what=what, target=target.label, reason=verdicts[0].reason, how=how)
        self.report(site.call, message, fix=fix)

    def _fix_blocker(self, site: Site, targets: list[Target], verdicts: list[Verdict]) -> str | None:
        if site.kind == "thread":
            return "run the function in a `ProcessPoolExecutor` and return results instead of sharing them"
        for target, verdict in zip(targets, verdicts):
            if target.kind == "lambda":
                return "the target is a lambda, which cannot be pickled; make it a module-level function"
            if target.kind == "nested-function":
                return f"{target.label} is a closure; move it to module level"
            if target.kind == "method":
                return f"{target.label} is a bound method; make it a module-level function"
            if verdict.writes_shared_state:
                return f"{target.label} writes into shared state; return the results instead"
        if not site.where.in_definition and not site.where.guarded:
            return "the pool is created at import time; create it inside a function or a main guard"
        if site.kind == "joblib-threads" and keyword(site.call, "require") is not None:
            return "`require=\"sharedmem\"` asks for shared memory"
        if keyword(site.call, "initializer") is not None:
            return "the initializer must be picklable too"
        return None

    def _fix(self, site: Site) -> NodeFix | None:
        call = site.call
        edits: list[NodeEdit] = []
        taken = assigned_names(list(self.context.module.body))
        imports = self.module_imports
        if site.kind == "joblib-threads":
            for (name, value), replacement in JOBLIB_THREAD_OPTIONS.items():
                argument = keyword(call, name)
                if argument is not None and string_value(argument) == value and replacement is not None:
                    assert isinstance(argument, cst.SimpleString)
                    quote = argument.quote
                    edits.append(Replace(argument, cst.SimpleString(f"{argument.prefix}{quote}{replacement}{quote}")))
            message = "Use joblib's process backend"
            return NodeFix(message, Applicability.UNSAFE, tuple(edits)) if edits else None
        if site.kind == "thread-executor":
            new_func, additions = self._process_callable(
                call.func, "concurrent.futures", "ProcessPoolExecutor", "from concurrent.futures import ProcessPoolExecutor", taken, imports
            )
            dropped = ("thread_name_prefix",)
            message = "Use `ProcessPoolExecutor`"
        else:
            new_func, additions = self._process_callable(call.func, "multiprocessing", "Pool", "import multiprocessing", taken, imports)
            dropped = ()
            message = "Use `multiprocessing.Pool`"
        if new_func is None:
            return None
        arguments = [arg for arg in call.args if not (arg.keyword is not None and arg.keyword.value in dropped)]
        if arguments and len(arguments) < len(call.args):
            arguments[-1] = arguments[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        edits.extend(additions)
        edits.append(Replace(call, call.with_changes(func=new_func, args=arguments)))
        return NodeFix(message, Applicability.UNSAFE, tuple(edits))

    @staticmethod
    def _process_callable(
        func: cst.BaseExpression, module: str, attribute: str, import_line: str, taken: set[str], imports: ImportNames
    ) -> tuple[cst.BaseExpression | None, list[NodeEdit]]:
        """The expression that names the process version, and the import it needs."""
        if isinstance(func, cst.Attribute) and imports.qualify(func.value) == module:
            return func.with_changes(attr=cst.Name(attribute)), []
        direct = [name for name in imports.local_names_for(f"{module}.{attribute}")]
        if direct:
            return cst.Name(direct[0]), []
        module_aliases = imports.local_names_for(module)
        if module_aliases:
            return cst.Attribute(cst.Name(module_aliases[0]), cst.Name(attribute)), []
        if module == "multiprocessing":
            if "multiprocessing" in taken or imports.is_imported("multiprocessing"):
                return None, []
            return cst.Attribute(cst.Name("multiprocessing"), cst.Name(attribute)), [AddModuleLines(import_line)]
        if attribute in taken or imports.is_imported(attribute):
            return None, []
        return cst.Name(attribute), [AddModuleLines(import_line)]
