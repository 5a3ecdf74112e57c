"""PC5 on indices research loops compute before they read: a loop-local temporary
(`k = 2 * i + 1`, then `a[k] - a[k - 1]`).  Unannotated, devset-style; each
suggestion is run in place of the loop on random arrays (sizes 0, 1, 7, 1000;
float64, float32, int64; NaN) and must give the loop's values.  Next to each shape,
the loops that must stay silent: a list, a recurrence, an element-dependent offset,
a temporary carried from an earlier iteration."""

from __future__ import annotations

import numpy as np
import pytest
from test_vectorise_differential import SIZES, _load, _with_suggestion, assert_suggestion_runs

from policy_check.rules import vectorise
from policy_check.testing import check_snippet


def _findings(source: str, code: str = "PC501") -> list:
    return [d for d in check_snippet(source, vectorise.RULES) if d.code == code]


def _assert_suggestion_runs(source: str, code: str = "PC501", name: str = "f", sizes: tuple[int, ...] = SIZES) -> None:
    """The message's expression runs in place of the loop, integers included."""
    assert_suggestion_runs(source, code, name, sizes, ("float64", "float32", "int64"))


# -- indices through a loop-local temporary -----------------------------------------

PAIRS = (
    "import numpy as np\n\ndef f(samples):\n    half = len(samples) // 2\n    gap = np.zeros(half)\n"
    "    for i in range(half):\n        k = 2 * i + 1\n        gap[i] = samples[k] - samples[k - 1]\n    return gap\n"
)


def test_an_index_temporary_reads_a_strided_window() -> None:
    (finding,) = _findings(PAIRS)
    assert "`gap[:half] = samples[1:2 * half + 1:2] - samples[:2 * half:2]`" in finding.message
    assert "if `samples` is a NumPy array" in finding.message
    assert finding.fix is None


def test_the_strided_suggestion_gives_the_loops_values() -> None:
    _assert_suggestion_runs(PAIRS)


CHAINED = (
    "import numpy as np\n\ndef f(level):\n    level = np.asarray(level, dtype=float)\n    n = max(len(level) - 3, 0)\n"
    "    rise = np.zeros(n)\n    for t in range(n):\n        lo = t + 1\n        hi = lo + 2\n"
    "        rise[t] = (level[hi] - level[lo]) * 0.5 + lo\n    return rise\n"
)


def test_a_temporary_built_on_another_is_followed() -> None:
    (finding,) = _findings(CHAINED)
    assert "`rise[:n] = (level[3:n + 3] - level[1:n + 1]) * 0.5 + (np.arange(n) + 1)`" in finding.message


def test_the_chained_suggestion_gives_the_loops_values() -> None:
    _assert_suggestion_runs(CHAINED)


def test_masked_writes_through_an_edge_index() -> None:
    # Layer edges interleaved with centres: edge k of centre `lev` is at 2*lev + 1 ± 1.
    source = (
        "import numpy as np\n\ndef f(edges):\n    edges = np.asarray(edges, dtype=float)\n    nlev = max((len(edges) - 1) // 2, 0)\n"
        "    frac = np.full(nlev, 0.5)\n    for lev in range(nlev):\n        e = 2 * lev + 1\n"
        "        if edges[e - 1] < 0.2:\n            frac[lev] = 1.0\n        if edges[e + 1] > 0.8:\n            frac[lev] = 0.0\n"
        "    return frac\n"
    )
    (finding,) = _findings(source)
    assert "mask = edges[:2 * nlev:2] < 0.2; frac[:nlev][mask] = 1.0" in finding.message
    _assert_suggestion_runs(source)


@pytest.mark.parametrize(
    "body",
    [
        # Carried from the previous iteration.
        "        k = k + 2\n        out[i] = a[k]\n",
        # Not affine in the index.
        "        k = i * i\n        out[i] = a[k]\n",
        # An element-dependent offset (a gather).
        "        k = lag[i]\n        out[i] = a[k]\n",
        # From 0, `2 * i - 1` first reads `a[-1]` (the loop starts at 0 here).
        "        k = 2 * (i - 1) - 1\n        out[i] = a[k]\n",
        # The temporary changes under a condition.
        "        k = i + 1\n        if a[i] > 0:\n            k = i\n        out[i] = a[k]\n",
        # A strided write is not an elementwise write.
        "        k = 2 * i\n        a[k] = out[i]\n",
        # A recurrence through the temporary.
        "        k = i - 1\n        out[i] = out[k] * 0.5\n",
    ],
)
def test_index_temporaries_that_are_not_windows_stay_silent(body: str) -> None:
    source = (
        "import numpy as np\n\ndef f(a, n):\n    a = np.asarray(a, dtype=float)\n    lag = np.zeros(n, dtype=int)\n"
        f"    out = np.zeros(n)\n    k = 0\n    for i in range(1, n):\n{body}    return out\n"
    )
    assert _findings(source) == []


def test_a_list_read_through_a_temporary_stays_silent() -> None:
    source = (
        "import numpy as np\n\ndef f(n):\n    vals = [1.0] * (2 * n + 2)\n    out = np.zeros(n)\n    for i in range(n):\n"
        "        k = 2 * i + 1\n        out[i] = vals[k] - vals[k - 1]\n    return out\n"
    )
    assert _findings(source) == []


def test_a_temporary_rebound_in_a_branch_is_not_read_as_before() -> None:
    # `t` after the `if` is 0.0 where a[i] > 0: not `a * 2` everywhere.
    source = (
        "import numpy as np\n\ndef f(a):\n    a = np.asarray(a, dtype=float)\n    out = np.zeros(len(a))\n    for i in range(len(a)):\n"
        "        t = a[i]\n        if a[i] > 0:\n            t = 0.0\n        out[i] = t * 2\n    return out\n"
    )
    assert _findings(source) == []


# -- a first-element special case: `if i == 0` guarding `a[i - 1]` --------------------

RINGS = (
    "import math\nimport numpy as np\n\ndef f(radii):\n    radii = np.asarray(radii, dtype=float)\n    area = np.zeros(len(radii))\n"
    "    for i in range(0, len(area)):\n"
    "        if i == 0:\n            area[i] = math.pi * math.pow(radii[0], 2)\n        else:\n"
    "            area[i] = math.pi * (math.pow(radii[i], 2) - math.pow(radii[i - 1], 2))\n    return area\n"
)


def test_the_first_element_apart_and_the_rest_as_windows() -> None:
    (finding,) = _findings(RINGS)
    assert (
        "`area[0] = math.pi * math.pow(radii[0], 2); area[1:] = math.pi * (np.power(radii[1:], 2) - np.power(radii[:len(area) - 1], 2))`"
        in finding.message
    )
    assert "the loop did nothing on an empty array" in finding.message
    assert finding.fix is None


def test_the_first_element_suggestion_gives_the_loops_values() -> None:
    _assert_suggestion_runs(RINGS, sizes=(1, 2, 7, 1000))


def test_the_first_element_suggestion_raises_on_an_empty_array_as_its_message_says() -> None:
    suggested = _load(_with_suggestion(RINGS, "PC501"), "f")
    assert _load(RINGS, "f")(np.zeros(0)).size == 0
    with pytest.raises(IndexError):
        suggested(np.zeros(0))


SHELLS = (
    "import numpy as np\n\ndef f(flux):\n    flux = np.asarray(flux, dtype=float)\n    sub = np.zeros(len(flux))\n"
    "    for j in range(len(flux)):\n        if j > 0:\n            sub[j] = flux[j] - flux[j - 1]\n        else:\n"
    "            sub[j] = flux[0]\n    return sub\n"
)


def test_a_later_element_test_swaps_the_branches() -> None:
    (finding,) = _findings(SHELLS)
    assert "`sub[0] = flux[0]; sub[1:] = flux[1:] - flux[:len(flux) - 1]`" in finding.message
    _assert_suggestion_runs(SHELLS, sizes=(1, 2, 7, 1000))


@pytest.mark.parametrize(
    ("test", "first", "rest"),
    [
        # A recurrence in the rest.
        ("j == 0", "sub[j] = flux[0]", "sub[j] = sub[j - 1] + flux[j]"),
        # Not the first element.
        ("j == 1", "sub[j] = flux[0]", "sub[j] = flux[j] - flux[j - 1]"),
        # The first element's branch is not plain assignments.
        ("j == 0", "sub[j] = flux[0]\n            del flux", "sub[j] = flux[j] - flux[j - 1]"),
        # An element-dependent offset in the rest.
        ("j == 0", "sub[j] = flux[0]", "sub[j] = flux[j] - flux[lag[j]]"),
    ],
)
def test_first_element_loops_that_are_not_windows_stay_silent(test: str, first: str, rest: str) -> None:
    source = (
        "import numpy as np\n\ndef f(flux):\n    flux = np.asarray(flux, dtype=float)\n    lag = np.zeros(len(flux), dtype=int)\n"
        f"    sub = np.zeros(len(flux))\n    for j in range(len(flux)):\n        if {test}:\n            {first}\n        else:\n"
        f"            {rest}\n    return sub\n"
    )
    assert _findings(source) == []


def test_a_list_with_a_first_element_case_stays_silent() -> None:
    source = (
        "import numpy as np\n\ndef f(n):\n    flux = [1.0] * n\n    sub = np.zeros(n)\n    for j in range(n):\n"
        "        if j == 0:\n            sub[j] = flux[0]\n        else:\n            sub[j] = flux[j] - flux[j - 1]\n    return sub\n"
    )
    assert _findings(source) == []


# -- values computed from the index alone ---------------------------------------------

def test_values_from_the_index_alone_are_a_suggestion() -> None:
    source = "import numpy as np\n\ndef f(a):\n    w = np.zeros(len(a))\n    for k in range(len(w)):\n        w[k] = 1.0 / (k + 1) ** 1.5\n    return w\n"
    (finding,) = _findings(source)
    assert "`w[:] = 1.0 / (np.arange(len(w)) + 1) ** 1.5`" in finding.message
    assert "fixed-width integers" in finding.message
    assert finding.fix is None
    _assert_suggestion_runs(source)


def test_a_row_fill_with_one_value_for_every_row_stays_silent() -> None:
    source = (
        "import numpy as np\n\ndef f(a):\n    rows = np.zeros((3, len(a)))\n    for r in range(3):\n        row = np.log1p(np.abs(a))\n"
        "        rows[r] = row\n    return rows\n"
    )
    assert _findings(source) == []


# -- PC505's message for per-pair bodies says which broadcast is meant --------------


def test_a_distance_per_pair_names_its_arrays_and_cdist() -> None:
    source = (
        "import numpy as np\n\ndef f(pts, cell):\n    pts = np.asarray(pts, dtype=float).reshape(-1, 3)\n    n = pts.shape[0]\n"
        "    d = np.zeros((n, n))\n    for a in range(n):\n        for b in range(n):\n            delta = pts[a] - pts[b]\n"
        "            d[a, b] = np.sqrt(np.sum((delta @ cell) ** 2))\n    return d\n"
    )
    (finding,) = _findings(source, "PC505")
    assert "with a distance per pair: broadcast `pts[:, None]` against `pts[None, :]`" in finding.message
    assert "cdist" in finding.message


def test_a_reduction_per_pair_is_not_called_a_distance() -> None:
    source = (
        "import numpy as np\n\ndef f(t, sig):\n    t = np.asarray(t, dtype=float)\n    tau = np.linspace(0.0, 1.0, 5)\n"
        "    omega = np.linspace(1.0, 2.0, 4)\n    out = np.zeros((len(omega), len(tau)))\n    for i in range(len(omega)):\n"
        "        for j in range(len(tau)):\n            out[i, j] = (np.exp(-(t - tau[j]) ** 2 / sig) * np.cos(omega[i] * t)).sum()\n    return out\n"
    )
    (finding,) = _findings(source, "PC505")
    assert "with a reduction per pair: broadcast `omega[:, None, None]` against `tau[None, :, None]`" in finding.message
    assert "cdist" not in finding.message
