"""Times policy-check against its floor and its peers, on libraries and on research
code, in one run on this machine (whole-process wall time).

Two corpora:

- libraries: statsmodels, scikit-learn and astropy sources (about 2,600 files, 1.2M
  lines), downloaded with ``../shared/corpus.sh`` unless ``--libraries`` names a
  folder built by it;
- research code: a folder of research repositories (scripts, notebooks, flat
  folders), ``--research DIR`` (for example the 30-repository research corpus).

For each: bare libcst ``parse_module`` of every ``.py`` file with 2 processes (the
floor); policy-check cold (``--no-cache``, ``--jobs 2``) with JSON and with text
output; policy-check warm (nothing changed since a first run filled the cache);
ruff's default rules, cold.  Then start-up: ``python -c pass``, ``policy-check
--version``, importing libcst and parsing one module, and policy-check on that one
module of a small research project in git, from its root (pre-commit's usual case:
project rules and ruff included).  Prints Markdown tables and the ratios issue 18
sets targets for.  Not part of CI:

    python benchmarks/corpus_speed.py [--libraries DIR] [--research DIR] [--skip libraries|research|startup] [--pairs N] [--fixit]

This machine's speed drifts by 20-30% between minutes (the same run took 41.6 s and
51.7 s ten minutes apart, the floor 25.9 s and 31.4 s), so ``--pairs N`` runs the
floor and the cold JSON run alternately N times: each row then shows the median, and
the cold/floor target is the median of the N side-by-side ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS_SCRIPT = REPO.parent / "shared" / "corpus.sh"
JOBS = "2"

# Runs a command and reports its wall time and the peak RSS of its largest process.
_MEASURE = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
wall = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall": wall, "peak_mb": peak_kb / 1024, "rc": done.returncode}))
"""

_PARSE_ONLY = r"""
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
import libcst

def parse(path):
    try:
        libcst.parse_module(Path(path).read_bytes())
    except Exception:
        pass
    return 0

files = [line for line in Path(sys.argv[2]).read_text().splitlines() if line]
jobs = int(sys.argv[1])
if jobs == 1:
    for name in files:
        parse(name)
else:
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(parse, files, chunksize=16))
"""

# What policy-check cannot do without for one file: import libcst and parse it.
_IMPORT_AND_PARSE = "import sys, libcst; libcst.parse_module(open(sys.argv[1], 'rb').read())"


@dataclass
class Row:
    label: str
    wall: float | None
    count: int = 1
    peak_mb: float = 0.0
    # With --pairs: each side-by-side run's wall (the row's wall is their median).
    walls: tuple[float, ...] = ()


def measure(command: list[str], repeat: int = 1, cwd: Path | None = None) -> dict[str, float]:
    best: dict[str, float] | None = None
    for _ in range(repeat):
        output = subprocess.run(
            [sys.executable, "-c", _MEASURE, *command], capture_output=True, text=True, check=True, cwd=cwd
        )
        result = json.loads(output.stdout)
        if best is None or result["wall"] < best["wall"]:
            best = result
    assert best is not None
    return best


def _row(label: str, command: list[str] | None, count: int, repeat: int = 1, cwd: Path | None = None) -> Row:
    if command is None:
        return Row(label, None)
    result = measure(command, repeat, cwd)
    print(f"  {label}: {result['wall']:.2f} s", file=sys.stderr, flush=True)
    return Row(label, result["wall"], count, result["peak_mb"])


def _files(corpus: Path, suffixes: tuple[str, ...]) -> list[Path]:
    # os.walk follows symbolic links to folders (a corpus of links to repositories).
    found = [
        Path(folder) / name
        for folder, _, names in os.walk(corpus, followlinks=True)
        for name in names
        if name.endswith(suffixes) and "wheels" not in Path(folder).parts
    ]
    return sorted(path for path in found if path.is_file())


def python_files(corpus: Path) -> list[Path]:
    return _files(corpus, (".py",))


def _checked_copy(corpus: Path, target: Path) -> Path:
    """The corpus's Python files and notebooks alone, under a project root of their own
    (where the cache lives)."""
    for path in _files(corpus, (".py", ".ipynb")):
        destination = target / path.relative_to(corpus)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    target.mkdir(parents=True, exist_ok=True)
    (target / "pyproject.toml").write_text("[tool.policy-check]\n")
    return target


def _tidy_lab_repo(target: Path) -> Path:
    shutil.copytree(REPO / "fixtures" / "tidy-lab", target)
    git = ["git", "-c", "user.email=bench@example.org", "-c", "user.name=bench", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-qm", "lab"], cwd=target, check=True)
    return target


@dataclass(frozen=True)
class Tools:
    policy_check: str
    ruff: str | None
    fixit: str | None


def _paired_rows(floor: tuple[str, list[str]], cold: tuple[str, list[str]], count: int, pairs: int) -> list[Row]:
    """The floor and the cold run measured alternately ``pairs`` times."""
    runs: dict[str, list[dict[str, float]]] = {floor[0]: [], cold[0]: []}
    for _ in range(pairs):
        for label, command in (floor, cold):
            result = measure(command)
            runs[label].append(result)
            print(f"  {label}: {result['wall']:.2f} s", file=sys.stderr, flush=True)
    return [
        Row(
            label,
            statistics.median(result["wall"] for result in results),
            count,
            max(result["peak_mb"] for result in results),
            tuple(result["wall"] for result in results),
        )
        for label, results in runs.items()
    ]


def corpus_rows(name: str, corpus: Path, tools: Tools, scratch: Path, fixit: bool, pairs: int = 1) -> list[Row]:
    files = python_files(corpus)
    listing = scratch / f"{name}-files.txt"
    listing.write_text("\n".join(str(path) for path in files))
    count = len(files)
    cold = [tools.policy_check, "--isolated", "--no-cache", "--exit-zero", "--jobs", JOBS]
    print(f"{name}: {count} .py files", file=sys.stderr)
    floor = ("libcst parse only, 2 processes (floor)", [sys.executable, "-c", _PARSE_ONLY, JOBS, str(listing)])
    rows = _paired_rows(floor, ("policy-check cold, JSON output", [*cold, "--output-format", "json", str(corpus)]), count, pairs)
    rows.append(_row("policy-check cold, text output", [*cold, "--output-format", "text", str(corpus)], count))
    warm_root = _checked_copy(corpus, scratch / f"{name}-warm")
    warm = [tools.policy_check, "--exit-zero", "--jobs", JOBS, "--output-format", "json", "."]
    measure(warm, cwd=warm_root)  # fills the cache
    rows.append(_row("policy-check warm (nothing changed), JSON output", warm, count, cwd=warm_root))
    ruff = [tools.ruff, "check", "--isolated", "--no-cache", "--exit-zero", "-q", str(corpus)] if tools.ruff else None
    rows.append(_row("ruff check cold (its default rules)", ruff, count))
    if fixit:
        rows.append(_row("fixit lint (its default rules)", [tools.fixit, "lint", str(corpus)] if tools.fixit else None, count))
    return rows


def startup_rows(tools: Tools, scratch: Path, repeat: int) -> list[Row]:
    lab = _tidy_lab_repo(scratch / "lab")
    module = "src/glacier/massbalance.py"
    return [
        _row("python -c pass", [sys.executable, "-c", "pass"], 1, repeat),
        _row("policy-check --version", [tools.policy_check, "--version"], 1, repeat),
        _row("import libcst and parse the module", [sys.executable, "-c", _IMPORT_AND_PARSE, module], 1, repeat, cwd=lab),
        _row(
            "policy-check on the module (pre-commit case)",
            [tools.policy_check, "--no-cache", "--exit-zero", "-q", module],
            1,
            repeat,
            cwd=lab,
        ),
    ]


def _row_of(rows: list[Row], start: str) -> Row | None:
    return next((row for row in rows if row.label.startswith(start)), None)


def _ratio(rows: list[Row], numerator: str, denominator: str) -> float | None:
    """The numerator's wall over the denominator's; for runs made in pairs, the median
    of the pairs' ratios (each pair side by side, in the same minute)."""
    top, bottom = _row_of(rows, numerator), _row_of(rows, denominator)
    if top is None or bottom is None or not top.wall or not bottom.wall:
        return None
    if len(top.walls) > 1 and len(top.walls) == len(bottom.walls):
        return statistics.median(a / b for a, b in zip(top.walls, bottom.walls))
    return top.wall / bottom.wall


def ratios(tables: dict[str, list[Row]]) -> list[tuple[str, float | None, str]]:
    """Issue 18's targets, each as (what, measured ratio, target)."""
    found: list[tuple[str, float | None, str]] = []

    def ratio(what: str, rows: list[Row], numerator: str, denominator: str, target: str) -> None:
        found.append((what, _ratio(rows, numerator, denominator), target))

    research, libraries, startup = tables.get("research"), tables.get("libraries"), tables.get("startup")
    if research:
        ratio("research: text output / JSON output (cold)", research, "policy-check cold, text", "policy-check cold, JSON", "<= 1.2")
        ratio("research: JSON cold / bare libcst parse", research, "policy-check cold, JSON", "libcst parse", "<= 1.6")
        ratio("research: warm / ruff cold", research, "policy-check warm", "ruff check cold", "<= 1.5")
    if libraries:
        ratio("libraries: JSON cold / bare libcst parse", libraries, "policy-check cold, JSON", "libcst parse", "<= 1.3")
        ratio("libraries: warm / ruff cold", libraries, "policy-check warm", "ruff check cold", "<= 1.5")
    if startup:
        ratio("--version / python -c pass", startup, "policy-check --version", "python -c pass", "<= 3")
        ratio("one module in git / import libcst and parse it", startup, "policy-check on the module", "import libcst", "<= 1.5")
    return found


def print_tables(tables: dict[str, list[Row]], titles: dict[str, str]) -> None:
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"Load average at the end: {', '.join(f'{value:.1f}' for value in os.getloadavg())}")
    for name, rows in tables.items():
        print(f"\n{titles[name]}\n")
        print("| run | seconds | files/s | peak MB |")
        print("|---|---:|---:|---:|")
        for row in rows:
            if row.wall is None:
                print(f"| {row.label} | not installed | | |")
            else:
                walls = f" (median of {', '.join(f'{wall:.2f}' for wall in row.walls)})" if len(row.walls) > 1 else ""
                print(f"| {row.label} | {row.wall:.2f}{walls} | {row.count / row.wall:.0f} | {row.peak_mb:.0f} |")
    print("\n| target (issue 18) | measured | target |")
    print("|---|---:|---|")
    for what, value, target in ratios(tables):
        print(f"| {what} | {'n/a' if value is None else f'{value:.2f}x'} | {target} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--libraries", type=Path, help="the folder corpus.sh built (default: fetch into benchmarks/corpus)")
    parser.add_argument("--research", type=Path, help="a folder of research repositories (no research rows without it)")
    parser.add_argument("--skip", action="append", default=[], choices=["libraries", "research", "startup"])
    parser.add_argument("--repeat", type=int, default=5, help="runs per start-up measurement (the best is kept)")
    parser.add_argument("--pairs", type=int, default=1, help="floor and cold JSON runs made alternately this many times")
    parser.add_argument("--fixit", action="store_true", help="also time fixit on the corpora (slow: minutes)")
    args = parser.parse_args()
    bin_dir = Path(sys.executable).parent
    tools = Tools(
        str(bin_dir / "policy-check"),
        shutil.which("ruff", path=str(bin_dir)) or shutil.which("ruff"),
        shutil.which("fixit", path=str(bin_dir)) or shutil.which("fixit"),
    )
    tables: dict[str, list[Row]] = {}
    titles: dict[str, str] = {}
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        if "libraries" not in args.skip:
            libraries = args.libraries or HERE / "corpus"
            if args.libraries is None and not libraries.exists():
                subprocess.run(["bash", str(CORPUS_SCRIPT), str(libraries)], check=True)
            tables["libraries"] = corpus_rows("libraries", libraries, tools, scratch, args.fixit, args.pairs)
            titles["libraries"] = f"Libraries ({libraries}): {len(python_files(libraries))} .py files"
        if args.research and "research" not in args.skip:
            tables["research"] = corpus_rows("research", args.research, tools, scratch, args.fixit, args.pairs)
            notebooks = len(_files(args.research, (".ipynb",)))
            titles["research"] = f"Research code ({args.research}): {len(python_files(args.research))} .py files, {notebooks} notebooks"
        if "startup" not in args.skip:
            tables["startup"] = startup_rows(tools, scratch, args.repeat)
            titles["startup"] = f"Start-up and one file (best of {args.repeat})"
    print_tables(tables, titles)


if __name__ == "__main__":
    main()
