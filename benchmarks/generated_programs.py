"""Generated-program check: policy-check on thousands of programs nobody wrote.

Programs come from hypothesmith (random text from Python's grammar) and
pysource-codegen (random syntax trees), half of them with a research-style header
that gives the fixes work (a print, a root-logger call, an unused import).  Every
program that ``ast.parse`` accepts is written plain and in one variant (UTF-8 BOM,
CRLF line endings, or tab indentation), then:

1. a check run must end without an internal error (PC000) or a traceback;
2. a ``--fix --unsafe-fixes`` run on a copy must too, and every file it changed must
   compile, and run (exit 0) wherever the original ran;
3. a second ``--fix`` run on the fixed copy must change nothing (idempotence).

Run::

    python benchmarks/generated_programs.py --count 2000 [--keep FOLDER]

It prints a table and exits 1 when any count that must be zero is not.  Needs
``hypothesmith`` and ``pysource-codegen`` (the ``test`` extra).  tests/test_generated_programs.py
runs a small sample of it.
"""

from __future__ import annotations

import argparse
import ast
import codecs
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

logger = logging.getLogger("generated_programs")

HEADER = 'import os\nimport logging\nprint("generated program", 1)\nlogging.info("starting %s", "run")\n'
VARIANTS = ("bom", "crlf", "tabs")
RUN_TIMEOUT = 5


def _hypothesmith_programs(count: int, seed: int) -> list[str]:
    import hypothesmith
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed

    found: list[str] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate],
    )
    @given(hypothesmith.from_grammar())
    def collect(source: str) -> None:
        found.append(source)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        collect()
    return found[:count]


def _codegen_programs(count: int, seed: int) -> list[str]:
    from pysource_codegen import generate

    return [generate(seed + index, node_limit=120, depth_limit=5) for index in range(count)]


def programs(count: int, seed: int) -> list[str]:
    """``count`` generated sources, half from each generator."""
    half = count // 2
    return _hypothesmith_programs(half, seed) + _codegen_programs(count - half, seed)


def _tabs(text: str) -> str:
    lines = []
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        spaces = len(line) - len(stripped)
        lines.append("\t" * (spaces // 4) + " " * (spaces % 4) + stripped if spaces else line)
    return "\n".join(lines)


def encode_variant(text: str, variant: str) -> bytes:
    if variant == "bom":
        return codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    if variant == "crlf":
        return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8", "surrogatepass")
    if variant == "tabs":
        return _tabs(text).encode("utf-8", "surrogatepass")
    return text.encode("utf-8", "surrogatepass")


def compiles(data: bytes) -> bool:
    try:
        compile(data, "<generated>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError, MemoryError, UnicodeError):
        return False
    return True


def corpus(count: int, seed: int) -> Iterator[tuple[str, bytes]]:
    """(file name, bytes): each accepted program plain and in one variant."""
    for index, source in enumerate(programs(count, seed)):
        if index % 2:
            source = HEADER + source
        for variant in ("plain", VARIANTS[index % len(VARIANTS)]):
            data = encode_variant(source, variant)
            if compiles(data):
                yield f"program_{index:05d}_{variant}.py", data


@dataclass
class Outcome:
    programs: int = 0
    internal_errors: int = 0
    tracebacks: int = 0
    fixed_files: int = 0
    fixed_not_compiling: list[str] = field(default_factory=list)
    fixed_not_running: list[str] = field(default_factory=list)
    not_idempotent: list[str] = field(default_factory=list)

    def failures(self) -> int:
        return (
            self.internal_errors
            + self.tracebacks
            + len(self.fixed_not_compiling)
            + len(self.fixed_not_running)
            + len(self.not_idempotent)
        )


def _policy_check(tool: list[str], folder: Path, *args: str) -> tuple[list[dict], str]:
    completed = subprocess.run(
        [*tool, "--isolated", "--no-cache", "--output-format", "json", *args, "."],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        findings = json.loads(completed.stdout) if completed.stdout.strip() else []
    except ValueError:
        findings = []
    return findings, completed.stderr if completed.returncode not in (0, 1) or "Traceback" in completed.stderr else ""


def _runs(path: Path) -> bool:
    try:
        completed = subprocess.run(
            [sys.executable, "-I", path.name], cwd=path.parent, capture_output=True, timeout=RUN_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        return False
    return completed.returncode == 0


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.glob("*.py"))}


def _write_copies(files: dict[str, bytes], *folders: Path) -> None:
    for folder in folders:
        folder.mkdir(parents=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)


def _count_failures(outcome: Outcome, label: str, findings: list[dict], failure: str) -> None:
    outcome.internal_errors += sum(1 for finding in findings if finding.get("code") == "PC000")
    if failure:
        outcome.tracebacks += 1
        logger.error("%s run failed: %s", label, failure.strip()[-2000:])


def _judge_fixes(outcome: Outcome, files: dict[str, bytes], originals: Path, fixed: Path, after_fix: dict[str, bytes]) -> None:
    for name, data in after_fix.items():
        if data == files[name]:
            continue
        outcome.fixed_files += 1
        if not compiles(data):
            outcome.fixed_not_compiling.append(name)
        elif _runs(originals / name) and not _runs(fixed / name):
            outcome.fixed_not_running.append(name)


def check_corpus(files: dict[str, bytes], work: Path, tool: list[str]) -> Outcome:
    outcome = Outcome(programs=len(files))
    originals, fixed = work / "originals", work / "fixed"
    _write_copies(files, originals, fixed)
    _count_failures(outcome, "check", *_policy_check(tool, originals))
    _count_failures(outcome, "fix", *_policy_check(tool, fixed, "--fix", "--unsafe-fixes"))
    after_fix = _snapshot(fixed)
    _judge_fixes(outcome, files, originals, fixed, after_fix)
    _count_failures(outcome, "second fix", *_policy_check(tool, fixed, "--fix", "--unsafe-fixes"))
    after_second = _snapshot(fixed)
    outcome.not_idempotent = [name for name, data in after_second.items() if after_fix.get(name) != data]
    return outcome


def report(outcome: Outcome) -> str:
    rows = [
        ("files checked (each accepted program plain and in one variant)", outcome.programs),
        ("internal errors (PC000)", outcome.internal_errors),
        ("runs that failed or printed a traceback", outcome.tracebacks),
        ("files changed by --fix --unsafe-fixes", outcome.fixed_files),
        ("fixed files that do not compile", len(outcome.fixed_not_compiling)),
        ("fixed files that no longer run (the original ran)", len(outcome.fixed_not_running)),
        ("files a second --fix changed again", len(outcome.not_idempotent)),
    ]
    lines = ["| measure | count |", "|---|---:|", *(f"| {label} | {count} |" for label, count in rows)]
    for label, names in (
        ("not compiling", outcome.fixed_not_compiling),
        ("not running", outcome.fixed_not_running),
        ("not idempotent", outcome.not_idempotent),
    ):
        if names:
            lines.append(f"{label}: {', '.join(names[:20])}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=2000, help="generated programs (each also in one variant)")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", type=Path, help="keep the programs and their fixed copies in this folder")
    parser.add_argument("--tool", default=None, help="the policy-check command (default: this interpreter's)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    tool = args.tool.split() if args.tool else [sys.executable, "-m", "policy_check"]
    files = dict(corpus(args.count, args.seed))
    work = args.keep or Path(tempfile.mkdtemp(prefix="generated-programs-"))
    try:
        outcome = check_corpus(files, work, tool)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    sys.stdout.write(report(outcome) + "\n")
    return 1 if outcome.failures() else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
