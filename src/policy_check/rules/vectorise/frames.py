"""PC508 — row-by-row loops over pandas DataFrames, where column expressions would help."""

from __future__ import annotations

import libcst as cst

from policy_check.analysis.patterns import target_names
from policy_check.rules.base import Invalid, Rule
from policy_check.rules.vectorise.evidence import evidence_for, walk_local
from policy_check.rules.vectorise.loops import code
from policy_check.rules.vectorise.row_bodies import (
    RowBody,
    containers_in,
    function_helps,
    lambda_helps,
)


def _is_axis_one(value: cst.BaseExpression) -> bool:
    if type(value) is cst.Integer:
        return value.value == "1"
    if type(value) is cst.SimpleString:
        return value.value.strip("\"'") == "columns"
    return False


def _is_styler(receiver: cst.BaseExpression, stack: list[cst.CSTNode]) -> bool:
    """`df.style.apply(f, axis=1)` styles cells; it computes nothing."""
    if type(receiver) is cst.Attribute and receiver.attr.value == "style":
        return True
    if type(receiver) is not cst.Name:
        return False
    for ancestor in reversed(stack):
        if type(ancestor) is cst.FunctionDef:
            for node in walk_local(ancestor.body, expressions=False):
                if type(node) is cst.Assign and any(
                    type(t.target) is cst.Name and t.target.value == receiver.value for t in node.targets
                ):
                    value = node.value
                    while type(value) is cst.Call and type(value.func) is cst.Attribute:
                        value = value.func.value
                    if type(value) is cst.Attribute and value.attr.value == "style":
                        return True
            break
    return False


class DataFrameRowLoop(Rule):
    """`DataFrame.iterrows()` builds a new Series for every row (boxing each value,
    losing dtypes), `itertuples()` a namedtuple, and `.apply(f, axis=1)` calls a
    Python function once per row.  Column expressions (`df["a"] / df["b"]`,
    `np.where(df["x"] > 0, …)`, `groupby`) run in compiled code.  Measured
    (benchmarks/vectorise.py): `row["a"] * row["b"]` over `iterrows` of 10^5 rows
    takes 1.07 s, `df["a"] * df["b"]` 75 µs.

    Only loops that compute with the rows' cells are reported: a row loop that
    reads files, plots, prints, submits jobs or calls a function we do not know
    with the row spends its time there, and column expressions would not help.
    `df.apply(f, axis=1)` is recognised by its `axis=1` on a DataFrame — made by
    pandas, or used like one (`df.iloc`, `df.columns`) where pandas is never
    imported."""

    code = "PC508"
    name = "dataframe-row-loop"
    summary = "A DataFrame is processed row by row (`iterrows`, `itertuples`, `apply(axis=1)`)."
    MESSAGE = "row-by-row DataFrame loop: use column expressions"
    fix_note = "No edit: the column expression depends on what the loop does with each row."
    trigger_words = ("iterrows", "itertuples", "apply")

    VALID = [
        "import pandas as pd\n\ndef scaled(df: pd.DataFrame):\n    return df.apply(lambda col: col / col.max())\n",
        "import pandas as pd\n\ndef ratio(df: pd.DataFrame):\n    return df['a'] / df['b']\n",
        # astropy's Table.iterrows takes column names; a module without pandas.
        "from astropy.table import Table\n\ndef rows(t: Table):\n    return list(t.iterrows('a', 'b'))\n",
        # Styling, not computing.
        "import pandas as pd\n\ndef show(df: pd.DataFrame, f):\n    sty = df.style\n    sty = sty.apply(f, axis=1)\n    return sty\n",
        # Not pandas: a task queue's apply.
        "def submit(pool, f):\n    return pool.apply(f, (1,))\n",
        # Plotting per row: the time goes to matplotlib, not to the loop.
        "import pandas as pd\nimport matplotlib.pyplot as plt\n\ndef show(df: pd.DataFrame):\n    for _, row in df.iterrows():\n        plt.scatter(row['x'], row['y'])\n",
        # An unknown function with the row (a fit, a job, a file per row).
        "import pandas as pd\n\ndef fit_all(runs: pd.DataFrame, fit):\n    out = {}\n    for i, run in runs.iterrows():\n        out[i] = fit(run['path'])\n    return out\n",
        "import pandas as pd\n\ndef peaks(events: pd.DataFrame, peak_info):\n    return events.apply(peak_info, axis=1)\n",
    ]
    INVALID = [
        Invalid("import pandas as pd\n\ndef nue(plots: pd.DataFrame):\n    out = []\n    for _, p in plots.iterrows():\n        out.append(p['y'] / p['n'])\n    return out\n"),
        Invalid("import pandas as pd\n\ndef means(df: pd.DataFrame):\n    for block, v in df[['b', 'y']].itertuples(index=False, name=None):\n        pass\n"),
        Invalid("import pandas as pd\n\ndef per_ha(plots: pd.DataFrame):\n    return plots.apply(lambda p: p['kg'] / p['area'], axis=1)\n"),
        Invalid("import pandas as pd\n\ndef flags(plots: pd.DataFrame):\n    return plots.apply(lambda p: p['h'] > 110, axis='columns')\n"),
        # No pandas import: the DataFrame is known by its use.
        Invalid("def margin(sales):\n    sales = sales.dropna()\n    print(sales.columns)\n    return sales.apply(lambda r: r['price'] - r['cost'], axis=1)\n"),
        # A helper defined here that only computes with the row's cells.
        Invalid(
            "import pandas as pd\n\ndef _ratio(row):\n    return row['a'] / row['b'] if row['b'] else 0.0\n\n"
            "def ratios(df: pd.DataFrame):\n    return df.apply(_ratio, axis=1)\n"
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if type(func) is not cst.Attribute or func.attr.value not in _ROW_METHODS:
            return
        if _is_styler(func.value, self.context.stack):
            return
        method = func.attr.value
        if method == "apply":
            self._check_apply(node, func)
        elif not node.args or method == "itertuples":
            # pandas' iterrows takes no arguments: another library's (astropy Table's) does.
            self._check_row_iteration(node, method)

    def _is_frame(self, receiver: cst.BaseExpression) -> bool:
        if self._pandas_in_file():
            return True
        while type(receiver) in (cst.Subscript, cst.Call):
            receiver = receiver.value if type(receiver) is cst.Subscript else receiver.func
            if type(receiver) is cst.Attribute:
                receiver = receiver.value
        return evidence_for(self.context, self.context.stack).is_frame(receiver)

    def _check_row_iteration(self, node: cst.Call, method: str) -> None:
        if not self._is_frame(node.func.value):  # type: ignore[attr-defined]
            return
        body = _row_body(self.context.stack, node)
        if body is None:
            return  # `map(f, df.itertuples())`, `list(df.iterrows())`: the consumer decides
        rows, statements = body
        if not RowBody(self.context, rows, containers_in(_scope(self.context.stack))).helps(statements):
            return
        self.report(node, f"`.{method}()` processes the DataFrame row by row: use column expressions (`df['a'] / df['b']`, `np.where`, `groupby`) instead")

    def _check_apply(self, node: cst.Call, func: cst.Attribute) -> None:
        if not _axis_one(node) or not self._is_frame(func.value):
            return
        positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
        if not positional:
            return
        function = positional[0].value
        containers = containers_in(_scope(self.context.stack))
        if type(function) is cst.Lambda:
            helps = lambda_helps(self.context, function, containers)
        elif type(function) is cst.Name:
            helps = function_helps(self.context, function.value, containers)
        else:
            helps = False
        if helps:
            self.report(node, f"`{code(func)}(…, axis=1)` calls a Python function once per row: use column expressions instead")

    def _pandas_in_file(self) -> bool:
        return any(full == "pandas" or full.startswith("pandas.") for full in self.context.names.aliases.values())


_ROW_METHODS = frozenset({"iterrows", "itertuples", "apply"})


def _row_body(stack: list[cst.CSTNode], node: cst.Call) -> tuple[set[str], cst.CSTNode] | None:
    """The row names and the code run per row, for `for row in df.iterrows()` and
    comprehensions over it."""
    loop = stack[-2] if len(stack) >= 2 else None
    if type(loop) is cst.For and loop.iter is node:
        return target_names(loop.target), loop.body
    comprehension = stack[-3] if len(stack) >= 3 else None
    if type(loop) is cst.CompFor and loop.iter is node and type(comprehension) in (cst.ListComp, cst.SetComp, cst.GeneratorExp):
        return target_names(loop.target), comprehension.elt
    return None


def _axis_one(node: cst.Call) -> bool:
    if any(arg.keyword is not None and arg.keyword.value == "axis" and _is_axis_one(arg.value) for arg in node.args):
        return True
    positional = [arg for arg in node.args if arg.keyword is None and not arg.star]
    return len(positional) >= 2 and _is_axis_one(positional[1].value)


def _scope(stack: list[cst.CSTNode]) -> cst.CSTNode:
    for ancestor in reversed(stack):
        if type(ancestor) in (cst.FunctionDef, cst.Module):
            return ancestor
    return stack[0]
