"""PC402 — a process pool or ``Process`` started at import time, without a main
guard, with a fix that moves the module's tail under ``if __name__ == "__main__":``."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from policy_check.analysis.patterns import assigned_names
from policy_check.diagnostics import Applicability
from policy_check.rules.base import FixSafety, InsertBefore, Invalid, NodeEdit, NodeFix, Replace
from policy_check.rules.concurrency.collector import ConcurrencyRule
from policy_check.rules.concurrency.sites import PROCESS_KINDS, Site


class MissingMainGuard(ConcurrencyRule):
    """Under the *spawn* start method — the default on macOS and Windows, and
    Python 3.14's *forkserver* default on Linux is the same here — every worker
    process starts a fresh interpreter and imports your module to find the
    function it should run.  A pool created at module level is then created again
    inside every worker, which fails with "An attempt has been made to start a new
    process before the current process has finished its bootstrapping phase" (or
    spawns processes without end).  Code that starts processes must run only when
    the module is executed, under ``if __name__ == "__main__":``, or inside a
    function called from there."""

    code = "PC402"
    name = "missing-main-guard"
    summary = "A process pool or `Process` is started at module level without an `if __name__ == \"__main__\":` guard."
    MESSAGE = "{what} started at module level: under the spawn start method (macOS, Windows) every worker re-imports this module and starts it again; put it under `if __name__ == \"__main__\":`{how}"
    fix_safety = FixSafety.UNSAFE
    fix_note = (
        "The module-level statements from the first process-starting one to the end of the file move under "
        "`if __name__ == \"__main__\":`, so they no longer run on import. When those statements define functions, "
        "classes or names the rest of the module uses, there is no edit: move them into `def main()` called from the guard."
    )
    trigger_words = ("Pool", "Process")

    VALID = [
        'import multiprocessing\n\ndef square(x):\n    return x * x\n\nif __name__ == "__main__":\n    with multiprocessing.Pool(2) as pool:\n        print(pool.map(square, range(10)))\n',
        "from concurrent.futures import ProcessPoolExecutor\n\ndef square(x):\n    return x * x\n\ndef main():\n    with ProcessPoolExecutor() as ex:\n        return list(ex.map(square, range(10)))\n",
        # A thread pool at module level is not a process pool.
        "from concurrent.futures import ThreadPoolExecutor\nIO_POOL = ThreadPoolExecutor(4)\n",
        # The child-process check works as a guard too.
        'import multiprocessing as mp\n\ndef f(x):\n    return x\n\nif mp.current_process().name == "MainProcess" and __name__ == "__main__":\n    mp.Pool(2).map(f, [1, 2])\n',
    ]
    INVALID = [
        Invalid(
            "import multiprocessing\n\n\ndef square(x):\n    return x * x\n\n\nwith multiprocessing.Pool(2) as pool:\n    SQUARES = pool.map(square, range(10))\nprint(SQUARES)\n",
            expected='import multiprocessing\n\n\ndef square(x):\n    return x * x\n\n\nif __name__ == "__main__":\n    with multiprocessing.Pool(2) as pool:\n        SQUARES = pool.map(square, range(10))\n    print(SQUARES)\n',
        ),
        Invalid(
            "from concurrent.futures import ProcessPoolExecutor\n\nREGENERATE = False\n\ndef row(t):\n    return [t * k for k in range(10)]\n\nif REGENERATE:\n    with ProcessPoolExecutor() as pool:\n        TABLE = list(pool.map(row, range(40)))\n",
            expected='from concurrent.futures import ProcessPoolExecutor\n\nREGENERATE = False\n\ndef row(t):\n    return [t * k for k in range(10)]\n\nif __name__ == "__main__":\n    if REGENERATE:\n        with ProcessPoolExecutor() as pool:\n            TABLE = list(pool.map(row, range(40)))\n',
        ),
        # A function defined after the pool would disappear for importers: no edit.
        "import multiprocessing as mp\n\ndef work(x):\n    return x + 1\n\nPOOL = mp.get_context('spawn').Pool(2)\n\ndef submit(x):\n    return POOL.apply_async(work, (x,))\n",
        Invalid(
            "import multiprocessing\n\ndef beat():\n    pass\n\n# heartbeat\nmultiprocessing.Process(target=beat).start()  # at import\n",
            expected='import multiprocessing\n\ndef beat():\n    pass\n\n# heartbeat\nif __name__ == "__main__":\n    multiprocessing.Process(target=beat).start()  # at import\n',
        ),
    ]

    def finish(self) -> None:
        for site in self.sites:
            if site.kind not in PROCESS_KINDS or site.where.in_definition or site.where.guarded:
                continue
            if site.kind == "process" and ".start(" not in self.context.source:
                continue
            what = {"process": "A `Process` is", "process-executor": "A `ProcessPoolExecutor` is"}.get(site.kind, "A process pool is")
            blocker, fix = self._fix(site)
            how = f" (no automatic fix: {blocker})" if blocker else ""
            self.report(site.call, self.MESSAGE.format(what=what, how=how), fix=fix)

    def _fix(self, site: Site) -> tuple[str | None, NodeFix | None]:
        module = self.context.module
        top = site.where.top_statement
        if top is None or top not in module.body:
            return "the pool is not in a module-level statement", None
        start = list(module.body).index(top)
        region = list(module.body)[start:]
        if any(isinstance(statement, (cst.FunctionDef, cst.ClassDef)) for statement in region):
            return "functions or classes are defined after it; move the statements into `def main()` called from the guard", None
        defined = assigned_names(region)
        used_before = _names_used(list(module.body)[:start])
        shared = sorted(defined & used_before)
        if shared:
            return f"the rest of the module uses {', '.join(f'`{n}`' for n in shared)}; move the statements into `def main()` called from the guard", None
        edits: list[NodeEdit] = [InsertBefore(top, 'if __name__ == "__main__":')]  # type: ignore[arg-type]
        edits.extend(Replace(statement, _indented(statement, module)) for statement in region)
        return None, NodeFix("Wrap the module-level code in a main guard", Applicability.UNSAFE, tuple(edits))


def _names_used(statements: Sequence[cst.CSTNode]) -> set[str]:
    used: set[str] = set()
    stack: list[cst.CSTNode] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, cst.Name):
            used.add(node.value)
        stack.extend(node.children)
    return used


def _indented(statement: cst.BaseStatement, module: cst.Module) -> str:
    """The statement's code one level deeper, strings untouched (libcst indents blocks)."""
    bare = statement.with_changes(leading_lines=())
    if isinstance(bare, cst.SimpleStatementLine):
        bare = bare.with_changes(trailing_whitespace=cst.TrailingWhitespace())
    wrapper = module.with_changes(body=[cst.If(test=cst.Name("x"), body=cst.IndentedBlock(body=[bare]))], header=(), footer=())
    code = wrapper.code.split(module.default_newline, 1)[1]
    return code.rstrip("\r\n")
