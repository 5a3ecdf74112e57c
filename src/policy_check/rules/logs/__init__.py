"""PC3 — logging instead of print.

Research code reports progress with ``print``: it cannot be silenced, redirected to
a file, timestamped or filtered by level, and in a library it talks over the
application that imports it.  These rules move output to module loggers and keep
log formatting lazy.
"""

from __future__ import annotations

from policy_check.rules.logs.basic_config import BasicConfigInLibrary
from policy_check.rules.logs.eager_format import EagerLogFormat
from policy_check.rules.logs.print_call import PrintCall
from policy_check.rules.logs.root_logger import RootLoggerCall

RULES = (PrintCall, RootLoggerCall, BasicConfigInLibrary, EagerLogFormat)
