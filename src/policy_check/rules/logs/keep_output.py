"""The lines that keep converted prints visible: the module logger, and in an entry
point that configures no logging, one configuration at its start.

``logger.info`` shows nothing until something configures logging: an entry point
(a script, a main block) gets ``basicConfig`` with level INFO, the bare message and
standard output, so it prints the same lines to the same stream as before.  When
the entry point also writes to standard error (prints to ``sys.stderr``, warnings
logged), warnings and errors keep going there.  A library gets only its logger:
configuring is the entry point's job, and the entry point's configuration shows
the library's messages too.
"""

from __future__ import annotations

from typing import NamedTuple

import libcst as cst

from policy_check.analysis.module_kind import ModuleKind, module_facts
from policy_check.rules.base import FileContext, InsertAfter, InsertBefore, NodeEdit, Replace
from policy_check.rules.logs.loggers import Configuration, ModuleLogging
from policy_check.rules.logs.placement import setup_edits


class LoggingSetup(NamedTuple):
    logger_name: str
    edits: tuple[NodeEdit, ...]


def configuration_lines(logging_module: str, sys_module: str, split_streams: bool) -> list[str]:
    fmt = '"%(message)s"'
    if not split_streams:
        return [f"{logging_module}.basicConfig(level={logging_module}.INFO, format={fmt}, stream={sys_module}.stdout)"]
    return [
        f"to_stdout = {logging_module}.StreamHandler({sys_module}.stdout)",
        f"to_stdout.addFilter(lambda record: record.levelno < {logging_module}.WARNING)",
        f"to_stderr = {logging_module}.StreamHandler()",
        f"to_stderr.setLevel({logging_module}.WARNING)",
        f"{logging_module}.basicConfig(level={logging_module}.INFO, format={fmt}, handlers=[to_stdout, to_stderr])",
    ]


def logging_setup(context: FileContext, logging: ModuleLogging) -> LoggingSetup | str:
    """The logger to use and the edits that make its messages show, or why the fix
    cannot keep the output."""
    facts = module_facts(context.module, context.path, context.names)
    new_imports = [] if logging.logging_alias else ["logging"]
    header_lines = [] if logging.logger_name else [f"{logging.logger()} = {logging.logging_module()}.getLogger(__name__)"]
    edits: list[NodeEdit] = []
    if facts.is_entry_point and logging.configuration is Configuration.NONE:
        if not logging.sys_alias:
            new_imports.append("sys")
        config = configuration_lines(logging.logging_module(), logging.sys_alias or "sys", logging.writes_stderr)
        guard = facts.main_guard
        if facts.kind is ModuleKind.MAIN_BLOCK and guard is not None:
            edits.append(_configure_main_block(guard, config))
        elif logging.logger_statement is not None and not header_lines:
            edits.append(InsertAfter(logging.logger_statement, "\n".join(config)))
        else:
            header_lines.extend(config)
    return LoggingSetup(logging.logger(), (*setup_edits(context.module, new_imports, header_lines), *edits))


def _configure_main_block(guard: cst.If, config: list[str]) -> NodeEdit:
    """The configuration as the main block's first statements (a one-line block,
    ``if __name__ == "__main__": main()``, becomes an indented one)."""
    if isinstance(guard.body, cst.IndentedBlock):
        return InsertBefore(guard.body.body[0], "\n".join(config))
    suite = guard.body
    assert isinstance(suite, cst.SimpleStatementSuite)
    statements = [cst.parse_statement(line) for line in config]
    # The replaced extent leaves the block's leading lines and trailing comment in place.
    statements.append(cst.SimpleStatementLine(body=suite.body))
    return Replace(guard, guard.with_changes(body=cst.IndentedBlock(body=statements), leading_lines=()))
