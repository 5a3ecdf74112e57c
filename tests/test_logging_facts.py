"""What PC301's fix reads from a module before converting its prints: how (whether)
the module configures logging and whether it writes to standard error, found through
import aliases and setup helpers of any prefix, and not fooled by names that merely
contain a logging word (``errorbar``, ``std_error``)."""

from __future__ import annotations

from policy_check.rules.logs import PrintCall
from policy_check.testing import check_snippet, fix_snippet


def _message(code: str) -> str:
    [finding] = check_snippet(code, [PrintCall])
    return finding.message


def test_configuration_through_an_alias_is_the_modules_own() -> None:
    code = "import logging\nfrom logging import basicConfig as configure\n\nconfigure(level=logging.WARNING)\nprint('done')\n"
    assert _message(code).endswith("no automatic fix: the module configures logging itself, at a level that may hide `info` messages")


def test_a_setup_helper_with_a_prefix_configures_logging() -> None:
    code = "from lab.tools import lab_Setup_Logging\n\nlab_Setup_Logging()\nprint('done')\n"
    assert "the module configures logging itself" in _message(code)
    aliased = "from lab.tools import initialise_logs as start\n\nstart()\nprint('done')\n"
    assert "the module configures logging itself" in _message(aliased)


def test_names_holding_a_logging_word_are_not_logging() -> None:
    code = "import matplotlib.pyplot as plt\n\nstd_error = 0.1\nplt.errorbar([1], [2], yerr=std_error)\nprint('plotted')\n"
    fixed, left, _ = fix_snippet(code, [PrintCall])
    assert left == [] and 'logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stdout)' in fixed


def test_standard_error_through_an_alias_keeps_warnings_there() -> None:
    code = "from sys import stderr as err\n\nprint('reading')\nprint('bad row', file=err)\n"
    fixed, left, _ = fix_snippet(code, [PrintCall])
    assert left == [] and "to_stderr = logging.StreamHandler()" in fixed and 'logger.warning("bad row")' in fixed


def test_an_error_logged_by_a_logger_keeps_warnings_on_standard_error() -> None:
    code = "import logging\n\nlog = logging.getLogger(__name__)\nlog.error('bad row')\nprint('reading')\n"
    fixed, left, _ = fix_snippet(code, [PrintCall])
    assert left == [] and "to_stderr = logging.StreamHandler()" in fixed
