"""Keras 3's core, math and linalg sets against NumPy/SciPy (see tests/ops_case.py)."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.linalg
import scipy.signal
import scipy.spatial.distance
import scipy.special

from ops_case import INT, RNG, N, P, Case, run_case

SPD = (N[:3, :3] @ N[:3, :3].T + 3 * np.eye(3)).astype("float32")
LOWER = np.tril(SPD).astype("float32")
SIGNAL = RNG.normal(size=(2, 64)).astype("float32")
IDS = np.array([0, 0, 2, 1], "int32")


def _segments(data, ids, num, reduce, empty):
    return np.stack([reduce(data[ids == s], axis=0) if np.any(ids == s) else
                     np.full(data.shape[1:], empty, data.dtype) for s in range(num)])


def _check_eig(result, args, kwargs):
    values, vectors = (np.asarray(v) for v in result)
    np.testing.assert_allclose(args[0] @ vectors, vectors * values, rtol=1e-4, atol=1e-4)


def _check_qr(result, args, kwargs):
    q, r = (np.asarray(v) for v in result)
    np.testing.assert_allclose(q @ r, args[0], rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(np.abs(r), np.abs(np.linalg.qr(args[0])[1]), rtol=1e-4,
                               atol=1e-5)


def _check_stft(result, args, kwargs):
    real, imag = (np.asarray(v) for v in result)
    _, _, z = scipy.signal.stft(args[0], nperseg=16, noverlap=8, nfft=16, boundary="even",
                                padded=False, window="hann", return_onesided=True,
                                detrend=False)
    # scipy scales by the window sum and puts frames last; Keras does neither.
    window_sum = scipy.signal.get_window("hann", 16).sum()
    np.testing.assert_allclose(real + 1j * imag, np.swapaxes(z, -1, -2) * window_sum,
                               rtol=1e-4, atol=1e-4)


CASES = {
    # core
    "cast": Case((N, "int32"), lambda x, d: x.astype(d)),
    "convert_to_tensor": Case(([[1.0, 2.0]],), lambda x: np.asarray(x, "float32")),
    "convert_to_numpy": Case((N,), lambda x: x, symbolic=False),
    "dtype": Case((INT,), None, symbolic=False,
                  check=lambda r, a, k: np.testing.assert_equal(r, "int32")),
    "is_tensor": Case((jnp.ones(2),), True, symbolic=False),
    "shape": Case((N,), (3, 4), symbolic=False),
    "saturate_cast": Case((N * 300, "int8"), lambda x, d: np.clip(x, -128, 127).astype(d)),
    "cond": Case((True, lambda: 1.0, lambda: 2.0), 1.0, symbolic=False),
    "switch": Case((1, [lambda x: x + 1, lambda x: x * 10], N), lambda i, b, x: x * 10,
                   symbolic=False),
    "while_loop": Case((lambda i, s: i < 4, lambda i, s: (i + 1, s * 2.0), (0, 1.0)),
                       (4, 16.0), symbolic=False),
    "fori_loop": Case((0, 5, lambda i, total: total + i, 0), 10, symbolic=False),
    "scan": Case((lambda c, x: (c + x, c * x), 0.0, N[0]), None, symbolic=False,
                 check=lambda r, a, k: np.testing.assert_allclose(
                     r[1], np.concatenate([[0.0], np.cumsum(N[0])[:-1]]) * N[0], rtol=1e-5)),
    "map": Case((lambda row: row.sum(), N), lambda f, x: x.sum(1), symbolic=False, rtol=1e-5),
    "associative_scan": Case((jnp.add, N), lambda f, x, axis: np.cumsum(x, axis),
                             {"axis": 1}, symbolic=False, rtol=1e-5),
    "vectorized_map": Case((lambda row: row * 2, N), lambda f, x: x * 2, symbolic=False),
    "custom_gradient": Case((lambda x: (x * 3.0, lambda g: g * 10.0),), None, symbolic=False,
                            check=lambda r, a, k: np.testing.assert_allclose(
                                jax.grad(lambda x: r(x))(2.0), 10.0)),
    "stop_gradient": Case((N,), lambda x: x, symbolic=True,
                          check=lambda r, a, k: np.testing.assert_allclose(
                              jax.grad(lambda x: jnp.sum(x * __import__("lamina").ops
                                                         .stop_gradient(x)))(N), N)),
    "slice": Case((N, (1, 1), (2, -1)), lambda x, s, size: x[1:3, 1:]),
    "slice_update": Case((N, (1, 2), P[:2, :2]), None,
                         check=lambda r, a, k: np.testing.assert_allclose(
                             r, np.concatenate([N[:1], np.concatenate(
                                 [N[1:, :2], P[:2, :2], N[1:, 4:]], 1)], 0))),
    "scatter": Case((np.array([[0, 1], [2, 3], [0, 1]]), np.array([1.0, 2.0, 3.0], "float32"),
                     (3, 4)), lambda i, v, shape: np.array(
        [[0, 4, 0, 0], [0, 0, 0, 0], [0, 0, 0, 2]], "float32")),
    "scatter_update": Case((N, np.array([[0, 1], [2, 3]]), np.array([7.0, 8.0], "float32")),
                           lambda x, i, u: np.where(
                               np.isin(np.arange(12).reshape(3, 4), [1, 11]),
                               np.where(np.arange(12).reshape(3, 4) == 1, 7.0, 8.0), x)),
    "unstack": Case((N,), lambda x: list(x)),
    # math
    "segment_sum": Case((N.T, IDS), lambda d, i, num_segments: _segments(d, i, 3, np.sum, 0),
                        {"num_segments": 3}),
    "segment_max": Case((N.T, IDS), lambda d, i, num_segments: _segments(
        d, i, 3, np.max, -np.inf), {"num_segments": 3}),
    "segment_min": Case((N.T, IDS), lambda d, i, num_segments: _segments(
        d, i, 3, np.min, np.inf), {"num_segments": 3}),
    "segment_prod": Case((N.T, IDS), lambda d, i, num_segments: _segments(d, i, 3, np.prod, 1),
                         {"num_segments": 3}),
    "top_k": Case((N, 2), lambda x, k: (-np.sort(-x, -1)[:, :k], np.argsort(-x, -1)[:, :k])),
    "in_top_k": Case((np.array([1, 3, 0]), N, 2), lambda t, p, k: np.array(
        [t[i] in np.argsort(-p[i])[:k] for i in range(3)])),
    "logsumexp": Case((N,), lambda x, axis: scipy.special.logsumexp(x, axis), {"axis": 1}),
    "rsqrt": Case((P,), lambda x: 1 / np.sqrt(x), rtol=1e-5),
    "erf": Case((N,), scipy.special.erf, rtol=1e-5),
    "erfc": Case((N,), scipy.special.erfc, rtol=1e-5),
    "erfinv": Case((P - 0.5,), scipy.special.erfinv, rtol=1e-4),
    "logdet": Case((SPD,), lambda x: np.linalg.slogdet(x)[1], rtol=1e-5),
    "cdist": Case((N, P), scipy.spatial.distance.cdist, rtol=1e-5),
    "extract_sequences": Case((SIGNAL, 8, 4), lambda x, n, s: np.stack(
        [x[:, i:i + n] for i in range(0, 64 - n + 1, s)], 1)),
    "fft": Case(((N, P),), lambda x: (np.fft.fft(x[0] + 1j * x[1]).real,
                                      np.fft.fft(x[0] + 1j * x[1]).imag), rtol=1e-4,
                atol=1e-5, symbolic=False),
    "fft2": Case(((N, P),), lambda x: (np.fft.fft2(x[0] + 1j * x[1]).real,
                                       np.fft.fft2(x[0] + 1j * x[1]).imag), rtol=1e-4,
                 atol=1e-5, symbolic=False),
    "ifft2": Case(((N, P),), lambda x: (np.fft.ifft2(x[0] + 1j * x[1]).real,
                                        np.fft.ifft2(x[0] + 1j * x[1]).imag), rtol=1e-4,
                  atol=1e-5, symbolic=False),
    "rfft": Case((SIGNAL,), lambda x: (np.fft.rfft(x).real, np.fft.rfft(x).imag), rtol=1e-4,
                 atol=1e-4),
    "irfft": Case(((np.fft.rfft(SIGNAL).real.astype("float32"),
                    np.fft.rfft(SIGNAL).imag.astype("float32")),), SIGNAL, rtol=1e-4,
                  atol=1e-5, symbolic=False),
    "stft": Case((SIGNAL, 16, 8, 16), None, check=_check_stft),
    "istft": Case((tuple(np.asarray(v) for v in __import__("lamina").ops.stft(
        SIGNAL, 16, 8, 16)), 16, 8, 16), SIGNAL, {"length": 64}, rtol=1e-4, atol=1e-4,
        symbolic=False),
    "view_as_complex": Case((np.stack([N, P], -1),), lambda x: x[..., 0] + 1j * x[..., 1]),
    "view_as_real": Case(((N + 1j * P).astype("complex64"),),
                         lambda x: np.stack([x.real, x.imag], -1)),
    "rearrange": Case((N.reshape(3, 2, 2), "b h w -> b (w h)"),
                      lambda x, p: x.transpose(0, 2, 1).reshape(3, 4)),
    # linalg
    "cholesky": Case((SPD,), np.linalg.cholesky, rtol=1e-5),
    "cholesky_inverse": Case((np.linalg.cholesky(SPD).astype("float32"),),
                             lambda l: np.linalg.inv(l @ l.T), rtol=1e-4, atol=1e-5),
    "det": Case((SPD,), np.linalg.det, rtol=1e-5),
    "eig": Case((SPD,), None, symbolic=False, check=_check_eig),
    "eigh": Case((SPD,), lambda x: np.linalg.eigh(x)[0], symbolic=False, check=lambda r, a, k:
                 np.testing.assert_allclose(r[0], np.linalg.eigh(a[0])[0], rtol=1e-5)),
    "inv": Case((SPD,), np.linalg.inv, rtol=1e-4),
    "lu_factor": Case((SPD,), lambda x: scipy.linalg.lu_factor(x), rtol=1e-5, atol=1e-6),
    "norm": Case((N,), lambda x, ord: np.linalg.norm(x, ord), {"ord": "fro"}, rtol=1e-5),
    "qr": Case((N,), None, check=_check_qr),
    "solve": Case((SPD, N[:, :3].T), np.linalg.solve, rtol=1e-4),
    "solve_triangular": Case((LOWER, N[:, :3].T), lambda a, b, lower:
                             scipy.linalg.solve_triangular(a, b, lower=lower),
                             {"lower": True}, rtol=1e-4),
    "svd": Case((N,), lambda x, compute_uv: np.linalg.svd(x, compute_uv=False),
                {"compute_uv": False}, rtol=1e-5),
    "lstsq": Case((N.T, P[0]), lambda a, b: np.linalg.lstsq(a, b, rcond=None)[0], rtol=1e-4),
    "matrix_rank": Case((N,), np.linalg.matrix_rank),
    "pinv": Case((N,), np.linalg.pinv, rtol=1e-4, atol=1e-5),
    "jvp": Case((lambda x: x ** 3, (2.0,), (1.0,)), (8.0, 12.0), symbolic=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_core_math_linalg_op_matches_reference(name):
    run_case(name, CASES[name])
