"""The adoption flags of ``policy-check`` and what they do to a run: the CLI adds
these arguments, narrows the files before checking, and hands the gathered
findings to ``Adoption.process`` before reporting.

Order: ``--diff-base`` keeps the findings on changed lines; ``--write-baseline``
records what is left and ends the run; ``--baseline`` keeps what the baseline does
not hold; ``--add-noqa`` silences what is left in place and ends the run.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from policy_check import EXIT_CLEAN, EXIT_FINDINGS
from policy_check.printable import printable

if TYPE_CHECKING:
    # The flags' own modules are imported when a flag is given: a plain check (a
    # pre-commit run on one file) does not pay for them, nor `--help`.
    from policy_check.adoption.baseline import Fingerprint
    from policy_check.adoption.changed_lines import ChangedLines
    from policy_check.config import Settings
    from policy_check.diagnostics import Diagnostic
    from policy_check.discovery import SourceFile

logger = logging.getLogger(__name__)


class AdoptionError(Exception):
    """A flag cannot be honoured (no git, unknown ref, unreadable baseline…)."""


def add_adoption_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("adopting on an existing codebase")
    group.add_argument(
        "--diff-base",
        metavar="REF",
        help="report only findings on lines added or changed since REF (the merge base when REF is a branch), "
        "including staged, unstaged and untracked files",
    )
    group.add_argument("--baseline", type=Path, metavar="FILE", help="report only findings that FILE does not hold")
    group.add_argument("--write-baseline", type=Path, metavar="FILE", help="record the current findings in FILE and exit 0")
    group.add_argument("--show-stale", action="store_true", help="with --baseline: list baseline entries whose findings are gone")
    group.add_argument(
        "--add-noqa",
        nargs="?",
        const="",
        default=None,
        metavar="REASON",
        help="add `# noqa: CODE` (with ' - REASON') to every line with a finding, then exit",
    )
    group.add_argument(
        "--report-unused-noqa", action="store_true", help="report `# noqa: PCxxx` directives that silence nothing (PC001)"
    )


class Adoption:
    # A plain class, not a dataclass: a dataclass costs ~3M instructions to define
    # (its methods are compiled at import), on every run.
    def __init__(
        self,
        settings: Settings,
        changed: ChangedLines | None = None,
        baseline: Counter[Fingerprint] | None = None,
        baseline_file: Path | None = None,
        write_baseline_file: Path | None = None,
        show_stale: bool = False,
        add_noqa_reason: str | None = None,
        whole_project: bool = True,
        quiet: bool = False,
    ) -> None:
        self.settings = settings
        self.changed = changed
        self.baseline = baseline
        self.baseline_file = baseline_file
        self.write_baseline_file = write_baseline_file
        self.show_stale = show_stale
        self.add_noqa_reason = add_noqa_reason
        self.whole_project = whole_project
        self.quiet = quiet

    @classmethod
    def from_args(cls, args: argparse.Namespace, settings: Settings) -> Adoption:
        """Validate the flags and read what they name; raises ``AdoptionError``."""
        _check_combinations(args)
        adoption = cls(
            settings,
            baseline_file=args.baseline,
            write_baseline_file=args.write_baseline,
            show_stale=args.show_stale,
            add_noqa_reason=args.add_noqa,
            whole_project=_is_whole_project(args.paths, settings.root),
            quiet=args.quiet,
        )
        if args.diff_base is None and args.baseline is None:
            return adoption  # pre-commit's usual run: neither module is imported
        from policy_check.adoption.baseline import BaselineError, read_baseline
        from policy_check.adoption.changed_lines import DiffBaseError, changed_lines

        try:
            if args.diff_base is not None:
                adoption.changed = changed_lines(settings.root, args.diff_base)
            if args.baseline is not None:
                adoption.baseline = read_baseline(args.baseline)
        except (DiffBaseError, BaselineError) as error:
            raise AdoptionError(str(error)) from None
        return adoption

    def restrict(self, files: Sequence[SourceFile]) -> list[SourceFile]:
        """With ``--diff-base``, only changed files can have findings on changed lines."""
        if self.changed is None:
            return list(files)
        return [f for f in files if self.changed.file_changed(str(f.path))]

    def process(self, diagnostics: Sequence[Diagnostic], files: Sequence[SourceFile]) -> tuple[list[Diagnostic], int | None]:
        """The findings to report, and an exit code when a flag ends the run here."""
        kept, checked_paths = self._on_changed_lines(diagnostics, files)
        if self.write_baseline_file is not None or self.baseline is not None:
            from policy_check.adoption.baseline import fill_scopes

            fill_scopes(kept)
        if self.write_baseline_file is not None:
            self._write_baseline(self.write_baseline_file, kept, checked_paths)
            return kept, EXIT_CLEAN
        if self.baseline is not None:
            kept = self._compare_with_baseline(self.baseline, kept, checked_paths)
        if self.add_noqa_reason is not None:
            return [], self._add_noqa(kept, self.add_noqa_reason)
        return kept, None

    def _on_changed_lines(
        self, diagnostics: Sequence[Diagnostic], files: Sequence[SourceFile]
    ) -> tuple[list[Diagnostic], set[str] | None]:
        """The findings ``--diff-base`` keeps, and the files whose findings this run
        saw (None: the whole project)."""
        if self.changed is None:
            return list(diagnostics), None if self.whole_project else {f.relative_path for f in files}
        kept = [d for d in diagnostics if self.changed.keeps(d)]
        return kept, {f.relative_path for f in self.restrict(files)}

    def _write_baseline(self, target: Path, diagnostics: list[Diagnostic], checked_paths: set[str] | None) -> None:
        from policy_check.adoption.baseline import count_fingerprints, merge_for_writing, write_baseline

        root = self.settings.root
        current = count_fingerprints(diagnostics, root)
        recorded = merge_for_writing(current, _previous_baseline(target), checked_paths, root)
        write_baseline(target, recorded)
        self._note(f"policy-check: wrote {sum(recorded.values())} findings ({len(recorded)} entries) to {target}\n")

    def _compare_with_baseline(
        self, baseline: Counter[Fingerprint], diagnostics: list[Diagnostic], checked_paths: set[str] | None
    ) -> list[Diagnostic]:
        from policy_check.adoption.baseline import compare

        comparison = compare(diagnostics, baseline, self.settings.root, checked_paths)
        if self.show_stale and self.changed is not None:
            logger.warning("--show-stale lists nothing with --diff-base: unchanged lines were not compared")
        elif self.show_stale:
            _write_stale(comparison.stale, self.baseline_file)
        return comparison.new

    def _add_noqa(self, diagnostics: list[Diagnostic], reason: str) -> int:
        from policy_check.adoption.add_noqa import add_noqa

        result = add_noqa(diagnostics, reason)
        for path, why in sorted(result.files_skipped.items()):
            logger.error("%s: no noqa directives added: %s", path, why)
        self._note(f"Added {result.directives_added} noqa directives to {len(result.files_changed)} files.\n")
        return EXIT_FINDINGS if result.files_skipped else EXIT_CLEAN

    def _note(self, text: str) -> None:
        if not self.quiet:
            sys.stderr.write(text)


def _check_combinations(args: argparse.Namespace) -> None:
    if args.add_noqa and Path(args.add_noqa).exists():
        # `policy-check --add-noqa src` surely means the folder, not the reason "src".
        raise AdoptionError(
            f"--add-noqa takes an optional REASON and got the path '{args.add_noqa}'; "
            f"write `policy-check {args.add_noqa} --add-noqa` (or `--add-noqa='REASON'`)"
        )
    if args.add_noqa is not None and (args.fix or args.diff):
        raise AdoptionError("--add-noqa cannot be combined with --fix or --diff")
    if args.show_stale and args.baseline is None:
        raise AdoptionError("--show-stale needs --baseline FILE")
    if args.write_baseline is not None and args.diff_base is not None:
        raise AdoptionError("--write-baseline records every finding; it cannot be combined with --diff-base")


def _is_whole_project(paths: Sequence[Path], root: Path) -> bool:
    return any(Path(path).resolve() == root.resolve() for path in (paths or [Path(".")]))


def _previous_baseline(path: Path) -> Counter[Fingerprint]:
    from policy_check.adoption.baseline import BaselineError, read_baseline

    if not path.exists():
        return Counter()
    try:
        return read_baseline(path)
    except BaselineError as error:
        logger.warning("%s; writing it afresh", error)
        return Counter()


def _write_stale(stale: Sequence[tuple[Fingerprint, int]], baseline_file: Path | None) -> None:
    if not stale:
        sys.stderr.write("policy-check: no stale baseline entries\n")
        return
    sys.stderr.write(
        f"policy-check: {len(stale)} baseline entries are stale (their findings were fixed); "
        f"shrink the baseline with --write-baseline {printable(str(baseline_file))}:\n"
    )
    for entry, missing in stale:
        sys.stderr.write(f"  {printable(entry.describe())} ({missing} fixed)\n")
