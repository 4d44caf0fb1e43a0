"""Keras 3's neural-network set against NumPy/SciPy (see tests/ops_case.py)."""
import numpy as np
import pytest
import scipy.signal
import scipy.special

from ops_case import INT, RNG, N, P, Case, run_case

X = RNG.normal(size=(2, 5)).astype("float32")
SELU_ALPHA, SELU_SCALE = 1.6732632423543772, 1.0507009873554805
EPS = 1e-7


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0),
    "relu6": lambda x: np.clip(x, 0, 6),
    "sigmoid": scipy.special.expit,
    "sparse_sigmoid": lambda x: np.clip((x + 1) / 2, 0, 1),
    "tanh_shrink": lambda x: x - np.tanh(x),
    "softplus": lambda x: np.logaddexp(0, x),
    "softsign": lambda x: x / (1 + np.abs(x)),
    "sparse_plus": lambda x: np.where(x <= -1, 0, np.where(x >= 1, x, (x + 1) ** 2 / 4)),
    "silu": lambda x: x * scipy.special.expit(x),
    "swish": lambda x: x * scipy.special.expit(x),
    "log_sigmoid": lambda x: -np.logaddexp(0, -x),
    "hard_sigmoid": lambda x: np.clip(x + 3, 0, 6) / 6,
    "hard_silu": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "hard_swish": lambda x: x * np.clip(x + 3, 0, 6) / 6,
    "selu": lambda x: SELU_SCALE * np.where(x > 0, x, SELU_ALPHA * np.expm1(x)),
    "hard_tanh": lambda x: np.clip(x, -1, 1),
}
CASES = {name: Case((X * 2,), fn, rtol=1e-5, atol=1e-6) for name, fn in ACTIVATIONS.items()}


def _sparsemax(z):
    out = []
    for row in z:
        ranked = np.sort(row)[::-1]
        k = np.arange(1, len(row) + 1)
        support = 1 + k * ranked > np.cumsum(ranked)
        size = k[support][-1]
        tau = (np.cumsum(ranked)[size - 1] - 1) / size
        out.append(np.maximum(row - tau, 0))
    return np.array(out)


def _pool(x, size, reduce):
    n, h, w, c = x.shape
    out = np.zeros((n, h // size, w // size, c))
    for i in range(h // size):
        for j in range(w // size):
            out[:, i, j] = reduce(x[:, i * size:(i + 1) * size, j * size:(j + 1) * size],
                                  axis=(1, 2))
    return out


def _conv2d(x, k):
    """Cross-correlation, valid, channels last, by SciPy, summed over input channels."""
    n, c_out = x.shape[0], k.shape[-1]
    out = []
    for b in range(n):
        maps = [sum(scipy.signal.correlate2d(x[b, ..., c], k[..., c, o], mode="valid")
                    for c in range(x.shape[-1])) for o in range(c_out)]
        out.append(np.stack(maps, -1))
    return np.stack(out)


def _conv_transpose_1d(x, k, stride):
    """Transposed 1-D convolution by scatter-add (kernel (width, out, in)), Keras's
    'valid' length (n - 1) * stride + max(width, stride)."""
    n, length, _ = x.shape
    width, c_out, _ = k.shape
    out = np.zeros((n, (length - 1) * stride + max(width, stride), c_out))
    for i in range(length):
        for t in range(width):
            out[:, i * stride + t] += x[:, i] @ k[t].T
    return out


def _attention(q, k, v):
    logits = np.einsum("btnh,bsnh->bnts", q, k) / np.sqrt(q.shape[-1])
    return np.einsum("bnts,bsnh->btnh", scipy.special.softmax(logits, axis=-1), v)


def _ctc_reference(labels, logits, blank=0):
    """The negative log-likelihood of `labels` under CTC, by the forward algorithm."""
    log_probs = scipy.special.log_softmax(logits, axis=-1)
    extended = [blank]
    for label in labels:
        extended += [label, blank]
    alpha = np.full(len(extended), -np.inf)
    alpha[0], alpha[1] = log_probs[0, blank], log_probs[0, extended[1]]
    for t in range(1, len(log_probs)):
        new = np.full_like(alpha, -np.inf)
        for s, label in enumerate(extended):
            terms = [alpha[s]] + ([alpha[s - 1]] if s > 0 else [])
            if s > 1 and label != blank and label != extended[s - 2]:
                terms.append(alpha[s - 2])
            new[s] = np.logaddexp.reduce(terms) + log_probs[t, label]
        alpha = new
    return -np.logaddexp(alpha[-1], alpha[-2])


IMG = RNG.normal(size=(2, 6, 6, 3)).astype("float32")
KERNEL = RNG.normal(size=(3, 3, 3, 4)).astype("float32")
Q, K, V = (RNG.normal(size=(2, 4, 2, 8)).astype("float32") for _ in range(3))
LOGITS = RNG.normal(size=(2, 6, 4)).astype("float32")
LABELS = np.array([[1, 2, 0], [3, 3, 0]], "int32")
ONE_HOT = np.eye(5, dtype="float32")[RNG.integers(0, 5, 2)]
PROBS = scipy.special.softmax(X, axis=-1).astype("float32")

CASES.update({
    "leaky_relu": Case((X,), lambda x, negative_slope: np.where(x > 0, x, negative_slope * x),
                       {"negative_slope": 0.3}),
    "elu": Case((X,), lambda x, alpha: np.where(x > 0, x, alpha * np.expm1(x)),
                {"alpha": 0.5}),
    "celu": Case((X,), lambda x, alpha: np.maximum(x, 0) + np.minimum(
        0, alpha * np.expm1(x / alpha)), {"alpha": 2.0}),
    "gelu": Case((X,), _gelu_tanh, rtol=1e-4),
    "glu": Case((X[:, :4],), lambda x: x[:, :2] * scipy.special.expit(x[:, 2:])),
    "soft_shrink": Case((X,), lambda x: np.sign(x) * np.maximum(np.abs(x) - 0.5, 0)),
    "hard_shrink": Case((X,), lambda x: np.where(np.abs(x) > 0.5, x, 0)),
    "threshold": Case((X, 0.2, -1.0), lambda x, t, v: np.where(x > t, x, v)),
    "squareplus": Case((X,), lambda x: (x + np.sqrt(x ** 2 + 4)) / 2),
    "softmax": Case((X,), lambda x: scipy.special.softmax(x, axis=-1)),
    "log_softmax": Case((X,), lambda x: scipy.special.log_softmax(x, axis=-1), rtol=1e-5),
    "sparsemax": Case((X,), _sparsemax),
    "one_hot": Case((INT[0], 10), lambda x, n: np.eye(n)[x]),
    "multi_hot": Case((np.array([[0, 3], [1, 1]]),), lambda x, num_classes: np.array(
        [[1, 0, 0, 1, 0], [0, 1, 0, 0, 0]]), {"num_classes": 5}),
    "binary_crossentropy": Case((P.round(), P), lambda t, o: -(t * np.log(o) + (1 - t) *
                                                            np.log(1 - o)), rtol=1e-5),
    "categorical_crossentropy": Case((ONE_HOT, PROBS),
                                     lambda t, o: -np.sum(t * np.log(o), axis=-1)),
    "sparse_categorical_crossentropy": Case(
        (np.array([1, 4]), X), lambda t, o, from_logits: -scipy.special.log_softmax(
            o, axis=-1)[np.arange(2), t], {"from_logits": True}),
    "moments": Case((X, [1]), lambda x, axes: (x.mean(1), x.var(1))),
    "batch_normalization": Case(
        (X, X.mean(0), X.var(0), 1), lambda x, m, v, axis, offset, scale, epsilon:
        (x - m) / np.sqrt(v + epsilon) * scale + offset,
        {"offset": np.ones(5, "float32"), "scale": np.full(5, 2.0, "float32"),
         "epsilon": 1e-3}, rtol=1e-4),
    "layer_normalization": Case(
        (X,), lambda x, epsilon: (x - x.mean(-1, keepdims=True)) / np.sqrt(
            x.var(-1, keepdims=True) + epsilon), {"epsilon": 1e-3}, rtol=1e-4, atol=1e-5),
    "rms_normalization": Case(
        (X,), lambda x: x / np.sqrt(np.mean(x ** 2, -1, keepdims=True) + EPS), rtol=1e-5),
    "normalize": Case((X,), lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)),
    "psnr": Case((P, P * 0.9, 1.0), lambda a, b, m: 10 * np.log10(m ** 2 / np.mean(
        (a - b) ** 2)), rtol=1e-4),
    "polar": Case((P, N), lambda r, a: r * np.exp(1j * a)),
    "dot_product_attention": Case((Q, K, V), _attention, rtol=1e-4, atol=1e-5),
    "ctc_loss": Case((LABELS, LOGITS, np.array([2, 2]), np.array([6, 6])),
                     lambda t, o, tl, ol: np.array([_ctc_reference(t[i, :tl[i]], o[i])
                                                    for i in range(2)]), rtol=1e-4),
    "ctc_decode": Case(
        (np.log(scipy.special.softmax(LOGITS, -1)), np.array([6, 4])), None, symbolic=False,
        check=lambda r, a, k: _check_greedy(r, a[0], a[1])),
    "conv": Case((IMG, KERNEL), lambda x, k: _conv2d(x, k), rtol=1e-4, atol=1e-5),
    "depthwise_conv": Case((IMG, KERNEL[..., :1]), lambda x, k: np.concatenate(
        [_conv2d(x[..., c:c + 1], k[:, :, c:c + 1]) for c in range(3)], -1),
        rtol=1e-4, atol=1e-5),
    "separable_conv": Case((IMG, KERNEL[..., :1], KERNEL[:1, :1, :, :]), lambda x, d, p:
                           _conv2d(np.concatenate([_conv2d(x[..., c:c + 1], d[:, :, c:c + 1])
                                                   for c in range(3)], -1), p),
                           rtol=1e-4, atol=1e-5),
    "conv_transpose": Case((IMG[:, 0], RNG.normal(size=(3, 2, 3)).astype("float32")), None,
                           kwargs={"strides": 2},
                           check=lambda r, a, k: np.testing.assert_allclose(
                               r, _conv_transpose_1d(a[0], a[1], 2), rtol=1e-4, atol=1e-5)),
    "max_pool": Case((IMG, 2), lambda x, s: _pool(x, s, np.max)),
    "average_pool": Case((IMG, 2), lambda x, s: _pool(x, s, np.mean), rtol=1e-5),
    "adaptive_average_pool": Case((IMG, (3, 3)), lambda x, s: _pool(x, 2, np.mean),
                                  rtol=1e-5),
    "adaptive_max_pool": Case((IMG, 2), lambda x, s: _pool(x, 3, np.max)),
    "unfold": Case((IMG.transpose(0, 3, 1, 2), 2), None, kwargs={"stride": 2},
                   check=lambda r, a, k: _check_unfold(r, a[0])),
    "fold": Case((RNG.normal(size=(2, 12, 9)).astype("float32"), (6, 6), 2), None,
                 kwargs={"stride": 2}, check=lambda r, a, k: _check_fold(r, a[0])),
    "depth_to_space": Case((IMG[..., :1].repeat(4, -1) * np.arange(4), 2), None,
                           check=lambda r, a, k: _check_depth_to_space(r, a[0])),
    "space_to_depth": Case((IMG, 2), None,
                           check=lambda r, a, k: np.testing.assert_allclose(
                               r[:, 1, 2, 3 * 3:3 * 3 + 3], a[0][:, 3, 5, :])),
})


def _check_greedy(result, log_probs, lengths):
    decoded, scores = (np.asarray(v) for v in result)
    assert decoded.shape == (1, 2, 6) and scores.shape == (2, 1)
    for b in range(2):
        best = np.argmax(log_probs[b, :lengths[b]], -1)
        merged = [c for i, c in enumerate(best) if (i == 0 or c != best[i - 1]) and c != 0]
        assert decoded[0, b].tolist() == merged + [-1] * (6 - len(merged))
        np.testing.assert_allclose(scores[b, 0], -np.max(log_probs[b, :lengths[b]], -1).sum(),
                                   rtol=1e-5)


def _check_unfold(result, x):
    result = np.asarray(result)
    assert result.shape == (2, 12, 9)  # (N, C*kh*kw, L)
    blocks = result.reshape(2, 3, 2, 2, 3, 3)
    np.testing.assert_allclose(blocks[:, :, :, :, 1, 2], x[:, :, 2:4, 4:6])


def _check_fold(result, cols):
    result = np.asarray(result)
    assert result.shape == (2, 3, 6, 6)
    blocks = cols.reshape(2, 3, 2, 2, 3, 3)
    np.testing.assert_allclose(result[:, :, 2:4, 4:6], blocks[:, :, :, :, 1, 2], rtol=1e-6)


def _check_depth_to_space(result, x):
    result = np.asarray(result)
    assert result.shape == (2, 12, 12, 1)
    # Channel c of pixel (i, j) goes to (2i + c // 2, 2j + c % 2).
    for c in range(4):
        np.testing.assert_allclose(result[:, c // 2::2, c % 2::2, 0], x[..., c])


@pytest.mark.parametrize("name", sorted(CASES))
def test_nn_op_matches_reference(name):
    run_case(name, CASES[name])
