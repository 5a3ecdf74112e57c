"""PC302: a logging call through the root logger."""

from __future__ import annotations

import libcst as cst

from policy_check.analysis.patterns import inside_main_guard
from policy_check.diagnostics import Applicability
from policy_check.rules.base import (
    FileContext,
    FixSafety,
    Invalid,
    NodeEdit,
    NodeFix,
    Replace,
    Rule,
    Valid,
)
from policy_check.rules.logs.loggers import LEVEL_METHODS, ModuleLogging
from policy_check.rules.logs.root_output import UNSAFE_REASON, shows_same_text


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
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "The call moves to the module logger (added once when the module has none); the message and "
        "its arguments are kept, but what the program shows can change. With nothing configured "
        "first, `logging.warning(\"x\")` sets logging up on the spot and shows `WARNING:root:x` on "
        "standard error, and a later `basicConfig(...)` then does nothing; a module logger shows `x` "
        "alone, only for warnings and errors, and leaves the later configuration to work. Under a "
        "format that names the logger (`basicConfig()`'s default) `root` becomes the module's name. "
        "The fix is safe, and `--fix` applies it, when the module configures logging itself before "
        "anything else runs (at module level after only imports, definitions and path, environment or "
        "warnings set-up; or first thing in its main block or in the function that block calls) with "
        "`basicConfig(format=...)` not showing `%(name)s` and no handlers but plain stream or file "
        "handlers, and sets no logger levels, handlers or filters: run as a program, it then shows "
        "the same text."
    )
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
            expected="import logging\n\nlogger = logging.getLogger(__name__)\n\ndef check(bad):\n    if bad:\n        logger.warning('%d stakes without a reading', bad)\n",
        ),
        Invalid(
            "from logging import debug as log_debug\n\ndef slope(s):\n    log_debug('gradient %.4f', s)\n",
            expected="import logging\nfrom logging import debug as log_debug\n\nlogger = logging.getLogger(__name__)\n\ndef slope(s):\n    logger.debug('gradient %.4f', s)\n",
        ),
        Invalid(
            "import logging as log_mod\nLOG = log_mod.getLogger('glacier')\n\ndef area(a):\n    log_mod.critical('no area')\n",
            expected="import logging as log_mod\nLOG = log_mod.getLogger('glacier')\n\ndef area(a):\n    LOG.critical('no area')\n",
        ),
        # Configured first thing in a format without the logger's name: the same text (a safe fix).
        Invalid(
            "import logging\n\ndef report(n):\n    logging.info('%d stations', n)\n\n"
            "if __name__ == '__main__':\n    logging.basicConfig(level=logging.INFO, format='%(message)s')\n    report(3)\n",
            expected="import logging\n\nlogger = logging.getLogger(__name__)\n\ndef report(n):\n    logger.info('%d stations', n)\n\n"
            "if __name__ == '__main__':\n    logging.basicConfig(level=logging.INFO, format='%(message)s')\n    report(3)\n",
        ),
    ]

    def __init__(self, context: FileContext) -> None:
        super().__init__(context)
        self._logger: tuple[str, tuple[NodeEdit, ...]] | None = None
        self._same_text: bool | None = None

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.context.names.qualify_ending(node.func, LEVEL_METHODS)
        if not qualified or not qualified.startswith("logging."):
            return
        method = qualified.split(".")[-1]
        if qualified not in (f"logging.{method}", f"logging.root.{method}"):
            return
        if inside_main_guard(self.context.stack):
            return
        if self._logger is None:
            self._logger = ModuleLogging.of(self.context).logger_and_additions(self.context.module)
        logger_name, additions = self._logger
        if self._same_text is None:
            self._same_text = shows_same_text(self.context)
        title = f"Log through `{logger_name}.{method}`"
        if not self._same_text:
            title += f"; {UNSAFE_REASON.format(level=_level_name(method))}"
        fix = NodeFix(
            title,
            Applicability.SAFE if self._same_text else Applicability.UNSAFE,
            (*additions, Replace(node.func, cst.Attribute(cst.Name(logger_name), cst.Name(method)))),
        )
        self.report(node, message=self.MESSAGE.format(method=method), fix=fix)


def _level_name(method: str) -> str:
    """The level a root call's line shows (``logging.log`` shows the level it is given)."""
    return {"warn": "WARNING", "fatal": "CRITICAL", "exception": "ERROR", "log": "LEVEL"}.get(method, method.upper())
