"""Speed-ups behind the PC5 rules: each loop pattern against its array rewrite.

Run: ``python benchmarks/vectorise.py [--sizes 1000,100000,1000000] [--out benchmarks/RESULTS.md]``.
Prints a Markdown table (and appends it to ``--out`` when given).  The best of a few
repeats is reported; loops at 10^6 run once (they take about a second).
"""

from __future__ import annotations

import argparse
import logging
import math
import time
from collections.abc import Callable

import numpy as np

logger = logging.getLogger(__name__)


def elementwise_loop(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a))
    for i in range(len(a)):
        out[i] = 2.0 * a[i] + b[i]
    return out


def elementwise_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a))
    out[:] = 2.0 * a + b
    return out


def math_loop(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a))
    for i in range(len(a)):
        out[i] = math.exp(-a[i] * a[i])
    return out


def math_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.exp(-a * a)


def where_loop(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty(len(a))
    for i in range(len(a)):
        if a[i] > 0:
            out[i] = a[i] * b[i]
        else:
            out[i] = 0.0
    return out


def where_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(a > 0, a * b, 0.0)


def reduction_loop(a: np.ndarray, b: np.ndarray) -> float:
    s = 0.0
    for i in range(len(a)):
        s += a[i] * b[i]
    return s


def reduction_array(a: np.ndarray, b: np.ndarray) -> float:
    return float((a * b).sum())


def dot_array(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b)


def growth_loop(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.zeros(0)
    for x in a:
        out = np.append(out, x * 2.0)
    return out


def growth_list(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    pieces = []
    for x in a:
        pieces.append(x * 2.0)
    return np.array(pieces)


def list_then_array_loop(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = []
    for x in a:
        out.append(25.0 - 2.5 * math.log10(abs(x) + 1.0))
    return np.array(out)


def list_then_array_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.asarray(25.0 - 2.5 * np.log10(np.abs(a) + 1.0), dtype=float)


def scan_loop(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    c = np.zeros(len(a))
    for i in range(1, len(a)):
        c[i] = c[i - 1] + a[i]
    return c


def scan_array(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    c = np.zeros(len(a))
    c[1:] = np.cumsum(np.concatenate((c[:1], a[1:])))[1:]
    return c


def builtin_sum(a: np.ndarray, b: np.ndarray) -> float:
    return sum(a)


def method_sum(a: np.ndarray, b: np.ndarray) -> float:
    return a.sum()


def nested_loop(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    out = np.empty((x.size, y.size))
    for i in range(x.size):
        for j in range(y.size):
            out[i, j] = math.cos(x[i]) * math.cos(y[j])
    return out


def nested_broadcast(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.cos(x)[:, None] * np.cos(y)[None, :]


def iterrows_loop(frame, _unused) -> list[float]:  # noqa: ANN001
    return [row["a"] * row["b"] for _, row in frame.iterrows()]


def column_expression(frame, _unused):  # noqa: ANN001, ANN201
    return frame["a"] * frame["b"]


PATTERNS: list[tuple[str, str, Callable, Callable]] = [
    ("PC501", "`out[i] = 2*a[i] + b[i]` → `out[:] = 2*a + b`", elementwise_loop, elementwise_array),
    ("PC501", "`math.exp` → `np.exp`", math_loop, math_array),
    ("PC501", "`if/else` → `np.where`", where_loop, where_array),
    ("PC502", "`s += a[i]*b[i]` → `(a*b).sum()`", reduction_loop, reduction_array),
    ("PC502", "`s += a[i]*b[i]` → `a @ b`", reduction_loop, dot_array),
    ("PC503", "`np.append` in a loop → list + one `np.array`", growth_loop, growth_list),
    ("PC504", "list of `math.log10` → `np.log10`", list_then_array_loop, list_then_array_array),
    ("PC506", "`c[i] = c[i-1] + a[i]` → `np.cumsum`", scan_loop, scan_array),
    ("PC507", "`sum(a)` → `a.sum()`", builtin_sum, method_sum),
]


def _best_time(function: Callable, args: tuple, budget_s: float = 1.0) -> float:
    best = math.inf
    spent = 0.0
    runs = 0
    while runs < 5 and (runs == 0 or spent < budget_s):
        start = time.perf_counter()
        function(*args)
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        runs += 1
    return best


def _format(seconds: float) -> str:
    if seconds >= 1.0:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} µs"


def run(sizes: list[int], growth_limit: int = 100_000) -> str:
    rng = np.random.default_rng(0)
    rows = ["| code | pattern | n | loop | array | speed-up |", "|---|---|---|---|---|---|"]
    for code, label, loop, array in PATTERNS:
        for n in sizes:
            if loop is growth_loop and n > growth_limit:
                rows.append(f"| {code} | {label} | {n:,} | (quadratic: skipped) | | |")
                continue
            a, b = rng.normal(size=n), rng.normal(size=n)
            slow, fast = _best_time(loop, (a, b)), _best_time(array, (a, b))
            rows.append(f"| {code} | {label} | {n:,} | {_format(slow)} | {_format(fast)} | {slow / fast:,.0f}x |")
    x, y = rng.normal(size=300), rng.normal(size=300)
    slow, fast = _best_time(nested_loop, (x, y)), _best_time(nested_broadcast, (x, y))
    rows.append(f"| PC505 | nested `out[i, j]` → broadcasting | 300×300 | {_format(slow)} | {_format(fast)} | {slow / fast:,.0f}x |")
    try:
        import pandas as pd
    except ImportError:  # pandas is optional for the benchmark
        pd = None
    if pd is not None:
        for n in (1_000, 100_000):
            frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n)})
            slow, fast = _best_time(iterrows_loop, (frame, None)), _best_time(column_expression, (frame, None))
            rows.append(f"| PC508 | `iterrows` → column expression | {n:,} rows | {_format(slow)} | {_format(fast)} | {slow / fast:,.0f}x |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--out", default=None, help="append the table to this Markdown file")
    options = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    table = run([int(size) for size in options.sizes.split(",")])
    logger.info("%s", table)
    if options.out:
        with open(options.out, "a", encoding="utf-8") as handle:
            handle.write("\n## PC5 — loops against array expressions (benchmarks/vectorise.py)\n\n" + table + "\n")


if __name__ == "__main__":
    main()
