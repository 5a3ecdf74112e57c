"""What PC5 costs in a file check: CPU seconds for the default rules with and without
the PC5 family, in this process, on a random sample of a corpus (files libcst cannot
parse are left out, so both runs do the same work).

    python benchmarks/pc5_cost.py CORPUS_DIR [--files 300] [--seed 1] [--repeat 3]
    python benchmarks/pc5_cost.py --generated 1000 [--repeat 9]

Prints the share of the file check that PC5 adds, and the files where it adds most.
``--generated LINES`` measures the one research-style script of that many lines that
``server_latency.py`` edits (loops over arrays, iterrows, prints) instead of a corpus.
On a busy machine take several runs: the two runs of each file alternate, and the
best of the repeats is kept, but load still moves the share by a few points.
"""

from __future__ import annotations

import argparse
import importlib.util
import random
import tempfile
import time
from pathlib import Path

import libcst

from policy_check.config import Settings
from policy_check.engine import FileJob, FixOptions, check_file, raise_recursion_limit
from policy_check.rules import FILE_RULES
from policy_check.runner import tune_gc


def _parses(path: Path) -> bool:
    try:
        libcst.parse_module(path.read_bytes())
    except Exception:  # noqa: BLE001 - any file libcst rejects is left out of both runs
        return False
    return True


def _check_seconds(path: Path, settings: Settings, rules: list) -> float:
    start = time.process_time()
    check_file(FileJob(path, str(path), str(path), False), settings, rules, FixOptions())
    return time.process_time() - start


def _generator():
    """``research_script`` of the server benchmark next to this file."""
    spec = importlib.util.spec_from_file_location("server_latency", Path(__file__).with_name("server_latency.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.research_script


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path, nargs="?")
    parser.add_argument("--generated", type=int, metavar="LINES", help="measure server_latency.py's generated script instead")
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    raise_recursion_limit()
    tune_gc()
    if args.generated:
        research_script = _generator()
        args.corpus = Path(tempfile.mkdtemp(prefix="pc5_cost_"))
        files = [args.corpus / "analysis.py"]
        files[0].write_text(research_script(args.generated), encoding="utf-8")
    elif args.corpus is None:
        parser.error("give a corpus folder or --generated LINES")
    else:
        files = sorted(args.corpus.rglob("*.py"))
        files = [p for p in random.Random(args.seed).sample(files, min(args.files, len(files))) if _parses(p)]
    settings = Settings(root=args.corpus)
    default = [rule for rule in FILE_RULES if rule.default_enabled]
    without = [rule for rule in default if not rule.code.startswith("PC5")]
    totals = {"with": 0.0, "without": 0.0}
    per_file: list[tuple[float, float, Path]] = []
    for path in files:
        runs = [(_check_seconds(path, settings, default), _check_seconds(path, settings, without)) for _ in range(args.repeat)]
        best_with = min(run[0] for run in runs)
        best_without = min(run[1] for run in runs)
        totals["with"] += best_with
        totals["without"] += best_without
        per_file.append((best_with - best_without, best_with, path))
    share = (totals["with"] - totals["without"]) / totals["with"] if totals["with"] else 0.0
    print(f"{len(files)} files from {args.corpus} (best of {args.repeat})\n")
    print("| run | CPU seconds |\n|---|---:|")
    print(f"| default rules | {totals['with']:.2f} |")
    print(f"| default rules without PC5 | {totals['without']:.2f} |")
    print(f"\nPC5 share of the file check: {share:.1%}\n")
    print("files where PC5 adds most (PC5 seconds, share of that file's check):")
    for extra, whole, path in sorted(per_file, reverse=True)[:5]:
        print(f"  {extra:.3f} s  {extra / whole:.0%}  {path.relative_to(args.corpus)}")


if __name__ == "__main__":
    main()
