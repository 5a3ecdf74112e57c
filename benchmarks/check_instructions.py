"""Instructions a file check executes against the bare libcst parse of the same files:
the work ratio behind corpus_speed.py's cold/floor target, without this machine's
drift (its wall and CPU times move 20-30% between identical runs; valgrind's counts
do not move).

A seeded sample of a corpus (``.py`` files and notebooks, as a run checks them) is
parsed (the floor: ``libcst.parse_module`` of the ``.py`` files) and checked with the
default file rules (``engine.check_file``, on the deep-stack thread as the workers do,
GC tuned as they are) in a Python process counted by callgrind; the same process
doing only the imports is subtracted.  Ruff, the project rules and the worker pool are
not in it: corpus_speed.py measures those.  ``--src`` compares source trees (for
example a ``git worktree`` of an older commit).  Not part of CI::

    python benchmarks/check_instructions.py CORPUS [--files 60] [--seed 1] [--src OLD/src --src NEW/src]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

# mode: "imports" (the baseline), "parse" (the floor) or "check".
_PROGRAM = r"""
import sys
from pathlib import Path
import libcst
from policy_check.config import Settings
from policy_check.deep_stack import on_deep_stack
from policy_check.engine import FileJob, FixOptions, check_file
from policy_check.rules import FILE_RULES
from policy_check.runner import tune_gc

mode, listing, root = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
files = [Path(line) for line in listing.read_text().splitlines() if line]
rules = [rule for rule in FILE_RULES if rule.default_enabled]
settings = Settings(root=root)
tune_gc()

@on_deep_stack
def work():
    for path in files:
        if mode == "parse" and path.suffix == ".py":
            try:
                libcst.parse_module(path.read_bytes())
            except Exception:
                pass
        elif mode == "check":
            check_file(FileJob(path, str(path), str(path), False), settings, rules, FixOptions())

work()
"""


def sample(corpus: Path, count: int, seed: int) -> list[Path]:
    found = []
    for folder, names, files in os.walk(corpus, followlinks=True):
        names[:] = [name for name in names if not name.startswith(".")]
        found += [Path(folder) / name for name in files if name.endswith((".py", ".ipynb"))]
    found.sort()
    return sorted(random.Random(seed).sample(found, min(count, len(found))))


def instructions(mode: str, listing: Path, root: Path, src: str | None, valgrind: str) -> int:
    env = dict(os.environ, PYTHONHASHSEED="0")
    if src:
        env["PYTHONPATH"] = src
    done = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", _PROGRAM, mode, str(listing), str(root)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or not found:
        raise SystemExit(f"callgrind failed ({mode}, {src or 'installed'}): {done.stderr.strip().splitlines()[-1:]}")
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--files", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--src", action="append", default=[], help="a source tree to import policy_check from (repeatable)")
    args = parser.parse_args()
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise SystemExit("valgrind is not installed")
    files = sample(args.corpus, args.files, args.seed)
    notebooks = sum(path.suffix == ".ipynb" for path in files)
    lines = [
        f"{len(files)} files ({notebooks} notebooks) from {args.corpus}, seed {args.seed}; instructions (millions) above the imports",
        "",
        "| source | parse (floor) | check | check / floor |",
        "|---|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory() as folder:
        listing = Path(folder) / "files.txt"
        listing.write_text("\n".join(str(path) for path in files))
        for src in [str(Path(src).resolve()) for src in args.src] or [None]:
            base = instructions("imports", listing, args.corpus, src, valgrind)
            floor = instructions("parse", listing, args.corpus, src, valgrind) - base
            check = instructions("check", listing, args.corpus, src, valgrind) - base
            lines.append(f"| {src or 'installed'} | {floor / 1e6:,.0f} | {check / 1e6:,.0f} | {check / floor:.2f}x |")
    sys.stdout.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
