"""The PC5 array evidence and loop analysis, as specifications: which names are
arrays, and which loops are left alone."""

from __future__ import annotations

import pytest

from policy_check.rules import vectorise
from policy_check.testing import check_snippet


def _codes(source: str) -> list[str]:
    return sorted(d.code for d in check_snippet(source, vectorise.RULES) if d.code.startswith("PC5"))


LOOP = "    out = np.empty(len({a}))\n    for i in range(len({a})):\n        out[i] = {a}[i] * 2.0\n    return out\n"


@pytest.mark.parametrize(
    "binding",
    [
        "import numpy as np\n\ndef f(raw):\n    x = np.asarray(raw)\n",
        "import numpy as onp\nimport numpy as np\n\ndef f(raw):\n    x = onp.linspace(0, 1, raw)\n",
        "import numpy\nimport numpy as np\n\ndef f(raw):\n    x = numpy.zeros(raw)\n",
        "import numpy as np\n\ndef f(df):\n    x = df['a'].to_numpy()\n",
        "import numpy as np\n\ndef f(df):\n    x = df['a'].values\n",
        "import numpy as np\nimport numpy.typing as npt\n\ndef f(x: npt.NDArray[np.float64]):\n    pass\n",
        "import numpy as np\n\ndef f(x: 'np.ndarray'):\n    pass\n",
        "import numpy as np\n\ndef f(raw):\n    rng = np.random.default_rng(0)\n    x = rng.normal(0.0, 1.0, size=raw)\n",
        "import numpy as np\n\ndef f(y: np.ndarray):\n    x = (y - y.mean())[1:]\n",
        "import numpy as np\n\ndef f(x):\n    assert x.ndim == 1\n",
    ],
)
def test_arrays_are_recognised_from_their_binding(binding: str) -> None:
    assert _codes(binding + LOOP.format(a="x")) == ["PC501"]


@pytest.mark.parametrize(
    "binding",
    [
        "import numpy as np\n\ndef f(raw):\n    x = list(raw)\n",
        "import numpy as np\n\ndef f(raw):\n    x = [1.0, 2.0]\n",
        "import numpy as np\n\ndef f(raw):\n    x = tuple(raw)\n",
        "import numpy as np\n\ndef f(x: list[float]):\n    pass\n",
        "import numpy as np\n\ndef f(raw):\n    x = np.asarray(raw)\n    x = list(x)\n",
        "import numpy as np\n\ndef f(x):\n    if hasattr(x, 'shape') and x.shape:\n        pass\n",
        "import numpy as np\n\ndef f(raw):\n    x = np.sum(raw)\n",
    ],
)
def test_lists_tuples_and_unknown_objects_are_not_arrays(binding: str) -> None:
    assert _codes(binding + LOOP.format(a="x")) == []


@pytest.mark.parametrize(
    "body",
    [
        "        if a[i] > 9:\n            return out\n        out[i] = a[i]\n",
        "        out[i] = a[i] + np.random.normal()\n",
        "        out[i] = a[i]\n        logger.info('%s', i)\n",
        "        out[i] = helper(a[i])\n",
        "        out[i] = a[i] + out[i - 1]\n",
        "        out[i] = a[i] * out[0]\n",
        "        try:\n            out[i] = a[i]\n        except ValueError:\n            pass\n",
    ],
)
def test_loops_with_exits_draws_io_unknown_calls_or_dependencies_are_not_elementwise(body: str) -> None:
    source = "import numpy as np\n\ndef f(a: np.ndarray, helper, logger):\n    out = np.zeros(len(a))\n    for i in range(len(a)):\n" + body + "    return out\n"
    assert "PC501" not in _codes(source)


def test_messages_show_the_users_names() -> None:
    source = "import numpy as xp\n\ndef f(flux: xp.ndarray):\n    mag = xp.empty(len(flux))\n    for k in range(len(flux)):\n        mag[k] = -2.5 * flux[k]\n    return mag\n"
    (finding,) = check_snippet(source, vectorise.RULES)
    assert "mag[:] = -2.5 * flux" in finding.message


def test_lst_times_two_is_never_suggested() -> None:
    source = "def f(lst):\n    total = 0\n    for x in lst:\n        total += x * 2\n    return sum(lst * 2)\n"
    assert _codes(source) == []
