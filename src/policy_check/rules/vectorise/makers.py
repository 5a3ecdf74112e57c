"""What a call makes, as data: which NumPy, SciPy, pandas, xarray, netCDF4, h5py and
astropy functions return arrays, and which return *containers* whose items
(``df["t"]``, ``nc.variables["t"][:]``, ``f["t"][()]``, ``npz["t"]``) are arrays.

The tables are the whole policy: a function not named here makes nothing we know.
"""

from __future__ import annotations

# NumPy functions that return a scalar (for 1-D input) or something else than an array.
NUMPY_NON_ARRAY = frozenset(
    {
        "sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var", "median", "average", "any", "all",
        "argmax", "argmin", "nanmax", "nanmin", "nansum", "nanmean", "nanstd", "nanvar", "ndim", "size",
        "shape", "isscalar", "array_equal", "allclose", "array_equiv", "dtype", "errstate", "printoptions",
        "save", "savez", "savetxt", "savez_compressed", "iinfo", "finfo", "result_type", "can_cast", "trapz",
        "trapezoid", "count_nonzero", "ptp", "percentile", "quantile", "nanpercentile", "nanquantile", "vdot",
        "dot", "inner", "einsum", "tensordot", "nditer", "ndenumerate", "ndindex", "broadcast", "vectorize",
        "frompyfunc", "seterr", "geterr", "set_printoptions", "histogram", "unique", "nonzero", "where",
        "meshgrid", "gradient", "split", "array_split", "hsplit", "vsplit", "broadcast_arrays", "polyfit",
        "histogram2d", "histogramdd", "mgrid", "ogrid", "index_exp", "s_", "r_", "c_", "isclose_placeholder",
        "poly1d", "float64", "float32", "int64", "int32", "bool_", "datetime64", "timedelta64", "str_",
    }
)
# NumPy namespaces that are not array constructors.
NUMPY_OTHER_NAMESPACES = ("typing.", "testing.", "ma.", "lib.", "char.", "polynomial.", "ctypeslib.")
NUMPY_LINALG_ARRAYS = frozenset({"inv", "pinv", "solve", "cholesky", "eigvals", "eigvalsh"})
# Allocations: the result is a fresh array nothing else refers to.
LIKE = frozenset({"zeros_like", "ones_like", "empty_like", "full_like"})
ALLOCATORS = frozenset({"zeros", "ones", "empty", "full"})
CONVERTERS = frozenset({"array", "asarray", "asanyarray", "ascontiguousarray", "copy", "asfarray"})
RANGES = frozenset({"arange", "linspace", "logspace", "geomspace"})
NUMPY_READERS = frozenset({"load", "loadtxt", "genfromtxt", "fromfile", "frombuffer", "fromiter", "recfromcsv"})
# Random draws whose size comes from a keyword or a trailing positional argument.
RANDOM_ARRAY_IF_ANY_ARG = frozenset({"rand", "randn", "random", "random_sample", "ranf", "sample", "permutation"})
GENERATOR_METHODS = frozenset(
    {
        "normal", "uniform", "integers", "random", "standard_normal", "exponential", "gamma", "poisson",
        "binomial", "choice", "beta", "lognormal", "multivariate_normal", "permutation",
    }
)
ARRAY_METHODS_RETURNING_ARRAYS = frozenset(
    {
        "copy", "astype", "reshape", "ravel", "flatten", "transpose", "squeeze", "cumsum", "cumprod", "clip",
        "round", "conj", "swapaxes", "repeat", "take", "compress", "diagonal", "view",
    }
)
# Methods only arrays (and pandas objects) have: what they return is likely an array.
ARRAY_ONLY_METHODS = frozenset({"astype", "reshape", "ravel", "flatten", "squeeze", "swapaxes"})
# Methods that keep the number of dimensions (and, for these, the first axis).
SAME_SHAPE_METHODS = frozenset({"copy", "astype", "clip", "round", "cumsum", "cumprod", "conj"})
# Elementwise NumPy functions: the result has the first argument's length.
ELEMENTWISE = frozenset(
    {
        "abs", "absolute", "exp", "log", "log10", "log2", "log1p", "expm1", "sqrt", "sin", "cos", "tan", "arcsin",
        "arccos", "arctan", "arctan2", "sinh", "cosh", "tanh", "floor", "ceil", "round", "rint", "sign", "square",
        "clip", "maximum", "minimum", "fmax", "fmin", "isnan", "isfinite", "isinf", "hypot", "power",
        "degrees", "radians", "deg2rad", "rad2deg", "cbrt", "reciprocal", "negative", "mod", "fmod", "trunc",
        "nan_to_num", "logical_and", "logical_or", "logical_not", "cumsum", "cumprod",
    }
)

# NumPy functions whose first argument is an array (not a shape or a size): passing a
# name to one of these is likely evidence that it holds an array.
TAKES_ARRAY = ELEMENTWISE | LIKE | frozenset(
    {
        "sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var", "median", "average", "argmax",
        "argmin", "nanmax", "nanmin", "nansum", "nanmean", "nanstd", "nanvar", "nanmedian", "ptp", "percentile",
        "quantile", "diff", "gradient", "sort", "argsort", "flip", "roll", "interp", "convolve", "correlate",
        "trapz", "trapezoid", "histogram", "polyfit", "count_nonzero", "nonzero", "argwhere", "flatnonzero",
        "where", "transpose", "ravel", "squeeze", "isclose", "allclose", "real", "imag", "angle", "conj",
        "unwrap", "fft.fft", "fft.rfft", "fft.ifft", "fft.fft2", "cov", "corrcoef", "searchsorted", "digitize",
    }
)

# Other libraries' functions that return NumPy arrays (qualified names or prefixes ending in ".").
OTHER_ARRAY_MAKERS = (
    "scipy.ndimage.", "scipy.fft.", "scipy.special.",
    "scipy.signal.savgol_filter", "scipy.signal.medfilt", "scipy.signal.filtfilt", "scipy.signal.lfilter",
    "scipy.signal.detrend", "scipy.signal.convolve", "scipy.signal.fftconvolve", "scipy.signal.resample",
    "scipy.signal.hilbert", "scipy.signal.sosfiltfilt", "scipy.signal.sosfilt", "scipy.signal.wiener",
    "scipy.signal.correlate", "scipy.signal.decimate",
    "astropy.io.fits.getdata",
)
# Calls that return a container whose string-keyed items are arrays (or array-like columns).
CONTAINER_MAKERS = {
    "pandas.read_": "a pandas DataFrame",
    "pandas.DataFrame": "a pandas DataFrame",
    "pandas.concat": "a pandas DataFrame",
    "xarray.open_dataset": "an xarray Dataset",
    "xarray.open_mfdataset": "an xarray Dataset",
    "xarray.load_dataset": "an xarray Dataset",
    "xarray.Dataset": "an xarray Dataset",
    "netCDF4.Dataset": "a netCDF4 Dataset",
    "netCDF4.MFDataset": "a netCDF4 Dataset",
    "h5py.File": "an HDF5 file",
    "numpy.load": "an `.npz` archive",
    "scipy.io.loadmat": "a MATLAB file",
    "astropy.io.ascii.read": "an astropy Table",
    "astropy.table.Table.read": "an astropy Table",
    "astropy.table.Table": "an astropy Table",
}
# Containers whose items are plain arrays once sliced (`[:]`, `[()]`) — or, for these, at once.
ITEM_IS_ARRAY = frozenset({"an `.npz` archive", "a MATLAB file"})
# Containers whose string-keyed items are array-like columns (a pandas Series, an astropy
# Column, an xarray DataArray, a netCDF4 or HDF5 variable): arrays in arithmetic, but
# a Series is indexed by label and a variable reads from disk per element — likely only.
COLUMN_CONTAINERS = frozenset({"a pandas DataFrame", "an astropy Table", "an xarray Dataset", "a netCDF4 Dataset", "an HDF5 file"})
# DataFrame methods that give a DataFrame back (for `df = df.dropna()` chains).
FRAME_METHODS = frozenset(
    {
        "dropna", "fillna", "copy", "reset_index", "sort_values", "merge", "query", "rename", "drop",
        "set_index", "assign", "astype", "head", "tail", "sample", "drop_duplicates", "interpolate",
    }
)
# Attributes that only a DataFrame (among the things research code holds) has.
FRAME_ATTRIBUTES = frozenset({"iloc", "loc", "columns", "iterrows", "itertuples", "groupby", "to_csv", "dropna", "merge"})


def is_other_array_maker(qualified: str) -> bool:
    return any(qualified == maker or (maker.endswith(".") and qualified.startswith(maker)) for maker in OTHER_ARRAY_MAKERS)


def container_kind(qualified: str) -> str | None:
    for maker, kind in CONTAINER_MAKERS.items():
        if qualified == maker or (maker.endswith("_") and qualified.startswith(maker)):
            return kind
    return None
