"""Losses (core functions and the Keras shell) against NumPy by hand."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lamina import losses
from lamina.core import losses as core

EPS = 1e-7
RNG = np.random.default_rng(0)
T_REAL = RNG.normal(size=(4, 3)).astype(np.float32)
P_REAL = RNG.normal(size=(4, 3)).astype(np.float32)
T_POS = RNG.uniform(0.5, 2.0, size=(4, 3)).astype(np.float32)
P_POS = RNG.uniform(0.5, 2.0, size=(4, 3)).astype(np.float32)
T_BIN = RNG.integers(0, 2, size=(4, 3)).astype(np.float32)
P_PROB = RNG.uniform(0.05, 0.95, size=(4, 3)).astype(np.float32)
T_ONEHOT = np.eye(3, dtype=np.float32)[[0, 2, 1, 2]]
P_SOFT = P_PROB / P_PROB.sum(-1, keepdims=True)


def _np_huber(t, p, d=1.0):
    e = np.abs(p - t)
    return np.mean(np.where(e <= d, 0.5 * e**2, d * e - 0.5 * d**2), -1)


def _np_bce(t, p):
    p = np.clip(p, EPS, 1 - EPS)
    return -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p), -1)


def _np_norm(x):
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), EPS)


CASES = [
    (core.mean_squared_error, T_REAL, P_REAL, lambda t, p: np.mean((t - p) ** 2, -1)),
    (core.mean_absolute_error, T_REAL, P_REAL, lambda t, p: np.mean(np.abs(t - p), -1)),
    (core.mean_absolute_percentage_error, T_POS, P_POS,
     lambda t, p: 100 * np.mean(np.abs((t - p) / t), -1)),
    (core.mean_squared_logarithmic_error, T_POS, P_POS,
     lambda t, p: np.mean((np.log1p(p) - np.log1p(t)) ** 2, -1)),
    (core.huber, T_REAL, P_REAL, _np_huber),
    (core.log_cosh, T_REAL, P_REAL, lambda t, p: np.mean(np.log(np.cosh(p - t)), -1)),
    (core.binary_crossentropy, T_BIN, P_PROB, _np_bce),
    (core.categorical_crossentropy, T_ONEHOT, P_SOFT, lambda t, p: -np.sum(t * np.log(p), -1)),
    (core.kl_divergence, P_SOFT[::-1].copy(), P_SOFT,
     lambda t, p: np.sum(t * np.log(t / p), -1)),
    (core.poisson, T_POS, P_POS, lambda t, p: np.mean(p - t * np.log(p + EPS), -1)),
    (core.cosine_similarity, T_REAL, P_REAL,
     lambda t, p: -np.sum(_np_norm(t) * _np_norm(p), -1)),
    (core.hinge, T_BIN, P_REAL, lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0), -1)),
    (core.squared_hinge, T_BIN, P_REAL,
     lambda t, p: np.mean(np.maximum(1 - (2 * t - 1) * p, 0) ** 2, -1)),
    (core.categorical_hinge, T_ONEHOT, P_REAL,
     lambda t, p: np.maximum(np.max((1 - t) * p, -1) - np.sum(t * p, -1) + 1, 0)),
]


@pytest.mark.parametrize("fn,t,p,expected", CASES, ids=[c[0].__name__ for c in CASES])
def test_per_sample_losses_match_numpy(fn, t, p, expected):
    values = np.asarray(fn(t, p))
    assert values.shape == (4,)
    np.testing.assert_allclose(values, expected(t.astype(np.float64), p.astype(np.float64)),
                               rtol=1e-5, atol=1e-6)


def test_binary_crossentropy_from_logits_matches_log_sigmoid():
    logits = np.array([[-30.0], [-1.0], [0.5], [40.0]], np.float32)
    t = np.array([[1.0], [0.0], [1.0], [0.0]], np.float32)
    expected = (t * np.logaddexp(0, -logits) + (1 - t) * np.logaddexp(0, logits))[:, 0]
    values = np.asarray(core.binary_crossentropy(t, logits, from_logits=True))
    assert values.shape == (4,)
    np.testing.assert_allclose(values, expected, rtol=1e-6)


def test_categorical_crossentropy_from_logits_and_smoothing():
    logits = P_REAL * 10
    smooth = T_ONEHOT * 0.8 + 0.2 / 3
    log_softmax = logits - np.log(np.sum(np.exp(logits), -1, keepdims=True))
    values = np.asarray(core.categorical_crossentropy(T_ONEHOT, logits, from_logits=True,
                                                      label_smoothing=0.2))
    assert values.shape == (4,)
    np.testing.assert_allclose(values, -np.sum(smooth * log_softmax, -1), rtol=1e-5)


def test_binary_crossentropy_label_smoothing_moves_towards_half():
    smooth = T_BIN * 0.9 + 0.05
    values = np.asarray(core.binary_crossentropy(T_BIN, P_PROB, label_smoothing=0.1))
    np.testing.assert_allclose(values, _np_bce(smooth, P_PROB), rtol=1e-5)


@pytest.mark.parametrize("labels", [np.array([0, 2, 1, 2]), np.array([[0], [2], [1], [2]])])
def test_sparse_categorical_crossentropy_equals_one_hot(labels):
    values = np.asarray(core.sparse_categorical_crossentropy(labels, P_SOFT))
    assert values.shape == (4,)
    np.testing.assert_allclose(values, -np.log(P_SOFT[np.arange(4), [0, 2, 1, 2]]), rtol=1e-6)


def test_sparse_categorical_crossentropy_ignore_class_gives_zero():
    values = np.asarray(core.sparse_categorical_crossentropy([0, 2, 1, 2], P_SOFT, ignore_class=2))
    np.testing.assert_allclose(values, [-np.log(P_SOFT[0, 0]), 0, -np.log(P_SOFT[2, 1]), 0],
                               rtol=1e-6)


def test_hinge_keeps_signed_labels():
    t = np.array([[-1.0], [1.0]], np.float32)
    p = np.array([[0.3], [0.2]], np.float32)
    np.testing.assert_allclose(np.asarray(core.hinge(t, p)), [1.3, 0.8], rtol=1e-6)


@pytest.mark.parametrize("cls,kwargs,t,p,expected", [
    # Values from the examples in Keras's documentation.
    (losses.BinaryCrossentropy, {}, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 0.815),
    (losses.CategoricalCrossentropy, {}, [[0, 1, 0], [0, 0, 1]],
     [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], 1.177),
    (losses.SparseCategoricalCrossentropy, {}, [1, 2], [[0.05, 0.95, 0], [0.1, 0.8, 0.1]], 1.177),
    (losses.Huber, {}, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 0.155),
    (losses.MeanSquaredError, {}, [[0, 1], [0, 0]], [[1, 1], [1, 0]], 0.5),
    (losses.KLDivergence, {}, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 0.458),
    (losses.Hinge, {}, [[0, 1], [0, 0]], [[0.6, 0.4], [0.4, 0.6]], 1.3),
    (losses.CosineSimilarity, {"axis": 1}, [[0, 1], [1, 1]], [[1, 0], [1, 1]], -0.5),
])
def test_loss_classes_match_keras_documented_values(cls, kwargs, t, p, expected):
    value = cls(**kwargs)(np.array(t, np.float32), np.array(p, np.float32))
    assert value.shape == ()
    assert float(value) == pytest.approx(expected, abs=1e-3)


def test_align_adds_axis_instead_of_broadcasting():
    t, p = core.align(np.arange(5), np.zeros((5, 1), np.float32))
    assert t.shape == (5, 1) and p.shape == (5, 1) and t.dtype == jnp.float32
    t, p = core.align(np.zeros((5, 1)), np.zeros(5, np.float32))
    assert t.shape == (5, 1) and p.shape == (5, 1)
    assert core.mean_squared_error(np.arange(5.0), np.zeros((5, 1))).shape == (5,)


def test_align_sparse_labels_become_int():
    t, p = core.align(np.array([[1.0], [0.0]]), np.zeros((2, 3)), sparse=True)
    assert t.shape == (2,) and p.shape == (2, 3) and t.dtype == jnp.int32


def test_align_integer_labels_with_categorical_loss_says_use_sparse():
    with pytest.raises(ValueError, match=r"\(4,\).*\(4, 3\).*sparse_categorical_crossentropy"):
        core.categorical_crossentropy(np.array([0, 1, 2, 1]), P_SOFT)


def test_align_one_hot_with_sparse_loss_says_use_categorical():
    with pytest.raises(ValueError, match="use categorical_crossentropy"):
        core.sparse_categorical_crossentropy(T_ONEHOT, P_SOFT)


def test_align_mismatched_shapes_name_both():
    with pytest.raises(ValueError, match=r"shape \(4, 2\).*shape \(4, 3\)"):
        core.mean_squared_error(np.zeros((4, 2)), P_REAL)


@pytest.mark.parametrize("weights", [np.array([1.0, 0.0, 2.0, 1.0]),
                                     np.array([[1.0], [0.0], [2.0], [1.0]])])
def test_reduce_sum_over_batch_size_weights(weights):
    values = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    out = core.reduce(values, weights)
    assert out.shape == ()
    assert float(out) == pytest.approx((1 + 6 + 4) / 4)


@pytest.mark.parametrize("reduction,expected", [
    ("sum", 11.0), ("sum_over_batch_size", 2.75), ("mean", 2.75),
    ("mean_with_sample_weight", 2.75), (None, [1.0, 0.0, 6.0, 4.0]), ("none", [1.0, 0.0, 6.0, 4.0]),
])
def test_reduce_reductions(reduction, expected):
    out = core.reduce(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, 0.0, 2.0, 1.0]),
                      reduction=reduction)
    np.testing.assert_allclose(np.asarray(out), expected)


def test_reduce_unknown_reduction_suggests():
    with pytest.raises(ValueError, match="Did you mean 'sum_over_batch_size'"):
        core.reduce(np.ones(3), reduction="sum_over_batchsize")


def test_reduce_bad_weights_shape():
    with pytest.raises(ValueError, match=r"sample_weight of shape \(3,\).*\(4,\)"):
        core.reduce(np.ones(4), np.ones(3))


def test_compute_aligns_user_function_ranks():
    seen = []

    def fn(t, p):
        seen.append((t.shape, p.shape))
        return jnp.mean(jnp.abs(t - p), axis=-1)

    out = core.compute(fn, np.array([1.0, 2.0]), np.array([[2.0], [2.0]]), np.array([2.0, 1.0]))
    assert seen == [((2, 1), (2, 1))]
    assert float(out) == pytest.approx(1.0)


def test_loss_default_names_and_config_roundtrip():
    names = {losses.MeanSquaredError: "mean_squared_error", losses.Huber: "huber_loss",
             losses.BinaryCrossentropy: "binary_crossentropy", losses.LogCosh: "log_cosh",
             losses.KLDivergence: "kl_divergence", losses.CategoricalHinge: "categorical_hinge"}
    for cls, name in names.items():
        assert cls().name == name
    loss = losses.BinaryCrossentropy(from_logits=True, label_smoothing=0.1, reduction="sum")
    again = losses.deserialize(losses.serialize(loss))
    assert type(again) is losses.BinaryCrossentropy
    assert again.get_config() == loss.get_config()
    assert again.get_config()["from_logits"] is True


def test_loss_positional_and_unknown_arguments():
    assert losses.BinaryCrossentropy(True).get_config()["from_logits"] is True
    with pytest.raises(TypeError, match="unexpected arguments.*from_logit"):
        losses.BinaryCrossentropy(from_logit=True)


def test_loss_reductions_and_sample_weight():
    t, p, w = T_REAL, P_REAL, np.array([1.0, 2.0, 0.0, 1.0], np.float32)
    per = np.mean((t - p) ** 2, -1)
    assert float(losses.MeanSquaredError()(t, p, w)) == pytest.approx(np.sum(per * w) / 4, rel=1e-5)
    assert float(losses.MeanSquaredError(reduction="sum")(t, p, w)) == pytest.approx(
        np.sum(per * w), rel=1e-5)
    none = losses.MeanSquaredError(reduction=None)(t, p)
    assert none.shape == (4,)
    np.testing.assert_allclose(np.asarray(none), per, rtol=1e-5)


@pytest.mark.parametrize("identifier,cls,name", [
    ("mse", losses.MeanSquaredError, "mean_squared_error"),
    ("MSE", losses.MeanSquaredError, "mean_squared_error"),
    ("MAE", losses.MeanAbsoluteError, "mean_absolute_error"),
    ("binary_crossentropy", losses.BinaryCrossentropy, "binary_crossentropy"),
    ("BinaryCrossentropy", losses.BinaryCrossentropy, "binary_crossentropy"),
    ("sparse_categorical_crossentropy", losses.SparseCategoricalCrossentropy,
     "sparse_categorical_crossentropy"),
    ("kullback_leibler_divergence", losses.KLDivergence, "kl_divergence"),
    ("logcosh", losses.LogCosh, "log_cosh"),
    (losses.Huber, losses.Huber, "huber_loss"),
    ({"class_name": "Huber", "config": {"delta": 2.0}}, losses.Huber, "huber_loss"),
])
def test_get_resolves_identifiers(identifier, cls, name):
    loss = losses.get(identifier)
    assert type(loss) is cls and loss.name == name


def test_get_passes_instances_and_wraps_callables():
    loss = losses.CategoricalCrossentropy(from_logits=True)
    assert losses.get(loss) is loss

    def my_loss(y_true, y_pred):
        return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)

    wrapped = losses.get(my_loss)
    assert isinstance(wrapped, losses.LossFunctionWrapper) and wrapped.name == "my_loss"
    assert float(wrapped(np.array([0.0, 2.0]), np.array([[1.0], [1.0]]))) == pytest.approx(1.0)


def test_get_unknown_name_lists_valid_and_suggests():
    with pytest.raises(ValueError, match=r"Did you mean 'binary_crossentropy'.*Valid losses:.*mse"):
        losses.get("binary_crossentropyy")
    with pytest.raises(TypeError, match="Could not interpret the loss 3"):
        losses.get(3)


def test_aliases_are_keras_functions():
    assert losses.mse is losses.MSE is losses.mean_squared_error
    assert losses.kld is losses.kullback_leibler_divergence is losses.kl_divergence
    assert losses.mae.__name__ == "mean_absolute_error"


@pytest.mark.parametrize("name", ["mse", "binary_crossentropy", "huber", "hinge",
                                  "sparse_categorical_crossentropy"])
def test_losses_trace_under_jit(name):
    loss = losses.get(name)
    if name.startswith("sparse"):
        t, p = np.array([0, 2, 1, 2]), P_SOFT
    else:
        t, p = T_BIN, P_PROB
    w = np.array([1.0, 0.5, 2.0, 0.0], np.float32)
    eager = loss(t, p, w)
    jitted = jax.jit(lambda a, b, c: loss(a, b, c))(t, p, w)
    assert jitted.shape == ()
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(eager), rtol=1e-6)
