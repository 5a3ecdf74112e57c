"""The check command's options, spelled as ruff spells them, and the ``--help`` text
(the subcommands it lists come from the command's table)."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from collections.abc import Iterable
from pathlib import Path

from policy_check import __version__
from policy_check.globs import check_glob

TARGET_VERSIONS = ("py37", "py38", "py39", "py310", "py311", "py312", "py313", "py314")


def _codes(value: str) -> list[str]:
    return [code.strip().upper() for code in value.split(",") if code.strip()]


def _globs(value: str) -> list[str]:
    globs = [glob.strip() for glob in value.split(",") if glob.strip()]
    try:
        for glob in globs:
            check_glob(glob)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return globs


def _format_and_file(value: str) -> tuple[str, Path]:
    """``FORMAT=FILE`` for ``--also-write``."""
    from policy_check.reporters import FORMATS

    name, separator, path = value.partition("=")
    if not separator or name not in FORMATS or not path:
        raise argparse.ArgumentTypeError(f"expected FORMAT=FILE with FORMAT one of {', '.join(sorted(FORMATS))}, got {value!r}")
    return name, Path(path)


def _per_file_ignores(value: str) -> list[tuple[str, tuple[str, ...]]]:
    """``GLOB:CODES`` pairs, comma-separated, as ruff's ``--per-file-ignores``."""
    pairs: dict[str, list[str]] = {}
    for item in value.split(","):
        if not item.strip():
            continue
        glob, separator, code = item.rpartition(":")
        if not separator or not glob.strip() or not code.strip():
            raise argparse.ArgumentTypeError(f"expected GLOB:CODE pairs such as 'tests/*:PC301', got {item.strip()!r}")
        _globs(glob)
        pairs.setdefault(glob.strip(), []).append(code.strip().upper())
    return [(glob, tuple(codes)) for glob, codes in pairs.items()]


# What `--help` says of each subcommand (those in SUBCOMMANDS are listed).
SUBCOMMAND_HELP = {
    "rule": ("rule CODE", "a rule's documentation (ruff's codes: ruff's own page)"),
    "rules": ("rules", "the catalogue, family by family"),
    "init": ("init [PATH] [--force]", "write [tool.policy-check] and the pre-commit hooks"),
    "bitbucket-upload": ("bitbucket-upload REPORT.json", "send a Code Insights report from Pipelines"),
    "server": ("server", "the language server (LSP over stdio), for editors"),
    "version": ("version", "the version (also -V, --version)"),
}


def _subcommand_epilog(subcommands: Iterable[str]) -> str:
    lines = ["subcommands:"]
    for name in subcommands:
        usage, what = SUBCOMMAND_HELP.get(name, (name, ""))
        lines.append(f"  policy-check {usage:<30} {what}")
    return "\n".join(lines) + "\n"


@functools.lru_cache(maxsize=1)
def _terminal_columns() -> int:
    """What ``shutil.get_terminal_size().columns`` says (``COLUMNS``, else the
    terminal's width, else 80), without importing shutil (and bz2, lzma with it)."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's own, given the width it would find: argparse makes one of these for
    every option it is given (to check its metavar), and each asked shutil, whose
    import with bz2 and lzma was ~3M instructions of a one-module run."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _terminal_columns() - 2 if width is None else width)


def build_parser(subcommands: Iterable[str] = ()) -> argparse.ArgumentParser:
    """The check command's options (``subcommands``: the names `--help` lists)."""
    # Imported here: --version and --help import neither the engine nor the rules.
    from policy_check.adoption.options import add_adoption_arguments
    from policy_check.reporters import FORMATS

    parser = argparse.ArgumentParser(
        prog="policy-check",
        description="Policy checks for Python research code: layout, imports, logging, processes, vectorisation.",
        epilog=_subcommand_epilog(subcommands),
        formatter_class=_HelpFormatter,
    )
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders to check (default: .)")
    selection = parser.add_argument_group("rule selection")
    selection.add_argument("--select", type=_codes, help="comma-separated codes or prefixes to check (replaces the configured selection)")
    selection.add_argument("--extend-select", type=_codes, default=[], help="codes or prefixes to add to the selection")
    selection.add_argument("--ignore", type=_codes, default=[], help="codes or prefixes to leave out")
    selection.add_argument(
        "--per-file-ignores", type=_per_file_ignores, action="append", help="GLOB:CODE pairs, comma-separated (replaces the configured ones)"
    )
    selection.add_argument(
        "--extend-per-file-ignores", type=_per_file_ignores, action="append", default=[], help="GLOB:CODE pairs to add to the configured ones"
    )
    selection.add_argument("--target-version", choices=TARGET_VERSIONS, help="the oldest Python the code must run on (passed on to ruff)")
    files = parser.add_argument_group("files")
    files.add_argument("--exclude", type=_globs, help="comma-separated globs to leave out (replaces the configured and default list)")
    files.add_argument("--extend-exclude", type=_globs, default=[], help="comma-separated globs to leave out as well")
    files.add_argument("--stdin-filename", type=Path, help="check the source on standard input as if it were this file (--fix prints the fixed source)")
    files.add_argument("--show-files", action="store_true", help="list the files a run would check, and stop")
    files.add_argument("--show-settings", action="store_true", help="print the settings a run would use, and stop")
    fixing = parser.add_argument_group("fixes")
    fixing.add_argument("--fix", action="store_true", help="apply safe fixes")
    fixing.add_argument("--unsafe-fixes", action="store_true", help="also apply (or show) fixes that need review")
    fixing.add_argument("--diff", action="store_true", help="print a unified diff of the fixes and change nothing")
    fixing.add_argument("--show-fixes", action="store_true", help="list the findings that were fixed")
    fixing.add_argument("--exit-non-zero-on-fix", action="store_true", help="exit 1 when --fix changed anything, even if nothing is left")
    output = parser.add_argument_group("output")
    output.add_argument("--output-format", choices=sorted(FORMATS), default=os.environ.get("POLICY_CHECK_OUTPUT_FORMAT", "text"))
    output.add_argument("--output-file", type=Path, help="write the report to this file instead of standard output")
    output.add_argument(
        "--also-write", type=_format_and_file, action="append", default=[], metavar="FORMAT=FILE",
        help="also write the same results in another format to FILE (e.g. sarif=policy-check.sarif); repeatable",
    )
    output.add_argument("--summary", type=Path, help="append a Markdown summary to this file (default with github format: $GITHUB_STEP_SUMMARY)")
    output.add_argument("--statistics", action="store_true", help="print counts per code instead of the findings")
    output.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings")
    output.add_argument("--color", choices=("auto", "always", "never"), default="auto", help="colour the text output (auto: on a terminal, unless NO_COLOR)")
    output.add_argument("-v", "--verbose", action="store_true", help="log what the run does")
    output.add_argument("-q", "--quiet", action="store_true", help="print findings only, no summary or warnings")
    run = parser.add_argument_group("run")
    run.add_argument("--config", type=Path, help="read settings from this file instead of the nearest pyproject.toml")
    run.add_argument("--isolated", action="store_true", help="ignore all configuration files")
    run.add_argument("--jobs", type=int, default=None, help="worker processes (default: all cores)")
    run.add_argument("--no-cache", action="store_true", help="do not read or write the result cache")
    run.add_argument(
        "--scope",
        choices=("all", "files", "project"),
        default="all",
        help="files: only the rules on the given files (the pre-commit file hooks); "
        "project: only the project rules PC1, PC7 (the project hook); default: all",
    )
    add_adoption_arguments(parser)
    parser.add_argument("-V", "--version", action="version", version=f"policy-check {__version__}")
    return parser
