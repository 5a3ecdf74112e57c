"""The ``policy-check`` command: parses arguments and wires discovery, the engine and
a reporter together.  It decides nothing about rules or formats itself."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

# Only what --version and --help need is imported here: a check run, `rule` and
# `rules` import the engine, the rules and the reporters when they run.
from policy_check import __version__
from policy_check import cache as cache_module
from policy_check.printable import PrintableFormatter, printable

if TYPE_CHECKING:
    from policy_check.config import Settings
    from policy_check.diagnostics import Diagnostic
    from policy_check.engine import FileJob, FileResult, FixOptions
    from policy_check.report import RunReport
    from policy_check.rules.base import Rule
    from policy_check.run_context import RunContext

logger = logging.getLogger("policy_check")

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _codes(value: str) -> list[str]:
    return [code.strip().upper() for code in value.split(",") if code.strip()]


def build_parser() -> argparse.ArgumentParser:
    from policy_check.adoption.options import add_adoption_arguments
    from policy_check.reporters import FORMATS

    parser = argparse.ArgumentParser(
        prog="policy-check",
        description="Policy checks for Python research code: layout, imports, logging, processes, vectorisation.",
        epilog="Subcommands: `policy-check rule CODE` (a rule's documentation), `policy-check rules` (the catalogue).",
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders to check (default: .)")
    selection = parser.add_argument_group("rule selection")
    selection.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to check (replaces the configured selection)")
    selection.add_argument("--extend-select", type=_codes, default=[], help="codes or prefixes to add to the selection")
    selection.add_argument("--ignore", type=_codes, default=[], help="codes or prefixes to leave out")
    fixing = parser.add_argument_group("fixes")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes")
    fixing.add_argument("--unsafe-fixes", action="store_true", help="also apply (or show) fixes that need review")
    fixing.add_argument("--diff", action="store_true", help="print a unified diff of the fixes and change nothing")
    fixing.add_argument("--show-fixes", action="store_true", help="list the findings that were fixed")
    output = parser.add_argument_group("output")
    output.add_argument("--output-format", choices=sorted(FORMATS), default=os.environ.get("POLICY_CHECK_OUTPUT_FORMAT", "text"))
    output.add_argument("--output-file", type=Path, help="write the report to this file instead of standard output")
    output.add_argument("--summary", type=Path, help="append a Markdown summary to this file (default with github format: $GITHUB_STEP_SUMMARY)")
    output.add_argument("--statistics", action="store_true", help="print counts per code instead of the findings")
    output.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    output.add_argument("-v", "--verbose", action="store_true", help="log what the run does")
    output.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary or warnings")
    run = parser.add_argument_group("run")
    run.add_argument("--config", type=Path, help="read settings from this file instead of the nearest pyproject.toml")
    run.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    run.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    run.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    add_adoption_arguments(parser)
    parser.add_argument("--version", action="version", version=f"policy-check {__version__}")
    return parser


def _setup_logging(verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PrintableFormatter("policy-check: %(levelname)s: %(message)s"))
    root = logging.getLogger("policy_check")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)
    root.propagate = False


def _use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty() and os.environ.get("TERM") != "dumb"


def _config_start(paths: Sequence[Path]) -> Path:
    """Where the search for configuration starts: the folder the checked paths share,
    so `policy-check some/project` uses that project's pyproject.toml."""
    if not paths:
        return Path.cwd()
    # os.path.isdir: a path inside an unreadable folder is not an error here (E902 later).
    folders = [os.path.abspath(path if os.path.isdir(path) else path.parent or ".") for path in paths]
    try:
        start = Path(os.path.commonpath(folders))
    except ValueError:  # different drives on Windows
        return Path.cwd()
    # A folder the user may not list holds no configuration we could read.
    while not os.access(start, os.R_OK | os.X_OK) and start != start.parent:
        start = start.parent
    return start


def _settings_for(args: argparse.Namespace) -> Settings:
    from policy_check.config import load_settings
    from policy_check.selection import validate_codes

    settings = load_settings(_config_start(args.paths), args.config, args.isolated)
    where = str(settings.config_file or "configuration")
    validate_codes((*(settings.select or ()), *settings.extend_select, *settings.ignore), where)
    validate_codes((*(args.select or ()), *args.extend_select, *args.ignore), "command line")
    for _, codes in settings.per_file_ignores:
        validate_codes(codes, f"{where}: per-file-ignores")
    changes: dict[str, object] = {}
    if args.select is not None:
        # As in ruff: a selection on the command line starts afresh, dropping the
        # configured ignores (command-line ignores still apply).
        changes["select"] = tuple(args.select)
        changes["ignore"] = ()
    if args.extend_select:
        changes["extend_select"] = (*settings.extend_select, *args.extend_select)
    if args.ignore:
        changes["ignore"] = (*changes.get("ignore", settings.ignore), *args.ignore)  # type: ignore[misc]
    if args.report_unused_noqa:
        changes["report_unused_noqa"] = True
    return settings.with_overrides(**changes)


def check_command(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    from policy_check.adoption.options import Adoption, AdoptionError
    from policy_check.config import ConfigError
    from policy_check.discovery import discover, display_path
    from policy_check.engine import FileJob, FixOptions, Mode
    from policy_check.report import RunReport
    from policy_check.run_context import RunContext
    from policy_check.selection import selected_codes, selected_rules

    _setup_logging(args.verbose, args.quiet)
    if args.jobs is not None and args.jobs < 1:
        logger.error("--jobs must be at least 1")
        return EXIT_ERROR
    try:
        settings = _settings_for(args)
        files = discover(args.paths or [Path(".")], settings)
        adoption = Adoption.from_args(args, settings)
    except (ConfigError, FileNotFoundError, AdoptionError) as error:
        logger.error("%s", error)
        return EXIT_ERROR
    rules = selected_rules(settings)
    mode = Mode.DIFF if args.diff else Mode.FIX if args.fix else Mode.CHECK
    options = FixOptions(mode=mode, unsafe=args.unsafe_fixes)
    jobs = [FileJob(f.path, f.relative_path, display_path(f.path), f.is_test_code) for f in adoption.restrict(files)]
    results, ruff_fixed = _check_files(jobs, settings, rules, options, args)
    run_context = RunContext(
        settings,
        tuple(args.paths or [Path(".")]),
        tuple(files),
        frozenset(selected_codes(settings)),
        options,
        fixed_sources={r.source_path: r.fixed_text for r in results if r.fixed_text is not None},
    )
    diagnostics, adoption_exit = adoption.process(_all_diagnostics(results, run_context), files)
    if adoption_exit is not None:
        return adoption_exit
    report = RunReport(
        diagnostics=diagnostics,
        fixed=[d for r in results for d in r.fixed] + ruff_fixed,
        files_checked=len(jobs),
        rules=list(rules),
        unsafe_fixes=args.unsafe_fixes,
        root=settings.root,
    )
    if mode is Mode.DIFF:
        return _write_diff(results, report, args, run_context.diffed_paths)
    return _write_outputs(report, args)


def _all_diagnostics(results: Sequence[FileResult], run_context: RunContext) -> list[Diagnostic]:
    """The file findings and the run-level checks' (project rules, ruff), in order."""
    from policy_check.diagnostics import SYNTAX_ERROR
    from policy_check.run_checks import RUN_CHECKS

    run_level = [d for check in RUN_CHECKS for d in check(run_context)]
    # A file Python cannot parse gets its E999 alone: ruff's parser accepts some of
    # them (3,000 nested parentheses) and its findings there could never be fixed.
    unparsable = {d.path for r in results for d in r.diagnostics if d.code == SYNTAX_ERROR}
    run_level = [d for d in run_level if not (d.path in unparsable and d.extra.get("source") == "ruff")]
    return sorted((*(d for r in results for d in r.diagnostics), *run_level), key=lambda d: d.sort_key())


def _write_outputs(report: RunReport, args: argparse.Namespace) -> int:
    from policy_check.reporters import github as github_reporter

    _write_report(report, args)
    summary_file = github_reporter.summary_path(args.summary, args.output_format)
    if summary_file is not None:
        github_reporter.append_summary(report, summary_file)
    return EXIT_CLEAN if not report.diagnostics or args.exit_zero else EXIT_FINDINGS


def _check_files(
    jobs: list[FileJob], settings: Settings, rules: Sequence[type[Rule]], options: FixOptions, args: argparse.Namespace
) -> tuple[list[FileResult], list[Diagnostic]]:
    """Every file through ruff's fixes (in fix and diff mode), the engine, and a
    settling ruff pass; the results and what ruff fixed."""
    from policy_check.cache import ResultCache
    from policy_check.engine import Mode
    from policy_check.integrations.ruff import fix_before_engine, settle_after_engine
    from policy_check.progress import progress_for_run
    from policy_check.runner import run_jobs
    from policy_check.selection import selected_codes

    codes = selected_codes(settings)
    cache_module.set_enabled(not args.no_cache)
    ruff_fixes = fix_before_engine(jobs, settings, rules, options, codes)
    if not rules:
        # Only run-level rules selected (the project hook): no file needs parsing.
        return ruff_fixes.results, ruff_fixes.fixed
    cache = None
    if not args.no_cache and options.mode is Mode.CHECK:
        cache = ResultCache.at_root(settings.root, _cache_salt(settings, rules))
    logger.debug("checking %d files with %d rules (root %s)", len(ruff_fixes.jobs), len(rules), settings.root)
    with progress_for_run(len(ruff_fixes.jobs), args.quiet) as progress:
        results = run_jobs(ruff_fixes.jobs, settings, rules, options, cache, args.jobs, progress) + ruff_fixes.results
    results = settle_after_engine(results, jobs, settings, rules, options, codes)
    results.sort(key=lambda result: result.display_path)
    return results, ruff_fixes.fixed


def _cache_salt(settings: Settings, rules: Sequence[object]) -> str:
    return settings.fingerprint() + ",".join(getattr(rule, "code", "") for rule in rules)


def _write_diff(
    results: Sequence[FileResult], report: RunReport, args: argparse.Namespace, already_printed: set[str]
) -> int:
    # A file a run-level check diffed itself (with our fixes included) is printed once.
    diffs = [result.diff for result in results if result.source_path not in already_printed]
    sys.stdout.write("".join(diffs))
    if not args.quiet:
        count = len(report.fixed)
        files = sum(1 for diff in diffs if diff)
        held = len(report.hidden_unsafe_fixes())
        note = f" ({held} unsafe fixes held back: add --unsafe-fixes to see them)" if held else ""
        sys.stderr.write(f"Would fix {count} findings in {files} files{note}.\n")
    changed = any(diffs) or bool(already_printed)
    return EXIT_FINDINGS if changed and not args.exit_zero else EXIT_CLEAN


def _write_report(report: RunReport, args: argparse.Namespace) -> None:
    from policy_check.reporters import reporter
    from policy_check.reporters.style import finding_line

    stream: TextIO
    if args.output_file:
        args.output_file.parent.mkdir(parents=True, exist_ok=True)
        stream = open(args.output_file, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    else:
        stream = sys.stdout
    try:
        color = _use_color(stream) and args.output_format in ("text", "concise")
        if args.show_fixes and report.fixed:
            _write_fixed(report, stream)
        if args.statistics:
            _write_statistics(report, stream)
        elif args.quiet and args.output_format in ("text", "concise"):
            # Quiet: the findings alone, no fix hints or summary.
            for diagnostic in report.diagnostics:
                stream.write(finding_line(diagnostic, report, color) + "\n")
        else:
            reporter(args.output_format)(report, stream, color)
    finally:
        if stream is not sys.stdout:
            stream.close()


def _write_fixed(report: RunReport, stream: TextIO) -> None:
    stream.write(f"Fixed {len(report.fixed)} findings:\n")
    for diagnostic in sorted(report.fixed, key=lambda d: d.sort_key()):
        message = diagnostic.fix.message if diagnostic.fix else diagnostic.message
        stream.write(printable(f"  {diagnostic.path}: {diagnostic.code} {message}") + "\n")


def _write_statistics(report: RunReport, stream: TextIO) -> None:
    names = report.names_by_code()
    fixable = {d.code for d in report.fixable()}
    for code, count in sorted(report.counts_by_code().items(), key=lambda item: (-item[1], item[0])):
        stream.write(f"{count:>5}\t{code}\t{'[*]' if code in fixable else '   '}\t{names.get(code, '')}\n")


def rule_command(argv: Sequence[str]) -> int:
    from policy_check.docs import render_engine_code, render_rule
    from policy_check.rules import ENGINE_CODES, rule_by_code

    if len(argv) != 1:
        sys.stderr.write("usage: policy-check rule CODE\n")
        return EXIT_ERROR
    code = argv[0].upper()
    rule = rule_by_code(code)
    if rule is not None:
        sys.stdout.write(render_rule(rule))
        return EXIT_CLEAN
    if code in ENGINE_CODES:
        sys.stdout.write(render_engine_code(code))
        return EXIT_CLEAN
    sys.stderr.write(f"policy-check: error: unknown rule '{argv[0]}' (see `policy-check rules`; ruff's codes: `ruff rule CODE`)\n")
    return EXIT_ERROR


def rules_command(argv: Sequence[str]) -> int:
    from policy_check.docs import render_catalogue

    sys.stdout.write(render_catalogue())
    return EXIT_CLEAN


def _subcommand(module: str, function: str) -> Callable[[Sequence[str]], int]:
    """A subcommand's entry point, imported only when it runs: a check run (pre-commit's
    case, often on one file) should not pay for the others' imports."""
    import importlib

    return getattr(importlib.import_module(module), function)  # type: ignore[no-any-return]


# Subcommands: the first argument names one; anything else is a check run.
SUBCOMMANDS: dict[str, Callable[[Sequence[str]], int]] = {
    "rule": rule_command,
    "rules": rules_command,
    "bitbucket-upload": lambda argv: _subcommand("policy_check.integrations.bitbucket_upload", "bitbucket_upload_command")(argv),
    "init": lambda argv: _subcommand("policy_check.rules.project.init_command", "init_command")(argv),
    "server": lambda argv: _subcommand("policy_check.server.main", "server_command")(argv),
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv == ["--version"]:  # answered before anything is imported
        sys.stdout.write(f"policy-check {__version__}\n")
        return EXIT_CLEAN
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return SUBCOMMANDS[argv[0]](argv[1:])
        if argv and argv[0] == "check":  # ruff users type `check` out of habit
            argv = argv[1:]
        try:
            return check_command(argv)
        finally:
            cache_module.set_enabled(True)  # --no-cache holds for one run, not the process
    except KeyboardInterrupt:
        sys.stderr.write("policy-check: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_CLEAN
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, exit 2
        logging.getLogger("policy_check").debug("internal error", exc_info=True)
        sys.stderr.write(f"policy-check: internal error: {type(error).__name__}: {error} (run with -v for details)\n")
        return EXIT_ERROR
