"""PC5 on arrays held in `self.attr`: the class's own assignments are the evidence
(`self.flux = np.loadtxt(...)` in `__init__`, or in a setup method).  Code outside the
class could rebind the attribute, so these are suggestions ("if `self.flux` is a
NumPy array"), never edits.  Silent: an attribute the class also sets to a list, a
whole-array attribute inside an elementwise expression, static methods."""

from __future__ import annotations

import pytest
from test_vectorise_indices import _assert_suggestion_runs

from policy_check.rules import vectorise
from policy_check.testing import check_snippet


def _findings(source: str, code: str = "PC501") -> list:
    return [d for d in check_snippet(source, vectorise.RULES) if d.code == code]


CLASS = (
    "import numpy as np\n\nclass Detector:\n    def __init__(self, counts, gain):\n"
    "        self.counts = np.asarray(counts, dtype=float)\n        self.dark = np.full(len(self.counts), 0.25)\n"
    "        self.gain = gain\n        self.labels = ['ch'] * len(self.counts)\n\n"
)


def _with(method: str, call: str) -> str:
    return CLASS + method + f"\n\ndef f(a):\n    return Detector(a, 1.5).{call}\n"


CALIBRATED = _with(
    "    def calibrated(self):\n        out = np.empty(len(self.counts))\n        for i in range(len(self.counts)):\n"
    "            out[i] = (self.counts[i] - self.dark[i]) * self.gain\n        return out\n",
    "calibrated()",
)


def test_attributes_set_to_arrays_in_init_are_likely_arrays() -> None:
    (finding,) = _findings(CALIBRATED)
    assert "`out[:] = (self.counts - self.dark) * self.gain`" in finding.message
    assert "if `self.counts` and `self.dark` are NumPy arrays" in finding.message
    assert "set to an array in `__init__` (made by `np.asarray`)" in finding.message
    assert finding.fix is None


def test_the_attribute_suggestion_gives_the_loops_values() -> None:
    _assert_suggestion_runs(CALIBRATED)


IN_PLACE = _with(
    "    def subtract_dark(self):\n        for i in range(len(self.counts)):\n            self.counts[i] = self.counts[i] - self.dark[i]\n"
    "        return self.counts\n",
    "subtract_dark()",
)


def test_an_attribute_written_in_place() -> None:
    (finding,) = _findings(IN_PLACE)
    assert "`self.counts[:] = self.counts - self.dark`" in finding.message
    _assert_suggestion_runs(IN_PLACE)


def test_an_attribute_made_in_a_setup_method_after_a_none_placeholder() -> None:
    source = (
        "import numpy as np\n\nclass Grid:\n    def __init__(self):\n        self.h = None\n\n"
        "    def setup(self, path):\n        self.h = np.loadtxt(path)\n\n"
        "    def depth(self, rho):\n        d = np.zeros(len(self.h))\n        for k in range(len(self.h)):\n"
        "            d[k] = rho * 9.81 * self.h[k]\n        return d\n"
    )
    (finding,) = _findings(source)
    assert "`d[:] = rho * 9.81 * self.h`" in finding.message
    assert "set to an array in `setup` (made by `np.loadtxt`)" in finding.message


def test_a_reduction_over_attributes() -> None:
    source = _with(
        "    def total(self):\n        s = 0.0\n        for i in range(len(self.counts)):\n            s += self.counts[i] * self.dark[i]\n        return s\n",
        "total()",
    )
    (finding,) = _findings(source, "PC502")
    assert "if `self.counts` and `self.dark` are NumPy arrays" in finding.message


@pytest.mark.parametrize(
    "method",
    [
        # A list attribute.
        "    def doubled(self):\n        out = np.zeros(len(self.labels))\n        for i in range(len(self.labels)):\n"
        "            out[i] = self.labels[i] * 2\n        return out\n",
        # The whole array inside the elementwise expression: not an element.
        "    def spread(self):\n        out = np.zeros(len(self.counts))\n        for i in range(len(self.counts)):\n"
        "            out[i] = self.counts[i] * self.dark\n        return out\n",
        # A recurrence on the attribute.
        "    def smooth(self):\n        for i in range(1, len(self.counts)):\n"
        "            self.counts[i] = 0.5 * (self.counts[i] + self.counts[i - 1])\n",
        # An element-dependent offset (a gather).
        "    def gathered(self, idx):\n        out = np.zeros(len(idx))\n        for i in range(len(idx)):\n"
        "            out[i] = self.counts[idx[i]]\n        return out\n",
    ],
)
def test_attribute_loops_that_are_not_elementwise_stay_silent(method: str) -> None:
    assert _findings(CLASS + method) == []


@pytest.mark.parametrize(
    "other",
    [
        "    def reset(self):\n        self.counts = []\n",
        "    def reset(self, pair):\n        self.counts, self.dark = pair\n",
        "    def reset(self):\n        del self.counts\n",
    ],
)
def test_an_attribute_also_bound_to_something_else_stays_unknown(other: str) -> None:
    source = CALIBRATED.replace("\n\ndef f(a):", "\n\n" + other + "\n\ndef f(a):")
    assert _findings(source) == []


def test_a_static_method_has_no_self() -> None:
    source = CLASS + (
        "    @staticmethod\n    def scaled(self, k):\n        out = np.zeros(len(self.counts))\n        for i in range(len(self.counts)):\n"
        "            out[i] = self.counts[i] * k\n        return out\n"
    )
    assert _findings(source) == []


def test_an_attribute_filled_from_the_index() -> None:
    source = _with(
        "    def weights(self, p):\n        for k in range(len(self.dark)):\n            self.dark[k] = 1.0 / (k + 1) ** p\n        return self.dark\n",
        "weights(1.5)",
    )
    (finding,) = _findings(source)
    assert "`self.dark[:] = 1.0 / (np.arange(len(self.dark)) + 1) ** p`" in finding.message
    assert "if `self.dark` is a NumPy array" in finding.message
    _assert_suggestion_runs(source)
