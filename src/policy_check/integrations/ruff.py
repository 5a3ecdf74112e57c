"""ruff beside the policy rules: one ruff run per policy-check run, its findings in our
report under ruff's own codes, its fixes applied by the same ``--fix``/``--diff`` run.

What policy-check decides and what the user's ruff configuration keeps:

- **Which ruff rules run** is policy-check's decision: the curated ``DEFAULT_SELECTION``
  (stable rules only), adjusted by ``[tool.policy-check]`` / command-line ``select``,
  ``extend-select`` and ``ignore`` (they accept ruff codes and prefixes), minus the
  rules a policy rule covers (``LEFT_OUT``).  The user's ``[tool.ruff]`` ``ignore`` /
  ``extend-ignore`` (read from ``ruff.toml``, ``.ruff.toml`` or ``pyproject.toml`` at
  the project root) still removes codes from that selection.  ruff's own ``select``
  and ``extend-select`` are not used: the suite's selection lives in one place.
- **Everything else is ruff's**, read by ruff itself from the user's configuration as
  usual: ``line-length``, ``target-version`` / ``requires-python``, ``per-file-ignores``,
  rule options (``[tool.ruff.lint.flake8-bugbear]``…), ``exclude`` /
  ``extend-exclude`` (enforced on the files we pass, ``--force-exclude``), ``# noqa``.

ruff is found next to the running interpreter, then on ``PATH``, then through the
``ruff`` package (``find_ruff_bin``); ``POLICY_CHECK_RUFF`` names a binary explicitly.
It never touches the network.  Missing or failing, it is one warning and the run goes
on without ruff's findings.

Which ruff rules exist and which a run selects (the binary, its catalogue, the curated
selection) is ``ruff_catalogue.py``: the selection and `policy-check rules` read it
without importing the engine.
"""

from __future__ import annotations

import ast
import json
import logging
import os
import re
import stat
import subprocess
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from policy_check import cache as cache_module
from policy_check.cache import CACHE_FOLDER
from policy_check.config import ConfigError, Settings
from policy_check.diagnostics import INTERNAL_ERROR, IO_ERROR, Applicability, Diagnostic, Edit, Fix, Location, Severity
from policy_check.discovery import SourceFile, display_path, relative_to_root
from policy_check.engine import (
    FileJob,
    FileResult,
    FixOptions,
    Mode,
    check_file,
    check_text,
    engine_diagnostic,
    fix_text,
    raise_recursion_limit,
)
from policy_check.notebooks import read_notebook, to_cell_locations, write_back
from policy_check.diffs import unified_diff
from policy_check.integrations.ruff_catalogue import (
    ENGINE_OWNED,
    RuffUnavailable,
    _first_line,
    find_ruff,
    ruff_codes_to_run,
    warn_once,
)
from policy_check.rules.base import Rule
from policy_check.rules.catalogue import entries as rule_entries
from policy_check.run_context import RunContext
from policy_check.source import MAX_SOURCE_BYTES, NotWritten, SourceText, UnreadableSource, read_source, write_fixed
from policy_check.suppression import filter_suppressed

logger = logging.getLogger(__name__)

# pyflakes findings that are certain failures at run time: errors, not warnings.
ERROR_CODES = frozenset({"F821", "F822", "F823", "F632", "F701", "F702", "F704", "F706", "F707"})
# Windows limits a command line to 32,767 characters; elsewhere the limit is megabytes.
COMMAND_LINE_BUDGET = 30_000 if os.name == "nt" else 1_000_000
DIFF_WORKERS = 4


# ---------------------------------------------------------------------------
# Running ruff


def _base_command(binary: str, codes: Sequence[str], cache_dir: Path | None = None, target_version: str | None = None) -> list[str]:
    # `--target-version` on our command line is handed to ruff; else ruff reads the project's.
    target = ["--target-version", target_version] if target_version else []
    return [
        binary,
        "check",
        *target,
        *(["--cache-dir", str(cache_dir)] if cache_dir is not None else ["--no-cache"]),
        "--force-exclude",
        "--select",
        ",".join(codes),
        # `# noqa: PC301` is ours: ruff should neither warn about it nor drop it.
        "--config",
        "lint.external = ['PC']",
    ]


def _chunks(paths: Sequence[str]) -> Iterable[list[str]]:
    chunk: list[str] = []
    size = 0
    for path in paths:
        if chunk and size + len(path) + 1 > COMMAND_LINE_BUDGET:
            yield chunk
            chunk, size = [], 0
        chunk.append(path)
        size += len(path) + 1
    if chunk:
        yield chunk


def ruff_config_error(stderr: bytes) -> str | None:
    """One line naming the file, the line and the key when ruff stopped on the user's
    ``[tool.ruff]`` (the project's configuration is wrong, not ruff)."""
    text = stderr.decode("utf-8", "replace")
    failed = re.search(r"Failed to parse (.+)", text)
    if failed is None:
        return None
    where = re.search(r"at line (\d+), column \d+", text)
    line = where.group(1) if where else "1"
    source = re.search(rf"^\s*{line} \|\s*(.*)$", text, re.M)
    key = source.group(1).split("=", 1)[0].strip() if source and "=" in source.group(1) else ""
    reasons = [row.strip() for row in text.strip().splitlines() if row.strip() and not row.lstrip().startswith(("|", "Cause:", "ruff failed")) and not re.match(r"^\s*\d+ \|", row)]
    reason = reasons[-1] if reasons else "invalid configuration"
    reason = reason.split(", expected one of", 1)[0]
    return f"{failed.group(1).strip()}:{line}: [tool.ruff] {key + ': ' if key else ''}{reason} (ruff cannot read it)"


def run_ruff(
    binary: str,
    codes: Sequence[str],
    paths: Sequence[str],
    extra: Sequence[str] = (),
    cwd: Path | None = None,
    crashed: list[str] | None = None,
    target_version: str | None = None,
) -> list[dict[str, Any]]:
    """ruff's JSON rows for ``paths`` (several invocations only past the command-line limit).

    When ruff crashes on a file (deeply nested code overflows its stack), the batch is
    split until the file is alone: the other files keep their findings and the file
    goes to ``crashed``.  A failure that is not a crash (a broken configuration)
    raises ``RuffUnavailable`` as before."""
    rows: list[dict[str, Any]] = []
    # ruff keeps its own cache in ours (unless --no-cache): a warm run reads only what changed.
    cache_dir = cwd / CACHE_FOLDER / "ruff" if cwd is not None and cache_module.enabled() else None
    for chunk in _chunks(paths):
        rows.extend(_run_isolating(binary, [*_base_command(binary, codes, cache_dir, target_version), "--output-format", "json", *extra, "--"], chunk, cwd, crashed))
    return rows


def _run_isolating(binary: str, command: list[str], chunk: list[str], cwd: Path | None, crashed: list[str] | None) -> list[dict[str, Any]]:
    try:
        completed = subprocess.run([*command, *chunk], capture_output=True, cwd=cwd, timeout=600, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise RuffUnavailable(f"cannot run ruff ({binary}): {error}") from None
    if _is_crash(completed.returncode) and crashed is not None:
        if len(chunk) == 1:
            crashed.append(chunk[0])
            return []
        middle = len(chunk) // 2
        return _run_isolating(binary, command, chunk[:middle], cwd, crashed) + _run_isolating(binary, command, chunk[middle:], cwd, crashed)
    if completed.returncode not in (0, 1):
        broken = ruff_config_error(completed.stderr)
        if broken is not None:
            raise ConfigError(broken)
        raise RuffUnavailable(f"ruff failed (exit {completed.returncode}): {_first_line(completed.stderr)}")
    try:
        found = json.loads(completed.stdout or b"[]")
    except ValueError:
        raise RuffUnavailable(f"ruff's output is not JSON: {_first_line(completed.stdout)}") from None
    if not isinstance(found, list):
        raise RuffUnavailable("ruff's output is not a list of findings")
    return found


def _is_crash(returncode: int) -> bool:
    """Killed by a signal (a stack overflow aborts) or a Rust panic (101), as opposed
    to ruff's own error exit (2) for a configuration it rejects."""
    return returncode < 0 or returncode == 101


def _parses(path: str) -> bool:
    raise_recursion_limit()  # as the engine parses
    try:
        ast.parse(read_source(Path(path)).text)
    except (UnreadableSource, SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def crash_diagnostic(path: str, context: RunContext) -> Diagnostic:
    display = context.display_path(Path(path))
    message = "internal error: ruff crashed on this file (deeply nested code overflows its stack); its ruff findings are left out"
    return engine_diagnostic(INTERNAL_ERROR, display, message)


def _location(data: Mapping[str, Any]) -> Location:
    return Location(int(data["row"]), int(data["column"]))


def _fix(data: Mapping[str, Any] | None) -> Fix | None:
    if not data or data.get("applicability") not in ("safe", "unsafe"):
        # "display-only" fixes are never applied, not even by ruff itself.
        return None
    edits = tuple(Edit(edit["content"], _location(edit["location"]), _location(edit["end_location"])) for edit in data["edits"])
    return Fix(data.get("message") or "Apply ruff's fix", Applicability(data["applicability"]), edits)


def _snippet(lines: Sequence[str], start: Location, end: Location) -> str:
    """The flagged text, whitespace-normalised, as baselines fingerprint it."""
    if not lines or start.row > len(lines):
        return ""
    if start.row == end.row:
        text = lines[start.row - 1][start.column - 1 : end.column - 1]
    else:
        text = " ".join(lines[start.row - 1 : end.row])
    return " ".join(text.split())[:300]


def to_diagnostic(row: Mapping[str, Any], display_path: str, lines: Sequence[str]) -> Diagnostic:
    code = row["code"]
    start, end = _location(row["location"]), _location(row["end_location"])
    return Diagnostic(
        code=code,
        message=row["message"],
        path=display_path,
        start=start,
        end=end,
        severity=Severity.ERROR if code in ERROR_CODES else Severity.WARNING,
        name=row.get("name") or "",
        fix=_fix(row.get("fix")),
        snippet=_snippet(lines, start, end),
        extra={"source": "ruff", "url": row.get("url")},
    )


def _lines_of(path: Path) -> list[str]:
    try:
        return read_source(path).text.splitlines()
    except UnreadableSource:
        return []


RULE_CODE = re.compile(r"^[A-Z]+[0-9]+$")


def is_rule_code(code: object) -> bool:
    return isinstance(code, str) and RULE_CODE.match(code) is not None


def _notebook_cells(path: Path) -> list[list[str]]:
    """Each cell's source lines (every cell, as ruff numbers them)."""
    try:
        cells = json.loads(read_source(path).text).get("cells", [])
    except (UnreadableSource, ValueError, AttributeError):
        return []
    sources = [cell.get("source", "") if isinstance(cell, dict) else "" for cell in cells]
    return [("".join(source) if isinstance(source, list) else str(source)).splitlines() for source in sources]


def _cell_diagnostic(row: Mapping[str, Any], display: str, cells: Sequence[Sequence[str]]) -> Diagnostic:
    """ruff's finding in a notebook as ours read: rows within the cell, the cell named."""
    cell = row.get("cell")
    numbered = isinstance(cell, int) and 0 < cell <= len(cells)
    diagnostic = to_diagnostic(row, display, cells[cell - 1] if numbered else [])
    if isinstance(cell, int):
        diagnostic.extra["cell"] = cell
        diagnostic.message = f"cell {cell}: {diagnostic.message}"
    return diagnostic


def _diagnostics(rows: Iterable[Mapping[str, Any]], context: RunContext) -> list[Diagnostic]:
    by_path = {os.path.abspath(source.path): source for source in context.files}
    grouped: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        # Syntax errors are the engine's E999 (reported once): ruff gives them no code,
        # or since 0.12 the name `invalid-syntax`, which is not a rule code.
        if is_rule_code(row.get("code")) and row["code"] not in ENGINE_OWNED:
            grouped.setdefault(os.path.abspath(row["filename"]), []).append(row)
    diagnostics = []
    for filename, file_rows in grouped.items():
        source = by_path.get(filename)
        display = context.display_path(Path(filename))
        if filename.endswith(".ipynb"):
            cells = _notebook_cells(Path(filename))
            found = [_cell_diagnostic(row, display, cells) for row in file_rows]
        else:
            lines = _lines_of(Path(filename))
            found = [to_diagnostic(row, display, lines) for row in file_rows]
        # ruff applied `# noqa` itself; per-file-ignores of [tool.policy-check] are ours to apply.
        relative = source.relative_path if source else display
        diagnostics += filter_suppressed(found, None, relative, context.settings)
    return diagnostics


def _prepare(context: RunContext) -> tuple[str, list[str]] | None:
    if not context.settings.ruff:
        return None
    codes = ruff_codes_to_run(context.settings, context.selected_codes)
    if not codes or not context.files:
        return None
    try:
        return find_ruff(), codes
    except RuffUnavailable as error:
        warn_once(str(error))
        return None


def _python_paths(files: Iterable[SourceFile]) -> list[str]:
    # ruff reads notebooks too, numbering rows within each cell as we report them.
    return [os.path.abspath(source.path) for source in files if source.path.suffix in (".py", ".pyi", ".ipynb") and _readable(source.path)]


def _readable(path: Path) -> bool:
    """Only what the engine reads goes to ruff: a FIFO would block it for ever and
    ``/dev/zero`` never end (the engine reports both as E902)."""
    try:
        info = path.stat()
    except OSError:
        return False
    return stat.S_ISREG(info.st_mode) and info.st_size <= MAX_SOURCE_BYTES


def check_with_ruff(context: RunContext) -> list[Diagnostic]:
    """The run check: ruff's findings on the run's files (after any fixes were applied)."""
    prepared = _prepare(context)
    if prepared is None:
        return []
    binary, codes = prepared
    crashed: list[str] = []
    try:
        rows = run_ruff(binary, codes, _python_paths(context.files), cwd=context.settings.root, crashed=crashed, target_version=context.settings.target_version)
    except RuffUnavailable as error:
        warn_once(str(error))
        return []
    # A file Python cannot parse either is the engine's E999; the crash adds nothing.
    diagnostics = _diagnostics(rows, context) + [crash_diagnostic(path, context) for path in crashed if _parses(path)]
    if context.options.mode is Mode.DIFF:
        # What --diff shows as changed is not left to report.
        diagnostics = [d for d in diagnostics if not (d.fix and context.options.allows(d.fix.applicability))]
    return diagnostics


# ---------------------------------------------------------------------------
# Fixing: ruff's fixes first, then ours on the result, in one run


class RuffFixes:
    """What the ruff fix pass leaves for the engine and what it already did."""

    # A plain class, not a dataclass: a dataclass costs ~3M instructions to define
    # (its methods are compiled at import), and every check imports this module.
    def __init__(self, jobs: list[FileJob]) -> None:
        self.jobs = jobs
        self.results: list[FileResult] = []
        self.fixed: list[Diagnostic] = []


def _fixed_findings(before: Sequence[Diagnostic], after: Sequence[Diagnostic], options: FixOptions) -> list[Diagnostic]:
    """The findings whose fixes were applied: those with an allowed fix that are gone
    afterwards (matched by file, code and message, since rows move)."""
    remaining = Counter((d.path, d.code, d.message) for d in after)
    fixed = []
    for diagnostic in before:
        if diagnostic.fix is None or not options.allows(diagnostic.fix.applicability):
            continue
        key = (diagnostic.path, diagnostic.code, diagnostic.message)
        if remaining[key]:
            remaining[key] -= 1
        else:
            fixed.append(diagnostic)
    return fixed


def fix_before_engine(
    jobs: Sequence[FileJob],
    settings: Settings,
    rules: Sequence[type[Rule]],
    options: FixOptions,
    selected: Iterable[str],
) -> RuffFixes:
    """In ``--fix``/``--diff`` mode, apply ruff's fixes before the engine applies ours.

    ``--fix``: ``ruff check --fix-only`` rewrites the files that have fixable findings;
    the engine then fixes the result.  ``--diff``: nothing may be written, so each such
    file's ruff-fixed text comes from ruff over standard input, the engine's fixes are
    applied on top in this process, and the file gets one diff from the original text.
    """
    outcome = RuffFixes(list(jobs))
    if options.mode is Mode.CHECK or not jobs:
        return outcome
    files = tuple(SourceFile(job.path, job.relative_path) for job in jobs)
    context = RunContext(settings, (), files, frozenset(selected), options)
    prepared = _prepare(context)
    if prepared is None:
        return outcome
    binary, codes = prepared
    before = _findings_or_warn(binary, codes, files, context)
    fixable_jobs, fixable_paths = _fixable(jobs, before, options)
    if not fixable_jobs:
        return outcome
    unsafe = ["--unsafe-fixes"] if options.unsafe else []
    before = [d for d in before if d.path in fixable_paths]
    if options.mode is Mode.FIX:
        _fix_in_place(outcome, binary, codes, fixable_jobs, before, unsafe, context, rules)
    else:
        _fix_for_diff(outcome, binary, codes, fixable_jobs, before, unsafe, context, rules)
    return outcome


def _fixable(jobs: Sequence[FileJob], before: Sequence[Diagnostic], options: FixOptions) -> tuple[list[FileJob], set[str]]:
    """The files ruff has allowed fixes for, before the engine runs.  A notebook is
    fixed by ruff after the engine, through its joined cells (settle_after_engine):
    ruff rewriting the JSON itself would add cell ids."""
    fixable_paths = {d.path for d in before if d.fix and options.allows(d.fix.applicability)}
    fixable_jobs = [job for job in jobs if job.display_path in fixable_paths and job.path.suffix != ".ipynb"]
    return fixable_jobs, fixable_paths


def _findings_or_warn(binary: str, codes: Sequence[str], files: Sequence[SourceFile], context: RunContext) -> list[Diagnostic]:
    try:
        # A file ruff crashes on has no ruff fixes; the run check reports the crash.
        return _diagnostics(run_ruff(binary, codes, _python_paths(files), cwd=context.settings.root, crashed=[], target_version=context.settings.target_version), context)
    except RuffUnavailable as error:
        warn_once(str(error))
        return []


def _fix_in_place(
    outcome: RuffFixes,
    binary: str,
    codes: Sequence[str],
    fixable_jobs: Sequence[FileJob],
    before: Sequence[Diagnostic],
    unsafe: Sequence[str],
    context: RunContext,
    rules: Sequence[type[Rule]],
) -> None:
    """--fix: ruff fixes each text over standard input (it writes nothing itself), the
    result goes through our verified write path, and only what reached the disk counts
    as fixed.  The engine then fixes the written files."""
    root, options = context.settings.root, context.options
    with ThreadPoolExecutor(DIFF_WORKERS) as pool:  # waiting on ruff subprocesses
        texts = list(pool.map(lambda job: _ruff_fixed_text(binary, codes, job, unsafe, context.settings), fixable_jobs))
    written: list[FileJob] = []
    for job, (_, ruff_text) in zip(fixable_jobs, texts):
        if ruff_text is None:
            continue
        failure = _write_ruff_fixes(job, ruff_text, context.settings, rules)
        if failure is None:
            written.append(job)
        else:
            outcome.results.append(failure)
    written_paths = {job.display_path for job in written}
    not_written = {result.display_path for result in outcome.results}
    outcome.jobs = [job for job in outcome.jobs if job.display_path not in not_written]
    if not written:
        return
    try:
        written_files = [os.path.abspath(job.path) for job in written]
        after = _diagnostics(run_ruff(binary, codes, written_files, cwd=root, crashed=[], target_version=context.settings.target_version), context)
    except RuffUnavailable as error:
        warn_once(str(error))
        return
    fixed_before = [d for d in before if d.path in written_paths]
    outcome.fixed = _fixed_findings(fixed_before, after, FixOptions(Mode.FIX, options.unsafe))


def _write_ruff_fixes(
    job: FileJob, ruff_text: str, settings: Settings, rules: Sequence[type[Rule]]
) -> FileResult | None:
    """Write ruff's fixed text; None when done, else the file's findings as it stands
    and why it was not written (the engine does not try to fix it again)."""
    try:
        source = read_source(job.path)
        if source.text == ruff_text:
            return None
        write_fixed(job.path, source, ruff_text, settings.root, python=job.path.suffix in (".py", ".pyi"))
    except (UnreadableSource, NotWritten) as error:
        reason = str(error)
    except OSError as error:
        reason = error.strerror or str(error)
    else:
        return None
    result = check_file(job, settings, rules, FixOptions(Mode.CHECK))
    result.diagnostics.append(engine_diagnostic(IO_ERROR, job.display_path, f"fixes not written: {reason}"))
    return result


def _fix_for_diff(
    outcome: RuffFixes,
    binary: str,
    codes: Sequence[str],
    fixable_jobs: Sequence[FileJob],
    before: Sequence[Diagnostic],
    unsafe: Sequence[str],
    context: RunContext,
    rules: Sequence[type[Rule]],
) -> None:
    """--diff: nothing is written; ruff fixes each text over standard input, the engine
    fixes that in this process, and the file gets one diff from the original."""
    settings = context.settings
    options = FixOptions(Mode.DIFF, context.options.unsafe)
    with ThreadPoolExecutor(DIFF_WORKERS) as pool:  # waiting on ruff subprocesses
        texts = list(pool.map(lambda job: _ruff_fixed_text(binary, codes, job, unsafe, settings), fixable_jobs))
    done = set()
    for job, (original, ruff_text) in zip(fixable_jobs, texts):
        if original is None or ruff_text is None:
            continue
        done.add(job.display_path)
        outcome.results.append(_diff_with_engine(job, original, ruff_text, settings, rules, options))
        outcome.fixed += _fixed_findings(
            [d for d in before if d.path == job.display_path],
            _stdin_diagnostics(binary, codes, job, ruff_text, settings.root, context),
            options,
        )
    outcome.jobs = [job for job in outcome.jobs if job.display_path not in done]


def _ruff_over_stdin(
    binary: str, codes: Sequence[str], job: FileJob, text: str, extra: Sequence[str], cwd: Path, target_version: str | None = None
) -> subprocess.CompletedProcess[bytes]:
    command = [*_base_command(binary, codes, target_version=target_version), *extra, "--stdin-filename", os.path.abspath(job.path), "-"]
    return subprocess.run(command, input=text.encode("utf-8"), capture_output=True, cwd=cwd, timeout=120, check=False)


def _ruff_fixed_text(binary: str, codes: Sequence[str], job: FileJob, unsafe: Sequence[str], settings: Settings) -> tuple[str | None, str | None]:
    try:
        original = read_source(job.path).text
    except UnreadableSource:
        return None, None
    try:
        completed = _ruff_over_stdin(binary, codes, job, original, ["--fix-only", "--exit-zero", *unsafe], settings.root, settings.target_version)
    except (OSError, subprocess.TimeoutExpired) as error:
        warn_once(f"cannot run ruff ({binary}): {error}")
        return original, None
    if completed.returncode != 0:
        warn_once(f"ruff failed on {job.display_path} (exit {completed.returncode}): {_first_line(completed.stderr)}")
        return original, None
    return original, completed.stdout.decode("utf-8")


def _stdin_diagnostics(binary: str, codes: Sequence[str], job: FileJob, text: str, cwd: Path, context: RunContext) -> list[Diagnostic]:
    try:
        completed = _ruff_over_stdin(binary, codes, job, text, ["--output-format", "json", "--exit-zero"], cwd, context.settings.target_version)
        rows = json.loads(completed.stdout or b"[]")
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return []
    for row in rows:
        row["filename"] = os.path.abspath(job.path)
    return _diagnostics(rows, context)


def _diff_with_engine(
    job: FileJob,
    original: str,
    ruff_text: str,
    settings: Settings,
    rules: Sequence[type[Rule]],
    options: FixOptions,
) -> FileResult:
    def check(text: str) -> list[Diagnostic]:
        return check_text(text, job.path, job.relative_path, job.display_path, settings, rules, job.is_test_code)

    final, remaining, fixed = fix_text(ruff_text, check, options)
    return FileResult(
        job.display_path,
        remaining,
        fixed,
        unified_diff(job.display_path, original, final),
        source_path=os.path.abspath(job.path),
        fixed_text=final,
    )


def settle_after_engine(
    results: list[FileResult],
    jobs: Sequence[FileJob],
    settings: Settings,
    rules: Sequence[type[Rule]],
    options: FixOptions,
    selected: Iterable[str],
) -> list[FileResult]:
    """One more ruff pass over the files our fixes changed, then ours again on what it
    changed, so that one ``--fix`` converges: removing a ``sys.path.append`` or a
    ``file=sys.stderr`` can leave ``import sys`` unused, which only ruff removes."""
    if options.mode is Mode.CHECK:
        return results
    by_display = {job.display_path: job for job in jobs}
    changed = [
        result
        for result in results
        if result.display_path in by_display
        and (
            Path(result.display_path).suffix == ".ipynb"
            or (Path(result.display_path).suffix in (".py", ".pyi") and any(d.code in rule_entries() for d in result.fixed))
        )
    ]
    if not changed:
        return results
    files = tuple(SourceFile(by_display[r.display_path].path, by_display[r.display_path].relative_path) for r in changed)
    context = RunContext(settings, (), files, frozenset(selected), options)
    prepared = _prepare(context)
    if prepared is None:
        return results
    binary, codes = prepared
    for result in changed:
        _settle_one(result, by_display[result.display_path], binary, codes, context, rules)
    return results


def _settle_one(
    result: FileResult, job: FileJob, binary: str, codes: Sequence[str], context: RunContext, rules: Sequence[type[Rule]]
) -> None:
    if job.path.suffix == ".ipynb":
        _settle_notebook(result, job, binary, codes, context, rules)
        return
    settings, options = context.settings, context.options
    unsafe = ["--unsafe-fixes"] if options.unsafe else []
    try:
        current = read_source(job.path).text if options.mode is Mode.FIX else result.fixed_text
        if current is None:
            return
        completed = _ruff_over_stdin(binary, codes, job, current, ["--fix-only", "--exit-zero", *unsafe], settings.root, settings.target_version)
    except (UnreadableSource, OSError, subprocess.TimeoutExpired):
        return
    settled = completed.stdout.decode("utf-8") if completed.returncode == 0 else current
    if settled == current:
        return
    before = _stdin_diagnostics(binary, codes, job, current, settings.root, context)
    after = _stdin_diagnostics(binary, codes, job, settled, settings.root, context)

    def check(text: str) -> list[Diagnostic]:
        return check_text(text, job.path, job.relative_path, job.display_path, settings, rules, job.is_test_code)

    final, remaining, fixed = fix_text(settled, check, options)
    try:
        source = read_source(job.path)
        if options.mode is Mode.FIX:
            write_fixed(job.path, source, final, settings.root)
    except (UnreadableSource, NotWritten, OSError) as error:
        # The first passes are on disk; this one is not, and does not count.
        reason = str(error) if not isinstance(error, OSError) else error.strerror or str(error)
        result.diagnostics.append(engine_diagnostic(IO_ERROR, job.display_path, f"fixes not written: {reason}"))
        return
    result.diagnostics = remaining
    result.fixed += _fixed_findings(before, after, options) + fixed
    if options.mode is Mode.DIFF:
        result.diff = unified_diff(job.display_path, source.text, final)
        result.fixed_text = final


# ---------------------------------------------------------------------------
# One text in memory (the language server's buffers): ruff over standard input


def _codes_for_text(settings: Settings, selected: Iterable[str]) -> tuple[str, list[str]] | None:
    if not settings.ruff:
        return None
    codes = ruff_codes_to_run(settings, selected)
    if not codes:
        return None
    try:
        return find_ruff(), codes
    except RuffUnavailable as error:
        warn_once(str(error))
        return None


def _stdin_run(text: str, path: Path, settings: Settings, selected: Iterable[str], extra: Sequence[str]) -> bytes | None:
    prepared = _codes_for_text(settings, selected)
    if prepared is None:
        return None
    binary, codes = prepared
    command = [*_base_command(binary, codes, target_version=settings.target_version), *extra, "--stdin-filename", os.path.abspath(path), "-"]
    try:
        completed = subprocess.run(command, input=text.encode("utf-8", "surrogatepass"), capture_output=True, cwd=settings.root, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as error:
        warn_once(f"cannot run ruff ({binary}): {error}")
        return None
    if completed.returncode not in (0, 1):
        warn_once(f"ruff failed (exit {completed.returncode}): {_first_line(completed.stderr)}")
        return None
    return completed.stdout


def check_text_with_ruff(text: str, path: Path, settings: Settings, selected: Iterable[str]) -> list[Diagnostic]:
    """ruff's findings (of the ``selected`` codes) in ``text`` as if it were the file at
    ``path`` (ruff reads the user's configuration for that path and applies ``# noqa``)."""
    output = _stdin_run(text, path, settings, selected, ["--output-format", "json", "--exit-zero"])
    try:
        rows = json.loads(output) if output else []
    except ValueError:
        warn_once(f"ruff's output is not JSON: {_first_line(output or b'')}")
        return []
    lines = text.splitlines()
    shown = display_path(path)
    # A syntax error is the engine's E999 (ruff >= 0.12 names it `invalid-syntax`).
    found = [
        to_diagnostic(row, shown, lines)
        for row in rows
        if is_rule_code(row.get("code")) and row["code"] not in ENGINE_OWNED
    ]
    return filter_suppressed(found, None, relative_to_root(path, settings.root), settings)


def fix_text_with_ruff(text: str, path: Path, settings: Settings, selected: Iterable[str], unsafe: bool = False) -> str:
    """``text`` after ruff's fixes of the ``selected`` codes (unchanged if ruff is off or fails)."""
    output = _stdin_run(text, path, settings, selected, ["--fix-only", "--exit-zero", *(["--unsafe-fixes"] if unsafe else [])])
    return output.decode("utf-8", "surrogatepass") if output is not None else text


def _settle_notebook(
    result: FileResult, job: FileJob, binary: str, codes: Sequence[str], context: RunContext, rules: Sequence[type[Rule]]
) -> None:
    """ruff's fixes in a notebook, on its code cells joined as the engine reads them
    (magics stood in for), written back into the cells: outputs, metadata and cell
    ids stay as they were, as with our own fixes."""
    settings, options = context.settings, context.options
    try:
        source = read_source(job.path)
        notebook = read_notebook(source.text if options.mode is Mode.FIX or result.fixed_text is None else result.fixed_text)
    except UnreadableSource:
        return
    # ruff reads the joined cells as the Python file they are.
    stand_in = FileJob(job.path.with_suffix(".py"), job.relative_path, job.display_path, job.is_test_code)
    unsafe = ["--unsafe-fixes"] if options.unsafe else []
    try:
        completed = _ruff_over_stdin(binary, codes, stand_in, notebook.text, ["--fix-only", "--exit-zero", *unsafe], settings.root, settings.target_version)
    except (OSError, subprocess.TimeoutExpired):
        return
    settled = completed.stdout.decode("utf-8") if completed.returncode == 0 else notebook.text
    if settled == notebook.text:
        return

    def check(text: str) -> list[Diagnostic]:
        return check_text(text, job.path, job.relative_path, job.display_path, settings, rules, job.is_test_code)

    final, remaining, fixed = fix_text(settled, check, options)
    try:
        final_json = write_back(notebook, final)
    except ValueError:
        return  # a cell would vanish: leave the notebook as our fixes left it
    before = _stdin_diagnostics(binary, codes, stand_in, notebook.text, settings.root, context)
    after = _stdin_diagnostics(binary, codes, stand_in, settled, settings.root, context)
    ruff_fixed = _fixed_findings(before, after, options)
    for diagnostic in ruff_fixed:
        diagnostic.path = job.display_path
    if not _store_notebook(result, job, source, final_json, context):
        return
    settled_notebook = read_notebook(final_json)
    result.fixed += [to_cell_locations(notebook, d) for d in (*ruff_fixed, *fixed)]
    result.diagnostics = [to_cell_locations(settled_notebook, d) for d in remaining]


def _store_notebook(result: FileResult, job: FileJob, source: SourceText, final_json: str, context: RunContext) -> bool:
    """--fix: write the notebook through the verified write path; --diff: its diff.
    False when the write failed (said as a finding; the pass does not count)."""
    if context.options.mode is Mode.DIFF:
        result.diff = unified_diff(job.display_path, source.text, final_json)
        result.fixed_text = final_json
        return True
    try:
        write_fixed(job.path, source, final_json, context.settings.root, python=False)
    except (NotWritten, OSError) as error:
        reason = str(error) if not isinstance(error, OSError) else error.strerror or str(error)
        result.diagnostics.append(engine_diagnostic(IO_ERROR, job.display_path, f"fixes not written: {reason}"))
        return False
    return True
