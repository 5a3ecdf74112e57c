"""PC501/PC504 on loop bodies research code has: an `if` whose test the loop never
changes (each branch a whole-array expression, chosen once), `np.interp` of one
element, and lists filled from arrays — one list that stays a list, several side by
side, `if`/`else` appending to different lists (one mask).  Every suggestion and fix
is run against the loop on random arrays; the silent cases sit next to each shape."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from test_vectorise_differential import SIZES, _arrays, _load, _with_suggestion

from policy_check.rules import vectorise
from policy_check.testing import check_snippet, fix_snippet


def _findings(source: str, code: str) -> list:
    return [d for d in check_snippet(source, vectorise.RULES) if d.code == code]


# -- an invariant `if` ---------------------------------------------------------

LAW = (
    "import numpy as np\n\ndef f(x, mode='lin'):\n    x = np.asarray(x, dtype=float)\n    out = np.empty(len(x))\n"
    "    for i in range(len(x)):\n        if mode == 'lin':\n            out[i] = 2.0 * x[i] + 1.0\n        else:\n"
    "            out[i] = np.log(np.abs(x[i]) + 1.0)\n    return out\n"
)


def test_an_invariant_test_chooses_a_whole_array_expression_once() -> None:
    (finding,) = _findings(LAW, "PC501")
    assert "`out[:] = 2.0 * x + 1.0 if mode == 'lin' else np.log(np.abs(x) + 1.0)`" in finding.message
    assert finding.fix is not None  # the arrays are certain and the rewrite exact


def test_an_elif_chain_and_a_missing_else_keep_the_rest() -> None:
    source = (
        "import numpy as np\n\ndef f(x, kind=None, scale=2.0):\n    x = np.asarray(x, dtype=float)\n    out = np.zeros(len(x))\n"
        "    for i in range(len(x)):\n        if kind == 'sq':\n            out[i] = x[i] ** 2\n        elif kind is None:\n"
        "            out[i] = x[i] * scale\n    return out\n"
    )
    (finding,) = _findings(source, "PC501")
    assert "`out[:] = x ** 2 if kind == 'sq' else x * scale if kind is None else out[:]`" in finding.message


@pytest.mark.parametrize(
    "branch",
    [
        # The test reads the array the loop writes.
        "        if out[0] > 1.0:\n            out[i] = x[i] * 2\n        else:\n            out[i] = 1.0\n",
        # The test calls a function we do not know: made once, it could answer differently.
        "        if cfg.use_log():\n            out[i] = np.log(x[i])\n        else:\n            out[i] = x[i]\n",
        # A branch prints.
        "        if verbose:\n            print(x[i])\n            out[i] = x[i]\n        else:\n            out[i] = x[i] * 2\n",
        # A branch carries state from one element to the next.
        "        if verbose:\n            acc = acc + x[i]\n            out[i] = acc\n        else:\n            out[i] = x[i]\n",
    ],
)
def test_invariant_ifs_that_are_not_elementwise_stay_silent(branch: str) -> None:
    source = (
        "import numpy as np\n\ndef f(x, cfg, verbose):\n    x = np.asarray(x, dtype=float)\n    out = np.zeros(len(x))\n    acc = 0.0\n"
        "    for i in range(len(x)):\n" + branch + "    return out\n"
    )
    assert _findings(source, "PC501") == []


def test_an_invariant_if_over_a_list_stays_silent() -> None:
    source = (
        "def f(x: list, flag):\n    out = [0.0] * len(x)\n    for i in range(len(x)):\n        if flag:\n            out[i] = x[i] * 2\n"
        "        else:\n            out[i] = x[i]\n    return out\n"
    )
    assert check_snippet(source, vectorise.RULES) == []


def test_np_interp_of_one_element_takes_the_whole_array() -> None:
    source = (
        "import numpy as np\n\ndef f(x):\n    x = np.asarray(x, dtype=float)\n    xp = np.linspace(-5.0, 5.0, 11)\n    fp = xp ** 2\n"
        "    out = np.zeros(len(x))\n    for i in range(len(x)):\n        out[i] = np.interp(x[i], xp, fp) * 0.5\n    return out\n"
    )
    (finding,) = _findings(source, "PC501")
    assert "`out[:] = np.interp(x, xp, fp) * 0.5`" in finding.message
    _fix_runs_the_same(source)


def test_np_interp_over_a_varying_table_stays_silent() -> None:
    source = (
        "import numpy as np\n\ndef f(x, tables):\n    x = np.asarray(x, dtype=float)\n    out = np.zeros(len(x))\n"
        "    for i in range(len(x)):\n        out[i] = np.interp(x[i], tables[i], tables[i])\n    return out\n"
    )
    assert _findings(source, "PC501") == []


def _fix_runs_the_same(source: str) -> None:
    fixed, _, applied = fix_snippet(source, vectorise.RULES)
    assert [d.code for d in applied] == ["PC501"] and "for " not in fixed
    for expected, got in _results(source, fixed):
        assert expected.dtype == got.dtype
        np.testing.assert_allclose(got, expected, rtol=1e-12, equal_nan=True)


def _results(source: str, changed: str):
    """The loop's and the rewrite's results, side by side, on random arrays (sizes
    0/1/7/1000; float64, float32, int64; with and without NaN)."""
    before, after = _load(source, "f"), _load(changed, "f")
    for seed, size in enumerate(SIZES):
        for dtype in ("float64", "float32", "int64"):
            for with_nan in (False, True):
                rng = np.random.default_rng(1000 * seed + len(dtype))
                values = _arrays(rng, "any", size, dtype, 1, with_nan)[0]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    yield before(values.copy()), after(values.copy())


def test_the_invariant_if_fix_gives_the_loops_values() -> None:
    _fix_runs_the_same(LAW)
    _fix_runs_the_same(LAW.replace("mode='lin'", "mode='log'"))


# -- lists filled from arrays ----------------------------------------------------

PRODUCTS = (
    "import numpy as np\n\ndef f(a):\n    a = np.asarray(a)\n    b = a[::-1] * 0.5\n    vals = []\n"
    "    for i in range(len(a)):\n        vals.append(a[i] * b[i] + 1)\n    return vals\n"
)
SPLIT = (
    "import numpy as np\n\ndef f(a, t=0.5):\n    a = np.asarray(a)\n    hi = []\n    lo = []\n    for i in range(len(a)):\n"
    "        if a[i] > t:\n            hi.append(a[i])\n        else:\n            lo.append(a[i] * 2)\n    return hi, lo\n"
)
SIDE_BY_SIDE = (
    "import numpy as np\n\ndef f(x):\n    x = np.asarray(x)\n    y = np.sqrt(np.abs(x))\n    xs = []\n    ys = []\n"
    "    for i in range(len(x)):\n        if x[i] > 0:\n            xs.append(x[i])\n            ys.append(y[i] ** 2)\n    return xs, ys\n"
)
INDICES = (
    "import numpy as np\n\ndef f(a):\n    a = np.asarray(a)\n    pos = []\n    neg = []\n    for i in range(len(a)):\n"
    "        if a[i] >= 0:\n            pos.append(i)\n        else:\n            neg.append(i)\n    return pos, neg\n"
)
INTERP = (
    "import numpy as np\n\ndef f(x):\n    x = np.asarray(x)\n    xp = np.linspace(-5.0, 5.0, 11)\n    fp = np.cos(xp)\n    out = []\n"
    "    for k in range(len(x)):\n        out.append(np.interp(x[k], xp, fp))\n    return out\n"
)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (PRODUCTS, "list `vals` built element by element from arrays: `vals = a * b + 1` (an array, not a list;"),
        (SPLIT, "lists `hi` and `lo` built element by element from arrays: `mask = a > t; hi = a[mask]; lo = (a * 2)[~mask]`"),
        (SIDE_BY_SIDE, "`mask = x > 0; xs = x[mask]; ys = (y ** 2)[mask]`"),
        (INDICES, "`mask = a >= 0; pos = np.flatnonzero(mask); neg = np.flatnonzero(~mask)`"),
        (INTERP, "`out = np.interp(x, xp, fp)`"),
    ],
)
def test_lists_filled_from_arrays_are_array_expressions(source: str, expected: str) -> None:
    (finding,) = _findings(source, "PC504")
    assert expected in finding.message
    assert "`.tolist()` where a list is needed" in finding.message
    assert finding.fix is None  # a list becomes an array: a suggestion


@pytest.mark.parametrize("source", [PRODUCTS, SPLIT, SIDE_BY_SIDE, INDICES, INTERP])
def test_the_suggested_arrays_hold_the_lists_values(source: str) -> None:
    for expected, got in _results(source, _with_suggestion(source, "PC504")):
        for kept, made in zip(expected if isinstance(expected, tuple) else (expected,), got if isinstance(got, tuple) else (got,)):
            assert isinstance(kept, list) and isinstance(made, np.ndarray)
            assert made.tolist() == pytest.approx(kept, nan_ok=True, rel=1e-6)


@pytest.mark.parametrize(
    "body",
    [
        # The loop reads the list it fills.
        "        if a[i] > 0 and len(hi) < 5:\n            hi.append(a[i])\n        else:\n            lo.append(a[i])\n",
        # I/O per element.
        "        hi.append(a[i] * 2)\n        lo.append(a[i])\n        print(a[i])\n",
        # An unknown function per element.
        "        hi.append(model(a[i]))\n",
        # State carried from one element to the next.
        "        acc = acc + a[i]\n        hi.append(acc)\n",
        # A test the loop never changes.
        "        if model:\n            hi.append(a[i])\n        else:\n            lo.append(a[i])\n",
        # The same value for every element.
        "        if a[i] > 0:\n            hi.append(1.0)\n        else:\n            lo.append(a[i])\n",
    ],
)
def test_list_bodies_that_are_not_elementwise_stay_silent(body: str) -> None:
    source = (
        "import numpy as np\n\ndef f(a, model):\n    a = np.asarray(a)\n    hi = []\n    lo = []\n    acc = 0.0\n"
        "    for i in range(len(a)):\n" + body + "    return hi, lo\n"
    )
    assert _findings(source, "PC504") == []


@pytest.mark.parametrize(
    "source",
    [
        # The loop runs over a list.
        "import numpy as np\n\ndef f(vals: list):\n    out = []\n    for i in range(len(vals)):\n        out.append(vals[i] * 2)\n    return out\n",
        # Only indexed here: lists and tuples are indexed the same way.
        "import numpy as np\n\ndef f(lo_hi, mid):\n    err = []\n    for i in range(len(lo_hi)):\n        err.append(abs(lo_hi[i] - mid[i]))\n    return err\n",
        # The list held values before the loop.
        "import numpy as np\n\ndef f(a):\n    a = np.asarray(a)\n    out = [0.0]\n    for i in range(len(a)):\n        out.append(a[i] * 2)\n    return out\n",
    ],
)
def test_lists_not_filled_only_from_arrays_stay_silent(source: str) -> None:
    assert _findings(source, "PC504") == []


# -- a row read through a name -----------------------------------------------------

CELLS = (
    "import numpy as np\n\ndef f(v: np.ndarray, a=1.5):\n    x = np.empty((len(v), 3))\n    x[:, 0] = v\n    x[:, 2] = v * v\n"
    "    out = np.zeros(len(x))\n    for i in range(len(x)):\n        X = x[i, :]\n        out[i] = X[0] * a + X[2]\n    return out\n"
)
PIECEWISE = (
    "import numpy as np\n\ndef f(v, kx=None):\n    x = np.stack([v, v[::-1] * 0.5], axis=1)\n    y = np.zeros((len(v), 1))\n"
    "    for i in range(len(v)):\n        X = x[i, :]\n        if kx is None:\n            y[i, 0] = X[0] * X[0] - X[1]\n"
    "            if X[1] > 0.5:\n                y[i, 0] += 3.0 * X[0]\n            else:\n                y[i, 0] += 1.0\n"
    "        elif kx == 0:\n            y[i, 0] = 2.0 * X[0]\n            y[i, 0] += X[1]\n        elif kx == 1:\n            y[i, 0] = -1.0\n"
    "    return y\n"
)


def test_cells_of_a_row_alias_are_columns() -> None:
    (finding,) = _findings(CELLS, "PC501")
    assert "`out[:] = x[:, 0] * a + x[:, 2]`" in finding.message
    _fix_runs_the_same(CELLS)


def test_a_piecewise_function_of_a_row_under_an_invariant_chain() -> None:
    (finding,) = _findings(PIECEWISE, "PC501")
    assert finding.message.startswith(
        "elementwise loop over arrays: write `y[:, 0] = np.where(x[:, 1] > 0.5, (x[:, 0] * x[:, 0] - x[:, 1]) + (3.0 * x[:, 0]), "
        "(x[:, 0] * x[:, 0] - x[:, 1]) + 1.0) if kx is None else (2.0 * x[:, 0]) + x[:, 1] if kx == 0 else -1.0 if kx == 1 else y[:, 0]`"
    )
    assert finding.fix is None
    for kx in (None, 0, 1, 2):
        source = PIECEWISE.replace("kx=None", f"kx={kx}")
        for expected, got in _results(source, _with_suggestion(source, "PC501")):
            # float32: the loop rounds to y's float64 between the two writes of a branch.
            np.testing.assert_allclose(got, expected, rtol=1e-6, equal_nan=True)


@pytest.mark.parametrize(
    "body",
    [
        # Another array written between two writes of `y`: the order matters.
        "        y[i, 0] = X[0]\n        z[i] = y[i, 0] * 2\n        y[i, 0] += X[1]\n",
        # A write through the alias changes the array the loop reads.
        "        X[0] = X[1] * 2\n        y[i, 0] = X[0]\n",
        # The alias is read at an index the loop moves.
        "        y[i, 0] = X[i]\n",
    ],
)
def test_row_aliases_that_are_not_elementwise_stay_silent(body: str) -> None:
    source = (
        "import numpy as np\n\ndef f(v, kx=None):\n    x = np.stack([v, v * 0.5], axis=1)\n    y = np.zeros((len(v), 1))\n    z = np.zeros(len(v))\n"
        "    for i in range(len(v)):\n        X = x[i, :]\n        if kx is None:\n" + body.replace("\n        ", "\n            ").replace("        ", "            ", 1)
        + "        else:\n            y[i, 0] = 0.0\n    return y, z\n"
    )
    assert _findings(source, "PC501") == []


# -- lists used as lists after the loop; block reductions ---------------------------

EXTENDED = (
    "import numpy as np\n\ndef f(a):\n    a = np.asarray(a)\n    out = []\n    for i in range(len(a)):\n        out.append(a[i] * 2)\n"
    "    out.extend([0.0])\n    return out\n"
)
CONCATENATED = (
    "import numpy as np\n\ndef f(a):\n    a = np.asarray(a)\n    out = []\n    for i in range(len(a)):\n        out.append(a[i] * 2)\n"
    "    return out + [0.0]\n"
)
BLOCK_MEANS = (
    "import numpy as np\n\ndef f(arr, n=3):\n    arr = np.asarray(arr)\n    means = []\n    for i in range(int(len(arr) / n)):\n"
    "        x = np.mean(arr[n * i:n * (i + 1)])\n        means.append(x)\n    means.append(np.mean(arr[int(len(arr) / n) * n:]))\n    return means\n"
)
BLOCK_MAXIMA = (
    "import numpy as np\n\ndef f(a, n=4):\n    a = np.asarray(a)\n    out = np.zeros(len(a) // n)\n    for k in range(len(a) // n):\n"
    "        out[k] = np.max(a[k * n:(k + 1) * n]) - np.min(a[n * k:n * k + n])\n    return out\n"
)


@pytest.mark.parametrize(
    ("source", "code", "expected"),
    [
        (EXTENDED, "PC504", "`out = (a * 2).tolist()`"),
        (CONCATENATED, "PC504", "`out = (a * 2).tolist()`"),
        (BLOCK_MEANS, "PC504", "`means = np.mean(arr[:int(len(arr) / n) * n].reshape(-1, n), axis=1).tolist()`"),
        (BLOCK_MAXIMA, "PC501", "`out[:len(a) // n] = np.max(a[:(len(a) // n) * n].reshape(-1, n), axis=1) - np.min(a[:(len(a) // n) * n].reshape(-1, n), axis=1)`"),
    ],
)
def test_lists_kept_and_block_reductions_are_suggested(source: str, code: str, expected: str) -> None:
    (finding,) = _findings(source, code)
    assert expected in finding.message
    assert finding.fix is None
    for expected_values, got in _results(source, _with_suggestion(source, code)):
        assert type(got) is type(expected_values)
        np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected_values, dtype=float), rtol=1e-5, equal_nan=True)


@pytest.mark.parametrize(
    "body",
    [
        # A moving window, not consecutive blocks.
        "        out.append(np.mean(a[i:i + n]))\n",
        # Blocks of a 2-D array are blocks of rows.
        "        out.append(np.mean(g[n * i:n * (i + 1)]))\n",
        # Blocks whose size the loop changes.
        "        out.append(np.mean(a[i * i:i * (i + 1)]))\n",
    ],
)
def test_windows_that_are_not_blocks_stay_silent(body: str) -> None:
    source = (
        "import numpy as np\n\ndef f(a, n=3):\n    a = np.asarray(a)\n    g = np.zeros((len(a), 2))\n    out = []\n"
        "    for i in range(len(a) // n):\n" + body + "    return out\n"
    )
    assert _findings(source, "PC504") == []
