"""PC301: ``print`` in library or script code."""

from __future__ import annotations

import libcst as cst

from policy_check.analysis.names import module_level_statements
from policy_check.analysis.patterns import (
    assigned_names,
    enclosing_function,
    parameter_names,
)
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
from policy_check.rules.logs.keep_output import LoggingSetup, logging_setup
from policy_check.rules.logs.lazy_format import from_print_arguments, string_value
from policy_check.rules.logs.loggers import ModuleLogging


class PrintCall(Rule):
    """``print`` writes to standard output with no level, no timestamp, no source
    and no way to turn it off.  In a library it talks over the application that
    imports it; in a pipeline run on a cluster its lines end up interleaved in a
    batch log with nothing saying which job or module wrote them.  A module logger
    (``logger = logging.getLogger(__name__)``) costs one line, can be silenced or
    sent to a file per run by whoever calls the code, and adds timestamps for free.

    Not reported: test code (``tests/``, ``test_*.py``, ``conftest.py``), paths
    matched by the ``allow-print`` globs (a folder of throwaway scripts), a
    ``print(..., file=handle)`` to anything but ``sys.stdout``/``sys.stderr`` (that
    is writing data, not logging), and notebooks: in a notebook a print is how a
    cell shows its result, and none of the 194 notebooks of our research corpus
    configures logging."""

    code = "PC301"
    name = "print-call"
    summary = "The builtin `print` is called in library or script code; use a module logger."
    MESSAGE = "`print` call: log through a module logger (`logger.info(...)`) that users can silence, redirect and timestamp"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "A print to standard output becomes `logger.info`, one to `sys.stderr` `logger.warning`, "
        "with the same text (values passed as logging arguments, formatted as the print did). "
        "An entry point that configures no logging (a main block, a top-level script) also gets "
        '`logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)` at '
        "its start, so it shows the same lines on the same stream (warnings and errors stay on "
        "standard error when it writes there too); a library module gets only its logger, and "
        "shows its messages once its entry point is configured. No edit, and the message says "
        "why, for a print with `end=`, a `print(*values)`, a print whose value is used, and in a "
        "module that configures logging at a level that may hide `info`. Unsafe because the "
        "output now goes through logging: a caller's logging configuration decides what shows."
    )
    exempt_in_tests = True
    trigger_words = ("print",)
    bulk_advice = (
        "{count} prints. For a folder of throwaway scripts, exempt it once: "
        '`allow-print = ["{glob}"]` under `[tool.policy-check]` (or a `per-file-ignores` entry); '
        "`--fix --unsafe-fixes` converts the others and keeps their output visible."
    )

    VALID = [
        "import logging\nlogger = logging.getLogger(__name__)\nlogger.info('loaded %d rows', 10)\n",
        # A method called print, and a console object's print, are not the builtin.
        "class Console:\n    def print(self, text):\n        self.stream.write(text)\n\nconsole = Console()\nconsole.print('hello')\n",
        # A shadowed print (a parameter, or a module-level rebinding) is not the builtin.
        "def table(rows, *, print=print):\n    for row in rows:\n        print(row)\n",
        "from rich import print\nprint('[bold]done[/bold]')\n",
        "try:\n    from tqdm import tqdm\nexcept ImportError:\n    tqdm = None\nelse:\n    print = tqdm.write\n\nprint('above the bar')\n",
        # Writing data to a file is not logging.
        "def dump(rows, handle):\n    print('depth,age', file=handle)\n    for depth, age in rows:\n        print(depth, age, sep=',', file=handle)\n",
        # Test code may print.
        Valid("def test_shape():\n    print('debugging a test')\n", path="tests/test_shapes.py"),
        Valid("print('fixture ready')\n", path="conftest.py"),
        Valid("print('usage: ...')\n", path="scripts/cli.py", config={"allow-print": ["scripts/*"]}),
        # print only in a string or a comment.
        "HELP = 'print(...) the table'\n# print(len(rows))\n",
    ]
    INVALID = [
        # A library module: its logger, no configuration.
        Invalid(
            '"""Glacier mass balance."""\nimport numpy as np\n\n\ndef balance(stakes):\n    print("stakes:", len(stakes))\n    return np.mean(stakes)\n',
            expected='"""Glacier mass balance."""\nimport logging\n\nimport numpy as np\n\nlogger = logging.getLogger(__name__)\n\n\ndef balance(stakes):\n    logger.info("stakes: %s", len(stakes))\n    return np.mean(stakes)\n',
        ),
        # An entry point: configured at the start of its main block, output kept on stdout.
        Invalid(
            'import sys\n\n\ndef main():\n    print("reading", sys.argv[1])\n\n\nif __name__ == "__main__":\n    main()\n',
            expected='import logging\nimport sys\n\nlogger = logging.getLogger(__name__)\n\n\ndef main():\n    logger.info("reading %s", sys.argv[1])\n\n\nif __name__ == "__main__":\n    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)\n    main()\n',
        ),
        # A top-level script: configured after its imports.
        Invalid(
            'import csv\n\nrows = list(csv.reader(open("stakes.csv")))\nprint(f"{len(rows)} stakes")\n',
            expected='import csv\nimport logging\nimport sys\n\nlogger = logging.getLogger(__name__)\nlogging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)\n\nrows = list(csv.reader(open("stakes.csv")))\nlogger.info("%s stakes", len(rows))\n',
        ),
        Invalid(
            'import logging\nlog = logging.getLogger(__name__)\n\ndef report(t, dT):\n    print(f"{t:.0f},{dT:+.3f} 100%")\n',
            expected='import logging\nlog = logging.getLogger(__name__)\n\ndef report(t, dT):\n    log.info("%s,%s 100%%", format(t, ".0f"), format(dT, "+.3f"))\n',
        ),
        Invalid(
            'import sys\n\ndef drop(n):\n    print("dropped", n, "fixes", file=sys.stderr)\n',
            expected='import logging\nimport sys\n\nlogger = logging.getLogger(__name__)\n\ndef drop(n):\n    logger.warning("dropped %s fixes", n)\n',
        ),
        Invalid(
            'def show(name, value, n):\n    print(f"{name:<20}{value!r} {value = } {n:d}/{len(name):d}")\n    print()\n    print("a", "b", sep=", ", flush=True)\n',
            expected='import logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef show(name, value, n):\n    logger.info("%s%r value = %r %s/%d", format(name, "<20"), value, value, format(n, "d"), len(name))\n    logger.info("")\n    logger.info("a, b")\n',
            count=3,
        ),
        Invalid(
            'def search(ok, loss, tiny):\n    print("line search was " + ok + "successful")\n    print(\n        "check |improvement|:"\n        f" {loss} <= {tiny:.2e}"\n    )\n',
            expected='import logging\n\nlogger = logging.getLogger(__name__)\n\n\ndef search(ok, loss, tiny):\n    logger.info("line search was %ssuccessful", ok)\n    logger.info("check |improvement|: %s <= %s", loss, format(tiny, ".2e"))\n',
            count=2,
        ),
        # No edit, and the message says why: `end=` continues the line, `*values`
        # spreads a sequence, the value is used.
        Invalid("def progress():\n    print('.', end='', flush=True)\n"),
        Invalid("def lines(items):\n    print(*items, sep='\\n')\n"),
        Invalid("callback = lambda x: print(x)\n"),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        # Module-level imports only (the traversal adds a function's as it meets them).
        self._print_imported = context.names.is_imported("print")
        # Whether module-level code rebinds print: asked at the first print call.
        self._module_shadows_print: bool | None = None
        # id of a function of this tree → whether it rebinds print.
        self._functions_shadowing: dict[int, bool] = {}
        self._logging: ModuleLogging | None = None
        self._setup: LoggingSetup | str | None = None

    @classmethod
    def applies_to(cls, context: FileContext) -> bool:
        if context.settings.allow_print and matches_any(context.relative_path, context.settings.allow_print):
            return False
        # In a notebook, print is how a cell shows its results.
        return context.path.suffix != ".ipynb" and super().applies_to(context)

    def visit_Call(self, node: cst.Call) -> None:
        # An exact type: a failing isinstance with libcst's classes is slow, and most calls are not prints.
        if not (type(node.func) is cst.Name and node.func.value == "print") or self._shadowed():
            return
        keywords = {arg.keyword.value: arg.value for arg in node.args if arg.keyword is not None}
        level = self._stream_level(keywords.get("file"))
        if level is None:
            return  # writing data to a file is not logging
        fix = self._fix(node, keywords, level)
        if isinstance(fix, str):
            self.report(node, message=f"{self.MESSAGE}; no automatic fix: {fix}")
        else:
            self.report(node, fix=fix)

    def _shadowed(self) -> bool:
        if self._module_shadows_print is None:
            module_level = list(module_level_statements(self.context.module.body))
            self._module_shadows_print = self._print_imported or "print" in assigned_names(module_level)
        if self._module_shadows_print:
            return True
        function = enclosing_function(self.context.stack)
        while function is not None:
            if self._function_shadows(function):
                return True
            index = self.context.stack.index(function)
            function = enclosing_function(self.context.stack[:index])
        return False

    def _function_shadows(self, function: cst.FunctionDef) -> bool:
        """Whether a function rebinds print (a parameter, an assignment in its body):
        asked once per function, not once per print in it."""
        shadows = self._functions_shadowing.get(id(function))
        if shadows is None:
            body = function.body.body if isinstance(function.body, cst.IndentedBlock) else ()
            shadows = "print" in parameter_names(function) or "print" in assigned_names(list(body))
            self._functions_shadowing[id(function)] = shadows
        return shadows

    def _stream_level(self, file: cst.BaseExpression | None) -> str | None:
        """``info`` for standard output, ``warning`` for standard error, ``None`` for a file."""
        if file is None or (isinstance(file, cst.Name) and file.value == "None"):
            return "info"
        target = self.context.names.qualify(file)
        return {"sys.stdout": "info", "sys.stderr": "warning"}.get(target or "")

    def _fix(self, call: cst.Call, keywords: dict[str, cst.BaseExpression], level: str) -> NodeFix | str:
        """The edit, or why there is none."""
        if not _is_statement(self.context.stack):
            return "its value is used"
        reason = _output_kept(call, keywords)
        if reason:
            return reason
        separator = _separator(keywords.get("sep"))
        positional = [arg for arg in call.args if arg.keyword is None]
        message = None if separator is None else from_print_arguments(positional, separator, self.context.module)
        if message is None:
            return "its text cannot be rebuilt exactly as a logging message"
        if self._setup is None:
            self._logging = ModuleLogging.of(self.context)
            self._setup = logging_setup(self.context, self._logging)
        if isinstance(self._setup, str):
            return self._setup
        assert self._logging is not None
        conflict = self._logging.configuration.conflict("stdout" if level == "info" else "stderr")
        if conflict is not None:
            return conflict
        logger_name = self._setup.logger_name
        replacement = cst.Call(
            func=cst.Attribute(cst.Name(logger_name), cst.Name(level)), args=message.call_arguments()
        )
        return NodeFix(
            f"Replace `print` with `{logger_name}.{level}`",
            Applicability.UNSAFE,
            (*self._setup.edits, Replace(call, replacement)),
        )


def _output_kept(call: cst.Call, keywords: dict[str, cst.BaseExpression]) -> str | None:
    """Why converting this print would change what it shows (``None``: it would not)."""
    end = keywords.get("end")
    if end is not None and not (isinstance(end, cst.Name) and end.value == "None") and string_value(end) != "\n":
        return "`end=` continues the line, and logging ends every message with a newline"
    if any(arg.star for arg in call.args):
        return "`print(*values)` spreads a sequence whose length the message template cannot know"
    return None


def _is_statement(stack: list[cst.CSTNode]) -> bool:
    """Whether the call is a statement of its own (its ``None`` value is not used)."""
    return len(stack) >= 3 and isinstance(stack[-2], cst.Expr) and isinstance(stack[-3], cst.SimpleStatementLine)


def _separator(sep: cst.BaseExpression | None) -> str | None:
    if sep is None or (isinstance(sep, cst.Name) and sep.value == "None"):
        return " "
    return string_value(sep)
