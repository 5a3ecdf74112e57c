"""PC3's fixes on whole programs in the shapes research code has: each program runs
before and after ``policy-check --fix --unsafe-fixes --select PC3`` (real
subprocesses), and must print the same bytes to the same streams, exit the same
way and write the same files.  The programs are ``ruff check --select I,E3``
clean before the fix, and must stay clean after it (the real ruff binary)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from policy_check.integrations.ruff_catalogue import find_ruff


@dataclass(frozen=True)
class Program:
    files: dict[str, str]
    argv: list[str]
    # PC301 findings the fix cannot convert (it says why), left after the fix.
    unfixed: int = 0
    outputs: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict)
    # The program's own logging format prefixes converted lines (`WARNING:__main__:`).
    prefixed: bool = False


def _source(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


PROGRAMS: dict[str, Program] = {
    "argparse_cli": Program(
        {
            "sweep.py": _source('''
                """Sweep a damping ratio and report the peak overshoot."""
                import argparse
                import math

                import numpy as np


                def overshoot(zeta):
                    return math.exp(-zeta * math.pi / math.sqrt(1 - zeta**2))


                def main(argv=None):
                    parser = argparse.ArgumentParser()
                    parser.add_argument("--steps", type=int, default=4)
                    args = parser.parse_args(argv)
                    print(f"{'zeta':>6} {'overshoot':>10}")
                    for zeta in np.linspace(0.1, 0.7, args.steps):
                        print(f"{zeta:6.2f} {overshoot(zeta):10.4%}")
                    print("done:", args.steps, "ratios")


                if __name__ == "__main__":
                    main()
            '''),
        },
        ["sweep.py", "--steps", "3"],
    ),
    "top_level_script": Program(
        {
            "tally.py": _source('''
                # Count species per transect: a plain top-level script.
                from collections import Counter

                sightings = [("T1", "wren"), ("T2", "wren"), ("T2", "robin"), ("T3", "kestrel")]
                per_species = Counter(species for _, species in sightings)
                print("species:", sorted(per_species))
                for species, n in per_species.most_common():
                    print(f"  {species:<8} {n:3d} {n / len(sightings):.1%}")
                total = len(sightings)
                print(f"{total = }, {len(per_species)=}")
            '''),
        },
        ["tally.py"],
    ),
    "library_and_runner": Program(
        {
            "src/soil/__init__.py": "",
            "src/soil/infiltration.py": _source('''
                import math


                def green_ampt(k_sat, psi, dtheta, hours, steps=30):
                    depth = k_sat * hours
                    for _ in range(steps):
                        depth = k_sat * hours + psi * dtheta * math.log(1.0 + depth / (psi * dtheta))
                    print("green-ampt converged:", round(depth, 4), "cm after", hours, "h")
                    return depth
            '''),
            "bin/run.py": _source('''
                from soil.infiltration import green_ampt


                def main():
                    for hours in (0.5, 2.0):
                        print("t=%.1f h  F=%.3f cm" % (hours, green_ampt(1.2, 11.0, 0.3, hours)))


                if __name__ == "__main__":
                    main()
            '''),
        },
        ["bin/run.py"],
        env={"PYTHONPATH": "src"},
    ),
    "progress_loop": Program(
        {
            "train.py": _source('''
                import time


                def train(epochs):
                    start = time.perf_counter()
                    loss = 1.0
                    for epoch in range(epochs):
                        loss *= 0.5
                        if epoch % 2 == 0:
                            print(f"epoch {epoch:>3}/{epochs} loss={loss:.5f} [{100 * (epoch + 1) // epochs}%]", flush=True)
                        print(".", end="", flush=True)
                    print()
                    elapsed = time.perf_counter() - start
                    print("finished in", "under a second" if elapsed < 1 else "seconds")


                if __name__ == "__main__":
                    train(5)
            '''),
        },
        ["train.py"],
        unfixed=1,
    ),
    "pandas_tables": Program(
        {
            "summarise.py": _source('''
                import pandas as pd

                frame = pd.DataFrame({"site": ["A", "B", "C"], "depth_m": [1.25, 3.5, 2.0], "n": [3, 5, 4]})
                print(frame)
                print(frame.describe().round(3))
                print(frame.to_string(index=False))
                print("deepest:", frame.loc[frame.depth_m.idxmax(), "site"])
                print({"sites": len(frame), "mean": float(frame.depth_m.mean())})
            '''),
        },
        ["summarise.py"],
    ),
    "already_logging_to_stdout": Program(
        {
            "invert.py": _source('''
                import logging
                import sys

                log = logging.getLogger(__name__)


                def invert(values):
                    log.info("inverting %d values", len(values))
                    result = [1 / v for v in values]
                    print("result:", result)
                    return result


                if __name__ == "__main__":
                    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)
                    invert([1, 2, 4])
            '''),
        },
        ["invert.py"],
    ),
    "already_logging_to_stderr": Program(
        {
            "invert.py": _source('''
                import logging
                import sys

                log = logging.getLogger(__name__)


                def invert(values):
                    log.info("inverting %d values", len(values))
                    print("result:", [1 / v for v in values])
                    print("no zeros", file=sys.stderr)


                if __name__ == "__main__":
                    logging.basicConfig(level=logging.INFO)
                    invert([1, 2, 4])
            '''),
        },
        ["invert.py"],
        # Its print to stdout would move to the configured stderr handler: no edit.
        unfixed=1,
        prefixed=True,
    ),
    "stdout_and_stderr": Program(
        {
            "check_stations.py": _source('''
                """Check station files: results on stdout, problems on stderr."""
                import sys

                STATIONS = {"alpha": [1.0, 2.0], "beta": [], "gamma": [0.5]}


                def check(name, values):
                    if not values:
                        print(f"station {name!r} has no readings", file=sys.stderr)
                        return False
                    print(f"{name}: {sum(values) / len(values):.2f}")
                    return True


                def main():
                    ok = [check(name, values) for name, values in STATIONS.items()]
                    print(sum(ok), "of", len(ok), "stations ok")
                    return 0 if all(ok) else 3


                if __name__ == "__main__":
                    sys.exit(main())
            '''),
        },
        ["check_stations.py"],
    ),
    "writes_data_files": Program(
        {
            "export.py": _source('''
                import csv
                import io


                def write_table(rows, handle):
                    for row in rows:
                        print(*row, sep=",", file=handle)


                def main():
                    buffer = io.StringIO()
                    write_table([("id", "mass_g"), (1, 12.5), (2, 13.1)], buffer)
                    with open("table.csv", "w") as handle:
                        handle.write(buffer.getvalue())
                    with open("table.csv") as handle:
                        rows = list(csv.reader(handle))
                    print("wrote", len(rows), "rows to table.csv")


                if __name__ == "__main__":
                    main()
            '''),
        },
        ["export.py"],
        outputs=("table.csv",),
    ),
    "package_main": Program(
        {
            "lab/__init__.py": "",
            "lab/__main__.py": _source('''
                import sys

                from lab.core import simulate

                steps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
                print("simulating", steps, "steps")
                print(simulate(steps))
            '''),
            "lab/core.py": _source('''
                def simulate(steps):
                    state = 0
                    for step in range(steps):
                        state += step
                        print(f"  step {step}: state={state}")
                    return {"final": state}
            '''),
        },
        ["-m", "lab", "4"],
    ),
    "exact_text": Program(
        {
            "prices.py": _source('''
                """Prices with Decimal: a format spec must keep Decimal's own rounding."""
                from __future__ import annotations

                from decimal import Decimal
                from fractions import Fraction


                class Quantity:
                    def __init__(self, value, unit):
                        self.value, self.unit = value, unit

                    def __format__(self, spec):
                        return f"{format(self.value, spec)} {self.unit}"

                    def __repr__(self):
                        return f"Quantity({self.value!r}, {self.unit!r})"


                def report(price, share, depth):
                    print(f"price {price:.2f} share {share} depth {depth:.1f} ({depth!r})")
                    print("total: %s for %d items (100%% paid)" % (price * 3, 3))
                    print("{0} and {0!r}, {1:>8}|".format("x", "right"))
                    print(f"{price=} {share = !s} {depth=:.3f}")
                    print("tuple", (1, 2), "dict", {"a": 1})


                if __name__ == "__main__":
                    report(Decimal("2.675"), Fraction(1, 3), Quantity(1.25, "m"))
            '''),
        },
        ["prices.py"],
    ),
    "one_line_main_block": Program(
        {
            "peaks.py": _source('''
                import sys


                def main(values):
                    peak = max(values)
                    print(f"peak {peak} at index {values.index(peak)}")


                if __name__ == "__main__": main([float(v) for v in sys.argv[1:]])  # entry
            '''),
        },
        ["peaks.py", "1.5", "4.25", "2"],
    ),
    "script_with_helpers": Program(
        {
            "stats.py": _source('''
                #!/usr/bin/env python3
                """Summary statistics of a small sample, printed as the script runs."""
                import statistics
                import sys

                SAMPLE = [2.5, 3.1, 2.9, 3.3, 2.7]


                def describe(values):
                    print("n =", len(values))
                    print("mean = %.3f" % statistics.mean(values))
                    print("stdev = {:.3f}".format(statistics.stdev(values)))


                describe(SAMPLE)
                if max(SAMPLE) > 3.2:
                    print("warning: large value", max(SAMPLE), file=sys.stderr)
                sys.exit(0)
            '''),
        },
        ["stats.py"],
    ),
}


def _run(folder: Path, program: Program) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **program.env, "PYTHONHASHSEED": "0"}
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [sys.executable, *program.argv], cwd=folder, env=env, capture_output=True, text=True, timeout=120
    )


def _ruff_e3_isort(folder: Path) -> str:
    ruff = find_ruff()
    result = subprocess.run(
        [str(ruff), "check", "--isolated", "--preview", "--select", "I,E3", "--output-format", "concise", "."],
        cwd=folder, capture_output=True, text=True, timeout=120,
    )
    return "" if result.returncode == 0 else result.stdout + result.stderr


@dataclass
class Outcome:
    before: subprocess.CompletedProcess[str]
    after: subprocess.CompletedProcess[str]
    outputs_before: dict[str, str]
    outputs_after: dict[str, str]
    sources_before: dict[str, str]
    sources_after: dict[str, str]
    ruff_before: str
    ruff_after: str
    findings_after: list[dict]


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    root = tmp_path_factory.mktemp("programs")
    partial: dict[str, tuple] = {}
    for name, program in PROGRAMS.items():
        folder = root / name
        for relative, text in program.files.items():
            (folder / relative).parent.mkdir(parents=True, exist_ok=True)
            (folder / relative).write_text(text)
        before = _run(folder, program)
        outputs = {output: (folder / output).read_text() for output in program.outputs}
        for output in program.outputs:
            (folder / output).unlink()
        partial[name] = (before, outputs, _ruff_e3_isort(folder))
    # One fix run over every program, as a user would run it on a repository.
    command = [sys.executable, "-m", "policy_check", "--fix", "--unsafe-fixes", "--isolated", "--no-cache", "--select", "PC3", "."]
    fix = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert fix.returncode in (0, 1), fix.stderr
    report = subprocess.run(
        [sys.executable, "-m", "policy_check", "--isolated", "--no-cache", "--select", "PC3", "--output-format", "json", "--exit-zero", "."],
        cwd=root, capture_output=True, text=True, timeout=300,
    )
    findings = json.loads(report.stdout)
    fixed_once = {path: path.read_bytes() for path in root.rglob("*.py")}
    subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
    assert {path: path.read_bytes() for path in root.rglob("*.py")} == fixed_once, "a second fix changes nothing"
    results = {}
    for name, program in PROGRAMS.items():
        folder = root / name
        before, outputs_before, ruff_before = partial[name]
        after = _run(folder, program)
        results[name] = Outcome(
            before,
            after,
            outputs_before,
            {output: (folder / output).read_text() for output in program.outputs},
            {relative: text for relative, text in program.files.items()},
            {relative: (folder / relative).read_text() for relative in program.files},
            ruff_before,
            _ruff_e3_isort(folder),
            [f for f in findings if Path(f["filename"]).resolve().is_relative_to(folder.resolve())],
        )
    return results


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_shows_the_same_output_after_the_fix(name: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[name]
    assert outcome.before.stdout, "the program prints something to compare"
    assert outcome.after.returncode == outcome.before.returncode, outcome.after.stderr
    assert outcome.after.stdout == outcome.before.stdout
    if PROGRAMS[name].prefixed:
        after, before = outcome.after.stderr.splitlines(), outcome.before.stderr.splitlines()
        assert len(after) == len(before) and all(a.endswith(b) for a, b in zip(after, before)), outcome.after.stderr
    else:
        assert outcome.after.stderr == outcome.before.stderr
    assert outcome.outputs_after == outcome.outputs_before


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_prints_are_converted_except_those_the_fix_explains(name: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[name]
    assert outcome.sources_after != outcome.sources_before, "the fix changed the program"
    left = [f for f in outcome.findings_after if f["code"] == "PC301"]
    assert len(left) == PROGRAMS[name].unfixed, left
    assert all("no automatic fix: " in f["message"] for f in left)


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_program_stays_isort_and_blank_line_clean(name: str, outcomes: dict[str, Outcome]) -> None:
    outcome = outcomes[name]
    assert outcome.ruff_before == "", "the program is clean before the fix"
    assert outcome.ruff_after == "", "\n\n".join(outcome.sources_after.values())
