"""Where a file check's time goes: CPU seconds for parsing alone and for the default
rules with each family left out, in this process, on a random sample of a corpus.

    python benchmarks/time_breakdown.py CORPUS_DIR [--files 400] [--seed 1]
"""

from __future__ import annotations

import argparse
import ast
import random
import time
from collections.abc import Callable
from pathlib import Path

import libcst

from policy_check.config import Settings
from policy_check.engine import FileJob, FixOptions, check_file, raise_recursion_limit
from policy_check.rules import FILE_RULES
from policy_check.runner import tune_gc


def cpu_seconds(work: Callable[[], object]) -> float:
    start = time.process_time()
    work()
    return time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--files", type=int, default=400)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    raise_recursion_limit()
    tune_gc()
    files = sorted(args.corpus.rglob("*.py"))
    files = random.Random(args.seed).sample(files, min(args.files, len(files)))
    data = [path.read_bytes() for path in files]
    settings = Settings(root=args.corpus)
    default = [rule for rule in FILE_RULES if rule.default_enabled]

    def check(rules: list) -> None:
        for path in files:
            check_file(FileJob(path, str(path), str(path), False), settings, rules, FixOptions())

    rows = {
        "libcst parse only": cpu_seconds(lambda: [libcst.parse_module(d) for d in data]),
        "CPython ast.parse only": cpu_seconds(lambda: [ast.parse(d) for d in data]),
        "engine, no rules": cpu_seconds(lambda: check([])),
        "default rules": cpu_seconds(lambda: check(default)),
    }
    for family in ("PC2", "PC3", "PC4", "PC5", "PC6"):
        rows[f"default rules without {family}"] = cpu_seconds(
            lambda family=family: check([rule for rule in default if not rule.code.startswith(family)])
        )
    print(f"{len(files)} files from {args.corpus}\n")
    print("| run | CPU seconds |\n|---|---:|")
    for label, seconds in rows.items():
        print(f"| {label} | {seconds:.2f} |")


if __name__ == "__main__":
    main()
