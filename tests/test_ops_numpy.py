"""Keras 3's NumPy set against NumPy (see tests/ops_case.py for the runner)."""
import numpy as np
import pytest

from ops_case import B, B2, G, INT, INT2, N, P, Case, run_case

NAN = np.where(N > 1.0, np.nan, N).astype("float32")
INF = np.where(N > 0, np.inf, -np.inf).astype("float32")
SQ = (N[:3, :3] @ N[:3, :3].T + 3 * np.eye(3)).astype("float32")

# Ops that are their NumPy namesake on the given inputs.
UNARY = {"abs": N, "absolute": N, "arccos": P, "arccosh": G, "arcsin": P, "arcsinh": N,
         "arctan": N, "arctanh": P, "cbrt": N, "ceil": N, "conj": N, "conjugate": N,
         "copy": N, "cos": N, "cosh": N, "deg2rad": N, "exp": N, "exp2": N, "expm1": N,
         "fabs": N, "floor": N, "i0": N, "imag": N, "isfinite": NAN, "isinf": NAN,
         "isnan": NAN, "isneginf": INF, "isposinf": INF, "isreal": N, "log": P,
         "log10": P, "log1p": P, "log2": P, "logical_not": B, "negative": N,
         "rad2deg": N, "real": N, "reciprocal": G, "sign": N, "signbit": N, "sin": N,
         "sinc": N, "sinh": N, "sqrt": P, "square": N, "tan": N, "tanh": N, "trunc": N,
         "angle": N, "bitwise_invert": INT, "bitwise_not": INT, "ravel": N,
         "fliplr": N, "flipud": N, "corrcoef": N, "count_nonzero": B}
BINARY = {"add": (N, P), "arctan2": (N, P), "divide": (N, G), "equal": (INT, INT2),
          "floor_divide": (N, G), "fmax": (NAN, N), "fmin": (NAN, N), "fmod": (N, G),
          "gcd": (INT, INT2), "greater": (N, P), "greater_equal": (INT, INT2),
          "heaviside": (N, P), "hypot": (N, P), "lcm": (INT, INT2), "ldexp": (N, INT2),
          "less": (N, P), "less_equal": (INT, INT2), "logaddexp": (N, P),
          "logaddexp2": (N, P), "logical_and": (B, B2), "logical_or": (B, B2),
          "logical_xor": (B, B2), "maximum": (N, P), "minimum": (N, P), "mod": (N, G),
          "multiply": (N, P), "nextafter": (N, P), "not_equal": (INT, INT2),
          "power": (P, N), "subtract": (N, P), "true_divide": (N, G),
          "matmul": (N, N.T), "dot": (N, N.T), "inner": (N, P), "outer": (N, P),
          "kron": (N[:2, :2], P[:2, :2]), "vdot": (N, P),
          "bitwise_and": (INT, INT2), "bitwise_or": (INT, INT2), "bitwise_xor": (INT, INT2),
          "bitwise_left_shift": (INT, INT2), "bitwise_right_shift": (INT, INT2),
          "left_shift": (INT, INT2), "right_shift": (INT, INT2), "append": (N, P)}
NUMPY_NAMES = {"bitwise_invert": "invert", "bitwise_left_shift": "left_shift",
               "bitwise_right_shift": "right_shift"}


def _numpy(name):
    return getattr(np, NUMPY_NAMES.get(name, name))


CASES = {name: Case((x,), _numpy(name)) for name, x in UNARY.items()}
CASES.update({name: Case(pair, _numpy(name), rtol=2e-5) for name, pair in BINARY.items()})

# Reductions, statistics, search.
for name in ("sum", "prod", "mean", "median", "std", "var", "max", "min", "amax", "amin",
             "ptp", "argmax", "argmin"):
    CASES[name] = Case((N,), _numpy(name), {"axis": 1, "keepdims": True})
CASES.update({
    "all": Case((B,), lambda x, axis: np.all(x, axis=axis), {"axis": 0}),
    "any": Case((B,), lambda x, axis: np.any(x, axis=axis), {"axis": 0}),
    "average": Case((N,), lambda x, axis, weights: np.average(x, axis, weights),
                    {"axis": 1, "weights": np.arange(1.0, 5.0, dtype="float32")}),
    "cumsum": Case((N,), lambda x, axis: np.cumsum(x, axis), {"axis": 1}),
    "cumprod": Case((P,), lambda x, axis: np.cumprod(x, axis), {"axis": 0}),
    "quantile": Case((N, 0.3), lambda x, q, axis: np.quantile(x, q, axis=axis), {"axis": 1}),
    "percentile": Case((N, 30.0), lambda x, q: np.percentile(x, q)),
    "sort": Case((N,), np.sort),
    "argsort": Case((N,), np.argsort),
    "argpartition": Case((N, 1), None, check=lambda r, a, k: np.testing.assert_array_equal(
        np.take_along_axis(N, np.asarray(r), -1)[:, 1], np.sort(N, -1)[:, 1])),
    "searchsorted": Case((np.sort(N.ravel()), P.ravel()), np.searchsorted),
    "digitize": Case((N, np.array([-1.0, 0.0, 1.0], "float32")), np.digitize),
    "unique": Case((INT,), np.unique, symbolic=False),
    "nonzero": Case((B,), np.nonzero, symbolic=False),
    "bincount": Case((INT.ravel(),), np.bincount, symbolic=False),
    "histogram": Case((N,), lambda x, bins: np.histogram(x, bins), {"bins": 5},
                      symbolic=False),
    "isin": Case((INT, INT2), np.isin),
    "where": Case((B, N, P), np.where),
    "select": Case(([B, B2], [N, P]), lambda c, v: np.select(c, v)),
    "take": Case((N, np.array([2, 0])), lambda x, i, axis: np.take(x, i, axis), {"axis": 1}),
    "take_along_axis": Case((N, np.argsort(N, 1)),
                            lambda x, i, axis: np.take_along_axis(x, i, axis), {"axis": 1}),
    "einsum": Case(("ij,kj->ik", N, P), np.einsum, symbolic=False),
    "tensordot": Case((N, P.T), lambda a, b, axes: np.tensordot(a, b, axes), {"axes": 1}),
    "trace": Case((SQ,), np.trace),
    "cross": Case((N[:, :3], P[:, :3]), np.cross),
    "diff": Case((N,), np.diff),
    "correlate": Case((N[0], P[0]), lambda a, v, mode: np.correlate(a, v, mode),
                      {"mode": "full"}),
    "trapezoid": Case((N,), np.trapezoid),
    "nanmax": Case((NAN,), lambda x, axis: np.nanmax(x, axis), {"axis": 1}),
    "nanmin": Case((NAN,), lambda x, axis: np.nanmin(x, axis), {"axis": 1}),
    "nanmean": Case((NAN,), lambda x, axis: np.nanmean(x, axis), {"axis": 1}),
    "nanmedian": Case((NAN,), lambda x, axis: np.nanmedian(x, axis), {"axis": 1}),
    "nanprod": Case((NAN,), np.nanprod),
    "nanstd": Case((NAN,), lambda x, axis: np.nanstd(x, axis), {"axis": 1}),
    "nansum": Case((NAN,), np.nansum),
    "nanvar": Case((NAN,), lambda x, axis: np.nanvar(x, axis), {"axis": 1}),
    "nanargmax": Case((NAN,), lambda x, axis: np.nanargmax(x, axis), {"axis": 1}),
    "nanargmin": Case((NAN,), lambda x, axis: np.nanargmin(x, axis), {"axis": 1}),
    "nancumsum": Case((NAN,), lambda x, axis: np.nancumsum(x, axis), {"axis": 1}),
    "nancumprod": Case((NAN,), lambda x, axis: np.nancumprod(x, axis), {"axis": 1}),
    "nanquantile": Case((NAN, 0.5), lambda x, q: np.nanquantile(x, q)),
    "nanpercentile": Case((NAN, 50.0), lambda x, q: np.nanpercentile(x, q)),
})

# Shapes, joining, indexing.
CASES.update({
    "reshape": Case((N, (4, -1)), np.reshape),
    "transpose": Case((N,), np.transpose),
    "expand_dims": Case((N, 1), np.expand_dims),
    "squeeze": Case((N[:, :1],), np.squeeze),
    "broadcast_to": Case((P[0], (2, 4)), np.broadcast_to),
    "moveaxis": Case((N[None], 0, 2), np.moveaxis),
    "swapaxes": Case((N, 0, 1), np.swapaxes),
    "flip": Case((N,), lambda x, axis: np.flip(x, axis), {"axis": 1}),
    "rot90": Case((N,), np.rot90),
    "roll": Case((N, 2), lambda x, s, axis: np.roll(x, s, axis), {"axis": 1}),
    "tile": Case((N, (2, 1)), np.tile),
    "repeat": Case((N, 2), lambda x, r, axis: np.repeat(x, r, axis), {"axis": 0}),
    "pad": Case((N, ((1, 0), (0, 2))), np.pad),
    "concatenate": Case(([N, P],), lambda xs, axis: np.concatenate(xs, axis), {"axis": 1}),
    "stack": Case(([N, P],), np.stack),
    "hstack": Case(([N, P],), np.hstack),
    "vstack": Case(([N, P],), np.vstack),
    "dstack": Case(([N, P],), np.dstack),
    "split": Case((N, 2), lambda x, s, axis: np.split(x, s, axis), {"axis": 1}),
    "array_split": Case((N, 3), lambda x, s, axis: np.array_split(x, s, axis), {"axis": 1}),
    "hsplit": Case((N, 2), np.hsplit),
    "vsplit": Case((N[:2], 2), np.vsplit),
    "dsplit": Case((N[..., None].repeat(2, -1), 2), np.dsplit),
    "get_item": Case((N, (slice(None), slice(1, 3))), lambda x, key: x[key]),
    "diag": Case((N[0],), np.diag),
    "diagflat": Case((N[:2, :2],), np.diagflat),
    "diagonal": Case((N,), np.diagonal),
    "tril": Case((N,), np.tril),
    "triu": Case((N,), lambda x, k: np.triu(x, k), {"k": 1}),
    "unravel_index": Case((np.array([3, 7]), (3, 4)), np.unravel_index, symbolic=False),
    "meshgrid": Case((N[0], P[:, 0]), np.meshgrid),
    "view": Case((N,), lambda x, dtype: x.view(dtype), {"dtype": "int32"}),
    "ndim": Case((N,), 2, symbolic=False),
    "size": Case((N,), 12),
    "slogdet": Case((SQ,), lambda x: tuple(np.linalg.slogdet(x))),
})

# Creation.
CASES.update({
    "arange": Case((1, 7, 2), lambda a, b, c: np.arange(a, b, c, dtype="int32")),
    "linspace": Case((0.0, 1.0, 5), np.linspace),
    "logspace": Case((0.0, 2.0, 3), np.logspace),
    "geomspace": Case((1.0, 8.0, 4), np.geomspace),
    "zeros": Case(((2, 3),), np.zeros(( 2, 3))),
    "ones": Case(((2, 3),), np.ones((2, 3))),
    "empty": Case(((2, 3),), None, check=lambda r, a, k: np.testing.assert_equal(
        np.shape(r), (2, 3))),
    "full": Case(((2, 3), 7.0), np.full),
    "zeros_like": Case((N,), np.zeros_like),
    "ones_like": Case((N,), np.ones_like),
    "empty_like": Case((N,), None, check=lambda r, a, k: np.testing.assert_equal(
        np.shape(r), N.shape)),
    "full_like": Case((N, 2.5), np.full_like),
    "array": Case(([[1.0, 2.0], [3.0, 4.0]],), np.array),
    "eye": Case((3, 4, 1), np.eye),
    "identity": Case((3,), np.identity),
    "tri": Case((3, 4), np.tri),
    "vander": Case((N[0],), np.vander),
    "bartlett": Case((7,), np.bartlett),
    "blackman": Case((7,), np.blackman),
    "hamming": Case((7,), np.hamming),
    "hanning": Case((7,), np.hanning),
    "kaiser": Case((7, 3.0), np.kaiser, rtol=1e-4),
    "vectorize": Case((lambda a, b: a * b + 1,), None,
                      check=lambda r, a, k: np.testing.assert_allclose(r(N, P), N * P + 1)),
    "clip": Case((N, -0.5, 0.5), np.clip),
    "round": Case((N * 100, 1), np.round, rtol=1e-5),
    "nan_to_num": Case((NAN,), lambda x, nan: np.nan_to_num(x, nan=nan), {"nan": -7.0}),
    "isclose": Case((N, N + 1e-7), np.isclose),
    "allclose": Case((N, N + 1e-3), np.allclose),
    "divide_no_nan": Case((N, np.where(B, G, 0.0).astype("float32")),
                          lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))),
})


@pytest.mark.parametrize("name", sorted(CASES))
def test_numpy_op_matches_numpy(name):
    run_case(name, CASES[name])
