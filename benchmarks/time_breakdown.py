"""Where a file check's time goes: CPU seconds of this process's checking thread on a
random sample of a corpus (``.py`` files and, with ``--notebooks``, notebooks), GC
tuned as the workers are.

Three tables:

- whole checks: bare libcst parse of the ``.py`` files (the floor corpus_speed.py
  measures), CPython's ``ast.parse``, the engine with no rules, the default rules,
  and the default rules with each family left out;
- the phases of one check with the default rules (reading, notebook joining, the
  two parses, the rules' traversal, placing the findings, suppression), measured
  inside the same run;
- each rule's own handlers (its ``visit_*``/``leave_*`` and ``finish``), most
  expensive first.

The checks run inline on the calling thread (as on the deep-stack thread), so a
profiler or these timers see them::

    python benchmarks/time_breakdown.py CORPUS_DIR [CORPUS_DIR ...] [--files 400] [--seed 1] [--notebooks]
"""

from __future__ import annotations

import argparse
import ast
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst

from policy_check import deep_stack, engine
from policy_check.config import Settings
from policy_check.engine import FileJob, FixOptions, check_file
from policy_check.rules import FILE_RULES
from policy_check.rules.base import Rule
from policy_check.runner import tune_gc

cpu = time.thread_time
FLOOR = "libcst parse only (.py files: the floor)"
TIMED = "default rules, phases timed"


def cpu_seconds(work: Callable[[], object]) -> float:
    start = cpu()
    work()
    return cpu() - start


def corpus_files(roots: list[Path], suffixes: tuple[str, ...]) -> list[Path]:
    # os.walk follows symbolic links to folders (a folder of links to repositories).
    found = []
    for root in roots:
        for folder, names, files in os.walk(root, followlinks=True):
            names[:] = [name for name in names if not name.startswith(".")]
            found += [Path(folder) / name for name in files if name.endswith(suffixes)]
    return sorted(found)


class Timers:
    """Accumulated CPU seconds under names; nested timings count in both."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        original = getattr(owner, attribute)
        seconds = self.seconds

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = cpu()
            try:
                return original(*args, **kwargs)
            finally:
                seconds[label] += cpu() - start

        setattr(owner, attribute, timed)


@contextmanager
def phases_timed() -> Iterator[Timers]:
    """The engine's phases and each rule's handlers timed while the block runs."""
    timers = Timers()
    saved = [
        (engine, "read_source"),
        (engine, "read_notebook"),
        (engine, "python_tree"),
        (engine.cst, "parse_module"),
        (engine, "_run_rules"),
        (engine, "_diagnostics_of"),
        (engine, "filter_suppressed"),
        (engine, "to_cell_locations"),
        (engine._Dispatcher, "_call"),
    ]
    originals = [(owner, name, getattr(owner, name)) for owner, name in saved]
    timers.wrap(engine, "read_source", "read the file")
    timers.wrap(engine, "read_notebook", "join a notebook's cells (each cell parsed alone)")
    timers.wrap(engine, "python_tree", "CPython ast.parse")
    timers.wrap(engine.cst, "parse_module", "libcst parse")
    timers.wrap(engine, "_run_rules", "rules: the traversal and every rule's handlers")
    timers.wrap(engine, "_diagnostics_of", "findings placed (positions, fixes, snippets, scopes)")
    timers.wrap(engine, "filter_suppressed", "suppression (noqa, per-file-ignores)")
    timers.wrap(engine, "to_cell_locations", "notebook cell locations")
    per_rule = timers.seconds
    original_call = engine._Dispatcher._call

    def timed_call(self: Any, handlers: list[tuple[Any, Callable[[Any], object]]], node: Any) -> None:
        for pair in handlers:
            start = cpu()
            original_call(self, [pair], node)
            per_rule["rule " + pair[0].code] += cpu() - start

    engine._Dispatcher._call = timed_call  # type: ignore[method-assign]
    finishes = [(rule, rule.__dict__.get("finish")) for rule in FILE_RULES]
    for rule, _ in finishes:
        timers.wrap(rule, "finish", "rule " + rule.code)
    try:
        yield timers
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)
        for rule, finish in finishes:
            if finish is None:
                del rule.finish
            else:
                rule.finish = finish  # type: ignore[method-assign]


@dataclass
class Sample:
    files: list[Path]
    python_texts: list[bytes]
    notebooks: int
    settings: Settings


def sample_of(args: argparse.Namespace) -> Sample:
    files = corpus_files(args.corpus, (".py", ".ipynb") if args.notebooks else (".py",))
    if args.files:
        files = sorted(random.Random(args.seed).sample(files, min(args.files, len(files))))
    python_files = [path for path in files if path.suffix == ".py"]
    texts = [path.read_bytes() for path in python_files]
    return Sample(files, texts, len(files) - len(python_files), Settings(root=args.corpus[0]))


def check_all(sample: Sample, rules: list[type[Rule]]) -> None:
    for path in sample.files:
        check_file(FileJob(path, str(path), str(path), False), sample.settings, rules, FixOptions())


def parse_all(texts: list[bytes]) -> None:
    for text in texts:
        try:
            libcst.parse_module(text)
        except Exception:  # noqa: BLE001, PERF203 - as the floor: a file libcst refuses costs what it cost
            pass


def python_parse_all(texts: list[bytes]) -> None:
    for text in texts:
        try:
            ast.parse(text)
        except (SyntaxError, ValueError):  # noqa: PERF203 - a file Python refuses costs what it cost
            pass


def whole_checks(sample: Sample, skip_families: bool) -> tuple[dict[str, float], Timers]:
    default = [rule for rule in FILE_RULES if rule.default_enabled]
    rows = {
        FLOOR: cpu_seconds(lambda: parse_all(sample.python_texts)),
        "CPython ast.parse only (.py files)": cpu_seconds(lambda: python_parse_all(sample.python_texts)),
        "engine, no rules": cpu_seconds(lambda: check_all(sample, [])),
        "default rules": cpu_seconds(lambda: check_all(sample, default)),
    }
    with phases_timed() as timers:
        rows[TIMED] = cpu_seconds(lambda: check_all(sample, default))
    if not skip_families:
        for family in sorted({rule.code[:3] for rule in default}):
            rows[f"default rules without {family}"] = cpu_seconds(
                lambda family=family: check_all(sample, [rule for rule in default if not rule.code.startswith(family)])
            )
    return rows, timers


def tables(rows: dict[str, float], timers: Timers) -> list[str]:
    floor, total = rows[FLOOR], rows[TIMED]
    lines = ["| run | CPU seconds | x floor |", "|---|---:|---:|"]
    lines += [f"| {label} | {seconds:.2f} | {seconds / floor:.2f} |" for label, seconds in rows.items()]
    phases = {label: seconds for label, seconds in timers.seconds.items() if not label.startswith("rule ")}
    lines += ["", "| phase of the default rules' check | CPU seconds | share |", "|---|---:|---:|"]
    lines += [f"| {label} | {seconds:.2f} | {seconds / total:.0%} |" for label, seconds in phases.items()]
    rest = total - sum(phases.values())
    lines.append(f"| everything else (engine set-up, import names, notebooks' own findings) | {rest:.2f} | {rest / total:.0%} |")
    rules = sorted(((label[5:], seconds) for label, seconds in timers.seconds.items() if label.startswith("rule ")), key=lambda item: -item[1])
    lines += ["", "| rule (its handlers and finish) | CPU seconds | share |", "|---|---:|---:|"]
    lines += [f"| {code} | {seconds:.2f} | {seconds / total:.0%} |" for code, seconds in rules if seconds >= 0.005 * total]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, nargs="+")
    parser.add_argument("--files", type=int, default=400, help="files in the sample (0: all)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--notebooks", action="store_true", help="notebooks too (as policy-check checks them)")
    parser.add_argument("--skip-families", action="store_true", help="no runs with a family left out")
    args = parser.parse_args()
    deep_stack._local.deep = True  # check inline, on this thread
    sys.setrecursionlimit(deep_stack.RECURSION_LIMIT)
    tune_gc()
    sample = sample_of(args)
    rows, timers = whole_checks(sample, args.skip_families)
    corpora = ", ".join(map(str, args.corpus))
    lines = [f"{len(sample.python_texts)} .py files and {sample.notebooks} notebooks from {corpora}", ""]
    sys.stdout.write("\n".join(lines + tables(rows, timers)) + "\n")


if __name__ == "__main__":
    main()
