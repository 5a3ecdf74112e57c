"""The check run: ``policy-check [PATHS…]`` with its options.  It parses the arguments
and wires configuration, discovery, the engine, the run-level checks and a reporter
together; it decides nothing about rules or formats itself."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from policy_check import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from policy_check.cli_parser import build_parser
from policy_check.printable import PrintableFormatter, printable

if TYPE_CHECKING:
    from policy_check.config import Settings
    from policy_check.diagnostics import Diagnostic
    from policy_check.jobs import FileJob
    from policy_check.jobs import FileResult
    from policy_check.jobs import FixOptions
    from policy_check.report import RunReport
    from policy_check.run_context import RunContext
    from policy_check.selection import LazyRules
    from policy_check.discovery import SourceFile
    from policy_check.adoption.options import Adoption
    from policy_check.config_scopes import ConfigScopes

logger = logging.getLogger("policy_check")


def _setup_logging(verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(PrintableFormatter("policy-check: %(levelname)s: %(message)s"))
    root = logging.getLogger("policy_check")
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING)
    root.propagate = False


def _use_color(stream: TextIO, choice: str = "auto") -> bool:
    if choice != "auto":
        return choice == "always"
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

    start = _config_start(args.paths or ([args.stdin_filename] if args.stdin_filename else []))
    settings = load_settings(start, args.config, args.isolated)
    validate_codes(args.select or (), "command line: --select")
    validate_codes(args.extend_select, "command line: --extend-select")
    validate_codes(args.ignore, "command line: --ignore")
    return _with_options(args, settings)


def _with_options(args: argparse.Namespace, settings: Settings) -> Settings:
    """A configuration (the run's, or a nested folder's) with the command line on top."""
    validate_settings_codes(settings)
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
    changes.update(_file_overrides(args, settings))
    scope_ignores = _scope_ignores(args.scope)
    if scope_ignores:
        changes["ignore"] = (*changes.get("ignore", settings.ignore), *scope_ignores)  # type: ignore[misc]
    if args.scope == "project":
        changes["ruff"] = False
    return settings.with_overrides(**changes)


def validate_settings_codes(settings: Settings) -> None:
    """Every code in the configuration names a rule; an error names the file, the
    line and the key (and the closest code, for a typo)."""
    for key, codes in (("select", settings.select or ()), ("extend-select", settings.extend_select), ("ignore", settings.ignore)):
        _validate_at(settings, codes, key)
    for glob, codes in settings.per_file_ignores:
        _validate_at(settings, codes, "per-file-ignores", glob)


def _validate_at(settings: Settings, codes: Sequence[str], key: str, entry: str | None = None) -> None:
    # The file is read again for the line only when a code is wrong.
    from policy_check.config import ConfigError
    from policy_check.config import config_place
    from policy_check.selection import validate_codes

    try:
        validate_codes(codes, "")
    except ConfigError as error:
        raise ConfigError(f"{config_place(settings, key, entry)}{error}") from None


def _file_overrides(args: argparse.Namespace, settings: Settings) -> dict[str, object]:
    """--exclude, --extend-exclude, --per-file-ignores, --target-version, as in ruff."""
    from policy_check.selection import validate_codes

    changes: dict[str, object] = {}
    if args.exclude is not None:
        changes["exclude"] = tuple(args.exclude)
    if args.extend_exclude:
        changes["extend_exclude"] = (*settings.extend_exclude, *args.extend_exclude)
    pairs = [pair for given in args.extend_per_file_ignores for pair in given]
    base = settings.per_file_ignores if args.per_file_ignores is None else ()
    pairs = [pair for given in (args.per_file_ignores or []) for pair in given] + pairs
    for _, codes in pairs:
        validate_codes(codes, "command line: --per-file-ignores")
    if args.per_file_ignores is not None or pairs:
        changes["per_file_ignores"] = (*base, *pairs)
    if args.target_version:
        changes["target_version"] = args.target_version
    return changes


def _scope_ignores(scope: str) -> tuple[str, ...]:
    """What ``--scope`` leaves out, on top of the configured selection (which it keeps)."""
    from policy_check.rules import ENGINE_CODES
    from policy_check.rules.catalogue import entries

    if scope == "files":
        return tuple(code for code, rule in entries().items() if rule.project_level)
    if scope == "project":
        return (*(code for code, rule in entries().items() if not rule.project_level), *ENGINE_CODES)
    return ()


def check_command(argv: Sequence[str], subcommands: Iterable[str] = ()) -> int:
    """``subcommands``: the names `--help` lists beside the check's options."""
    args = build_parser(subcommands).parse_args(argv)  # --help ends here
    try:
        return _check(args)
    finally:
        from policy_check import cache

        cache.set_enabled(True)  # --no-cache holds for one run, not the process


def _check(args: argparse.Namespace) -> int:
    from policy_check.adoption.options import Adoption
    from policy_check.adoption.options import AdoptionError
    from policy_check.config import ConfigError
    from policy_check.discovery import discover

    _setup_logging(args.verbose, args.quiet)
    if args.jobs is not None and args.jobs < 1:
        logger.error("--jobs must be at least 1")
        return EXIT_ERROR
    try:
        settings = _settings_for(args)
        if args.stdin_filename is not None:
            return _check_stdin(args, settings)
        files = discover(args.paths or [Path(".")], settings)
        adoption = Adoption.from_args(args, settings)
    except (ConfigError, FileNotFoundError, AdoptionError) as error:
        logger.error("%s", error)
        return EXIT_ERROR
    if args.show_settings or args.show_files:
        return _show(args, settings, adoption.restrict(files))
    return _run(args, settings, files, adoption)


def _check_stdin(args: argparse.Namespace, settings: Settings) -> int:
    """--stdin-filename: one text from standard input, as the file it names."""
    from policy_check.reporters.style import finding_line

    from policy_check.stdin_check import check_stdin  # only editors' runs pay for it

    mode = "diff" if args.diff else "fix" if args.fix else "check"

    def report(found: RunReport) -> int:
        if mode == "check":
            return _write_outputs(found, args)
        # The fixed source is on standard output: what is left goes to standard error.
        for diagnostic in found.diagnostics:
            sys.stderr.write(finding_line(diagnostic, found, False) + "\n")
        return EXIT_FINDINGS if found.diagnostics and not args.exit_zero else EXIT_CLEAN

    return check_stdin(args.stdin_filename, settings, mode, args.unsafe_fixes, report)


def _show(args: argparse.Namespace, settings: Settings, files: Sequence[SourceFile]) -> int:
    """--show-settings, --show-files: what a run would use, and stop."""
    from policy_check import show
    from policy_check.discovery import display_path

    if args.show_settings:
        sys.stdout.write(show.settings_text(settings))
    if args.show_files:
        sys.stdout.write("".join(display_path(f.path) + "\n" for f in files))
    return EXIT_CLEAN


def _run(args: argparse.Namespace, settings: Settings, files: list[SourceFile], adoption: Adoption) -> int:
    from policy_check.config_scopes import ConfigScopes
    from policy_check.discovery import display_path
    from policy_check.jobs import FileJob
    from policy_check.jobs import FixOptions
    from policy_check.jobs import Mode
    from policy_check.report import RunReport
    from policy_check.run_context import RunContext
    from policy_check.selection import LazyRules
    from policy_check.selection import selected_codes
    from policy_check.selection import selected_file_codes
    from policy_check.cache import set_enabled as set_cache_enabled
    from policy_check.runner import IN_PROCESS_LIMIT, tune_gc

    # Before the run-level checks start: what they keep in the cache folder obeys it too.
    set_cache_enabled(not args.no_cache)
    # This process builds a finding per cached entry (36k on the research corpus): with
    # the default thresholds the collector rescans them all, ~25% of a warm run.
    tune_gc()
    mode = Mode.DIFF if args.diff else Mode.FIX if args.fix else Mode.CHECK
    options = FixOptions(mode=mode, unsafe=args.unsafe_fixes)
    scopes = ConfigScopes(settings, lambda nested: _with_options(args, nested), enabled=not (args.config or args.isolated))
    checked = adoption.restrict(files)
    run_context = RunContext(
        settings, tuple(args.paths or [Path(".")]), tuple(files), frozenset(selected_codes(settings)), options
    )
    # pre-commit's few files are checked in this process: ruff's and git's runs for the
    # run-level checks meanwhile go on in a thread.  With workers, the thread starts
    # once they are forked (``start``, called by the runner), none while it runs.
    run_level = _RunLevel(run_context, scopes, early=mode is Mode.CHECK and (len(checked) <= IN_PROCESS_LIMIT or args.jobs == 1))
    results: list[FileResult] = []
    ruff_fixed: list[Diagnostic] = []
    rule_codes: list[str] = []
    jobs_count = 0
    # Each folder with its own [tool.policy-check] is checked with it (as ruff does).
    for group_settings, group_files in scopes.groups(checked):
        # Imported only if a file is checked (not when the cache has them all).
        group_rules = LazyRules(selected_file_codes(group_settings))
        jobs = [FileJob(f.path, f.relative_path, display_path(f.path), f.is_test_code) for f in group_files]
        group_results, group_fixed = _check_files(jobs, group_settings, group_rules, options, args, run_level.start)
        results += group_results
        ruff_fixed += group_fixed
        rule_codes += group_rules.codes
        jobs_count += len(jobs)
    results.sort(key=lambda result: result.display_path)
    # Fixes change what the run-level checks read: then they run after the files.
    run_level_found = run_level.found({r.source_path: r.fixed_text for r in results if r.fixed_text is not None})
    run_context = run_level.context
    diagnostics, adoption_exit = adoption.process(_all_diagnostics(results, run_level_found), files)
    if adoption_exit is not None:
        return adoption_exit
    report = RunReport(
        diagnostics=diagnostics,
        fixed=[d for r in results for d in r.fixed] + ruff_fixed + run_context.fixed,
        files_checked=jobs_count,
        rules=LazyRules(rule_codes),
        unsafe_fixes=args.unsafe_fixes,
        root=settings.root,
    )
    if mode is Mode.DIFF:
        return _write_diff(results, report, args, run_context)
    return _write_outputs(report, args)


class _RunLevel:
    """The run-level checks' findings (project rules, ruff); a run-level finding in a
    folder with its own configuration stands if that allows it.  ``early``: they
    start now in a thread, beside the file check, and ``found`` waits for them."""

    def __init__(self, context: RunContext, scopes: ConfigScopes, early: bool) -> None:
        self.context = context
        self.scopes = scopes
        self._found: list[Diagnostic] | None = None
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if early:
            self.start()

    def start(self) -> None:
        """Start the checks in a thread (once); ``found`` then waits for them."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run_guarded, name="run-level-checks", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        from policy_check.run_checks import RUN_CHECKS
        from policy_check.selection import selected_codes

        self._found = [d for check in RUN_CHECKS for d in check(self.context) if self.scopes.keeps(d, selected_codes)]

    def _run_guarded(self) -> None:
        try:
            self._run()
        except BaseException as error:  # noqa: BLE001 - raised again in the main thread
            self._error = error

    def found(self, fixed_sources: dict[str, str]) -> list[Diagnostic]:
        """The findings (``fixed_sources``: the files' text after the file rules' fixes)."""
        if self._thread is None:
            self.context = self.context._replace(fixed_sources=fixed_sources)
            self._run()
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._found is not None
        return self._found


def _all_diagnostics(results: Sequence[FileResult], run_level: list[Diagnostic]) -> list[Diagnostic]:
    """The file findings and the run-level checks', in order."""
    from policy_check.diagnostics import SYNTAX_ERROR

    # A file Python cannot parse gets its E999 alone: ruff's parser accepts some of
    # them (3,000 nested parentheses) and its findings there could never be fixed.
    unparsable = {d.path for r in results for d in r.diagnostics if d.code == SYNTAX_ERROR}
    run_level = [d for d in run_level if not (d.path in unparsable and d.extra.get("source") == "ruff")]
    return sorted((*(d for r in results for d in r.diagnostics), *run_level), key=lambda d: d.sort_key())


def _write_outputs(report: RunReport, args: argparse.Namespace) -> int:
    from policy_check.reporters import reporter

    _write_report(report, args)
    for output_format, path in args.also_write:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8") as stream:
            reporter(output_format)(report, stream, False)
    if args.summary is not None or args.output_format == "github":  # else there is no summary to write
        from policy_check.reporters import github as github_reporter

        summary_file = github_reporter.summary_path(args.summary, args.output_format)
        if summary_file is not None:
            github_reporter.append_summary(report, summary_file)
    if args.exit_non_zero_on_fix and report.fixed:
        return EXIT_FINDINGS
    return EXIT_CLEAN if not report.diagnostics or args.exit_zero else EXIT_FINDINGS


def _check_files(
    jobs: list[FileJob],
    settings: Settings,
    rules: LazyRules,
    options: FixOptions,
    args: argparse.Namespace,
    alongside: Callable[[], None] | None = None,
) -> tuple[list[FileResult], list[Diagnostic]]:
    """Every file through ruff's fixes (in fix and diff mode), the engine, and a
    settling ruff pass; the results and what ruff fixed.  ``alongside`` (starting the
    run-level checks) is called once the file checks have begun, in check mode."""
    from policy_check.cache import ResultCache
    from policy_check.jobs import Mode
    from policy_check.progress import progress_for_run
    from policy_check.runner import run_jobs
    from policy_check.selection import selected_codes

    codes = selected_codes(settings)
    checking = options.mode is Mode.CHECK  # ruff's fix passes (and their imports) only when fixing
    if checking:
        pending, done, ruff_fixed = jobs, [], []
    else:
        from policy_check.integrations.ruff import fix_before_engine

        ruff_fixes = fix_before_engine(jobs, settings, rules, options, codes)
        pending, done, ruff_fixed = ruff_fixes.jobs, ruff_fixes.results, ruff_fixes.fixed
    if not rules:
        # Only run-level rules selected (the project hook): no file needs parsing.
        return done, ruff_fixed
    cache = ResultCache.at_root(settings.root, _cache_salt(settings, rules)) if checking and not args.no_cache else None
    logger.debug("checking %d files with %d rules (root %s)", len(pending), len(rules.codes), settings.root)
    with progress_for_run(len(pending), args.quiet) as progress:
        start = alongside if checking else None  # fixes change what the run-level checks read
        results: list[FileResult] = run_jobs(pending, settings, rules, options, cache, args.jobs, progress, start) + done
    if not checking:
        from policy_check.integrations.ruff import settle_after_engine

        results = settle_after_engine(results, jobs, settings, rules, options, codes)
    results.sort(key=lambda result: result.display_path)
    return results, ruff_fixed


def _cache_salt(settings: Settings, rules: LazyRules) -> str:
    return settings.fingerprint() + ",".join(rules.codes)


def _write_diff(results: Sequence[FileResult], report: RunReport, args: argparse.Namespace, run_context: RunContext) -> int:
    # A file a run-level check diffed itself (with our fixes included) is printed once.
    already_printed = run_context.diffed_paths
    printed = [result for result in results if result.diff and result.source_path not in already_printed]
    diffs = [result.diff for result in printed]
    sys.stdout.write("".join(diffs))
    if not args.quiet:
        count = len(report.fixed)
        files = len({result.source_path for result in printed} | run_context.changed_files)
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
        color = _use_color(stream, args.color) and args.output_format in ("text", "concise")
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
