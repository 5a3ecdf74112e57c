"""Times policy-check against its floor and its peers on real research code.

Downloads the corpus with ``../shared/corpus.sh`` (statsmodels, scikit-learn and
astropy sources from PyPI: about 2,600 files, 1.2M lines) unless ``--corpus`` names
one, then runs, in one go on this machine:

- bare libcst ``parse_module`` of every file (the floor), with 1 and 2 processes;
- policy-check cold (``--no-cache``), with ``--jobs 1`` and ``--jobs 2``;
- policy-check cold without ruff and the complexity rules (what those two cost);
- policy-check warm (the cache filled by a first run);
- policy-check on one median-size corpus file, and on one module of a small project
  in git from its root (pre-commit's usual case: project rules and ruff included);
- ruff (its default rules) and fixit (its default rules).

and prints a Markdown table of wall seconds, files per second and peak memory
(the largest single process's resident set).  Not part of CI:

    python benchmarks/corpus_speed.py [--corpus DIR] [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS_SCRIPT = REPO.parent / "shared" / "corpus.sh"

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


def measure(command: list[str], repeat: int, cwd: Path | None = None) -> dict[str, float]:
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


def _tidy_lab_repo(target: Path) -> Path:
    shutil.copytree(REPO / "fixtures" / "tidy-lab", target)
    git = ["git", "-c", "user.email=bench@example.org", "-c", "user.name=bench", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-qm", "lab"], cwd=target, check=True)
    return target


def corpus_files(corpus: Path) -> list[Path]:
    return sorted(path for path in corpus.rglob("*.py") if "wheels" not in path.parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, help="a folder of Python sources (default: fetch with corpus.sh)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per measurement (the best is kept)")
    args = parser.parse_args()
    corpus = args.corpus or HERE / "corpus"
    if args.corpus is None and not corpus.exists():
        subprocess.run(["bash", str(CORPUS_SCRIPT), str(corpus)], check=True)
    files = corpus_files(corpus)
    lines = sum(path.read_bytes().count(b"\n") for path in files)
    bin_dir = Path(sys.executable).parent
    policy_check = str(bin_dir / "policy-check")
    ruff = shutil.which("ruff", path=str(bin_dir)) or shutil.which("ruff")
    fixit = shutil.which("fixit", path=str(bin_dir)) or shutil.which("fixit")

    with tempfile.TemporaryDirectory() as scratch:
        listing = Path(scratch) / "files.txt"
        listing.write_text("\n".join(str(path) for path in files))
        # A typical module (the median size), as pre-commit usually passes one or two.
        one_file = str(sorted(files, key=lambda path: path.stat().st_size)[len(files) // 2])
        warm_root = Path(scratch) / "warm"
        shutil.copytree(corpus, warm_root, ignore=shutil.ignore_patterns("wheels"))
        runs: list[tuple[str, list[str] | None]] = [
            ("libcst parse only, 1 process (floor)", [sys.executable, "-c", _PARSE_ONLY, "1", str(listing)]),
            ("libcst parse only, 2 processes (floor)", [sys.executable, "-c", _PARSE_ONLY, "2", str(listing)]),
            ("policy-check cold, --jobs 1", [policy_check, "--isolated", "--no-cache", "--exit-zero", "--jobs", "1", "-q", str(corpus)]),
            ("policy-check cold, --jobs 2", [policy_check, "--isolated", "--no-cache", "--exit-zero", "--jobs", "2", "-q", str(corpus)]),
            (
                "policy-check cold, --jobs 2, without ruff and PC6",
                [policy_check, "--isolated", "--no-cache", "--exit-zero", "--jobs", "2", "-q",
                 "--ignore", "PC6,F,B,NPY,PERF,LOG,G,UP", str(corpus)],
            ),
            ("policy-check warm (cache), --jobs 2", None),
            ("policy-check, one corpus file (median size), no project", [policy_check, "--isolated", "--no-cache", "--exit-zero", "-q", one_file]),
            ("policy-check, one file in a git repo (pre-commit case)", None),
            ("ruff check (default rules)", [ruff, "check", "--isolated", "--no-cache", "--exit-zero", "-q", str(corpus)] if ruff else None),
            ("fixit lint (default rules)", [fixit, "lint", str(corpus)] if fixit else None),
        ]
        rows = []
        for label, command in runs:
            if label.startswith("policy-check warm"):
                warm = [policy_check, "--exit-zero", "--jobs", "2", "-q", str(warm_root)]
                (warm_root / "pyproject.toml").write_text("[tool.policy-check]\n")
                measure(warm, 1)  # fill the cache
                command = warm
            if label.endswith("(pre-commit case)"):
                # What a commit runs: one changed module of a small research project in
                # git, with the project rules and ruff, from the repository's root.
                lab = _tidy_lab_repo(Path(scratch) / "lab")
                command = [policy_check, "--no-cache", "--exit-zero", "-q", "src/glacier/massbalance.py"]
                rows.append((label, (measure(command, max(args.repeat, 3), cwd=lab), 1)))
                continue
            if command is None:
                rows.append((label, None))
                continue
            count = 1 if "one " in label else len(files)
            rows.append((label, (measure(command, args.repeat), count)))

    print(f"Corpus: {len(files)} files, {lines:,} lines ({corpus})")
    print(f"Machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print()
    print("| run | seconds | files/s | peak MB |")
    print("|---|---:|---:|---:|")
    for label, data in rows:
        if data is None:
            print(f"| {label} | not installed | | |")
            continue
        result, count = data
        print(f"| {label} | {result['wall']:.2f} | {count / result['wall']:.0f} | {result['peak_mb']:.0f} |")


if __name__ == "__main__":
    main()
