"""PC501 on two shapes research loops have: reads at a fixed offset from the index
(`a[161 + i]`, `a[i + 1] - a[i]`), and `if`/`else` bodies whose branches write
different arrays or the same one down an `elif` chain.  All are suggestions (no edit); dependencies stay silent."""

from __future__ import annotations

import pytest

from policy_check.rules import vectorise
from policy_check.testing import check_snippet


def _findings(source: str, code: str = "PC501") -> list:
    return [d for d in check_snippet(source, vectorise.RULES) if d.code == code]


def test_an_offset_window_is_suggested_as_a_slice_of_the_same_length() -> None:
    source = (
        "import numpy as np\n\ndef band(spectrum, n):\n    level = np.zeros(n)\n    for i in range(n):\n"
        "        level[i] = 10.0 * np.log10(spectrum[161 + i] / spectrum[i + 4])\n    return level\n"
    )
    (finding,) = _findings(source)
    assert "`level[:n] = 10.0 * np.log10(spectrum[161:n + 161] / spectrum[4:n + 4])`" in finding.message
    assert "if `spectrum` is a NumPy array" in finding.message
    assert finding.fix is None


def test_plain_reads_next_to_a_window_are_cut_to_the_loop_length() -> None:
    source = (
        "import numpy as np\n\ndef slope(h, steps, dx):\n    out = np.empty(steps)\n    for i in range(steps):\n"
        "        out[i] = (h[i + 1] - h[i]) / dx\n    return out\n"
    )
    (finding,) = _findings(source)
    assert "`out[:steps] = (h[1:steps + 1] - h[:steps]) / dx`" in finding.message


def test_first_differences_stop_short_of_the_end() -> None:
    source = (
        "import numpy as np\n\ntrace = np.loadtxt('t.txt')\nstep = np.zeros(len(trace) - 1)\n"
        "for k in range(len(trace) - 1):\n    step[k] = trace[k + 1] - trace[k]\n"
    )
    (finding,) = _findings(source)
    assert "`step[:len(trace) - 1] = trace[1:len(trace)] - trace[:len(trace) - 1]`" in finding.message
    assert finding.fix is None


@pytest.mark.parametrize(
    "body",
    [
        # A recurrence: the written array read one step back.
        "        y[i] = y[i - 1] * 0.5 + x[i]\n",
        # From 0, `x[i - 1]` first reads the last element: not a window.
        "        y[i] = x[i - 1] * 2.0\n",
        # The offset is another array's value.
        "        y[i] = x[i + lag[i]]\n",
    ],
)
def test_offsets_that_are_not_windows_stay_silent(body: str) -> None:
    start = "1, " if "y[i - 1]" in body else ""
    source = (
        "import numpy as np\n\nx = np.loadtxt('x.txt')\nlag = np.zeros(len(x), dtype=int)\ny = np.zeros(len(x))\n"
        f"for i in range({start}len(x)):\n" + body
    )
    assert _findings(source) == []


def test_branches_writing_different_arrays_become_two_masks() -> None:
    source = (
        "import numpy as np\n\ndef split(flow):\n    flow = np.asarray(flow, dtype=float)\n    gain = np.zeros(len(flow))\n"
        "    loss = np.zeros(len(flow))\n    for t in range(len(flow)):\n        if flow[t] >= 0:\n            gain[t] = flow[t]\n"
        "        else:\n            loss[t] = -flow[t]\n    return gain, loss\n"
    )
    (finding,) = _findings(source)
    assert "`mask = flow >= 0; gain[mask] = flow[mask]; mask = ~(flow >= 0); loss[mask] = (-flow)[mask]`" in finding.message
    assert finding.fix is None


def test_a_uniform_value_under_a_mask_is_not_indexed() -> None:
    source = (
        "import numpy as np\n\ndef flag(depth, shallow, deep):\n    depth = np.asarray(depth)\n    kind = np.zeros(len(depth))\n"
        "    other = np.zeros(len(depth))\n    for i in range(len(depth)):\n        if depth[i] < 10:\n            kind[i] = shallow\n"
        "        else:\n            other[i] = deep\n    return kind, other\n"
    )
    (finding,) = _findings(source)
    assert "kind[mask] = shallow;" in finding.message
    assert "other[mask] = deep`" in finding.message


def test_branches_that_read_what_the_other_wrote_stay_silent() -> None:
    source = (
        "import numpy as np\n\nx = np.loadtxt('x.txt')\na = np.zeros(len(x))\nb = np.zeros(len(x))\n"
        "for i in range(1, len(x)):\n    if x[i] > 0:\n        a[i] = b[i - 1] + x[i]\n    else:\n        b[i] = a[i - 1] - x[i]\n"
    )
    assert _findings(source) == []


def test_an_elif_chain_without_else_is_one_select() -> None:
    source = (
        "import numpy as np\n\ndef landcover(code):\n    code = np.asarray(code, dtype=float)\n    kind = np.zeros(code.shape)\n"
        "    for r in range(code.shape[0]):\n        for c in range(code.shape[1]):\n            if np.isnan(code[r, c]):\n"
        "                kind[r, c] = np.nan\n            elif code[r, c] < 20:\n                kind[r, c] = 1\n"
        "            elif code[r, c] < 40:\n                kind[r, c] = 2\n    return kind\n"
    )
    (finding,) = _findings(source, "PC505")
    assert "`kind[:, :] = np.select([np.isnan(code), code < 20, code < 40], [np.nan, 1, 2], default=kind)`" in finding.message
    assert finding.fix is None


def test_branches_whose_test_reads_a_written_array_stay_silent() -> None:
    # `x[mask] = -1` first would change `~(x > 0)` for the `else` line.
    source = (
        "import numpy as np\n\nx = np.loadtxt('x.txt')\ny = np.zeros(len(x))\n"
        "for i in range(len(x)):\n    if x[i] > 0:\n        x[i] = -1.0\n    else:\n        y[i] = x[i]\n"
    )
    assert _findings(source) == []


def test_a_strided_read_is_a_slice_with_a_step() -> None:
    source = (
        "import numpy as np\n\ndef vertical(forces):\n    forces = np.asarray(forces, dtype=float)\n    fz = np.zeros(len(forces) // 3)\n"
        "    for node in range(len(fz)):\n        fz[node] = -forces[3 * node + 2]\n    return fz\n"
    )
    (finding,) = _findings(source)
    assert "`fz[:] = -forces[2:3 * len(fz) + 2:3]`" in finding.message


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        ("hits = hits + 1", "`hits += 1 * np.count_nonzero(ratio[:, 1] / ratio[:, 0] == target)`"),
        ("hits += weight", "`hits += weight * np.count_nonzero(ratio[:, 1] / ratio[:, 0] == target)`"),
    ],
)
def test_a_constant_added_under_a_condition_is_a_count(update: str, expected: str) -> None:
    # Not `1[mask].sum()`: a term that does not change per row is not indexed.
    source = (
        "import numpy as np\n\ndef matches(ratio, target, weight):\n    ratio = np.asarray(ratio, dtype=float)\n    hits = 0\n"
        f"    for r in range(ratio.shape[0]):\n        if ratio[r, 1] / ratio[r, 0] == target:\n            {update}\n    return hits\n"
    )
    (finding,) = _findings(source, "PC502")
    assert expected in finding.message


def test_int_of_each_element_is_a_trunc_suggestion() -> None:
    source = (
        "import numpy as np\n\ncentres_x = np.linspace(0.0, 40.0, 9)\ncentres_y = np.linspace(5.0, 12.0, 9)\n"
        "for i in range(len(centres_x)):\n    centres_x[i] = int(centres_x[i])\n    centres_y[i] = round(centres_y[i])\n"
    )
    (finding,) = _findings(source)
    assert "`centres_x[:] = np.trunc(centres_x); centres_y[:] = np.round(centres_y)`" in finding.message
    assert finding.fix is None
