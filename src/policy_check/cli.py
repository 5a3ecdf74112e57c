"""The ``policy-check`` command's entry point.  It answers ``--version`` at once and hands
everything else to the command that does it, imported only when it runs: ``rule`` and
``rules`` (from the rule catalogue), another subcommand's module, or the check run
(``check_command.py``).  Pre-commit starts it for every commit: importing this module
costs next to nothing."""

from __future__ import annotations

import sys

from policy_check import EXIT_CLEAN, EXIT_ERROR, __version__

TYPE_CHECKING = False  # typing itself is not imported here: it costs start-up time
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


def rule_command(argv: Sequence[str]) -> int:
    """A code's page: ours from the catalogue (no rule is imported), else ruff's."""
    from policy_check.docs import rule_page

    if len(argv) != 1:
        sys.stderr.write("usage: policy-check rule CODE\n")
        return EXIT_ERROR
    code = argv[0].upper()
    page = rule_page(code) or _ruff_rule_page(code)
    if page is not None:
        sys.stdout.write(page)
        return EXIT_CLEAN
    from policy_check.rules import known_codes
    from policy_check.selection import did_you_mean

    sys.stderr.write(f"policy-check: error: unknown rule {argv[0]!r}{did_you_mean(code, known_codes())} (see `policy-check rules`)\n")
    return EXIT_ERROR


def _ruff_rule_page(code: str) -> str | None:
    """ruff's own page for one of its codes (policy-check runs ruff's rules as they are)."""
    import subprocess

    from policy_check.integrations.ruff_catalogue import LEFT_OUT, RuffUnavailable, find_ruff, is_default, ruff_codes

    try:
        binary = find_ruff()
        completed = subprocess.run([binary, "rule", code], capture_output=True, timeout=60, check=False)
    except (RuffUnavailable, OSError, subprocess.TimeoutExpired):
        return None
    if completed.returncode != 0:
        return None
    if LEFT_OUT.get(code, "").startswith("PC"):
        runs = f"is left out: policy-check's {LEFT_OUT[code]} covers the same ground"
    elif code in LEFT_OUT:
        runs = "is left out of policy-check's selection (see the README)"
    elif code in ruff_codes() and is_default(code):
        runs = "runs in policy-check's default selection"
    else:
        runs = "is not in policy-check's default selection (add it with --extend-select)"
    header = f"{code} is one of ruff's rules; it {runs}. ruff's page:\n\n"
    return header + completed.stdout.decode("utf-8", "replace")


def version_command(argv: Sequence[str]) -> int:
    sys.stdout.write(f"policy-check {__version__}\n")
    return EXIT_CLEAN


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
    "version": version_command,
    "bitbucket-upload": lambda argv: _subcommand("policy_check.integrations.bitbucket_upload", "bitbucket_upload_command")(argv),
    "init": lambda argv: _subcommand("policy_check.rules.project.init_command", "init_command")(argv),
    "server": lambda argv: _subcommand("policy_check.server.main", "server_command")(argv),
}


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv in (["--version"], ["-V"], ["version"]):  # answered before anything is imported
        sys.stdout.write(f"policy-check {__version__}\n")
        return EXIT_CLEAN
    try:
        if argv and argv[0] in SUBCOMMANDS:
            return SUBCOMMANDS[argv[0]](argv[1:])
        if argv and argv[0] == "check":  # ruff users type `check` out of habit
            argv = argv[1:]
        from policy_check.check_command import check_command

        return check_command(argv, SUBCOMMANDS)
    except KeyboardInterrupt:
        sys.stderr.write("policy-check: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_CLEAN
    except Exception as error:  # noqa: BLE001 - the last line of defence: one line, exit 2
        import logging

        from policy_check.printable import printable

        if type(error).__name__ == "ConfigError":  # found late, e.g. when ruff reads its own table
            sys.stderr.write(printable(f"policy-check: error: {error}") + "\n")
            return EXIT_ERROR
        logging.getLogger("policy_check").debug("internal error", exc_info=True)
        sys.stderr.write(f"policy-check: internal error: {type(error).__name__}: {error} (run with -v for details)\n")
        return EXIT_ERROR
