"""``policy-check server``: start the language server on standard input/output."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

INSTALL_HINT = "policy-check server needs pygls: install policy-check[server] (pip install 'policy-check[server]')"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policy-check server",
        description="A language server (LSP over standard input/output): findings and fixes in the editor.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log what the server does (to standard error)")
    parser.add_argument("--workers", type=int, default=2, help="checker processes (default: 2; 1 on a small machine)")
    return parser


def _setup_logging(verbose: bool) -> None:
    # Standard output carries the protocol: logs go to standard error, which editors
    # show in their output panel.
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("policy-check server: %(levelname)s: %(message)s"))
    for name in ("policy_check", "pygls"):
        logger = logging.getLogger(name)
        logger.handlers[:] = [handler]
        logger.setLevel(logging.DEBUG if verbose and name == "policy_check" else logging.WARNING)
        logger.propagate = False


def server_command(argv: Sequence[str]) -> int:
    args = _parser().parse_args(argv)
    if args.workers < 1:
        sys.stderr.write("policy-check: error: --workers must be at least 1\n")
        return 2
    _setup_logging(args.verbose)
    from policy_check.server.pool import CheckPool

    # The first checker process imports the engine (about 0.5 s of CPU) while this
    # one imports pygls and answers `initialize`: the first document waits less.
    pool = CheckPool(workers=args.workers)
    pool.warm_up()
    try:
        from policy_check.server.app import build_server
    except ImportError as error:
        pool.close()
        if getattr(error, "name", "") and str(error.name).split(".")[0] in ("pygls", "lsprotocol"):
            sys.stderr.write(f"policy-check: error: {INSTALL_HINT}\n")
            return 2
        raise
    server = build_server(args.workers, pool)
    server.start_io()
    return 0
