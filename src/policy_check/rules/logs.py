"""PC3 — logging instead of print.

Research code reports progress with ``print``: it cannot be silenced, redirected to
a file, timestamped or filtered by level, and in a library it talks over the
application that imports it.  These rules move output to module loggers and keep
log formatting lazy.
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from policy_check.diagnostics import Applicability
from policy_check.globs import matches_any
from policy_check.rules.base import AddModuleLines, FileContext, FixSafety, Invalid, NodeFix, Replace, Rule, Valid
from policy_check.rules.lazy_format import (
    from_message,
    from_print_arguments,
    percent_right_is_display,
    string_value,
)
from policy_check.rules.names import module_level_statements
from policy_check.rules.patterns import (
    assigned_names,
    enclosing_function,
    inside_main_guard,
    parameter_names,
)

LEVEL_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log"})
# Names people give their loggers; a receiver called this is taken to be one.
LOGGER_NAMES = frozenset({"logger", "log", "_logger", "_log", "LOGGER", "LOG", "_LOGGER", "_LOG", "lg"})
LOGGER_ATTRIBUTES = frozenset({"logger", "log", "_logger", "_log", "LOGGER", "LOG"})


# ---------------------------------------------------------------------------
# What a module already has for logging (shared by the fixes).


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
                    and _is_get_logger(small.value, context)
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


def _is_get_logger(node: cst.BaseExpression, context: FileContext) -> bool:
    return isinstance(node, cst.Call) and context.names.qualify(node.func) == "logging.getLogger"


def _logging_call_method(call: cst.Call, context: FileContext) -> str | None:
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
    if isinstance(receiver, cst.Call) and _is_get_logger(receiver, context):
        return call.func.attr.value
    return None


def _message_argument(call: cst.Call, method: str) -> tuple[int, cst.Arg] | None:
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    index = 1 if method == "log" else 0
    if len(positional) <= index:
        return None
    return index, positional[index]


# ---------------------------------------------------------------------------


class PrintCall(Rule):
    """``print`` writes to standard output with no level, no timestamp, no source
    and no way to turn it off.  In a library it talks over the application that
    imports it; in a pipeline run on a cluster its lines end up interleaved in a
    batch log with nothing saying which job or module wrote them.  A module logger
    (``logger = logging.getLogger(__name__)``) costs one line, can be silenced or
    sent to a file per run by whoever calls the code, and adds timestamps for free.

    Test code (``tests/``, ``test_*.py``, ``conftest.py``) and paths matched by the
    ``allow-print`` globs are exempt."""

    code = "PC301"
    name = "print-call"
    summary = "The builtin `print` is called in library or script code; use a module logger."
    MESSAGE = "`print` call: log through a module logger (`logger.info(...)`) that users can silence, redirect and timestamp"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "Logged messages go to standard error through logging's handlers; without "
        "`logging.basicConfig(level=logging.INFO)` in the entry point, `info` messages are "
        "not shown at all. `end=` and `flush=` are dropped; a print to another file object, "
        "a print whose value is used, or `print(*args)` gets no edit."
    )
    exempt_in_tests = True
    trigger_words = ("print",)

    VALID = [
        "import logging\nlogger = logging.getLogger(__name__)\nlogger.info('loaded %d rows', 10)\n",
        # A method called print, and a console object's print, are not the builtin.
        "class Console:\n    def print(self, text):\n        self.stream.write(text)\n\nconsole = Console()\nconsole.print('hello')\n",
        # A shadowed print (a parameter, or a module-level rebinding) is not the builtin.
        "def table(rows, *, print=print):\n    for row in rows:\n        print(row)\n",
        "from rich import print\nprint('[bold]done[/bold]')\n",
        "try:\n    from tqdm import tqdm\nexcept ImportError:\n    tqdm = None\nelse:\n    print = tqdm.write\n\nprint('above the bar')\n",
        # Test code may print.
        Valid("def test_shape():\n    print('debugging a test')\n", path="tests/test_shapes.py"),
        Valid("print('fixture ready')\n", path="conftest.py"),
        Valid("print('usage: ...')\n", path="scripts/cli.py", config={"allow-print": ["scripts/*"]}),
        # print only in a string or a comment.
        "HELP = 'print(...) the table'\n# print(len(rows))\n",
    ]
    INVALID = [
        Invalid(
            '"""Glacier mass balance."""\nimport numpy as np\n\n\ndef balance(stakes):\n    print("stakes:", len(stakes))\n    return np.mean(stakes)\n',
            expected='"""Glacier mass balance."""\nimport numpy as np\nimport logging\nlogger = logging.getLogger(__name__)\n\n\ndef balance(stakes):\n    logger.info("stakes: %s", len(stakes))\n    return np.mean(stakes)\n',
        ),
        Invalid(
            'import logging\nlog = logging.getLogger(__name__)\n\ndef report(t, dT):\n    print(f"{t:.0f},{dT:+.3f} 100%")\n',
            expected='import logging\nlog = logging.getLogger(__name__)\n\ndef report(t, dT):\n    log.info("%.0f,%+.3f 100%%", t, dT)\n',
        ),
        Invalid(
            'import sys\n\ndef drop(n):\n    print("dropped", n, "fixes", file=sys.stderr)\n',
            expected='import sys\nimport logging\nlogger = logging.getLogger(__name__)\n\ndef drop(n):\n    logger.warning("dropped %s fixes", n)\n',
        ),
        Invalid(
            'def load(path):\n    try:\n        return open(path).read()\n    except OSError as err:\n        print(f"cannot open {path}: {err}")\n',
            expected='import logging\nlogger = logging.getLogger(__name__)\ndef load(path):\n    try:\n        return open(path).read()\n    except OSError as err:\n        logger.exception("cannot open %s: %s", path, err)\n',
        ),
        Invalid(
            'def progress():\n    print(".", end="", flush=True)\n    print()\n    print("a", "b", sep=", ")\n',
            expected='import logging\nlogger = logging.getLogger(__name__)\ndef progress():\n    logger.info(".")\n    logger.info("")\n    logger.info("a, b")\n',
            count=3,
        ),
        Invalid(
            'def show(name, value):\n    print(f"{name:<20}{value!r}")\n',
            expected='import logging\nlogger = logging.getLogger(__name__)\ndef show(name, value):\n    logger.info("%s%r", format(name, "<20"), value)\n',
        ),
        Invalid(
            'def search(ok, loss, tiny):\n    print("line search was " + ok + "successful")\n    print(\n        "check |improvement|:"\n        f" {loss} <= {tiny:.2e}"\n    )\n',
            expected='import logging\nlogger = logging.getLogger(__name__)\ndef search(ok, loss, tiny):\n    logger.info("line search was %ssuccessful", ok)\n    logger.info("check |improvement|: %s <= %.2e", loss, tiny)\n',
            count=2,
        ),
        # No edit: the print writes to a file, its value is used, or it spreads *args.
        Invalid("def dump(rows, fh):\n    print('depth,age', file=fh)\n"),
        Invalid("def lines(items):\n    print(*items, sep='\\n')\n"),
        Invalid("callback = lambda x: print(x)\n"),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self.module_shadows_print = "print" in assigned_names(
            list(module_level_statements(context.module.body))
        ) or context.names.is_imported("print")
        self._logging: ModuleLogging | None = None

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        if context.settings.allow_print and matches_any(context.relative_path, context.settings.allow_print):
            return False
        return super().applies_to(context)

    def visit_Call(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "print") or self._shadowed():
            return
        self.report(node, fix=self._fix(node))

    def _shadowed(self) -> bool:
        if self.module_shadows_print:
            return True
        function = enclosing_function(self.context.stack)
        while function is not None:
            if "print" in parameter_names(function):
                return True
            body = function.body.body if isinstance(function.body, cst.IndentedBlock) else ()
            if "print" in assigned_names(list(body)):
                return True
            index = self.context.stack.index(function)
            function = enclosing_function(self.context.stack[:index])
        return False

    def _fix(self, call: cst.Call) -> NodeFix | None:
        stack = self.context.stack
        # Only a print that is a statement of its own: its None value is not used.
        if len(stack) < 3 or not isinstance(stack[-2], cst.Expr) or not isinstance(stack[-3], cst.SimpleStatementLine):
            return None
        keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
        positional = [arg for arg in call.args if arg.keyword is None]
        level = "info"
        if "file" in keywords:
            target = self.context.names.qualify(keywords["file"])
            if target == "sys.stderr":
                level = "warning"
            elif target != "sys.stdout":
                return None
        separator = " "
        if "sep" in keywords and not (isinstance(keywords["sep"], cst.Name) and keywords["sep"].value == "None"):
            separator_value = string_value(keywords["sep"])
            if separator_value is None:
                return None
            separator = separator_value
        message = from_print_arguments(positional, separator, self.context.module)
        if message is None:
            return None
        if self._shows_caught_exception(call):
            level = "exception"
        if self._logging is None:
            self._logging = ModuleLogging.of(self.context)
        logger_name, additions = self._logging.logger_and_additions()
        replacement = cst.Call(
            func=cst.Attribute(cst.Name(logger_name), cst.Name(level)), args=message.call_arguments()
        )
        dropped = [name for name in ("end", "flush") if name in keywords]
        note = f" (drops {', '.join(f'`{name}=`' for name in dropped)})" if dropped else ""
        return NodeFix(
            f"Replace `print` with `{logger_name}.{level}`{note}",
            Applicability.UNSAFE,
            (*additions, Replace(call, replacement)),
        )

    def _shows_caught_exception(self, call: cst.Call) -> bool:
        for ancestor in reversed(self.context.stack):
            if isinstance(ancestor, (cst.FunctionDef, cst.Lambda, cst.ClassDef)):
                return False
            if isinstance(ancestor, cst.ExceptHandler):
                if ancestor.name is None or not isinstance(ancestor.name.name, cst.Name):
                    return False
                caught = ancestor.name.name.value
                return any(_mentions(arg.value, caught) for arg in call.args if arg.keyword is None)
        return False


def _mentions(node: cst.CSTNode, name: str) -> bool:
    if isinstance(node, cst.Name):
        return node.value == name
    return any(_mentions(child, name) for child in node.children)


class RootLoggerCall(Rule):
    """``logging.info(...)`` logs through the root logger: every message looks as if
    it came from nowhere (``root``), nobody can turn one library's messages up or
    down without affecting all the others, and if the application has not set up
    logging yet the call quietly configures it (``basicConfig``) behind its back.
    A module logger names the module in every line and can be tuned on its own."""

    code = "PC302"
    name = "root-logger-call"
    summary = "A logging call goes through the root logger (`logging.info(...)`); use the module logger."
    MESSAGE = "Root logger call `logging.{method}(...)`: log through a module logger (`logger = logging.getLogger(__name__)`)"
    fix_safety = FixSafety.SAFE
    fix_note = "The call moves to the module logger (added once when the module has none); the message and its arguments are kept."
    exempt_in_tests = True
    trigger_words = ("logging",)

    VALID = [
        "import logging\nlogger = logging.getLogger(__name__)\nlogger.warning('%d stakes without a reading', 3)\n",
        'import logging\nif __name__ == "__main__":\n    logging.basicConfig(level=logging.INFO)\n    logging.info("started")\n',
        Valid("import logging\ndef test_it():\n    logging.info('in a test')\n", path="tests/test_it.py"),
        "class Recorder:\n    def info(self, text): ...\nrecorder = Recorder()\nrecorder.info('not logging')\n",
    ]
    INVALID = [
        Invalid(
            "import logging\n\ndef check(bad):\n    if bad:\n        logging.warning('%d stakes without a reading', bad)\n",
            expected="import logging\nlogger = logging.getLogger(__name__)\n\ndef check(bad):\n    if bad:\n        logger.warning('%d stakes without a reading', bad)\n",
        ),
        Invalid(
            "from logging import debug as log_debug\n\ndef slope(s):\n    log_debug('gradient %.4f', s)\n",
            expected="from logging import debug as log_debug\nimport logging\nlogger = logging.getLogger(__name__)\n\ndef slope(s):\n    logger.debug('gradient %.4f', s)\n",
        ),
        Invalid(
            "import logging as log_mod\nLOG = log_mod.getLogger('glacier')\n\ndef area(a):\n    log_mod.critical('no area')\n",
            expected="import logging as log_mod\nLOG = log_mod.getLogger('glacier')\n\ndef area(a):\n    LOG.critical('no area')\n",
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.context.names.qualify(node.func)
        if not qualified or not qualified.startswith("logging."):
            return
        method = qualified.split(".")[-1]
        if method not in LEVEL_METHODS or qualified not in (f"logging.{method}", f"logging.root.{method}"):
            return
        if inside_main_guard(self.context.stack):
            return
        logging_info = ModuleLogging.of(self.context)
        logger_name, additions = logging_info.logger_and_additions()
        fix = NodeFix(
            f"Log through `{logger_name}.{method}`",
            Applicability.SAFE,
            (*additions, Replace(node.func, cst.Attribute(cst.Name(logger_name), cst.Name(method)))),
        )
        self.report(node, message=self.MESSAGE.format(method=method), fix=fix)


class BasicConfigInLibrary(Rule):
    """``logging.basicConfig`` decides, for the whole process, where every message
    goes and which levels are shown.  Called from a library module, it takes that
    decision away from the application — and since only the first call has any
    effect, the library's choice silently wins or silently loses depending on
    import order.  Configure logging once, in the entry point (the
    ``if __name__ == "__main__":`` block or the ``main()`` of a script)."""

    code = "PC303"
    name = "basicconfig-in-library"
    summary = "`logging.basicConfig` is called outside an entry point."
    MESSAGE = "`logging.basicConfig` outside an entry point: configure logging once, in `if __name__ == \"__main__\":` or `main()`"
    fix_safety = FixSafety.SUGGESTION
    trigger_words = ("basicConfig",)

    VALID = [
        'import logging\n\ndef main():\n    logging.basicConfig(level=logging.INFO)\n\nif __name__ == "__main__":\n    main()\n',
        'import logging\nif __name__ == "__main__":\n    logging.basicConfig(level=logging.DEBUG)\n',
        Valid("import logging\nlogging.basicConfig(level=logging.INFO)\n", path="src/lab/__main__.py"),
    ]
    INVALID = [
        "import logging\nlogging.basicConfig(level=logging.INFO)\n",
        "import logging as lg\n\ndef quiet():\n    lg.basicConfig(level=lg.ERROR, force=True)\n",
        "from logging import basicConfig as configure_logging\n\ndef setup(level):\n    configure_logging(level=level)\n",
    ]

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        return context.filename != "__main__.py" and super().applies_to(context)

    def visit_Call(self, node: cst.Call) -> None:
        if self.context.names.qualify(node.func) != "logging.basicConfig":
            return
        if inside_main_guard(self.context.stack):
            return
        function = enclosing_function(self.context.stack)
        if function is not None and function.name.value in ("main", "_main", "cli"):
            return
        self.report(node)


class EagerLogFormat(Rule):
    """A logging call formats its message only if the message will be shown; an
    f-string, ``%`` or ``.format()`` in the call is formatted every time, even for a
    ``debug`` message nobody sees — in a loop over a million samples that is a
    million wasted string builds.  Lazy arguments (``logger.debug("x=%s", x)``) also
    keep the message template constant, so log tools can group identical events."""

    code = "PC304"
    name = "eager-log-format"
    summary = "A logging call's message is formatted eagerly (f-string, `%` or `.format()`)."
    MESSAGE = "Eagerly formatted log message: pass the values as arguments (`logger.{method}(\"x=%s\", x)`)"
    fix_safety = FixSafety.SAFE
    fix_note = (
        "Format specs printf can spell are kept (`:.3f` → `%.3f`); others format their value "
        "alone with `format()`. A `%` whose right side is a bare name (which might hold a tuple) "
        "is fixed only with `--unsafe-fixes`."
    )
    trigger_words = ("log", "LOG")

    VALID = [
        "import logging\nlogger = logging.getLogger(__name__)\nlogger.debug('dt=%.3g exceeds %s', 0.1, 'CFL')\n",
        "import logging\nlogger = logging.getLogger(__name__)\nlogger.info('constant message')\n",
        "def emit(printer, x):\n    printer.info(f'{x}')\n",
        # Concatenation is left alone (it may be a constant built at import).
        "import logging\nlogger = logging.getLogger(__name__)\nlogger.info('station ' + 'A')\n",
    ]
    INVALID = [
        Invalid(
            "import logging\nlogger = logging.getLogger(__name__)\n\ndef step(dt, dt_max):\n    logger.warning(f'dt={dt:.3g} exceeds CFL limit {dt_max:.3g}')\n",
            expected="import logging\nlogger = logging.getLogger(__name__)\n\ndef step(dt, dt_max):\n    logger.warning(\"dt=%.3g exceeds CFL limit %.3g\", dt, dt_max)\n",
        ),
        Invalid(
            "import logging\nLOG = logging.getLogger(__name__)\n\ndef step(k, v):\n    LOG.debug('step %d: volume %s' % (k, v))\n",
            expected="import logging\nLOG = logging.getLogger(__name__)\n\ndef step(k, v):\n    LOG.debug(\"step %d: volume %s\", k, v)\n",
        ),
        Invalid(
            "import logging\nLOG = logging.getLogger(__name__)\n\ndef done(length):\n    LOG.info('final length {:.1f} km'.format(length / 1000.0))\n",
            expected="import logging\nLOG = logging.getLogger(__name__)\n\ndef done(length):\n    LOG.info(\"final length %.1f km\", length / 1000.0)\n",
        ),
        Invalid(
            "import logging\nLOG = logging.getLogger(__name__)\n\ndef century(c, vol):\n    LOG.log(logging.INFO, f'century {c}: volume {vol:.3e} m2')\n",
            expected="import logging\nLOG = logging.getLogger(__name__)\n\ndef century(c, vol):\n    LOG.log(logging.INFO, \"century %s: volume %.3e m2\", c, vol)\n",
        ),
        Invalid(
            "class Solver:\n    def warn(self, dt):\n        self.logger.warning(f'dt={dt}')\n",
            expected="class Solver:\n    def warn(self, dt):\n        self.logger.warning(\"dt=%s\", dt)\n",
        ),
        Invalid(
            "import logging\nlogger = logging.getLogger(__name__)\n\ndef empty(profile):\n    logger.exception('empty profile: %s' % profile)\n",
            expected="import logging\nlogger = logging.getLogger(__name__)\n\ndef empty(profile):\n    logger.exception(\"empty profile: %s\", profile)\n",
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        method = _logging_call_method(node, self.context)
        if method is None:
            return
        found = _message_argument(node, method)
        if found is None:
            return
        index, argument = found
        message = argument.value
        if not isinstance(message, (cst.FormattedString, cst.BinaryOperation, cst.Call)):
            return
        if isinstance(message, cst.FormattedString) and not any(
            isinstance(part, cst.FormattedStringExpression) for part in message.parts
        ):
            return  # an f-string without placeholders formats nothing
        lazy = from_message(message, self.context.module)
        if lazy is None and not _looks_eager(message):
            return
        self.report(node, message=self.MESSAGE.format(method=method), fix=self._fix(node, index, lazy, message))

    def _fix(self, call: cst.Call, index: int, lazy, message: cst.BaseExpression) -> NodeFix | None:  # type: ignore[no-untyped-def]
        positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
        if lazy is None or len(positional) != index + 1 or any(arg.star for arg in call.args):
            return None  # the call already passes arguments: merging them is not exact
        safe = not isinstance(message, cst.BinaryOperation) or percent_right_is_display(message)
        arguments = [*positional[:index], *lazy.call_arguments(), *(arg for arg in call.args if arg.keyword is not None)]
        new_call = call.with_changes(args=_with_commas(arguments))
        return NodeFix(
            "Pass the values as logging arguments",
            Applicability.SAFE if safe else Applicability.UNSAFE,
            (Replace(call, new_call),),
        )


def _with_commas(arguments: list[cst.Arg]) -> list[cst.Arg]:
    cleaned = [arg.with_changes(comma=cst.MaybeSentinel.DEFAULT) for arg in arguments]
    return cleaned


def _looks_eager(message: cst.BaseExpression) -> bool:
    """An eager message we cannot convert exactly (still reported, without an edit)."""
    if isinstance(message, cst.BinaryOperation):
        return isinstance(message.operator, cst.Modulo) and string_value(message.left) is not None
    if isinstance(message, cst.Call) and isinstance(message.func, cst.Attribute):
        return message.func.attr.value == "format" and string_value(message.func.value) is not None
    return isinstance(message, cst.FormattedString)


RULES = (PrintCall, RootLoggerCall, BasicConfigInLibrary, EagerLogFormat)


