"""Metrics (core accumulators and the Keras shell) against NumPy by hand."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from lamina import losses, metrics
from lamina.core import metrics as core

RNG = np.random.default_rng(1)


def _run(acc, *batches):
    state, update = acc.init(), jax.jit(acc.update)
    for batch in batches:
        state = update(state, *(None if x is None else np.asarray(x) for x in batch))
    return np.asarray(acc.result(state))


def test_mean_weighted_and_row_means():
    values = np.array([[1.0, 3.0], [5.0, 7.0], [9.0, 11.0]], np.float32)
    assert float(_run(core.mean(), (values, None))) == pytest.approx(6.0)
    w = np.array([1.0, 0.0, 3.0])
    assert float(_run(core.mean(), (values, w))) == pytest.approx((2.0 + 3 * 10.0) / 4)
    # The loss tracker: batch losses weighted by batch sizes.
    out = _run(core.mean(), (np.float32(2.0), 32.0), (np.float32(5.0), 8.0))
    assert out.shape == ()
    assert float(out) == pytest.approx((2 * 32 + 5 * 8) / 40)


def test_mean_metric_weights_per_sample_values():
    t = np.array([[1.0], [0.0], [1.0], [1.0]])
    p = np.array([[0.9], [0.7], [0.2], [0.6]])
    w = np.array([1.0, 2.0, 1.0, 0.5])
    correct = np.array([1.0, 0.0, 0.0, 1.0])
    out = _run(core.mean_metric(core.binary_accuracy), (t, p, w))
    assert float(out) == pytest.approx(np.sum(correct * w) / np.sum(w))


@pytest.mark.parametrize("fn,t,p,expected", [
    (core.binary_accuracy, [[1], [0], [1]], [[0.6], [0.5], [0.5]], [1.0, 1.0, 0.0]),
    (core.binary_accuracy, [1, 0], [[0.6], [0.4]], [1.0, 1.0]),
    (core.categorical_accuracy, [[0, 0, 1], [0, 1, 0]], [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]],
     [1.0, 0.0]),
    (core.sparse_categorical_accuracy, [[2], [1]], [[0.1, 0.2, 0.7], [0.5, 0.3, 0.2]],
     [1.0, 0.0]),
    (core.accuracy, [[1.0], [2.0]], [[1.0], [2.5]], [1.0, 0.0]),
])
def test_accuracy_functions_match_hand_values(fn, t, p, expected):
    out = np.asarray(fn(np.array(t), np.array(p, np.float32)))
    assert out.shape == (len(expected),)
    np.testing.assert_array_equal(out, expected)


def test_top_k_accuracy_matches_numpy_rank_and_counts_ties():
    p = RNG.uniform(size=(6, 5)).astype(np.float32)
    labels = RNG.integers(0, 5, size=6)
    rank = np.sum(p > p[np.arange(6), labels][:, None], axis=1)
    for k in (1, 2, 3):
        out = np.asarray(core.sparse_top_k_categorical_accuracy(labels, p, k=k))
        assert out.shape == (6,)
        np.testing.assert_array_equal(out, (rank < k).astype(np.float32))
        onehot = np.eye(5)[labels]
        np.testing.assert_array_equal(np.asarray(core.top_k_categorical_accuracy(onehot, p, k=k)),
                                      (rank < k).astype(np.float32))
    tie = np.array([[0.5, 0.5, 0.1]], np.float32)
    assert float(core.sparse_top_k_categorical_accuracy([1], tie, k=1)[0]) == 1.0


def test_root_mean_squared_error_weighted():
    t = RNG.normal(size=(5, 2)).astype(np.float32)
    p = RNG.normal(size=(5, 2)).astype(np.float32)
    w = np.array([1.0, 2.0, 0.0, 1.0, 3.0])
    expected = np.sqrt(np.sum(np.mean((t - p) ** 2, 1) * w) / np.sum(w))
    assert float(_run(core.root_mean_squared_error(), (t[:3], p[:3], w[:3]),
                      (t[3:], p[3:], w[3:]))) == pytest.approx(expected, rel=1e-5)


def _np_auc(y, p, w, num_thresholds=200, curve="ROC", method="interpolation"):
    """Keras's thresholded AUC, re-derived in NumPy."""
    inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
    thr = np.array([-1e-7] + inner + [1 + 1e-7])
    above = p[None, :] > thr[:, None]
    tp = (above * (w * y)).sum(1)
    fp = (above * (w * (1 - y))).sum(1)
    fn = np.sum(w * y) - tp
    tn = np.sum(w * (1 - y)) - fp
    div = lambda a, b: np.where(b == 0, 0.0, a / np.where(b == 0, 1, b))  # noqa: E731
    if curve == "PR" and method == "interpolation":
        dtp = tp[:-1] - tp[1:]
        pp = tp + fp
        slope = div(dtp, np.maximum(pp[:-1] - pp[1:], 0))
        intercept = tp[1:] - slope * pp[1:]
        ratio = np.where((pp[:-1] > 0) & (pp[1:] > 0), div(pp[:-1], np.maximum(pp[1:], 0)), 1.0)
        return np.sum(div(slope * (dtp + intercept * np.log(ratio)), tp[1:] + fn[1:]))
    rec = div(tp, tp + fn)
    x, yy = (div(fp, fp + tn), rec) if curve == "ROC" else (rec, div(tp, tp + fp))
    heights = {"interpolation": (yy[:-1] + yy[1:]) / 2, "minoring": np.minimum(yy[:-1], yy[1:]),
               "majoring": np.maximum(yy[:-1], yy[1:])}[method]
    return np.sum((x[:-1] - x[1:]) * heights)


@pytest.mark.parametrize("curve,method,num", [
    ("ROC", "interpolation", 200), ("ROC", "minoring", 50), ("ROC", "majoring", 50),
    ("PR", "interpolation", 200), ("PR", "minoring", 30), ("pr", "majoring", 30),
])
def test_auc_matches_numpy_keras_computation(curve, method, num):
    y = RNG.integers(0, 2, size=64).astype(np.float32)
    p = np.clip(0.3 * y + RNG.uniform(0, 0.7, size=64), 0, 1).astype(np.float32)
    w = RNG.uniform(0.5, 2.0, size=64).astype(np.float32)
    out = _run(core.auc(num, curve, method), (y[:40], p[:40], w[:40]), (y[40:], p[40:], w[40:]))
    assert out.shape == ()
    expected = _np_auc(y.astype(float), p.astype(float), w.astype(float), num, curve.upper(), method)
    assert float(out) == pytest.approx(expected, abs=1e-5)


def test_auc_close_to_sklearn_and_from_logits():
    y = RNG.integers(0, 2, size=500)
    logits = (2 * y - 1) * 0.8 + RNG.normal(size=500)
    p = 1 / (1 + np.exp(-logits))
    exact = roc_auc_score(y, p)
    assert float(_run(core.auc(), (y, p.astype(np.float32)))) == pytest.approx(exact, abs=1e-2)
    m = metrics.AUC(from_logits=True)
    m.update_state(y[:, None], logits[:, None].astype(np.float32))
    assert float(m.result()) == pytest.approx(exact, abs=1e-2)


def test_auc_explicit_thresholds_match_numpy():
    y = np.array([0, 1, 1, 0, 1], np.float32)
    p = np.array([0.2, 0.6, 0.4, 0.7, 0.9], np.float32)
    thr = np.array([-1e-7, 0.3, 0.5, 0.8, 1 + 1e-7])
    tpr = [np.mean(p[y == 1] > t) for t in thr]
    fpr = [np.mean(p[y == 0] > t) for t in thr]
    expected = sum((fpr[i] - fpr[i + 1]) * (tpr[i] + tpr[i + 1]) / 2 for i in range(4))
    assert float(_run(core.auc(thresholds=[0.3, 0.5, 0.8]), (y, p))) == pytest.approx(expected)


@pytest.mark.parametrize("kwargs,match", [
    ({"curve": "ROCC"}, "Did you mean 'roc'"),
    ({"summation_method": "interp"}, "Invalid summation_method 'interp'"),
    ({"num_thresholds": 1}, "num_thresholds must be an integer > 1"),
])
def test_auc_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        metrics.AUC(**kwargs)


def test_precision_recall_counts_match_numpy():
    y = RNG.integers(0, 2, size=(20, 1)).astype(np.float32)
    p = RNG.uniform(size=(20, 1)).astype(np.float32)
    w = RNG.uniform(0.5, 2, size=20).astype(np.float32)
    for t in (0.5, 0.3):
        pos = (p[:, 0] > t).astype(float)
        tp, fp = np.sum(w * y[:, 0] * pos), np.sum(w * (1 - y[:, 0]) * pos)
        fn, tn = np.sum(w * y[:, 0] * (1 - pos)), np.sum(w * (1 - y[:, 0]) * (1 - pos))
        got = {kind: float(_run(core.confusion(kind, t), (y, p, w)))
               for kind in ("precision", "recall", "true_positives", "false_positives",
                            "true_negatives", "false_negatives")}
        assert got == pytest.approx({"precision": tp / (tp + fp), "recall": tp / (tp + fn),
                                     "true_positives": tp, "false_positives": fp,
                                     "true_negatives": tn, "false_negatives": fn}, rel=1e-5)


def test_precision_threshold_list_gives_vector():
    out = _run(core.confusion("precision", [0.2, 0.5, 0.9]),
               ([0, 1, 1, 0], [0.3, 0.6, 0.95, 0.1]))
    assert out.shape == (3,)
    np.testing.assert_allclose(out, [2 / 3, 1.0, 1.0])


def test_precision_top_k_and_class_id():
    t = np.array([[0, 0, 1, 1], [1, 0, 0, 1]], np.float32)
    p = np.array([[0.1, 0.5, 0.2, 0.3], [0.4, 0.1, 0.3, 0.2]], np.float32)
    # top_k=2 keeps columns {1, 3} and {0, 2}: 1 + 1 hits of 4 predicted.
    assert float(metrics.Precision(top_k=2)(t, p)) == pytest.approx(0.5)
    assert float(metrics.Recall(top_k=2)(t, p)) == pytest.approx(0.5)
    # class_id=3: predictions 0.3, 0.2 vs threshold 0.5 -> none positive.
    assert float(metrics.Recall(class_id=3)(t, p)) == pytest.approx(0.0)
    assert float(metrics.Recall(class_id=3, thresholds=0.25)(t, p)) == pytest.approx(0.5)


def test_precision_rejects_thresholds_outside_unit_interval():
    with pytest.raises(ValueError, match=r"thresholds must be .* in \[0, 1\].*received 1.5"):
        metrics.Precision(thresholds=1.5)


@pytest.mark.parametrize("cls,name", [
    (metrics.AUC, "auc"), (metrics.Precision, "precision"), (metrics.Recall, "recall"),
    (metrics.RootMeanSquaredError, "root_mean_squared_error"),
    (metrics.BinaryAccuracy, "binary_accuracy"), (metrics.Accuracy, "accuracy"),
    (metrics.CategoricalAccuracy, "categorical_accuracy"),
    (metrics.SparseTopKCategoricalAccuracy, "sparse_top_k_categorical_accuracy"),
    (metrics.MeanAbsoluteError, "mean_absolute_error"), (metrics.Mean, "mean"),
    (metrics.KLDivergence, "kullback_leibler_divergence"), (metrics.LogCoshError, "logcosh"),
    (metrics.TruePositives, "true_positives"),
])
def test_metric_default_names(cls, name):
    assert cls().name == name


def test_metric_update_result_reset():
    m = metrics.BinaryAccuracy(threshold=0.7)
    m.update_state([[1], [0]], [[0.8], [0.6]])
    m.update_state([[1], [1]], [[0.6], [0.9]], sample_weight=[2.0, 1.0])
    assert float(m.result()) == pytest.approx((1 + 1 + 0 + 1) / 5)
    m.reset_state()
    assert float(m.result()) == 0.0
    assert metrics.TopKCategoricalAccuracy(1).get_config()["k"] == 1


@pytest.mark.parametrize("identifier,loss,shape,fn,name", [
    ("accuracy", "binary_crossentropy", (None, 1), "binary_accuracy", "accuracy"),
    ("acc", None, (None, 1), "binary_accuracy", "acc"),
    ("accuracy", losses.BinaryCrossentropy(from_logits=True), (None, 3), "binary_accuracy",
     "accuracy"),
    ("accuracy", "sparse_categorical_crossentropy", (None, 10), "sparse_categorical_accuracy",
     "accuracy"),
    ("Accuracy", losses.sparse_categorical_crossentropy, (None, 10),
     "sparse_categorical_accuracy", "Accuracy"),
    ("accuracy", "categorical_crossentropy", (None, 10), "categorical_accuracy", "accuracy"),
    ("acc", "mse", None, "categorical_accuracy", "acc"),
    ("crossentropy", "binary_crossentropy", (None, 1), "binary_crossentropy", "crossentropy"),
    ("ce", "SparseCategoricalCrossentropy", (None, 4), "sparse_categorical_crossentropy", "ce"),
    ("mae", None, None, "mean_absolute_error", "mae"),
    ("MAE", None, None, "mean_absolute_error", "MAE"),
    ("mean_squared_error", None, None, "mean_squared_error", "mean_squared_error"),
    ("binary_accuracy", None, None, "binary_accuracy", "binary_accuracy"),
])
def test_get_resolves_like_tf_keras_compile(identifier, loss, shape, fn, name):
    m = metrics.get(identifier, loss=loss, output_shape=shape)
    assert isinstance(m, metrics.MeanMetricWrapper)
    assert m._fn.__name__ == fn and m.name == name


def test_get_uses_target_shape_for_integer_labels():
    m = metrics.get("accuracy", loss="mse", output_shape=(None, 5), target_shape=(None, 1))
    assert m._fn.__name__ == "sparse_categorical_accuracy"


@pytest.mark.parametrize("identifier,cls,name", [
    ("AUC", metrics.AUC, "auc"), ("auc", metrics.AUC, "auc"),
    ("Precision", metrics.Precision, "precision"),
    ("RootMeanSquaredError", metrics.RootMeanSquaredError, "root_mean_squared_error"),
    ("root_mean_squared_error", metrics.RootMeanSquaredError, "root_mean_squared_error"),
    (metrics.Recall, metrics.Recall, "recall"),
    ({"class_name": "AUC", "config": {"curve": "PR", "name": "pr_auc"}}, metrics.AUC, "pr_auc"),
])
def test_get_class_names(identifier, cls, name):
    m = metrics.get(identifier)
    assert type(m) is cls and m.name == name


def test_get_passes_metrics_and_wraps_callables_and_losses():
    m = metrics.AUC(name="my_auc")
    assert metrics.get(m) is m

    def within_half(y_true, y_pred):
        return (jnp.abs(y_true - y_pred) < 0.5).astype(jnp.float32)[..., 0]

    wrapped = metrics.get(within_half)
    assert wrapped.name == "within_half"
    wrapped.update_state(np.array([1.0, 2.0]), np.array([[1.2], [3.0]]))
    assert float(wrapped.result()) == pytest.approx(0.5)
    from_loss = metrics.get(losses.Huber())
    assert from_loss.name == "huber_loss"
    from_loss.update_state([[0.0], [0.0]], [[0.5], [3.0]])
    assert float(from_loss.result()) == pytest.approx((0.125 + 2.5) / 2)


def test_get_unknown_name_lists_valid_and_suggests():
    with pytest.raises(ValueError, match=r"Unknown metric 'accuracyy'.*Did you mean.*Valid metrics:"):
        metrics.get("accuracyy")
    with pytest.raises(ValueError, match="Did you mean 'precision'"):
        metrics.get("precison")
    with pytest.raises(TypeError, match="Could not interpret the metric"):
        metrics.get(3.5)


def test_serialize_roundtrip():
    for m in (metrics.AUC(curve="PR", num_thresholds=50), metrics.Precision(thresholds=[0.2, 0.8]),
              metrics.BinaryAccuracy(threshold=0.3, name="acc3"),
              metrics.MeanMetricWrapper(metrics.binary_accuracy, name="ba", threshold=0.2)):
        again = metrics.deserialize(metrics.serialize(m))
        assert type(again) is type(m) and again.get_config() == m.get_config()


@pytest.mark.parametrize("make", [
    metrics.AUC, metrics.Precision, lambda: metrics.get("accuracy", output_shape=(None, 1)),
    metrics.RootMeanSquaredError, metrics.BinaryCrossentropy,
])
def test_eager_and_compiled_scan_agree(make):
    y = RNG.integers(0, 2, size=(3, 8, 1)).astype(np.float32)
    p = RNG.uniform(size=(3, 8, 1)).astype(np.float32)
    w = RNG.uniform(0.1, 2, size=(3, 8)).astype(np.float32)
    eager = make()
    for i in range(3):
        eager.update_state(y[i], p[i], w[i])
    acc = make().accumulator()

    @jax.jit
    def epoch(y, p, w):
        def step(state, batch):
            return acc.update(state, *batch), None
        return acc.result(jax.lax.scan(step, acc.init(), (y, p, w))[0])

    compiled = epoch(y, p, w)
    assert compiled.shape == eager.result().shape == ()
    np.testing.assert_allclose(np.asarray(compiled), np.asarray(eager.result()), rtol=1e-6)
