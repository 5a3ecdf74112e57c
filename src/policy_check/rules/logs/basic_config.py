"""PC303: ``logging.basicConfig`` outside an entry point."""

from __future__ import annotations

import libcst as cst

from policy_check.rules.base import FileContext, FixSafety, Rule, Valid
from policy_check.analysis.patterns import enclosing_function, inside_main_guard


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
