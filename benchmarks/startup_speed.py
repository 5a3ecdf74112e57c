"""Start-up and one-file timings, best of N: what a user waits for before any real
work (``--version``, ``--help``, ``rule``, ``rules``) and pre-commit's usual case, one
module of a small research project in git, checked from its root (project rules and
ruff included, and with ``--scope files`` as the file hook runs it; the project hook,
``--scope project``, alone), beside the floor:
``python -c pass`` and importing libcst to parse that module.

Reports wall time and CPU time (user + system of the process and its children, so
ruff's and git's runs count): on a shared machine CPU seconds are the steadier
measure.  ``--src DIR`` (repeatable) runs the same commands with the package's
sources from each DIR (``PYTHONPATH``), interleaved run by run, to compare two
versions on the same machine in the same minute.  ``--instructions`` adds the
instructions the Python process executes (valgrind; deterministic, children not
counted).  Not part of CI:

    python benchmarks/startup_speed.py [--repeat 10] [--src OLD/src --src NEW/src] [--instructions]
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
MODULE = "src/glacier/massbalance.py"
# What pip's console script does before calling the entry point.
ENTRY = "import re, sys\nfrom policy_check.cli import main\nsys.argv[0] = re.sub(r'(-script\\.pyw|\\.exe)?$', '', sys.argv[0])\nsys.exit(main())"
logger = logging.getLogger("startup_speed")
IMPORT_AND_PARSE = "import sys, libcst; libcst.parse_module(open(sys.argv[1], 'rb').read())"

CASES: list[tuple[str, list[str] | None, bool]] = [
    # (label, policy-check arguments or None for a plain Python command, run in the lab)
    ("python -c pass", None, False),
    ("policy-check --version", ["--version"], False),
    ("policy-check --help", ["--help"], False),
    ("policy-check rule PC301", ["rule", "PC301"], False),
    ("policy-check rules", ["rules"], False),
    ("import libcst and parse the module", None, True),
    ("policy-check on the module (pre-commit case)", ["--no-cache", "--exit-zero", "-q", MODULE], True),
    ("policy-check --scope files on the module", ["--no-cache", "--exit-zero", "-q", "--scope", "files", MODULE], True),
    # The project hook, which pre-commit runs on every commit (no parser needed).
    ("policy-check --scope project (the project hook)", ["--no-cache", "--exit-zero", "-q", "--scope", "project"], True),
]


@dataclass
class Timing:
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    instructions: int | None = None


def _lab(target: Path) -> Path:
    """fixtures/tidy-lab as a git repository of its own."""
    shutil.copytree(REPO / "fixtures" / "tidy-lab", target)
    git = ["git", "-c", "user.email=bench@example.org", "-c", "user.name=bench", "-c", "commit.gpgsign=false"]
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "lab"]):
        subprocess.run([*git, *command], cwd=target, check=True)
    return target


def _command(label: str, arguments: list[str] | None) -> list[str]:
    if arguments is not None:
        return [sys.executable, "-c", ENTRY, *arguments]
    if label == "python -c pass":
        return [sys.executable, "-c", "pass"]
    return [sys.executable, "-c", IMPORT_AND_PARSE, MODULE]


def _run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _instructions(command: list[str], cwd: Path, env: dict[str, str]) -> int | None:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    done = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null", *command],
        cwd=cwd, env=dict(env, PYTHONHASHSEED="0"), capture_output=True, text=True, check=False,
    )
    found = re.search(r"Collected : (\d+)", done.stderr)
    return int(found.group(1)) if found else None


def measure(sources: list[str | None], repeat: int, instructions: bool, scratch: Path) -> dict[str, list[Timing]]:
    lab = _lab(scratch / "lab")
    results: dict[str, list[Timing]] = {}
    for label, arguments, in_lab in CASES:
        cwd = lab if in_lab else scratch
        command = _command(label, arguments)
        environments = [dict(os.environ, **({"PYTHONPATH": src} if src else {})) for src in sources]
        timings = [Timing() for _ in sources]
        for round_ in range(repeat + 1):
            for env, timing in zip(environments, timings):
                wall, cpu = _run(command, cwd, env)
                if round_:  # the first round fills the caches (bytecode, ruff's rule list)
                    timing.walls.append(wall)
                    timing.cpus.append(cpu)
        if instructions:
            for env, timing in zip(environments, timings):
                timing.instructions = _instructions(command, cwd, env)
        results[label] = timings
        logger.info("  %s: %s", label, ", ".join(f"{min(t.cpus):.3f} s CPU" for t in timings))
    return results


def table(results: dict[str, list[Timing]], sources: list[str | None], repeat: int) -> str:
    names = [src or "installed" for src in sources]
    has_instructions = any(t.instructions is not None for timings in results.values() for t in timings)
    written = "not " if os.environ.get("PYTHONDONTWRITEBYTECODE") else ""
    lines = [f"Best of {repeat}; CPU = user+sys of the process and its children; bytecode {written}written.", ""]
    columns = [f"{name} {what}" for name in names for what in ("wall s", "CPU s", *(["M instr."] if has_instructions else []))]
    lines += ["| command | " + " | ".join(columns) + " |", "|---|" + "---:|" * len(columns)]
    for label, timings in results.items():
        cells = []
        for timing in timings:
            cells += [f"{min(timing.walls):.3f}", f"{min(timing.cpus):.3f}"]
            if has_instructions:
                cells.append(f"{timing.instructions / 1e6:.0f}" if timing.instructions else "-")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join([*lines, "", *ratios(results, names)]) + "\n"


def ratios(results: dict[str, list[Timing]], names: list[str]) -> list[str]:
    """The issue's two start-up targets, in CPU seconds, for each source tree."""
    cpu = {label: [min(t.cpus) for t in timings] for label, timings in results.items()}
    lines = []
    for index, name in enumerate(names):
        version = cpu["policy-check --version"][index] / cpu["python -c pass"][index]
        parse = cpu["import libcst and parse the module"][index]
        one = cpu["policy-check on the module (pre-commit case)"][index] / parse
        files = cpu["policy-check --scope files on the module"][index] / parse
        lines.append(
            f"- {name}: --version / python -c pass {version:.2f}x (target <= 3); one module / import libcst and "
            f"parse it {one:.2f}x, with --scope files {files:.2f}x (target <= 1.5), in CPU seconds"
        )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10, help="runs per command (the best is kept)")
    parser.add_argument("--src", action="append", default=[], help="a src/ folder to run the package from (repeatable)")
    parser.add_argument("--instructions", action="store_true", help="also count instructions with valgrind")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    sources: list[str | None] = [str(Path(src).resolve()) for src in args.src] or [None]
    with tempfile.TemporaryDirectory(prefix="startup-speed-") as scratch:
        results = measure(sources, args.repeat, args.instructions, Path(scratch))
    sys.stdout.write(table(results, sources, args.repeat))


if __name__ == "__main__":
    main()
