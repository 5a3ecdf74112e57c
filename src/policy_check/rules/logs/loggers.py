"""What a module already has for logging, and which calls are logging calls
(shared by the PC3 rules and their fixes)."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from policy_check.rules.base import AddModuleLines, FileContext
from policy_check.analysis.names import module_level_statements
from policy_check.analysis.patterns import assigned_names

LEVEL_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
# Names people give their loggers; a receiver called this is taken to be one.
LOGGER_NAMES = frozenset({"logger", "log", "_logger", "_log", "LOGGER", "LOG", "_LOGGER", "_LOG", "lg"})
LOGGER_ATTRIBUTES = frozenset({"logger", "log", "_logger", "_log", "LOGGER", "LOG"})


@dataclass
class ModuleLogging:
    """How the module imports ``logging`` and which name holds its module logger."""

    logging_alias: str | None
    logger_name: str | None
    taken_names: set[str]

    @classmethod
    def of(cls, context: FileContext) -> ModuleLogging:
        module = context.module
        logging_alias = next(iter(sorted(context.names.local_names_for("logging"))), None)
        logger_name = None
        for statement in module_level_statements(module.body):
            if not isinstance(statement, cst.SimpleStatementLine):
                continue
            for small in statement.body:
                if (
                    isinstance(small, cst.Assign)
                    and len(small.targets) == 1
                    and isinstance(small.targets[0].target, cst.Name)
                    and is_get_logger(small.value, context)
                ):
                    logger_name = logger_name or small.targets[0].target.value
        return cls(logging_alias, logger_name, assigned_names(module.body))

    def logger_and_additions(self) -> tuple[str, tuple[AddModuleLines, ...]]:
        """The name to log through, and the module lines to add for it (if any)."""
        if self.logger_name:
            return self.logger_name, ()
        name = next(n for n in ("logger", "_logger", "log_") if n not in self.taken_names)
        additions = []
        alias = self.logging_alias
        if alias is None:
            alias = "logging"
            additions.append(AddModuleLines("import logging"))
        additions.append(AddModuleLines(f"{name} = {alias}.getLogger(__name__)"))
        return name, tuple(additions)


def is_get_logger(node: cst.BaseExpression, context: FileContext) -> bool:
    return isinstance(node, cst.Call) and context.names.qualify(node.func) == "logging.getLogger"


def logging_call_method(call: cst.Call, context: FileContext) -> str | None:
    """``info`` for ``logger.info(…)``, ``logging.info(…)``, ``self.log.info(…)``."""
    qualified = context.names.qualify(call.func)
    if qualified and qualified.startswith("logging.") and qualified.split(".")[-1] in LEVEL_METHODS:
        if qualified.count(".") == 1 or qualified.startswith("logging.root."):
            return qualified.split(".")[-1]
    if not isinstance(call.func, cst.Attribute) or call.func.attr.value not in LEVEL_METHODS:
        return None
    receiver = call.func.value
    if isinstance(receiver, cst.Name) and receiver.value in LOGGER_NAMES:
        return call.func.attr.value
    if isinstance(receiver, cst.Attribute) and receiver.attr.value in LOGGER_ATTRIBUTES:
        return call.func.attr.value
    if isinstance(receiver, cst.Call) and is_get_logger(receiver, context):
        return call.func.attr.value
    return None


def message_argument(call: cst.Call, method: str) -> tuple[int, cst.Arg] | None:
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    index = 1 if method == "log" else 0
    if len(positional) <= index:
        return None
    return index, positional[index]
