"""Threads vs processes on a CPU-bound pure-Python workload (the case PC401 flags).

A permutation test (the kind research code spreads over a thread pool) is run
serially, on a ``ThreadPoolExecutor`` and on a ``ProcessPoolExecutor`` (the PC401
fix) with as many workers as the machine has cores; the speed-ups over the serial
run are logged.  Run: ``.venv/bin/python benchmarks/threads_vs_processes.py``
(``--tasks N --permutations N --repeat N`` to scale it).
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

logger = logging.getLogger(__name__)


def permutation_pvalue(task: tuple[int, int]) -> float:
    """Two-sample permutation test on synthetic data, in plain Python."""
    seed, n_perm = task
    gen = random.Random(seed)
    a = [gen.gauss(0.2, 1.0) for _ in range(200)]
    b = [gen.gauss(0.0, 1.0) for _ in range(200)]
    observed = sum(a) / len(a) - sum(b) / len(b)
    pooled = a + b
    hits = 0
    for _ in range(n_perm):
        gen.shuffle(pooled)
        difference = sum(pooled[:200]) / 200 - sum(pooled[200:]) / 200
        hits += difference >= observed
    return (hits + 1) / (n_perm + 1)


def run_serial(tasks: list[tuple[int, int]], workers: int) -> list[float]:
    return [permutation_pvalue(task) for task in tasks]


def run_threads(tasks: list[tuple[int, int]], workers: int) -> list[float]:
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(permutation_pvalue, tasks))


def run_processes(tasks: list[tuple[int, int]], workers: int) -> list[float]:
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(permutation_pvalue, tasks))


def best_time(runner: Callable[[list[tuple[int, int]], int], list[float]], tasks: list[tuple[int, int]], workers: int, repeat: int) -> tuple[float, list[float]]:
    times, result = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        result = runner(tasks, workers)
        times.append(time.perf_counter() - start)
    return min(times), result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=8)
    parser.add_argument("--permutations", type=int, default=1500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args(argv)
    tasks = [(seed, args.permutations) for seed in range(args.tasks)]
    serial, expected = best_time(run_serial, tasks, args.workers, args.repeat)
    threads, by_threads = best_time(run_threads, tasks, args.workers, args.repeat)
    processes, by_processes = best_time(run_processes, tasks, args.workers, args.repeat)
    assert by_threads == expected == by_processes, "the three runs must agree"
    logger.info("%d tasks x %d permutations, %d workers (best of %d)", args.tasks, args.permutations, args.workers, args.repeat)
    logger.info("serial    %.2f s", serial)
    logger.info("threads   %.2f s  speed-up %.2fx", threads, serial / threads)
    logger.info("processes %.2f s  speed-up %.2fx (%.2fx faster than threads)", processes, serial / processes, threads / processes)
    return 0


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    raise SystemExit(main())
