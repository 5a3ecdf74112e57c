"""PC401-PC403 as specifications: every thread/pool construct the issue names is found,
every kind of work is classified, and mixed or unknown work gets no PC401."""

from __future__ import annotations

import textwrap

import pytest

from policy_check.rules.concurrency import MissingMainGuard, ThreadForCpuWork, UnpicklableProcessTarget
from policy_check.testing import check_snippet, fix_snippet

CPU_FUNCTION = """
def crunch(n):
    total = 0
    for i in range(n):
        total += i * i % 7
    return total
"""


def _codes(code: str, rule: type, config: dict | None = None) -> list:
    code = textwrap.dedent(code)
    return [d for d in check_snippet(code, [rule], config=config) if d.code == rule.code]


def pc401(code: str, config: dict | None = None) -> list:
    return _codes(CPU_FUNCTION + textwrap.dedent(code), ThreadForCpuWork, config)


# ---------------------------------------------------------------------------
# PC401: finding the work


@pytest.mark.parametrize(
    "construct",
    [
        pytest.param("import threading\ndef go():\n    threading.Thread(target=crunch, args=(10,)).start()\n", id="thread-target"),
        pytest.param("from threading import Thread\ndef go():\n    t = Thread(None, crunch, args=(10,))\n    t.start()\n", id="thread-positional-target"),
        pytest.param("from concurrent.futures import ThreadPoolExecutor\ndef go():\n    with ThreadPoolExecutor(4) as ex:\n        return [ex.submit(crunch, n) for n in range(4)]\n", id="executor-with-submit"),
        pytest.param("from concurrent.futures import ThreadPoolExecutor\ndef go():\n    ex = ThreadPoolExecutor(4)\n    return list(ex.map(crunch, range(4)))\n", id="executor-variable-map"),
        pytest.param("from concurrent.futures import ThreadPoolExecutor\nEX = ThreadPoolExecutor(4)\ndef go():\n    return list(EX.map(crunch, range(4)))\n", id="executor-module-variable"),
        pytest.param("from concurrent.futures import ThreadPoolExecutor\ndef go():\n    return list(ThreadPoolExecutor(2).map(crunch, range(4)))\n", id="executor-chained"),
        pytest.param("from multiprocessing.dummy import Pool\ndef go():\n    with Pool(4) as pool:\n        return pool.imap(crunch, range(4))\n", id="dummy-pool-imap"),
        pytest.param("from multiprocessing.pool import ThreadPool\ndef go():\n    pool = ThreadPool(4)\n    return pool.starmap(crunch, [(1,), (2,)])\n", id="threadpool-starmap"),
        pytest.param("import multiprocessing.pool\ndef go():\n    pool = multiprocessing.pool.ThreadPool(4)\n    return [pool.apply_async(crunch, (n,)) for n in range(4)]\n", id="threadpool-apply-async"),
        pytest.param("from joblib import Parallel, delayed\ndef go():\n    return Parallel(n_jobs=2, prefer='threads')(delayed(crunch)(n) for n in range(4))\n", id="joblib-prefer-threads"),
        pytest.param("from joblib import Parallel, delayed\ndef go():\n    return Parallel(n_jobs=2, backend='threading')(delayed(crunch)(n) for n in range(4))\n", id="joblib-backend-threading"),
        pytest.param("from joblib import Parallel, delayed\ndef go():\n    parallel = Parallel(n_jobs=2, prefer='threads')\n    return parallel(delayed(crunch)(n) for n in range(4))\n", id="joblib-variable"),
        pytest.param("import threading\nclass Worker(threading.Thread):\n    def run(self):\n        self.result = crunch(10)\n", id="thread-subclass-run"),
        pytest.param("import threading\nclass Job:\n    def work(self):\n        return crunch(3)\n    def start(self):\n        threading.Thread(target=self.work).start()\n", id="bound-method-target"),
    ],
)
def test_cpu_bound_work_on_threads_is_found(construct: str) -> None:
    assert len(pc401(construct)) == 1


@pytest.mark.parametrize(
    "construct",
    [
        pytest.param("from joblib import Parallel, delayed\ndef go():\n    return Parallel(n_jobs=2)(delayed(crunch)(n) for n in range(4))\n", id="joblib-default-processes"),
        pytest.param("from concurrent.futures import ProcessPoolExecutor\ndef go():\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(crunch, range(4)))\n", id="process-pool-with-module-function"),
        pytest.param("from concurrent.futures import ThreadPoolExecutor\ndef go(fn):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(fn, range(4)))\n", id="target-is-a-parameter"),
        pytest.param("from concurrent.futures import ThreadPoolExecutor\nfrom lab.model import simulate\ndef go():\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(simulate, range(4)))\n", id="imported-target"),
    ],
)
def test_unresolved_or_process_work_is_not_pc401(construct: str) -> None:
    assert pc401(construct) == []


# ---------------------------------------------------------------------------
# PC401: classifying the work


def _threaded(target_body: str, extra_imports: str = "") -> str:
    """A module whose thread pool runs ``target``; ``extra_imports`` is module-level code."""
    return (
        f"from concurrent.futures import ThreadPoolExecutor\n{extra_imports}\n\n"
        f"def target(item):\n{textwrap.indent(textwrap.dedent(target_body), '    ')}\n\n"
        "def go(items):\n    with ThreadPoolExecutor(4) as ex:\n        return list(ex.map(target, items))\n"
    )


@pytest.mark.parametrize(
    ("body", "imports"),
    [
        pytest.param("acc = 0.0\nfor k in range(item):\n    acc += (k % 13) ** 0.5\nreturn acc", "", id="arithmetic-loop"),
        pytest.param("n = 0\nfor a in range(item):\n    for b in range(item):\n        n += a ^ b\nreturn n", "", id="nested-loops"),
        pytest.param("if item < 2:\n    return item\nreturn target(item - 1) + target(item - 2)", "", id="recursion"),
        pytest.param("text = ''\nfor k in range(item):\n    text += str(k)\nreturn text", "", id="string-building"),
        pytest.param("return sum(math.sin(k) * math.cos(k) for k in range(item))", "import math", id="pure-python-math"),
        pytest.param("gen = random.Random(item)\nxs = [gen.random() for _ in range(1000)]\nxs.sort()\nreturn xs[500]", "import random", id="random-draws"),
        pytest.param("return helper(item)", "def helper(n):\n    return deeper(n)\n\ndef deeper(n):\n    return sum(k * k for k in range(n))", id="two-calls-deep"),
        pytest.param("counts = Counter()\nfor ch in item:\n    counts[ch] += 1\nreturn counts", "from collections import Counter", id="counting"),
    ],
)
def test_cpu_bound_python_is_flagged(body: str, imports: str) -> None:
    assert len(_codes(_threaded(body, imports), ThreadForCpuWork)) == 1


@pytest.mark.parametrize(
    ("body", "imports"),
    [
        pytest.param("with open(item) as fh:\n    return sum(len(line) for line in fh)", "", id="open"),
        pytest.param("total = 0\nfor k in range(3):\n    total += len(requests.get(item).text)\nreturn total", "import requests", id="http-requests"),
        pytest.param("for k in range(3):\n    httpx.get(item)", "import httpx", id="http-httpx"),
        pytest.param("return urllib.request.urlopen(item).read()", "import urllib.request", id="urllib"),
        pytest.param("with socket.create_connection(item) as s:\n    for k in range(10):\n        s.sendall(b'x')", "import socket", id="socket"),
        pytest.param("for k in range(5):\n    subprocess.run(['true'])", "import subprocess", id="subprocess"),
        pytest.param("for k in range(5):\n    time.sleep(0.1)\n    k += 1", "import time", id="sleep"),
        pytest.param("while True:\n    job = item.get()\n    if job is None:\n        break", "", id="blocking-queue-get"),
        pytest.param("for row in range(10):\n    item.execute('select 1')\n    item.fetchall()", "", id="database-cursor"),
        pytest.param("s3 = boto3.client('s3')\nfor k in range(3):\n    s3.download_file('b', str(k), '/tmp/x')", "import boto3", id="boto3"),
        pytest.param("out = 0\nfor k in range(10):\n    out += np.linalg.norm(np.fft.fft(item))\nreturn out", "import numpy as np", id="numpy-heavy"),
        pytest.param("acc = 0\nfor k in range(10):\n    acc += scipy.linalg.det(item)\nreturn acc", "import scipy.linalg", id="scipy"),
        pytest.param("h = hashlib.sha256()\nfor k in range(100):\n    h.update(item)\nreturn h.hexdigest()", "import hashlib", id="hashlib"),
        pytest.param("for k in range(10):\n    item = torch.matmul(item, item)\nreturn item", "import torch", id="torch"),
        pytest.param("return [zlib.compress(b) for b in item]", "import zlib", id="zlib"),
        pytest.param("n = 0\nfor k in range(10):\n    n += model.predict(k)\nreturn n", "", id="unknown-method"),
        pytest.param("return item * 2", "", id="trivial-no-loop"),
        pytest.param("return helper(item)", "def helper(n):\n    return deeper(n)\n\ndef deeper(n):\n    return deepest(n)\n\ndef deepest(n):\n    return sum(k * k for k in range(n))", id="three-calls-deep-is-unknown"),
    ],
)
def test_waiting_native_or_unknown_work_is_not_flagged(body: str, imports: str) -> None:
    assert _codes(_threaded(body, imports), ThreadForCpuWork) == []


def test_async_target_is_not_flagged() -> None:
    code = _threaded("for k in range(3):\n    await asyncio.sleep(k)", "import asyncio").replace("def target", "async def target")
    assert _codes(code, ThreadForCpuWork) == []


def test_pool_with_one_io_target_and_one_cpu_target_is_not_flagged() -> None:
    code = """
    from concurrent.futures import ThreadPoolExecutor

    def load(path):
        with open(path) as fh:
            return fh.read()

    def go(paths):
        with ThreadPoolExecutor() as ex:
            texts = list(ex.map(load, paths))
            return list(ex.map(crunch, [len(t) for t in texts]))
    """
    assert pc401(code) == []


def test_free_threaded_python_turns_pc401_off() -> None:
    code = "import threading\ndef go():\n    threading.Thread(target=crunch, args=(9,)).start()\n"
    assert len(pc401(code)) == 1
    assert pc401(code, {"free-threaded": True}) == []


# ---------------------------------------------------------------------------
# PC401: the fix, and what blocks it


def _fix(code: str, rule: type = ThreadForCpuWork) -> str:
    fixed, _, applied = fix_snippet(textwrap.dedent(code), [rule])
    return fixed if applied else ""


def test_executor_becomes_process_pool_executor_with_its_import() -> None:
    fixed = _fix(CPU_FUNCTION + "from concurrent.futures import ThreadPoolExecutor\ndef go():\n    with ThreadPoolExecutor(max_workers=2, thread_name_prefix='w') as ex:\n        return list(ex.map(crunch, range(4)))\n")
    assert "from concurrent.futures import ProcessPoolExecutor" in fixed
    assert "with ProcessPoolExecutor(max_workers=2) as ex:" in fixed


def test_existing_process_executor_import_is_reused() -> None:
    fixed = _fix(CPU_FUNCTION + "from concurrent.futures import ProcessPoolExecutor as PPE, ThreadPoolExecutor\ndef go():\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(crunch, range(4)))\n")
    assert "with PPE() as ex:" in fixed and fixed.count("import") == 1


def test_dummy_pool_becomes_multiprocessing_pool() -> None:
    fixed = _fix(CPU_FUNCTION + "import multiprocessing as mp\nfrom multiprocessing.dummy import Pool\ndef go():\n    with Pool(2) as pool:\n        return pool.map(crunch, range(4))\n")
    assert "with mp.Pool(2) as pool:" in fixed


def test_joblib_threading_backend_becomes_loky() -> None:
    fixed = _fix(CPU_FUNCTION + "from joblib import Parallel, delayed\ndef go():\n    return Parallel(n_jobs=2, backend='threading')(delayed(crunch)(n) for n in range(4))\n")
    assert "backend='loky'" in fixed


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        pytest.param("from concurrent.futures import ThreadPoolExecutor\ndef go(xs):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(lambda n: crunch(n) + 1, xs))\n", "lambda", id="lambda"),
        pytest.param("from concurrent.futures import ThreadPoolExecutor\ndef go(xs, k):\n    def inner(n):\n        return crunch(n + k)\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(inner, xs))\n", "closure", id="closure"),
        pytest.param("from concurrent.futures import ThreadPoolExecutor\nclass Job:\n    def work(self, n):\n        return crunch(n)\n    def go(self, xs):\n        with ThreadPoolExecutor() as ex:\n            return list(ex.map(self.work, xs))\n", "bound method", id="bound-method"),
        pytest.param("from multiprocessing.pool import ThreadPool\ndef fill(n, out):\n    out[n] = crunch(n)\ndef go(xs):\n    out = {}\n    with ThreadPool(2) as pool:\n        pool.starmap(fill, [(x, out) for x in xs])\n    return out\n", "shared state", id="shared-results-dict"),
        pytest.param("from concurrent.futures import ThreadPoolExecutor\nEX = ThreadPoolExecutor(2)\ndef go(xs):\n    return list(EX.map(crunch, xs))\n", "import time", id="pool-at-import-time"),
    ],
)
def test_fix_is_withheld_and_the_message_says_why(code: str, reason: str) -> None:
    (finding,) = pc401(code)
    assert finding.fix is None
    assert reason in finding.message


# ---------------------------------------------------------------------------
# PC402


def pc402(code: str) -> list:
    return _codes(code, MissingMainGuard)


def test_guarded_pool_and_pool_in_function_are_fine() -> None:
    assert pc402("import multiprocessing\ndef f(x):\n    return x\nif __name__ == '__main__':\n    with multiprocessing.Pool(2) as p:\n        p.map(f, [1])\n") == []
    assert pc402("import multiprocessing\ndef f(x):\n    return x\nif __name__ == '__main__' and True:\n    p = multiprocessing.Pool(2)\nelif __name__ == '__main__':\n    p = multiprocessing.Pool(3)\n") == []
    assert pc402("from concurrent.futures import ProcessPoolExecutor\ndef f(x):\n    return x\ndef main():\n    with ProcessPoolExecutor() as ex:\n        ex.map(f, [1])\n") == []


def test_else_branch_of_a_main_guard_runs_on_import() -> None:
    assert len(pc402("import multiprocessing\nif __name__ == '__main__':\n    pass\nelse:\n    POOL = multiprocessing.Pool(2)\n")) == 1


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import multiprocessing\nPOOL = multiprocessing.Pool(2)\n", id="pool"),
        pytest.param("from concurrent.futures import ProcessPoolExecutor\nEX = ProcessPoolExecutor()\n", id="process-pool-executor"),
        pytest.param("import multiprocessing as mp\nCTX = mp.get_context('spawn')\nPOOL = CTX.Pool(2)\n", id="context-pool"),
        pytest.param("import multiprocessing as mp\ndef f():\n    pass\np = mp.Process(target=f)\np.start()\n", id="process-start"),
        pytest.param("import os, multiprocessing\nif os.environ.get('GO'):\n    with multiprocessing.Pool() as pool:\n        pool.map(abs, [1])\n", id="behind-a-condition"),
    ],
)
def test_process_started_at_module_level_is_found(code: str) -> None:
    assert len(pc402(code)) == 1


def test_main_guard_fix_keeps_multiline_strings_intact() -> None:
    code = 'import multiprocessing\nwith multiprocessing.Pool(2) as pool:\n    TEXT = """a\nb"""\n    pool.map(len, [TEXT])\n'
    fixed = _fix(code, MissingMainGuard)
    assert fixed == 'import multiprocessing\nif __name__ == "__main__":\n    with multiprocessing.Pool(2) as pool:\n        TEXT = """a\nb"""\n        pool.map(len, [TEXT])\n'


def test_main_guard_fix_is_withheld_when_earlier_code_uses_the_names() -> None:
    code = "import multiprocessing\ndef submit(x):\n    return POOL.apply_async(abs, (x,))\nPOOL = multiprocessing.Pool(2)\n"
    (finding,) = pc402(code)
    assert finding.fix is None and "`POOL`" in finding.message


# ---------------------------------------------------------------------------
# PC403


def pc403(code: str) -> list:
    return _codes(code, UnpicklableProcessTarget)


def test_nested_function_message_names_its_free_variables() -> None:
    code = "from concurrent.futures import ProcessPoolExecutor\ndef run(base, rain, xs):\n    scale = 2\n    def one(x):\n        return x * base * scale\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(one, xs))\n"
    (finding,) = pc403(code)
    assert "`one` is a nested function" in finding.message
    assert "`base`, `scale`" in finding.message and "`rain`" not in finding.message


@pytest.mark.parametrize(
    "code",
    [
        pytest.param("import multiprocessing as mp\ndef run(xs):\n    with mp.Pool(2) as pool:\n        return pool.map(lambda x: x + 1, xs)\n", id="lambda-to-pool"),
        pytest.param("import functools, multiprocessing as mp\ndef run(xs):\n    def one(x, k):\n        return x * k\n    with mp.Pool(2) as pool:\n        return pool.map(functools.partial(one, k=2), xs)\n", id="partial-of-nested"),
        pytest.param("import multiprocessing as mp\ndef run(xs):\n    class Local:\n        def go(self):\n            return 1\n    obj = Local()\n    with mp.Pool(2) as pool:\n        return pool.apply_async(obj.go)\n", id="local-class-instance-method"),
        pytest.param("import multiprocessing as mp\ndef run():\n    def beat():\n        pass\n    mp.Process(target=beat).start()\n", id="process-target"),
        pytest.param("import multiprocessing as mp\ndef run(xs):\n    with mp.get_context('spawn').Pool(2) as pool:\n        return pool.starmap(lambda a, b: a + b, xs)\n", id="context-pool-lambda"),
    ],
)
def test_unpicklable_targets_are_found(code: str) -> None:
    assert len(pc403(code)) == 1


def test_picklable_targets_and_thread_pools_are_fine() -> None:
    assert pc403("import operator, multiprocessing as mp\nclass HW:\n    def chi2(self, c):\n        return c\n    @staticmethod\n    def het(c):\n        return c\ndef run(xs):\n    t = HW()\n    with mp.Pool(2) as pool:\n        pool.map(t.chi2, xs)\n        pool.map(HW.het, xs)\n        return pool.map(operator.itemgetter(1), xs)\n") == []
    assert pc403("from concurrent.futures import ThreadPoolExecutor\ndef run(xs):\n    with ThreadPoolExecutor() as ex:\n        return list(ex.map(lambda x: x, xs))\n") == []


# ---------------------------------------------------------------------------
# The three rules share one collection per file


_IMPORTS = """
import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
"""
_MIXED = _IMPORTS + CPU_FUNCTION + """
def threaded():
    with ThreadPoolExecutor(4) as ex:
        return list(ex.map(crunch, range(4)))

def nested(scale):
    def scaled(x):
        return x * scale
    with ProcessPoolExecutor() as ex:
        return list(ex.map(scaled, range(4)))

class Worker(threading.Thread):
    def run(self):
        self.result = crunch(10)

POOL = multiprocessing.Pool(2)
POOL.map(lambda x: x + 1, range(3))
"""

_PC4 = [ThreadForCpuWork, MissingMainGuard, UnpicklableProcessTarget]


def _findings(code: str, rules: list) -> list:
    return sorted((d.code, d.start, d.message, d.fix) for d in check_snippet(code, rules) if d.code.startswith(("PC4", "PC000")))


@pytest.mark.parametrize("order", [_PC4, _PC4[::-1], [_PC4[2], _PC4[0], _PC4[1]]])
def test_the_rules_together_find_what_each_finds_alone(order: list) -> None:
    alone = sorted(finding for rule in _PC4 for finding in _findings(_MIXED, [rule]))
    assert {code for code, *_ in alone} == {"PC401", "PC402", "PC403"}
    assert _findings(_MIXED, order) == alone


def test_a_crash_while_collecting_fails_every_rule_on_that_node(monkeypatch: pytest.MonkeyPatch) -> None:
    from policy_check.rules.concurrency.collector import ConcurrencyFacts

    recorded = ConcurrencyFacts.visit_Call

    def crash_on_pools(self: ConcurrencyFacts, node) -> None:
        if getattr(node.func, "attr", None) is not None and node.func.attr.value == "Pool":
            raise RuntimeError("cannot read this pool")
        recorded(self, node)

    monkeypatch.setattr(ConcurrencyFacts, "visit_Call", crash_on_pools)
    crashes = [(d.code, d.start, d.message) for d in check_snippet(_MIXED, _PC4) if d.code == "PC000"]
    assert [message.split(" (")[0] for _, _, message in crashes] == [
        f"internal error in rule {rule.code}" for rule in _PC4
    ]
    assert len({start for _, start, _ in crashes}) == 1
    assert all(message.endswith("RuntimeError: cannot read this pool") for _, _, message in crashes)
