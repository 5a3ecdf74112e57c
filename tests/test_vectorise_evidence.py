"""PC5 on the loops research code has, as specifications: arrays known from where
they are made and how they are used (certain → an edit, likely → a suggestion that
names its condition), chained and 2-D indexing, `while` index loops, filter loops,
dependencies, and row loops where column expressions would not help."""

from __future__ import annotations

import pytest

from policy_check.rules import vectorise
from policy_check.testing import check_snippet


def _findings(source: str, code: str) -> list:
    return [d for d in check_snippet(source, vectorise.RULES) if d.code == code]


LOOP = "out = np.empty(len({a}))\nfor i in range(len({a})):\n    out[i] = {a}[i] * 2.0 + 1.0\n"


@pytest.mark.parametrize(
    ("binding", "evidence"),
    [
        ("x = np.loadtxt('t.txt')\n", "made by `np.loadtxt`"),
        ("x = np.genfromtxt('t.csv', delimiter=',')\n", "made by `np.genfromtxt`"),
        ("from scipy.signal import savgol_filter\nx = savgol_filter(np.loadtxt('t.txt'), 11, 3)\n", "made by `savgol_filter`"),
        ("x = np.load('run.npz')['flux']\n", "read from an `.npz` archive"),
        ("from netCDF4 import Dataset\nnc = Dataset('t.nc')\nx = nc.variables['t2m'][:]\n", "read from a netCDF4 Dataset"),
        ("import h5py\nf = h5py.File('t.h5')\nx = f['flux'][()]\n", "read from an HDF5 file"),
        ("import pandas as pd\nx = pd.read_csv('t.csv')['t'].to_numpy()\n", "made by `.to_numpy()`"),
    ],
)
def test_arrays_made_by_readers_are_certain_and_named_in_the_message(binding: str, evidence: str) -> None:
    (finding,) = _findings("import numpy as np\n" + binding + LOOP.format(a="x"), "PC501")
    assert evidence in finding.message
    assert finding.fix is not None


@pytest.mark.parametrize(
    "use",
    [
        "    lo = np.mean(x)\n",
        "    corner = x[0, 0]\n",
        "    xt = x.T\n",
    ],
)
def test_parameters_used_like_arrays_are_likely_a_suggestion_with_its_condition(use: str) -> None:
    source = "import numpy as np\n\ndef f(x):\n" + use + "    out = np.zeros(len(x))\n    for i in range(len(x)):\n        out[i] = x[i] * 3.0\n    return out\n"
    (finding,) = _findings(source, "PC501")
    assert "if `x` is a NumPy array" in finding.message
    assert finding.fix is None


def test_the_issue_example_names_both_unannotated_parameters() -> None:
    source = (
        "import numpy as np\n\ndef potential_temperature(temp, pressure):\n    out = np.zeros_like(temp)\n"
        "    for i in range(len(temp)):\n        out[i] = temp[i] * (1000.0 / pressure[i]) ** 0.286\n    return out\n"
    )
    (finding,) = _findings(source, "PC501")
    assert "`out[:] = temp * (1000.0 / pressure) ** 0.286`" in finding.message
    assert "if `pressure` and `temp` are NumPy arrays" in finding.message
    assert finding.fix is None


def test_a_call_site_in_the_module_that_passes_an_array_is_likely_evidence() -> None:
    source = (
        "import numpy as np\n\ndef scaled(t, k):\n    out = np.empty(len(t))\n    for i in range(len(t)):\n"
        "        out[i] = t[i] / k\n    return out\n\nseries = np.loadtxt('s.txt')\nscaled(series, 2.0)\n"
    )
    (finding,) = _findings(source, "PC501")
    assert "a call in this module passes an array: `scaled(series, 2.0)`" in finding.message
    assert finding.fix is None


@pytest.mark.parametrize(
    "binding",
    [
        "    vals = [1.0] * n\n",
        "    vals = ['a', 'b']\n",
        "    vals = tuple(range(n))\n",
        "    vals = 'abcdef'\n",
    ],
)
def test_lists_tuples_and_strings_stay_silent_even_next_to_arrays(binding: str) -> None:
    source = "import numpy as np\n\ndef f(n):\n" + binding + "    out = np.zeros(n)\n    for i in range(n):\n        out[i] = vals[i] * 2\n    return out\n"
    assert _findings(source, "PC501") == []


def test_chained_indexing_on_a_loaded_grid_suggests_the_whole_array_expression() -> None:
    source = (
        "import numpy as np\n\ngrid = np.loadtxt('hist.txt')\nfor i in range(grid.shape[0]):\n    for j in range(grid.shape[1]):\n"
        "        grid[i][j] = np.inf if grid[i][j] == 0 else -np.log(grid[i][j])\n"
    )
    (finding,) = _findings(source, "PC505")
    assert "`grid[:, :] = np.where(grid == 0, np.inf, -np.log(grid))`" in finding.message
    assert "cdist" not in finding.message
    assert _findings(source, "PC501") == []  # the inner loop is covered by the outer finding


def test_an_elementwise_2d_loop_is_not_called_an_outer_product() -> None:
    source = (
        "import numpy as np\n\ndef melt(t: np.ndarray, ddf: np.ndarray):\n    ny, nx = t.shape\n    m = np.zeros((ny, nx))\n"
        "    for r in range(ny):\n        for c in range(nx):\n            m[r, c] = ddf[r, c] * t[r, c] + 1.0\n    return m\n"
    )
    (finding,) = _findings(source, "PC505")
    assert "`m[:, :] = ddf * t + 1.0`" in finding.message


def test_rows_times_a_per_row_weight_broadcast_over_columns() -> None:
    source = (
        "import numpy as np\n\ndef weighted(m: np.ndarray, w: np.ndarray):\n    out = np.zeros((len(w), 3))\n    m = m.reshape(-1, 3)\n"
        "    for i in range(len(w)):\n        out[i] = m[i] * w[i]\n    return out\n"
    )
    (finding,) = _findings(source, "PC501")
    assert "`out[:] = m * w[:, None]`" in finding.message


def test_outer_operations_broadcast_each_axis() -> None:
    source = (
        "import numpy as np\n\ndef shifted(a: np.ndarray, b: np.ndarray):\n    d = np.empty((a.size, b.size))\n"
        "    for i in range(a.size):\n        for j in range(b.size):\n            d[i, j] = a[i] - b[j]\n    return d\n"
    )
    (finding,) = _findings(source, "PC505")
    assert "`d[:, :] = a[:, None] - b[None, :]`" in finding.message


@pytest.mark.parametrize(
    "body",
    [
        "            u[i][j] = 0.25 * (u[i - 1][j] + u[i + 1][j] + u[i][j - 1] + u[i][j + 1])\n",
        "            u[i, j] = 0.5 * (u[i - 1, j] + u[i, j])\n",
        "            u[i, j] = u[i, j] + u[0, 0]\n",
    ],
)
def test_a_sweep_that_reads_cells_it_already_overwrote_is_not_elementwise(body: str) -> None:
    source = "import numpy as np\n\ndef sweep(u: np.ndarray):\n    for i in range(1, u.shape[0] - 1):\n        for j in range(1, u.shape[1] - 1):\n" + body + "    return u\n"
    codes = {d.code for d in check_snippet(source, vectorise.RULES)}
    assert not codes & {"PC501", "PC505"}


def test_a_while_index_loop_is_an_elementwise_loop_without_an_edit() -> None:
    source = (
        "import numpy as np\n\nflux = np.loadtxt('flux.txt')\nmag = np.empty(len(flux))\nk = 0\n"
        "while k < len(flux):\n    mag[k] = -2.5 * np.log10(flux[k])\n    k += 1\n"
    )
    (finding,) = _findings(source, "PC501")
    assert "`mag[:] = -2.5 * np.log10(flux)`" in finding.message
    assert finding.fix is None


def test_a_while_loop_that_moves_its_index_inside_the_body_is_left_alone() -> None:
    source = (
        "import numpy as np\n\nflux = np.loadtxt('flux.txt')\nmag = np.empty(len(flux))\nk = 0\n"
        "while k < len(flux):\n    mag[k] = flux[k]\n    k = k + 2\n    k += 1\n"
    )
    assert _findings(source, "PC501") == []


@pytest.mark.parametrize(
    ("append", "kept"),
    [("spec[n]", "`lines = spec[spec > 3.0]`"), ("n", "`lines = np.flatnonzero(spec > 3.0)`")],
)
def test_filter_loops_are_boolean_masks(append: str, kept: str) -> None:
    source = (
        "import numpy as np\n\nspec = np.genfromtxt('spec.csv', delimiter=',')\nlines = []\n"
        f"for n in range(len(spec)):\n    if spec[n] > 3.0:\n        lines.append({append})\n"
    )
    (finding,) = _findings(source, "PC504")
    assert kept in finding.message
    assert finding.fix is None


def test_growth_inside_try_within_a_loop_is_reported() -> None:
    source = (
        "import numpy as np\n\ndef collect(paths):\n    data = np.array([])\n    for p in paths:\n        try:\n"
        "            data = np.append(data, np.loadtxt(p))\n        except OSError:\n            continue\n    return data\n"
    )
    assert len(_findings(source, "PC503")) == 1


@pytest.mark.parametrize(
    "body",
    [
        "        plt.scatter(row['x'], row['y'])\n",
        "        print(row['x'] / row['y'])\n",
        "        out[i] = fit(row['path'])\n",
        "        out[i] = pd.read_csv(row['path'])\n",
        "        out[i] = requests.get(row['url']).json()\n",
        "        ax.text(row['x'], row['y'], row['label'])\n",
    ],
)
def test_row_loops_that_plot_read_print_or_call_unknown_functions_are_not_pc508(body: str) -> None:
    source = (
        "import pandas as pd\nimport requests\nimport matplotlib.pyplot as plt\n\ndef f(df: pd.DataFrame, fit, ax):\n    out = {}\n"
        "    for i, row in df.iterrows():\n" + body + "    return out\n"
    )
    assert _findings(source, "PC508") == []


@pytest.mark.parametrize(
    "body",
    [
        "        out[i] = row['kg'] / row['area']\n",
        "        if pd.isnull(row['state']):\n            df.loc[i, 'state'] = row['old_state']\n",
        "        out[row['block']] = out.get(row['block'], 0.0) + row['y']\n",
        "        out[i] = row['name'].strip().lower()\n",
    ],
)
def test_row_loops_that_compute_with_cells_are_pc508(body: str) -> None:
    source = "import pandas as pd\n\ndef f(df: pd.DataFrame):\n    out = {}\n    for i, row in df.iterrows():\n" + body + "    return out\n"
    assert len(_findings(source, "PC508")) == 1


def test_apply_axis_1_is_recognised_by_dataframe_use_without_a_pandas_import() -> None:
    source = "def margin(sales):\n    sales = sales.dropna()\n    cols = sales.columns\n    return sales.apply(lambda r: r['price'] - r['cost'], axis=1), cols\n"
    assert len(_findings(source, "PC508")) == 1
    unknown = "def margin(pool, f):\n    return pool.apply(lambda r: r * 2, axis=1)\n"
    assert _findings(unknown, "PC508") == []


def test_a_parameter_a_call_site_fills_with_a_list_is_not_taken_for_an_array() -> None:
    source = (
        "import numpy as np\n\ndef dist(a, b):\n    d = 0.0\n    for i in range(len(b)):\n        d += (b[i] - a[i]) ** 2\n    return d\n\n"
        "def closest(values):\n    picked = []\n    for v in np.asarray(values):\n        picked.append(v)\n    return dist([1, 2], picked)\n"
    )
    assert _findings(source, "PC502") == []


def test_a_transposed_copy_is_the_transpose_not_an_outer_product() -> None:
    source = (
        "import numpy as np\n\nre_vals = np.zeros((7, 40))\ntmp = np.zeros((40, 7))\nfor i in range(40):\n"
        "    for j in range(7):\n        tmp[i, j] = re_vals[j, i]\n"
    )
    (finding,) = _findings(source, "PC505")
    assert "`tmp[:, :] = re_vals.T`" in finding.message


def test_a_masked_write_of_a_loop_invariant_call_is_a_mask_computed_once() -> None:
    source = (
        "import numpy as np\n\ndef curve(x, a, b):\n    return a * x ** 2 + b\n\ndef clip_rows(x, a, b, h):\n"
        "    y = curve(x, a, b).astype(int)\n    valid = (y >= 0) & (y < h)\n    for j in range(len(valid)):\n"
        "        if valid[j] == False:\n            y[j] = curve(x, a, b - 1).astype(int)[j]\n    return y\n"
    )
    (finding,) = _findings(source, "PC501")
    assert "y[mask] = curve(x, a, b - 1).astype(int)[mask]" in finding.message
    assert "computed once" in finding.message
    assert finding.fix is None


def test_a_random_draw_or_a_read_per_iteration_is_never_made_once() -> None:
    for call in ("rng.random()", "fh.readline()", "draw(seed)"):
        source = (
            "import numpy as np\n\ndef f(a: np.ndarray, rng, fh, draw, seed):\n    out = np.zeros(len(a))\n    for i in range(len(a)):\n"
            f"        out[i] = a[i] * {call}\n    return out\n"
        )
        findings = _findings(source, "PC501")
        assert all(d.fix is None for d in findings)
        assert call != "rng.random()" or findings == []
        assert call != "fh.readline()" or findings == []


def test_a_running_sum_into_a_fixed_element_is_a_reduction() -> None:
    source = (
        "import numpy as np\n\ndef jackknife(local: np.ndarray, w: np.ndarray, y, k, base):\n    y[k] = 0.0\n"
        "    for i in range(len(local)):\n        yi = base - local[i] * w[i]\n        y[k] += yi ** 2\n    return y\n"
    )
    (finding,) = _findings(source, "PC502")
    assert "y[k] += " in finding.message
    assert finding.fix is None


def test_a_name_narrowed_by_its_own_mask_stays_an_array() -> None:
    source = (
        "import numpy as np\n\ndef f(path, h):\n    y = np.loadtxt(path)\n    valid = (y >= 0) & (y < h)\n    y = y[valid]\n"
        "    out = np.empty(len(y))\n    for j in range(len(y)):\n        out[j] = y[j] * 2.0\n    return out\n"
    )
    (finding,) = _findings(source, "PC501")
    assert "`out[:] = y * 2.0`" in finding.message


def test_a_list_turned_into_an_array_and_a_running_product_are_found_as_suggestions() -> None:
    source = (
        "import numpy as np\n\nfilters = []\nfor line in open('f.txt'):\n    filters.append(float(line))\n"
        "filters = np.array(filters)\nfilters = filters / 100\nfactor = 1.0\nfor j in range(len(filters)):\n    factor = factor * filters[j]\n"
    )
    (finding,) = _findings(source, "PC502")
    assert "`factor *= filters.prod()`" in finding.message
    assert "a list turned into an array" in finding.message
    assert finding.fix is None


def test_names_bound_by_unknown_calls_and_read_at_the_index_are_likely_arrays() -> None:
    source = (
        "import numpy as np\n\nrows = fetch('a')\nscale = fetch('b')\nbest = np.zeros(40)\nfor j in range(40):\n"
        "    best[j] = (rows[j] + scale[j]) / 2\n"
    )
    (finding,) = _findings(source, "PC501")
    assert "if `rows` and `scale` are NumPy arrays" in finding.message
    assert finding.fix is None


def test_a_loop_invariant_temporary_is_not_a_pairwise_distance() -> None:
    source = (
        "import numpy as np\n\nres = np.loadtxt('r.txt')\nnoise = np.loadtxt('n.txt')\nsig = np.zeros((40, 40))\n"
        "for i in range(40):\n    for q in range(40):\n        sig[i][q] = res[161 + i][161 + q]\n        level = noise[0]\n"
    )
    assert all("cdist" not in d.message for d in _findings(source, "PC505"))


def test_masked_writes_mask_the_target_and_not_a_constant() -> None:
    source = (
        "import numpy as np\n\ndef f(ids: np.ndarray, ids2: np.ndarray, n):\n    matrix = np.zeros((n, n))\n    for i in range(n):\n"
        "        for j in range(n):\n            if ids[i] == ids[j]:\n                if ids2[i] == ids2[j]:\n                    matrix[i, j] = 1\n    return matrix\n"
    )
    (finding,) = _findings(source, "PC505")
    assert "`mask = (ids[:, None] == ids[None, :]) & (ids2[:, None] == ids2[None, :]); matrix[mask] = 1`" in finding.message
