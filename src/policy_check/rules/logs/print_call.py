"""PC301: ``print`` in library or script code."""

from __future__ import annotations

import libcst as cst

from policy_check.diagnostics import Applicability
from policy_check.globs import matches_any
from policy_check.rules.base import (
    FileContext,
    FixSafety,
    Invalid,
    NodeFix,
    Replace,
    Rule,
    Valid,
)
from policy_check.rules.logs.lazy_format import from_print_arguments, string_value
from policy_check.rules.logs.loggers import ModuleLogging
from policy_check.analysis.names import module_level_statements
from policy_check.analysis.patterns import (
    assigned_names,
    enclosing_function,
    parameter_names,
)


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
        if not _is_statement(self.context.stack):
            return None
        keywords = {arg.keyword.value: arg.value for arg in call.args if arg.keyword is not None}
        positional = [arg for arg in call.args if arg.keyword is None]
        level = self._stream_level(keywords.get("file"))
        separator = _separator(keywords.get("sep"))
        if level is None or separator is None:
            return None
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
        return NodeFix(
            f"Replace `print` with `{logger_name}.{level}`{_dropped_note(keywords)}",
            Applicability.UNSAFE,
            (*additions, Replace(call, replacement)),
        )

    def _stream_level(self, file: cst.BaseExpression | None) -> str | None:
        """``info`` for standard output, ``warning`` for standard error, ``None`` for a file."""
        if file is None:
            return "info"
        target = self.context.names.qualify(file)
        return {"sys.stdout": "info", "sys.stderr": "warning"}.get(target or "")

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


def _is_statement(stack: list[cst.CSTNode]) -> bool:
    """Whether the call is a statement of its own (its ``None`` value is not used)."""
    return len(stack) >= 3 and isinstance(stack[-2], cst.Expr) and isinstance(stack[-3], cst.SimpleStatementLine)


def _dropped_note(keywords: dict[str, cst.BaseExpression]) -> str:
    dropped = [name for name in ("end", "flush") if name in keywords]
    return f" (drops {', '.join(f'`{name}=`' for name in dropped)})" if dropped else ""


def _separator(sep: cst.BaseExpression | None) -> str | None:
    if sep is None or (isinstance(sep, cst.Name) and sep.value == "None"):
        return " "
    return string_value(sep)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    if isinstance(node, cst.Name):
        return node.value == name
    return any(_mentions(child, name) for child in node.children)
