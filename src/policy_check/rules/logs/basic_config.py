"""PC303: ``logging.basicConfig`` outside an entry point."""

from __future__ import annotations

import libcst as cst

from policy_check.analysis.module_kind import ModuleKind, module_facts
from policy_check.analysis.patterns import inside_main_guard
from policy_check.rules.base import FileContext, FixSafety, Rule, Valid


class BasicConfigInLibrary(Rule):
    """``logging.basicConfig`` decides, for the whole process, where every message
    goes and which levels are shown.  Called from a library module, it takes that
    decision away from the application — and since only the first call has any
    effect, the library's choice silently wins or silently loses depending on
    import order.  Configure logging once, in the entry point.

    Where it belongs, and is not reported: in an ``if __name__ == "__main__":``
    block, in a function called only from there (``main()`` and its helpers, or a
    function named ``main``/``cli``), at module level of a top-level script or a
    notebook (a module that does its work when run), and in ``__main__.py``.  In a
    library module (definitions only, imported by others) it is reported wherever
    it is, module level included."""

    code = "PC303"
    name = "basicconfig-in-library"
    summary = "`logging.basicConfig` is called outside an entry point."
    MESSAGE = "`logging.basicConfig` outside an entry point: configure logging once, in `if __name__ == \"__main__\":` or `main()`"
    fix_safety = FixSafety.SUGGESTION
    trigger_words = ("basicConfig",)

    VALID = [
        'import logging\n\ndef main():\n    logging.basicConfig(level=logging.INFO)\n\nif __name__ == "__main__":\n    main()\n',
        # A helper called only from the main block is part of the entry point.
        'import logging\n\ndef setup_logging(verbose):\n    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO)\n\ndef run():\n    setup_logging(True)\n\nif __name__ == "__main__":\n    run()\n',
        # A top-level script configures logging at module level, then does its work.
        'import logging\nimport numpy as np\n\nlogging.basicConfig(level=logging.INFO)\ndepths = np.loadtxt("depths.csv")\nlogging.info("mean depth %.2f", depths.mean())\n',
        'import logging\nif __name__ == "__main__":\n    logging.basicConfig(level=logging.DEBUG)\n',
        Valid("import logging\nlogging.basicConfig(level=logging.INFO)\n", path="src/lab/__main__.py"),
    ]
    INVALID = [
        # A library: definitions only, configuring logging on import.
        "import logging\nlogging.basicConfig(level=logging.INFO)\n\ndef depth(profile):\n    return max(profile)\n",
        # A module with a main block is imported too: module level runs on import.
        'import logging\nlogging.basicConfig(level=logging.INFO)\n\nif __name__ == "__main__":\n    logging.info("run")\n',
        # A helper also called from library code is not only the entry point's.
        'import logging\n\ndef setup():\n    logging.basicConfig(level=logging.INFO)\n\ndef load(path):\n    setup()\n    return open(path).read()\n\nif __name__ == "__main__":\n    setup()\n',
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
        facts = module_facts(self.context.module, self.context.path, self.context.names)
        function = _outermost_function(self.context.stack)
        if function is None and facts.kind in (ModuleKind.SCRIPT, ModuleKind.NOTEBOOK):
            return  # module level of a script or a notebook (a main-block module runs it on import)
        if function is not None and (
            function.name.value in facts.entry_functions or function.name.value in ("main", "_main", "cli")
        ):
            return
        self.report(node)


def _outermost_function(stack: list[cst.CSTNode]) -> cst.FunctionDef | None:
    """The module-level function (or method's class is not one) the node is in."""
    for ancestor in stack:
        if isinstance(ancestor, cst.ClassDef):
            return None
        if isinstance(ancestor, cst.FunctionDef):
            return ancestor
    return None
