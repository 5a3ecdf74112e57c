"""The PC401 and PC402 fixes, run for real: fixed modules execute under the spawn start
method (the macOS/Windows default) in a subprocess and give the original's results."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from policy_check.rules.concurrency import MissingMainGuard, ThreadForCpuWork
from policy_check.testing import fix_snippet

TIMEOUT_S = 60

THREADED_COLLATZ = textwrap.dedent(
    '''
    """Longest Collatz chains, "parallelised" on threads."""
    import multiprocessing
    import sys
    from concurrent.futures import ThreadPoolExecutor
    from multiprocessing.pool import ThreadPool


    def collatz_steps(n):
        steps = 0
        while n != 1:
            n = n // 2 if n % 2 == 0 else 3 * n + 1
            steps += 1
        return steps


    def chain_total(start, stop):
        return sum(collatz_steps(n) for n in range(start, stop))


    def longest(limit):
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="collatz") as ex:
            return max(ex.map(collatz_steps, range(1, limit)))


    def totals(limit):
        pool = ThreadPool(2)
        try:
            return pool.starmap(chain_total, [(1, limit), (limit, 2 * limit)])
        finally:
            pool.close()


    if __name__ == "__main__":
        multiprocessing.set_start_method("spawn")
        sys.stdout.write(f"{longest(3000)} {totals(1500)}\\n")
    '''
).lstrip()

MODULE_LEVEL_POOL = textwrap.dedent(
    '''
    """Squares, computed in a process pool created at import time."""
    import multiprocessing
    import sys
    from concurrent.futures import ProcessPoolExecutor


    def square(x):
        return x * x


    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        TOTAL = sum(pool.map(square, range(10)))
    sys.stdout.write(f"{TOTAL}\\n")
    '''
).lstrip()


def _run(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=TIMEOUT_S, cwd=path.parent, check=False
    )


def test_pc401_fix_runs_under_spawn_with_the_same_results(tmp_path: Path) -> None:
    original = tmp_path / "threaded.py"
    original.write_text(THREADED_COLLATZ)
    fixed_text, remaining, applied = fix_snippet(THREADED_COLLATZ, [ThreadForCpuWork])
    assert len(applied) == 2 and [d for d in remaining if d.code == "PC401"] == []
    assert "with ProcessPoolExecutor(max_workers=2) as ex:" in fixed_text
    assert "pool = multiprocessing.Pool(2)" in fixed_text
    fixed = tmp_path / "processes.py"
    fixed.write_text(fixed_text)

    before, after = _run(original), _run(fixed)

    assert before.returncode == 0, before.stderr
    assert after.returncode == 0, after.stderr
    assert after.stdout == before.stdout
    assert before.stdout.split()[0] == "216"  # the longest chain below 3000 (n = 2919)


def test_pc402_fix_makes_a_spawn_started_pool_work(tmp_path: Path) -> None:
    original = tmp_path / "at_import.py"
    original.write_text(MODULE_LEVEL_POOL)
    failing = _run(original)
    assert failing.returncode != 0
    assert "bootstrapping phase" in failing.stderr or "BrokenProcessPool" in failing.stderr

    fixed_text, _, applied = fix_snippet(MODULE_LEVEL_POOL, [MissingMainGuard])
    assert [d.code for d in applied] == ["PC402"]
    assert 'if __name__ == "__main__":\n    with ProcessPoolExecutor(' in fixed_text
    fixed = tmp_path / "guarded.py"
    fixed.write_text(fixed_text)
    working = _run(fixed)
    assert working.returncode == 0, working.stderr
    assert working.stdout == "285\n"
