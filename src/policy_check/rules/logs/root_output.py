"""Whether moving a root-logger call (``logging.info(...)``) to a module logger keeps
what the program shows (PC302's fix is safe only then).

With nothing configured, ``logging.warning("x")`` sets logging up on the spot
(``basicConfig()``) and shows ``WARNING:root:x`` on standard error; a module logger
shows ``x`` alone (logging's last-resort handler), sets nothing up, so a later
``basicConfig(...)`` that the root call had made a no-op starts to show messages.
Configured with a format that names the logger (``basicConfig()``'s default,
``%(levelname)s:%(name)s:%(message)s``), ``root`` becomes the module's name.  The text
is the same when the module configures logging itself, before anything else runs,
with a format that does not show the logger's name.
"""

from __future__ import annotations

import re

import libcst as cst

from policy_check.analysis.literals import string_value
from policy_check.analysis.module_kind import ModuleCalls, module_calls
from policy_check.analysis.names import dotted_name
from policy_check.analysis.patterns import is_main_guard
from policy_check.analysis.statements import is_docstring
from policy_check.rules.base import FileContext
from policy_check.rules.logs.loggers import CONFIG_CALLS, SETUP_HELPER

UNSAFE_REASON = (
    "unsafe: the text shown changes unless logging is set up first in a format without the logger's "
    "name (`{level}:root:` is dropped, `root` becomes the module's name, a later `basicConfig` starts to work)"
)

# Text that changes a named logger's output apart from the root's (levels, handlers, filters).
_LOGGER_TUNING = re.compile(r"setLevel|addHandler|addFilter|propagate|dictConfig|fileConfig|\.disabled\b")
# The logger's name in a `%`, `{` or `$` format.
_NAME_FIELD = re.compile(r"%\(name\)|\{name\b|\$\{?name\b")
_QUIET_CALLS = ("logging.getLogger", "sys.path.", "os.path.", "os.environ", "warnings.")
# Handlers basicConfig gives its format to (they have none of their own).
_PLAIN_HANDLERS = frozenset({"logging.StreamHandler", "logging.FileHandler"})


def shows_same_text(context: FileContext) -> bool:
    """Whether the module's first code to run configures logging with ``basicConfig``
    (at module level, or first thing in its main block) in a format without the
    logger's name, and nothing else configures or tunes loggers."""
    if _LOGGER_TUNING.search(context.source) or _other_configuration(context):
        return False
    calls = module_calls(context.module)
    functions = {s.name.value: s for s in context.module.body if isinstance(s, cst.FunctionDef)}
    for statement in context.module.body:
        if is_main_guard(statement):
            assert isinstance(statement, cst.If)
            first = _first_statement(statement.body)
            main = _called_function(first, functions)
            if main is not None:  # `if __name__ == "__main__": main()`, configuring first thing
                first = _first_statement(main.body)
            return _is_plain_config(_config_call(first, context), context)
        config = _config_call(statement, context)
        if config is not None:
            return _is_plain_config(config, context)
        if any(not _is_quiet(call, context) for call in _calls_run_by(statement, calls)):
            return False  # code runs (and may log) before logging is configured
    return False


def _calls_run_by(statement: cst.CSTNode, calls: ModuleCalls) -> list[cst.Call]:
    """The calls a module-level statement makes when it runs: a function's body does
    not run at its definition (its decorators and defaults do); a class body does."""
    made = calls.by_statement.get(id(statement), [])
    return made[: len(made) - len(calls.in_body.get(id(statement), []))]


def _is_quiet(call: cst.Call, context: FileContext) -> bool:
    """A call that logs nothing: getting a logger, setting up paths, the environment, warnings."""
    return (context.names.qualify(call.func) or "").startswith(_QUIET_CALLS)


def _first_statement(block: cst.BaseSuite) -> cst.BaseStatement | None:
    """The first statement of a block, after its docstring."""
    if not isinstance(block, cst.IndentedBlock):
        return None
    return next((statement for statement in block.body if not is_docstring(statement)), None)


def _called_function(statement: cst.CSTNode | None, functions: dict[str, cst.FunctionDef]) -> cst.FunctionDef | None:
    """The module function that a statement ``name()`` calls."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if isinstance(small, cst.Expr) and isinstance(small.value, cst.Call) and isinstance(small.value.func, cst.Name):
        return functions.get(small.value.func.value)
    return None


def _other_configuration(context: FileContext) -> bool:
    """More than one configuring call, or a project's own setup helper."""
    configuring = 0
    for call in module_calls(context.module).everywhere():
        qualified = context.names.qualify(call.func) or dotted_name(call.func) or ""
        if qualified in CONFIG_CALLS:
            configuring += 1
        elif SETUP_HELPER.search(qualified.split(".")[-1]):
            return True
    return configuring != 1


def _config_call(statement: cst.CSTNode | None, context: FileContext) -> cst.Call | None:
    """The ``logging.basicConfig(...)`` call that ``statement`` is, if it is one."""
    if not isinstance(statement, cst.SimpleStatementLine) or len(statement.body) != 1:
        return None
    small = statement.body[0]
    if not isinstance(small, cst.Expr) or not isinstance(small.value, cst.Call):
        return None
    call = small.value
    return call if context.names.qualify(call.func) == "logging.basicConfig" else None


def _is_plain_config(call: cst.Call | None, context: FileContext) -> bool:
    """``basicConfig(format="...")`` with a literal format that does not show the
    logger's name, and no handlers but plain stream and file handlers (a handler
    built elsewhere may have a format of its own)."""
    if call is None or any(arg.keyword is None for arg in call.args):
        return False
    keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
    if "format" not in keywords or not _plain_handlers(keywords.get("handlers"), context):
        return False
    text = string_value(keywords["format"])
    return text is not None and not _NAME_FIELD.search(text)


def _plain_handlers(handlers: cst.BaseExpression | None, context: FileContext) -> bool:
    if handlers is None:
        return True
    if not isinstance(handlers, (cst.List, cst.Tuple)):
        return False
    return all(
        isinstance(element, cst.Element)
        and isinstance(element.value, cst.Call)
        and context.names.qualify(element.value.func) in _PLAIN_HANDLERS
        for element in handlers.elements
    )
