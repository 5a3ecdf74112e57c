"""What a module already has for logging, and which calls are logging calls
(shared by the PC3 rules and their fixes)."""

from __future__ import annotations

import enum
import re
from pathlib import Path
from typing import NamedTuple

import libcst as cst

from policy_check.analysis.literals import string_value
from policy_check.analysis.module_kind import module_calls
from policy_check.analysis.names import ImportNames, dotted_name, module_level_statements
from policy_check.analysis.patterns import assigned_names
from policy_check.rules.base import FileContext, NodeEdit
from policy_check.rules.logs.placement import setup_edits

LEVEL_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
# Names people give their loggers; a receiver called this is taken to be one.
LOGGER_NAMES = frozenset({"logger", "log", "_logger", "_log", "LOGGER", "LOG", "_LOGGER", "_LOG", "lg"})
LOGGER_ATTRIBUTES = frozenset({"logger", "log", "_logger", "_log", "LOGGER", "LOG"})


class Configuration(enum.Enum):
    """Whether the module configures logging, and whether ``info`` then shows."""

    NONE = "none"
    # `basicConfig` at INFO or lower, to standard output or (no stream given) standard error.
    INFO_TO_STDOUT = "info to stdout"
    INFO_TO_STDERR = "info to stderr"
    # The configuration PC301's fix adds when a script writes to both streams.
    SPLIT_STREAMS = "info to stdout, warnings to stderr"
    # A level that hides `info`, a level or stream we cannot read, a setup function of its own.
    OTHER = "other"

    def conflict(self, stream: str) -> str | None:
        """Why a print to ``stream`` ("stdout"/"stderr") converted to logging would not
        show where it did under this configuration (``None``: it would)."""
        if self is Configuration.OTHER:
            return "the module configures logging itself, at a level that may hide `info` messages"
        configured = {Configuration.INFO_TO_STDOUT: "stdout", Configuration.INFO_TO_STDERR: "stderr"}.get(self)
        if configured is not None and configured != stream:
            return f"the module's logging configuration writes to {configured}, and the print to {stream}"
        return None


# Levels at or below INFO, as code spells them in `basicConfig(level=...)`.
_INFO_OR_LOWER = frozenset({"logging.INFO", "logging.DEBUG", "logging.NOTSET", "INFO", "DEBUG", "NOTSET", "0", "10", "20"})
CONFIG_CALLS = frozenset({"logging.basicConfig", "logging.config.dictConfig", "logging.config.fileConfig"})
# A project's own helper that sets logging up (`setup_logging()`, `init_logger()`).
SETUP_HELPER = re.compile(r"(?i)(setup|set_up|config|configure|init|initiali[sz]e)_?(logging|logger|logs?)$")
_STDERR_METHODS = frozenset({"warning", "warn", "error", "exception", "critical", "fatal"})


# The last name of every call `_LoggingFacts` looks at is one of these, or a setup
# helper's: that name is an identifier of the module's text (in the call, or in the
# import of an alias for it), so a module whose text holds none as a whole word needs
# no pass over its calls (`errorbar`, `std_error` and `ValueError` are not `error`).
_FACT_NAMES = frozenset({"basicConfig", "dictConfig", "fileConfig", "print", *_STDERR_METHODS})
# Found as plain text first, then checked for word boundaries (one regular expression
# with both costs four times as much on research code).
_FACT_TEXT = re.compile(r"basicConfig|dictConfig|fileConfig|stderr|warn(?:ing)?|error|exception|critical|fatal")
_FACT_WORD = re.compile(r"\b(?:basicConfig|dictConfig|fileConfig|stderr|warn(?:ing)?|error|exception|critical|fatal)\b")
# SETUP_HELPER's two halves: its ends are rare, its beginnings are not.
_HELPER_END = re.compile(r"(?i)log(?:ging|ger|s)?\b")
_HELPER_START = re.compile(r"(?i)(?:setup|set_up|config|configure|init|initiali[sz]e)_?\Z")
_LONGEST_HELPER_START = len("initialize_")


def _may_hold_facts(source: str) -> bool:
    """Whether the text names a configuring call, standard error, a warning or error
    method, or a setup helper (whole words; a setup helper's name may have a prefix)."""
    if any(_FACT_WORD.match(source, found.start()) for found in _FACT_TEXT.finditer(source)):
        return True
    return any(
        _HELPER_START.search(source, max(0, end.start() - _LONGEST_HELPER_START), end.start())
        for end in _HELPER_END.finditer(source)
    )


class _LoggingFacts:
    """One pass over the module: its logging configuration and whether it writes to
    standard error (prints to ``sys.stderr``, warnings and errors logged)."""

    def __init__(self, context: FileContext) -> None:
        self.context = context
        self.configuration = Configuration.NONE
        self.writes_stderr = False
        if not _may_hold_facts(context.source):
            return  # the usual research script: prints, and no logging set up
        for call in module_calls(context.module).everywhere():
            self._call(call)

    def _call(self, node: cst.Call) -> None:
        if not _may_be_fact(node.func, self.context.names):
            return
        qualified = self.context.names.qualify(node.func) or dotted_name(node.func) or ""
        if qualified in CONFIG_CALLS:
            found = _basic_config(node, self.context) if qualified == "logging.basicConfig" else Configuration.OTHER
            if self.configuration in (Configuration.NONE, found):
                self.configuration = found
            else:
                self.configuration = Configuration.OTHER
        elif SETUP_HELPER.search(qualified.split(".")[-1]):
            self.configuration = Configuration.OTHER
        elif (isinstance(node.func, cst.Name) and node.func.value == "print") and any(
            arg.keyword is not None and arg.keyword.value == "file" and self.context.names.qualify(arg.value) == "sys.stderr"
            for arg in node.args
        ):
            self.writes_stderr = True
        elif logging_call_method(node, self.context) in _STDERR_METHODS:
            self.writes_stderr = True


def _may_be_fact(func: cst.BaseExpression, names: ImportNames) -> bool:
    """Whether a call of ``func`` can be one `_LoggingFacts` looks at, from the last
    name of ``func`` and of what it qualifies to (qualifying keeps an attribute's)."""
    if type(func) is cst.Attribute:
        return _is_fact_name(func.attr.value)  # type: ignore[attr-defined]
    if type(func) is cst.Name:
        full = names.aliases.get(func.value, "")  # type: ignore[attr-defined]
        return _is_fact_name(func.value) or _is_fact_name(full.rpartition(".")[2])  # type: ignore[attr-defined]
    return False  # not a name: no configuration, no print, and no logger method


def _is_fact_name(name: str) -> bool:
    # The setup helpers all end in `log`, `logs`, `logger` or `logging`.
    return name in _FACT_NAMES or "log" in name.lower()


def _basic_config(call: cst.Call, context: FileContext) -> Configuration:
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    level = keywords.get("level")
    if level is None or any(arg.keyword is None for arg in call.args):
        return Configuration.OTHER  # the root logger's default level, WARNING, hides `info`
    spelled = context.names.qualify(level) or string_value(level) or (level.value if isinstance(level, cst.Integer) else "")
    if spelled not in _INFO_OR_LOWER or "filename" in keywords:
        return Configuration.OTHER
    if "handlers" in keywords:
        return Configuration.SPLIT_STREAMS if _is_split_handlers(keywords["handlers"]) else Configuration.OTHER
    stream = keywords.get("stream")
    if stream is None:
        return Configuration.INFO_TO_STDERR
    target = context.names.qualify(stream)
    return {"sys.stdout": Configuration.INFO_TO_STDOUT, "sys.stderr": Configuration.INFO_TO_STDERR}.get(
        target or "", Configuration.OTHER
    )


def _is_split_handlers(handlers: cst.BaseExpression) -> bool:
    """``handlers=[to_stdout, to_stderr]``, as PC301's fix writes them."""
    if not isinstance(handlers, cst.List):
        return False
    return [e.value.value for e in handlers.elements if isinstance(e.value, cst.Name)] == ["to_stdout", "to_stderr"]


class ModuleLogging(NamedTuple):
    """How the module imports ``logging`` and ``sys``, which name holds its module
    logger, and how (whether) it configures logging."""

    logging_alias: str | None
    sys_alias: str | None
    logger_name: str | None
    logger_statement: cst.BaseStatement | None
    taken_names: set[str]
    configuration: Configuration
    writes_stderr: bool

    @classmethod
    def of(cls, context: FileContext) -> ModuleLogging:
        """The module's logging facts, found once per file: PC301 and PC302 both ask."""
        global _last
        if _last is not None and _last[0] is context.module and _last[1] == context.path:
            return _last[2]
        found = cls._find(context)
        _last = (context.module, context.path, found)
        return found

    @classmethod
    def _find(cls, context: FileContext) -> ModuleLogging:
        module = context.module
        logger_name, logger_statement = None, None
        for statement in module_level_statements(module.body):
            name = _assigned_logger(statement, context)
            if name is not None and logger_name is None:
                logger_name, logger_statement = name, statement
        facts = _LoggingFacts(context)
        return cls(
            _alias(context, "logging"),
            _alias(context, "sys"),
            logger_name,
            logger_statement if logger_statement in module.body else None,
            assigned_names(module.body),
            facts.configuration,
            facts.writes_stderr,
        )

    def logger(self) -> str:
        """The name to log through (the module's logger, or the one to add)."""
        return self.logger_name or next(n for n in ("logger", "_logger", "log_") if n not in self.taken_names)

    def logging_module(self) -> str:
        return self.logging_alias or "logging"

    def logger_and_additions(self, module: cst.Module) -> tuple[str, tuple[NodeEdit, ...]]:
        """The name to log through, and the edits adding it to the module (if any)."""
        if self.logger_name:
            return self.logger_name, ()
        new_imports = [] if self.logging_alias else ["logging"]
        line = f"{self.logger()} = {self.logging_module()}.getLogger(__name__)"
        return self.logger(), tuple(setup_edits(module, new_imports, [line]))


# The facts of the last module asked about (libcst trees cannot be weakly referenced,
# and a dict would keep every tree alive); as analysis.module_kind keeps its facts.
_last: tuple[cst.Module, Path, ModuleLogging] | None = None


def _alias(context: FileContext, module_name: str) -> str | None:
    return next(iter(sorted(context.names.local_names_for(module_name))), None)


def _assigned_logger(statement: cst.BaseStatement, context: FileContext) -> str | None:
    # Exact types (libcst's classes have no subclasses; a failing isinstance with them
    # is slow): this runs over every module-level statement of a file with prints.
    if type(statement) is not cst.SimpleStatementLine:
        return None
    for small in statement.body:  # type: ignore[attr-defined]
        if (
            type(small) is cst.Assign
            and len(small.targets) == 1
            and type(small.targets[0].target) is cst.Name
            and is_get_logger(small.value, context)
        ):
            return small.targets[0].target.value
    return None


def is_get_logger(node: cst.BaseExpression, context: FileContext) -> bool:
    return type(node) is cst.Call and context.names.qualify(node.func) == "logging.getLogger"  # type: ignore[attr-defined]


def logging_call_method(call: cst.Call, context: FileContext) -> str | None:
    """``info`` for ``logger.info(…)``, ``logging.info(…)``, ``self.log.info(…)``."""
    # Asked of every call: the method's name is checked before anything is qualified.
    func = call.func
    qualified = context.names.qualify_ending(func, LEVEL_METHODS)
    if qualified and qualified.startswith("logging.") and (qualified.count(".") == 1 or qualified.startswith("logging.root.")):
        return qualified.split(".")[-1]
    if type(func) is not cst.Attribute or func.attr.value not in LEVEL_METHODS:  # type: ignore[attr-defined]
        return None
    receiver = func.value  # type: ignore[attr-defined]
    if type(receiver) is cst.Name and receiver.value in LOGGER_NAMES:
        return func.attr.value  # type: ignore[attr-defined]
    if type(receiver) is cst.Attribute and receiver.attr.value in LOGGER_ATTRIBUTES:
        return func.attr.value  # type: ignore[attr-defined]
    if is_get_logger(receiver, context):
        return func.attr.value  # type: ignore[attr-defined]
    return None


def message_argument(call: cst.Call, method: str) -> tuple[int, cst.Arg] | None:
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    index = 1 if method == "log" else 0
    if len(positional) <= index:
        return None
    return index, positional[index]
