"""Every PC5 fix is proven by running it: the original function and the fixed one are
executed on random arrays (sizes 0, 1, 7 and 1000; float64, float32 and int64; NaN
where it matters; fixed seeds) and must return the same values, dtype and shape.

The sources exec'd here are this test module's own fixtures, never checked code."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import numpy as np
import pytest

from policy_check.rules import vectorise
from policy_check.testing import check_snippet, fix_snippet

SIZES = (0, 1, 7, 1000)
DTYPES = ("float64", "float32", "int64")


def _arrays(rng: np.random.Generator, kind: str, n: int, dtype: str, count: int, nan: bool) -> list[np.ndarray]:
    arrays = []
    for _ in range(count):
        if dtype == "int64":
            low = 1 if kind == "positive" else -50
            values = rng.integers(low, 60, n)
        elif kind == "positive":
            values = rng.uniform(0.5, 4.0, n).astype(dtype)
        else:
            values = rng.normal(0.0, 3.0, n).astype(dtype)
        if nan and dtype != "int64" and n > 2:
            values[rng.integers(0, n, 2)] = np.nan
        arrays.append(values)
    return arrays


def _same(before: object, after: object, dtype: str, rtol: float) -> None:
    if isinstance(before, tuple):
        assert isinstance(after, tuple) and len(before) == len(after)
        for b, a in zip(before, after):
            _same(b, a, dtype, rtol)
        return
    b, a = np.asarray(before), np.asarray(after)
    assert b.shape == a.shape
    assert b.dtype == a.dtype or (b.ndim == 0 and np.result_type(b) .kind == np.result_type(a).kind), (b.dtype, a.dtype)
    if b.dtype.kind in "biu":
        np.testing.assert_array_equal(a, b)
    else:
        tolerance = 1e-5 if dtype == "float32" else rtol
        np.testing.assert_allclose(a, b, rtol=tolerance, atol=tolerance * 1e-3, equal_nan=True)


def _load(source: str, name: str) -> Callable[..., object]:
    namespace: dict[str, object] = {}
    exec(compile(source, f"<{name}>", "exec"), namespace)  # our own fixture code, see module docstring
    return namespace[name]  # type: ignore[return-value]


def _fixed(source: str, codes: set[str]) -> str:
    fixed, remaining, applied = fix_snippet(source, vectorise.RULES)
    assert {d.code for d in applied} >= codes, f"expected fixes {codes}, got {[d.code for d in applied]}"
    assert fixed != source
    assert not [d for d in remaining if d.code in codes and d.fix is not None]
    return fixed


# (id, codes fixed, function name, source, input kind, number of arrays, extra args, NaN inputs)
CASES = [
    (
        "elementwise-arithmetic", {"PC501"}, "f",
        "import numpy as np\n\ndef f(a: np.ndarray, b: np.ndarray):\n    out = np.empty(len(a))\n"
        "    for i in range(len(a)):\n        out[i] = 2.0 * a[i] + b[i] * 3 - 1\n    return out\n",
        "any", 2, (), True,
    ),
    (
        "elementwise-math-and-index", {"PC501"}, "f",
        "import math\nimport numpy as np\n\ndef f(trace: np.ndarray, rate=0.001):\n    out = np.empty_like(trace)\n"
        "    for n in range(trace.size):\n        out[n] = trace[n] * math.exp(rate * n)\n    return out\n",
        "any", 1, (), False,
    ),
    (
        "elementwise-where", {"PC501"}, "f",
        "import numpy as np\n\ndef f(dv: np.ndarray, di: np.ndarray):\n    r = np.empty(len(dv))\n    for k in range(dv.shape[0]):\n"
        "        if abs(di[k]) > 1.0:\n            r[k] = dv[k] / di[k]\n        else:\n            r[k] = np.nan\n    return r\n",
        "any", 2, (), True,
    ),
    (
        "elementwise-ifexp-and-temporary", {"PC501"}, "f",
        "import math\nimport numpy as np\n\ndef f(p: np.ndarray, ia=1.0, s=2.0):\n    q = np.zeros(p.size)\n    for d in range(p.size):\n"
        "        if p[d] > ia:\n            excess = p[d] - ia\n            q[d] = excess ** 2 / (excess + s)\n        else:\n            q[d] = 0.0\n"
        "    return q\n",
        "any", 1, (), True,
    ),
    (
        "elementwise-two-columns-enumerate", {"PC501"}, "f",
        "import math\nimport numpy as np\n\ndef f(theta: np.ndarray, l1=0.4):\n    xy = np.zeros((theta.size, 2))\n"
        "    for k, t in enumerate(theta):\n        xy[k, 0] = l1 * math.cos(t)\n        xy[k, 1] = l1 * math.sin(t) + t\n    return xy\n",
        "any", 1, (), True,
    ),
    (
        "elementwise-in-place", {"PC501"}, "f",
        "import numpy as np\n\ndef f(bulk: np.ndarray, rho=2.65):\n    phi = np.array(bulk, dtype=float)\n"
        "    for i in range(phi.size):\n        phi[i] = 1.0 - phi[i] / rho\n    return phi\n",
        "any", 1, (), True,
    ),
    (
        "elementwise-unannotated-range-n", {"PC501"}, "f",
        "import numpy as np\n\ndef f(raw):\n    x = np.asarray(raw, dtype=float)\n    n = len(x)\n    out = np.empty(n)\n"
        "    for i in range(n):\n        out[i] = x[i] ** 2 - 1.0\n    return out\n",
        "any", 1, (), True,
    ),
    (
        "elementwise-in-place-inf-branch", {"PC501"}, "f",
        "import numpy as np\n\ndef f(raw):\n    g = np.array(raw, dtype=float)\n    for i in range(g.shape[0]):\n"
        "        g[i] = np.inf if g[i] == 0 else -np.log(abs(g[i]))\n    return g\n",
        "any", 1, (), True,
    ),
    (
        "elementwise-parameter-used-as-array", {"PC501"}, "f",
        "import numpy as np\n\ndef f(a):\n    assert a.ndim == 1\n    out = np.zeros_like(a)\n    for i in range(a.shape[0]):\n"
        "        out[i] = a[i] * 3 + 1\n    return out\n",
        "any", 1, (), True,
    ),
    (
        "reduction-sum-index", {"PC502"}, "f",
        "import numpy as np\n\ndef f(v: np.ndarray, c: np.ndarray, dt=10.0):\n    wh = 0.0\n"
        "    for k in range(v.size):\n        wh += v[k] * c[k] * dt / 3600.0\n    return wh\n",
        "positive", 2, (), True,
    ),
    (
        "reduction-sum-zip", {"PC502"}, "f",
        "import numpy as np\n\ndef f(pet: np.ndarray, kc: np.ndarray):\n    et = 0.0\n    for p, k in zip(pet, kc):\n        et = et + k * p\n    return et\n",
        "positive", 2, (), False,
    ),
    (
        "reduction-temporary-and-count", {"PC502"}, "f",
        "import numpy as np\n\ndef f(r: np.ndarray, eps=0.01, sigma=1.5):\n    e = 0.0\n    n = 0\n    for x in r:\n"
        "        sr6 = (sigma / x) ** 6\n        e += 4.0 * eps * (sr6 * sr6 - sr6)\n        n += 1\n    return e, n\n",
        "positive", 1, (), False,
    ),
    (
        "scan-cumsum", {"PC506"}, "f",
        "import numpy as np\n\ndef f(accel: np.ndarray, dt=0.01):\n    vel = np.zeros(accel.size)\n    if accel.size:\n        vel[0] = accel[0]\n"
        "    for i in range(1, accel.size):\n        vel[i] = vel[i - 1] + accel[i] * dt\n    return vel\n",
        "any", 1, (), True,
    ),
    (
        "scan-cumprod", {"PC506"}, "f",
        "import numpy as np\n\ndef f(rate: np.ndarray):\n    g = np.ones(len(rate))\n    for i in range(1, len(rate)):\n"
        "        g[i] = (1.0 + rate[i] / 100.0) * g[i - 1]\n    return g\n",
        "any", 1, (), True,
    ),
    (
        "list-then-array-math", {"PC504"}, "f",
        "import math\nimport numpy as np\n\ndef f(counts: np.ndarray, zp=25.0):\n    m = []\n    for c in counts:\n"
        "        m.append(zp - 2.5 * math.log10(c / 30.0))\n    return np.array(m)\n",
        "positive", 1, (), False,
    ),
    (
        "list-then-array-where-dtype", {"PC504"}, "f",
        "import numpy as np\n\ndef f(ref: np.ndarray, alt: np.ndarray):\n    out = []\n    for r, a in zip(ref, alt):\n"
        "        if r + a > 0:\n            out.append(a / (r + a))\n        else:\n            out.append(np.nan)\n"
        "    return np.asarray(out, dtype=float)\n",
        "any", 2, (), True,
    ),
    (
        "builtins", {"PC507"}, "f",
        "import math\nimport numpy as np\n\ndef f(q: np.ndarray, lim=0.5):\n    q = np.asarray(q).ravel()\n"
        "    count = sum(q > lim)\n    finite = all(np.isfinite(q))\n    anyneg = any(q < 0)\n"
        "    return count, finite, anyneg\n",
        "any", 1, (), True,
    ),
    (
        "builtin-max-min", {"PC507"}, "f",
        "import numpy as np\n\ndef f(q: np.ndarray):\n    if len(q) == 0:\n        return 0, 0\n    return max(q), min(q) / 2\n",
        "any", 1, (), False,
    ),
]


@pytest.mark.parametrize(
    ("codes", "name", "source", "kind", "count", "extra", "nan"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_fix_gives_identical_results(codes, name, source, kind, count, extra, nan) -> None:  # noqa: ANN001
    fixed = _fixed(source, codes)
    before, after = _load(source, name), _load(fixed, name)
    for seed, size in enumerate(SIZES):
        for dtype in DTYPES:
            for with_nan in ((False, True) if nan else (False,)):
                rng = np.random.default_rng(1000 * seed + len(dtype))
                arrays = _arrays(rng, kind, size, dtype, count, with_nan)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    expected = before(*[a.copy() for a in arrays], *extra)
                    got = after(*[a.copy() for a in arrays], *extra)
                _same(expected, got, dtype, 1e-9)


def test_every_fixable_rule_has_a_differential_case() -> None:
    fixable = {rule.code for rule in vectorise.RULES if rule.fix_safety.value != "suggestion"}
    covered = set().union(*(case[1] for case in CASES))
    assert fixable <= covered


@pytest.mark.parametrize(
    "source",
    [
        # A partial range: the rewrite would need a spelled-out slice; suggestion only.
        "import numpy as np\n\ndef f(q: np.ndarray):\n    s = np.zeros(q.size)\n    for t in range(1, q.size):\n        s[t] = 2 * q[t]\n    return s\n",
        # The loop's index is used after the loop.
        "import numpy as np\n\ndef f(a: np.ndarray):\n    out = np.empty(len(a))\n    for i in range(len(a)):\n        out[i] = a[i] + 1\n    return out, i\n",
        # A temporary read after the loop.
        "import numpy as np\n\ndef f(a: np.ndarray):\n    out = np.empty(len(a))\n    for i in range(len(a)):\n        t = a[i] * 2\n        out[i] = t\n    return out, t\n",
        # An int accumulator over a float array: an empty loop returns the int 0.
        "import numpy as np\n\ndef f(a: np.ndarray):\n    s = 0\n    for x in a:\n        s += x * 2\n    return s\n",
        # Output length not tied to the loop.
        "import numpy as np\n\ndef f(a: np.ndarray, n):\n    out = np.zeros(n)\n    for i in range(len(a)):\n        out[i] = a[i] * 2\n    return out\n",
    ],
)
def test_no_edit_where_the_rewrite_is_not_exact(source: str) -> None:
    diagnostics = check_snippet(source, vectorise.RULES)
    assert diagnostics, "the loop is still reported as a suggestion"
    assert all(d.fix is None for d in diagnostics if d.code in ("PC501", "PC502"))


def _suggestion(message: str) -> str:
    """The code a message suggests: the text between the first ``write `…```, ``mask: `…```, ``loop: `…``` or ``from arrays: `…``` quotes."""
    lead = next(text for text in ("write `", "mask: `", "loop: `", "from arrays: `") if text in message)
    start = message.index("`", message.index(lead)) + 1
    return message[start : message.index("`", start)]


def _with_suggestion(source: str, code: str) -> str:
    """The source with the reported loop replaced by the message's suggestion."""
    (finding,) = [d for d in check_snippet(source, vectorise.RULES) if d.code == code]
    lines = source.splitlines()
    first = lines[finding.start.row - 1]
    indent = first[: len(first) - len(first.lstrip())]
    replaced = lines[: finding.start.row - 1] + [indent + _suggestion(finding.message)] + lines[finding.end.row :]
    return "\n".join(replaced) + "\n"


# Shapes reported as suggestions (no edit): the suggested expression, run in place of
# the loop, gives the loop's values — the message is right, not only plausible.
SUGGESTIONS = [
    (
        "chained-2d-in-place", "PC505", "f",
        "import numpy as np\n\ndef f(a):\n    grid = np.abs(np.outer(a, a)).astype(float)\n    for i in range(grid.shape[0]):\n"
        "        for j in range(grid.shape[1]):\n            grid[i][j] = np.inf if grid[i][j] == 0 else -np.log(grid[i][j])\n    return grid\n",
    ),
    (
        "rows-times-weights", "PC501", "f",
        "import numpy as np\n\ndef f(w: np.ndarray):\n    m = np.ones((len(w), 3))\n    m[:, 1] = w * 2.0\n    out = np.zeros((len(w), 3))\n"
        "    for i in range(len(w)):\n        out[i] = m[i] * w[i]\n    return out\n",
    ),
    (
        "outer-difference", "PC505", "f",
        "import numpy as np\n\ndef f(a: np.ndarray):\n    b = a[::-1] * 0.5\n    d = np.empty((a.size, b.size))\n"
        "    for i in range(a.size):\n        for j in range(b.size):\n            d[i, j] = a[i] - b[j]\n    return d\n",
    ),
    (
        "transposed-copy", "PC505", "f",
        "import numpy as np\n\ndef f(a: np.ndarray):\n    m = np.outer(a, a[::-1] + 1.0)\n    t = np.empty((m.shape[1], m.shape[0]))\n"
        "    for i in range(t.shape[0]):\n        for j in range(t.shape[1]):\n            t[i, j] = m[j, i] * 2.0\n    return t\n",
    ),
    (
        "unannotated-parameters", "PC501", "f",
        "import numpy as np\n\ndef f(temp):\n    pressure = temp + 900.0\n    out = np.zeros_like(temp)\n    for i in range(len(temp)):\n"
        "        out[i] = temp[i] * (1000.0 / pressure[i]) ** 0.286\n    return out\n",
    ),
    (
        "while-index-loop", "PC501", "f",
        "import numpy as np\n\ndef f(flux: np.ndarray):\n    mag = np.empty(len(flux))\n    k = 0\n"
        "    while k < len(flux):\n        mag[k] = -2.5 * flux[k] + 3.0\n        k += 1\n    return mag\n",
    ),
    (
        "offset-window", "PC501", "f",
        "import numpy as np\n\ndef f(a: np.ndarray):\n    n = max(len(a) - 3, 0)\n    out = np.zeros(n)\n    for i in range(n):\n"
        "        out[i] = 0.5 * (a[i + 1] + a[3 + i])\n    return out\n",
    ),
    (
        "strided-window", "PC501", "f",
        "import numpy as np\n\ndef f(a: np.ndarray):\n    out = np.zeros(len(a) // 3)\n    for i in range(len(out)):\n"
        "        out[i] = a[3 * i + 2] - a[i * 3]\n    return out\n",
    ),
    (
        "first-differences", "PC501", "f",
        "import numpy as np\n\ndef f(a: np.ndarray):\n    d = np.zeros(max(len(a) - 1, 0))\n    for i in range(len(a) - 1):\n"
        "        d[i] = a[i + 1] - a[i]\n    return d\n",
    ),
    (
        "branches-write-two-arrays", "PC501", "f",
        "import numpy as np\n\ndef f(x: np.ndarray):\n    pos = np.zeros(len(x))\n    neg = np.full(len(x), -1.0)\n    for i in range(len(x)):\n"
        "        if x[i] > 0.5:\n            pos[i] = x[i] * 2.0\n        else:\n            neg[i] = -x[i]\n    return pos, neg\n",
    ),
    (
        "elif-chain-select", "PC501", "f",
        "import numpy as np\n\ndef f(x: np.ndarray):\n    cls = np.full(len(x), -1.0)\n    for i in range(len(x)):\n"
        "        if np.isnan(x[i]):\n            cls[i] = np.nan\n        elif x[i] < 0.3:\n            cls[i] = 0\n"
        "        elif x[i] < 0.6:\n            cls[i] = x[i] * 10.0\n    return cls\n",
    ),
    (
        "masked-count", "PC502", "f",
        "import numpy as np\n\ndef f(a: np.ndarray):\n    hits = 0\n    for i in range(len(a)):\n"
        "        if a[i] > 0.5:\n            hits = hits + 1\n    return hits\n",
    ),
    (
        "int-and-round", "PC501", "f",
        "import numpy as np\n\ndef f(a: np.ndarray):\n    a = np.nan_to_num(a, nan=0.25) * 100.0\n    out = np.zeros(len(a))\n"
        "    for i in range(len(a)):\n        out[i] = int(a[i]) + round(a[i])\n    return out\n",
    ),
    (
        "filter-values", "PC504", "f",
        "import numpy as np\n\ndef f(spec: np.ndarray):\n    lines = []\n    for n in range(len(spec)):\n"
        "        if spec[n] > 0.5:\n            lines.append(spec[n])\n    return np.asarray(lines, dtype=spec.dtype)\n",
    ),
    (
        "filter-indices", "PC504", "f",
        "import numpy as np\n\ndef f(v: np.ndarray):\n    idx = []\n    for i in range(len(v)):\n"
        "        if v[i] > 0.5:\n            idx.append(i)\n    return np.asarray(idx, dtype=np.int64)\n",
    ),
]


@pytest.mark.parametrize(("code", "name", "source"), [pytest.param(*case[1:], id=case[0]) for case in SUGGESTIONS])
def test_suggested_expression_gives_identical_results(code: str, name: str, source: str) -> None:
    assert_suggestion_runs(source, code, name)


def assert_suggestion_runs(
    source: str, code: str = "PC501", name: str = "f", sizes: tuple[int, ...] = SIZES, dtypes: tuple[str, ...] = ("float64", "float32")
) -> None:
    """The message's expression, run in place of the loop, gives the loop's values
    (one array argument; with and without NaN)."""
    suggested = _with_suggestion(source, code)
    before, after = _load(source, name), _load(suggested, name)
    for seed, size in enumerate(sizes):
        for dtype in dtypes:
            for with_nan in (False, True):
                rng = np.random.default_rng(1000 * seed + len(dtype))
                (values,) = _arrays(rng, "any", size, dtype, 1, with_nan)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    expected = before(values.copy())
                    got = after(values.copy())
                _same(expected, got, dtype, 1e-9)
