"""PC304: a logging message formatted eagerly."""

from __future__ import annotations

import libcst as cst

from policy_check.diagnostics import Applicability
from policy_check.rules.base import FixSafety, Invalid, NodeFix, Replace, Rule
from policy_check.rules.logs.lazy_format import (
    from_message,
    percent_right_is_display,
    string_value,
)
from policy_check.rules.logs.loggers import logging_call_method, message_argument


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
        "Every message keeps its text byte for byte: `{x}`, `{x!r}`, `{x!a}` become `%s`, `%r`, "
        "`%a`; `{x = }` keeps its `x = ` text; a format spec becomes printf's (`:.3f` → `%.3f`) "
        "only on a value that is surely an `int` or `float` (a literal, `len()`, arithmetic on "
        "them), and otherwise formats its value alone with `format(x, \".3f\")`, since a name may "
        "hold a Decimal or a quantity with its own `__format__`. A nested spec (`{x:{width}}`) "
        "gets no edit. A `%` whose right side is a bare name (which might hold a tuple) is fixed "
        "only with `--unsafe-fixes`."
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
            expected="import logging\nlogger = logging.getLogger(__name__)\n\ndef step(dt, dt_max):\n    logger.warning(\"dt=%s exceeds CFL limit %s\", format(dt, \".3g\"), format(dt_max, \".3g\"))\n",
        ),
        Invalid(
            "import logging\nLOG = logging.getLogger(__name__)\n\ndef step(k, v):\n    LOG.debug('step %d: volume %s' % (k, v))\n",
            expected="import logging\nLOG = logging.getLogger(__name__)\n\ndef step(k, v):\n    LOG.debug(\"step %d: volume %s\", k, v)\n",
        ),
        Invalid(
            "import logging\nLOG = logging.getLogger(__name__)\n\ndef done(length):\n    LOG.info('final length {:.1f} km'.format(length / 1000.0))\n",
            expected="import logging\nLOG = logging.getLogger(__name__)\n\ndef done(length):\n    LOG.info(\"final length %s km\", format(length / 1000.0, \".1f\"))\n",
        ),
        Invalid(
            "import logging\nLOG = logging.getLogger(__name__)\n\ndef century(c, vol):\n    LOG.log(logging.INFO, f'century {c}: volume {vol:.3e} m2')\n",
            expected="import logging\nLOG = logging.getLogger(__name__)\n\ndef century(c, vol):\n    LOG.log(logging.INFO, \"century %s: volume %s m2\", c, format(vol, \".3e\"))\n",
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
        method = logging_call_method(node, self.context)
        if method is None:
            return
        found = message_argument(node, method)
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
