"""lamina.plot: figures rendered to PNG and read back pixel by pixel."""
import gc
import io

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image  # noqa: E402

import lamina as keras  # noqa: E402
from lamina.callbacks import History  # noqa: E402
from lamina.plot import animate_sgd, decision_boundary, learning_curves  # noqa: E402
from lamina.plot import _mpl  # noqa: E402

DPI = 50


def _png(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI)
    matplotlib.pyplot.close(fig)
    return Image.open(io.BytesIO(buf.getvalue())).convert("RGB")


def _hex(color):
    return np.array([int(color[i:i + 2], 16) for i in (1, 3, 5)])


def _has_color(image, color, tol=12):
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    return bool(np.any(np.all(np.abs(pixels - _hex(color)) <= tol, axis=1)))


def _pixel(fig, axis, x, y):
    """The RGB color at data point (x, y) of `axis`, in the PNG at DPI."""
    fig.canvas.draw()
    px, py = axis.transData.transform((x, y)) * DPI / fig.dpi
    image = np.asarray(_png(fig)).astype(int)
    return image[image.shape[0] - 1 - int(round(py)), int(round(px))]


HISTORY = {"loss": [1.0, 0.6, 0.5, 0.45, 0.4], "val_loss": [1.1, 0.7, 0.55, 0.6, 0.8],
           "accuracy": [0.5, 0.6, 0.7, 0.8, 0.9], "val_accuracy": [0.5, 0.6, 0.72, 0.7, 0.7]}


def test_learning_curves_draws_one_panel_per_metric_with_both_curves():
    fig = learning_curves(HISTORY)
    assert [a.get_title() for a in fig.axes] == ["loss", "accuracy"]
    lines = fig.axes[0].get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), HISTORY["loss"])
    np.testing.assert_allclose(lines[1].get_ydata(), HISTORY["val_loss"])
    np.testing.assert_allclose(lines[0].get_xdata(), [1, 2, 3, 4, 5])
    image = _png(fig)
    assert image.size == (500, 180)  # 2 panels of 5 x 3.6 inches at 50 dpi
    assert _has_color(image, _mpl.TRAIN_COLOR) and _has_color(image, _mpl.VAL_COLOR)


def test_learning_curves_marks_the_best_epoch():
    fig = learning_curves(HISTORY)
    labels = [a.get_legend_handles_labels()[1][-1] for a in fig.axes]
    assert labels == ["best epoch 3: 0.55", "best epoch 3: 0.72"]
    assert _has_color(_png(fig), _mpl.BEST_COLOR)
    fig = learning_curves(HISTORY, best=False)
    assert not _has_color(_png(fig), _mpl.BEST_COLOR)


def test_learning_curves_best_epoch_on_training_curve_without_validation():
    fig = learning_curves({"loss": [3.0, 1.0, 2.0], "mae": [2.0, 1.5, 1.0]})
    labels = [a.get_legend_handles_labels()[1] for a in fig.axes]
    assert labels == [["training", "best epoch 2: 1"], ["training", "best epoch 3: 1"]]


def test_learning_curves_accepts_a_history_and_given_axes():
    history = History()
    history.on_train_begin()
    for epoch, loss in enumerate([0.9, 0.5, 0.7]):
        history.on_epoch_end(epoch, {"loss": loss, "val_loss": loss + 0.1, "mae": loss})
    fig, axes = matplotlib.pyplot.subplots(1, 2, figsize=(4, 2))
    assert learning_curves(history, ["val_loss", "mae"], ax=axes) is fig
    assert [a.get_title() for a in fig.axes] == ["loss", "mae"]
    assert history.plot("mae").axes[0].get_title() == "mae"
    matplotlib.pyplot.close("all")


def test_learning_curves_errors_say_what_to_do():
    with pytest.raises(ValueError, match="Available: \\['accuracy', 'loss'\\]"):
        learning_curves(HISTORY, "auc")
    with pytest.raises(ValueError, match="empty history"):
        learning_curves({})
    with pytest.raises(TypeError, match="History"):
        learning_curves([1.0, 2.0])
    with pytest.raises(ValueError, match="one Axes per panel \\(2\\)"):
        learning_curves(HISTORY, ax=matplotlib.pyplot.subplots()[1])
    matplotlib.pyplot.close("all")


def _left_right_model():
    """sigmoid(5 * x1): negative (orange) left of x1 = 0, positive (blue) right."""
    model = keras.Sequential([keras.layers.Input((2,)),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.set_weights([np.array([[5.0], [0.0]]), np.array([0.0])])
    return model


POINTS = np.array([[-1.0, 0.0], [1.0, 0.0], [-3.0, -3.0], [3.0, 3.0]])
LABELS = np.array([0, 1, 0, 1])


def test_decision_boundary_heatmap_has_both_class_colors_where_expected():
    fig = decision_boundary(_left_right_model(), POINTS, LABELS, resolution=60)
    axis = fig.axes[0]
    assert axis.images[0].get_array().shape == (60, 60, 3)
    left = _pixel(fig, axis, -2.0, 2.0)
    fig = decision_boundary(_left_right_model(), POINTS, LABELS, resolution=60)
    right = _pixel(fig, fig.axes[0], 2.0, -2.0)
    assert left[0] > left[2] + 60  # orange: much more red than blue
    assert right[2] > right[0] + 60  # blue: much more blue than red
    assert left.min() < 230 and right.min() < 230  # a confident region is not white


def test_decision_boundary_points_use_playground_colors():
    fig = decision_boundary(_left_right_model(), POINTS, LABELS, resolution=40)
    colors = [c.get_facecolor()[0][:3] for c in fig.axes[0].collections]
    np.testing.assert_allclose(colors, [_hex(_mpl.ORANGE) / 255, _hex(_mpl.BLUE) / 255],
                               atol=1e-6)
    image = _png(fig)
    assert image.size == (250, 250)
    assert _has_color(image, _mpl.ORANGE, tol=4) and _has_color(image, _mpl.BLUE, tol=4)


def test_decision_boundary_signed_labels_and_many_classes():
    tanh_model = lambda g: np.tanh(3 * g[:, :1])  # noqa: E731
    fig = decision_boundary(tanh_model, POINTS, 2 * LABELS - 1, resolution=30)
    assert _pixel(fig, fig.axes[0], -2.0, 2.0)[0] > 200
    three = lambda g: np.stack([-g[:, 0], g[:, 0], g[:, 1]], axis=1)  # noqa: E731
    fig = decision_boundary(three, POINTS, np.eye(3)[[0, 1, 2, 1]], resolution=30)
    assert len(fig.axes[0].collections) == 3
    matplotlib.pyplot.close("all")


def test_decision_boundary_errors_say_what_to_do():
    model = _left_right_model()
    with pytest.raises(ValueError, match=r"shape \(4, 3\)"):
        decision_boundary(model, np.ones((4, 3)), LABELS)
    with pytest.raises(ValueError, match="4 points in x but 3 labels"):
        decision_boundary(model, POINTS, LABELS[:3])
    with pytest.raises(ValueError, match="numeric labels"):
        decision_boundary(model, POINTS, np.array(["a", "b", "a", "b"]))
    with pytest.raises(TypeError, match="Lamina model"):
        decision_boundary("model", POINTS, LABELS)


def test_animate_sgd_writes_a_gif_with_one_frame_per_step(tmp_path):
    path = tmp_path / "sgd.gif"
    anim = animate_sgd(learning_rate=0.1, batch_size=8, num_examples=20, epochs=2,
                       path=path, fps=5, dpi=40)
    with Image.open(path) as gif:
        assert gif.n_frames == 1 + 2 * 3
        assert gif.size == (480, 156)  # 12 x 3.9 inches at 40 dpi
    run = anim.sgd_history
    assert run["w"].shape == (7,) and run["b"].shape == (7,)
    assert (run["w"][0], run["b"][0]) == (-1.0, -2.0)
    assert run["loss"][-1] < run["loss"][0] / 4


@pytest.mark.filterwarnings("ignore:Animation was deleted")
@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")
def test_animate_sgd_steps_are_plain_sgd_on_the_batch():
    anim = animate_sgd(learning_rate=0.1, batch_size=4, num_examples=8, epochs=1, seed=3)
    run = anim.sgd_history
    del anim  # never drawn: matplotlib warns when it goes, which is expected here
    gc.collect()
    rng = np.random.default_rng(3)
    x = rng.uniform(-2.0, 2.0, size=(8, 1)).astype(np.float32)
    y = (2.0 * x + 1.0 + 0.5 * rng.normal(size=x.shape)).astype(np.float32)
    order = np.random.default_rng(3).permutation(8)
    w, b = -1.0, -2.0
    for k, start in enumerate(range(0, 8, 4)):
        rows = order[start:start + 4]
        r = w * x[rows, 0] + b - y[rows, 0]
        assert run["batch_loss"][k + 1] == pytest.approx(np.mean(r ** 2), rel=1e-5)
        w, b = w - 0.1 * 2 * np.mean(r * x[rows, 0]), b - 0.1 * 2 * np.mean(r)
        assert (run["w"][k + 1], run["b"][k + 1]) == pytest.approx((w, b), rel=1e-5)


def test_animate_sgd_rejects_bad_arguments():
    with pytest.raises(ValueError, match="path='sgd.png'"):
        animate_sgd(path="sgd.png")
    with pytest.raises(ValueError, match="batch_size=0"):
        animate_sgd(batch_size=0)
    with pytest.raises(ValueError, match="learning_rate=-1"):
        animate_sgd(learning_rate=-1)
