"""`animate_sgd`: minibatch SGD on a one-feature linear model, frame by frame."""
from __future__ import annotations

import math
import os
from typing import Any

import numpy as np

from lamina.plot import _mpl

# The line the data comes from, and where SGD starts: far enough to show a path.
_TRUE_W, _TRUE_B, _NOISE = 2.0, 1.0, 0.5
_START_W, _START_B = -1.0, -2.0


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"animate_sgd needs a positive integer {name}, but received "
                         f"{name}={value!r}.")
    return int(value)


def _train(learning_rate: float, batch_size: int, x: np.ndarray, y: np.ndarray,
           epochs: int, seed: int) -> dict[str, Any]:
    """Train `Sequential([Input((1,)), Dense(1)])` with SGD one batch at a time."""
    import lamina as keras

    model = keras.Sequential([
        keras.layers.Input((1,)),
        keras.layers.Dense(1, kernel_initializer=keras.initializers.Constant(_START_W),
                           bias_initializer=keras.initializers.Constant(_START_B))])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mse")
    rng = np.random.default_rng(seed)
    ws, bs, batches, batch_losses = [_START_W], [_START_B], [np.array([], int)], [math.nan]
    for _ in range(epochs):
        order = rng.permutation(len(x))
        for start in range(0, len(x), batch_size):
            rows = order[start:start + batch_size]
            batch_losses.append(float(model.train_on_batch(x[rows], y[rows])))
            kernel, bias = model.get_weights()
            ws.append(float(kernel[0, 0]))
            bs.append(float(bias[0]))
            batches.append(rows)
    w, b = np.array(ws), np.array(bs)
    full = np.mean((w[:, None] * x[None, :, 0] + b[:, None] - y[None, :, 0]) ** 2, axis=1)
    return {"w": w, "b": b, "rows": batches, "loss": full, "batch_loss": batch_losses}


def _draw_static(fig: Any, x: np.ndarray, y: np.ndarray, run: dict[str, Any]) -> dict:
    from matplotlib import ticker as mticker

    ax_fit, ax_loss, ax_path = fig.subplots(1, 3)
    ax_fit.scatter(x[:, 0], y[:, 0], s=14, color=_mpl.BLUE, alpha=0.6, label="data")
    batch = ax_fit.scatter([], [], s=40, facecolors="none", edgecolors=_mpl.ORANGE,
                           linewidths=1.5, label="this batch")
    xs = np.array([x.min() - 0.2, x.max() + 0.2])
    (line,) = ax_fit.plot(xs, xs * 0, color=_mpl.BEST_COLOR, linewidth=2, label="model")
    ax_fit.set_xlim(*xs)
    ax_fit.set_ylim(y.min() - 1.5, y.max() + 1.5)
    ax_fit.set(title="the model's line", xlabel="x", ylabel="y")
    ax_fit.legend(loc="upper left", fontsize="small")

    steps = np.arange(len(run["loss"]))
    (batch_line,) = ax_loss.plot([], [], color=_mpl.BLUE, alpha=0.3, linewidth=1)
    (loss_line,) = ax_loss.plot([], [], color=_mpl.BLUE, linewidth=2)
    (loss_dot,) = ax_loss.plot([], [], "o", color=_mpl.BEST_COLOR)
    ax_loss.set_yscale("log")
    ax_loss.yaxis.set_minor_formatter(mticker.NullFormatter())
    finite = np.concatenate([run["loss"], np.array(run["batch_loss"][1:])])
    ax_loss.set_ylim(max(finite.min() * 0.5, 1e-3), finite.max() * 2)
    ax_loss.set_xlim(0, len(steps) - 1)
    ax_loss.set(title="loss on all data (faint: per batch)", xlabel="batches seen",
                ylabel="mean squared error")

    w_opt, b_opt = np.polyfit(x[:, 0], y[:, 0], 1)
    wl = min(run["w"].min(), w_opt) - 0.5, max(run["w"].max(), w_opt) + 0.5
    bl = min(run["b"].min(), b_opt) - 0.5, max(run["b"].max(), b_opt) + 0.5
    gw, gb = np.meshgrid(np.linspace(*wl, 80), np.linspace(*bl, 80))
    surface = np.mean((gw[..., None] * x[:, 0] + gb[..., None] - y[:, 0]) ** 2, axis=-1)
    ax_path.contour(gw, gb, surface, levels=np.geomspace(surface.min() + 1e-3,
                                                         surface.max(), 12),
                    cmap="Greys", linewidths=0.7)
    ax_path.plot([w_opt], [b_opt], "*", color=_mpl.ORANGE, markersize=12,
                 label="least squares")
    (path_line,) = ax_path.plot([], [], "-", color=_mpl.BLUE, linewidth=1.2)
    (path_dot,) = ax_path.plot([], [], "o", color=_mpl.BEST_COLOR, label="(w, b) now")
    ax_path.set(title="the weights' path", xlabel="w (kernel)", ylabel="b (bias)",
                xlim=wl, ylim=bl)
    ax_path.legend(loc="upper left", fontsize="small")
    fig.tight_layout(rect=(0, 0, 1, 0.92))
    return {"line": line, "batch": batch, "xs": xs, "loss_line": loss_line, "batch_line": batch_line,
            "loss_dot": loss_dot, "path_line": path_line, "path_dot": path_dot,
            "title": fig.suptitle(""), "x": x, "y": y}


def animate_sgd(learning_rate: float = 0.05, batch_size: int = 8, num_examples: int = 64,
                epochs: int = 5, seed: int = 0, path: str | os.PathLike | None = None, *,
                fps: int = 8, dpi: int = 72) -> Any:
    """Animate minibatch SGD fitting a line, the classic course picture.

    A one-feature linear model `Sequential([Input((1,)), Dense(1)])` is trained with
    `SGD(learning_rate)` on `num_examples` noisy points of `y = 2x + 1`, one
    `train_on_batch` per minibatch, starting from `w = -1, b = -2`. Each frame shows
    one step: the model's line over the data (the batch circled), the loss on all the
    data so far, and the path of `(w, b)` over the loss surface's contours.

    Args:
        learning_rate: SGD's step size.
        batch_size: examples per step.
        num_examples: size of the generated data set.
        epochs: passes over the data; the animation has
            `1 + epochs * ceil(num_examples / batch_size)` frames.
        seed: seed of the data and of the batch order.
        path: where to save it: `.gif` (Pillow) or `.mp4` (needs ffmpeg); not saved
            when None.
        fps: frames per second when saved.
        dpi: resolution when saved.

    Returns:
        The `matplotlib.animation.FuncAnimation`; in a notebook show it with
        `IPython.display.HTML(anim.to_jshtml())`. Its `sgd_history` dict holds, per
        frame, `w`, `b`, `loss` (on all data) and `batch_loss` (NaN for frame 0).

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: a non-positive size, or a `path` that is neither `.gif` nor `.mp4`.

    Example:
        >>> anim = animate_sgd(num_examples=16, batch_size=8, epochs=1)
        >>> run = anim.sgd_history
        >>> len(run["w"]), bool(run["loss"][-1] < run["loss"][0])
        (3, True)
        >>> "<img" in anim.to_jshtml()
        True
    """
    _mpl.matplotlib()
    from matplotlib import animation
    from matplotlib.figure import Figure

    batch_size = _positive_int(batch_size, "batch_size")
    num_examples = _positive_int(num_examples, "num_examples")
    epochs = _positive_int(epochs, "epochs")
    if not (isinstance(learning_rate, (int, float)) and learning_rate > 0):
        raise ValueError(f"animate_sgd needs a positive learning_rate, but received "
                         f"learning_rate={learning_rate!r}.")
    suffix = None if path is None else os.fspath(path).lower().rsplit(".", 1)[-1]
    if suffix is not None and suffix not in ("gif", "mp4"):
        raise ValueError(f"animate_sgd saves .gif or .mp4 files, but received path={path!r}. "
                         "Use e.g. path='sgd.gif'.")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=(num_examples, 1)).astype(np.float32)
    y = (_TRUE_W * x + _TRUE_B + _NOISE * rng.normal(size=x.shape)).astype(np.float32)
    run = _train(float(learning_rate), batch_size, x, y, epochs, seed)

    fig = Figure(figsize=(12.0, 3.9))
    parts = _draw_static(fig, x, y, run)
    steps_per_epoch = math.ceil(num_examples / batch_size)

    def draw(k: int) -> list:
        w, b = run["w"][k], run["b"][k]
        parts["line"].set_ydata(w * parts["xs"] + b)
        rows = run["rows"][k]
        parts["batch"].set_offsets(np.c_[x[rows, 0], y[rows, 0]] if len(rows)
                                   else np.empty((0, 2)))
        parts["loss_line"].set_data(np.arange(k + 1), run["loss"][:k + 1])
        parts["batch_line"].set_data(np.arange(k + 1), run["batch_loss"][:k + 1])
        parts["loss_dot"].set_data([k], [run["loss"][k]])
        parts["path_line"].set_data(run["w"][:k + 1], run["b"][:k + 1])
        parts["path_dot"].set_data([w], [b])
        epoch = 0 if k == 0 else (k - 1) // steps_per_epoch + 1
        parts["title"].set_text(f"minibatch SGD, learning rate {learning_rate:g}, batch "
                                f"{batch_size}: step {k}, epoch {epoch}/{epochs}, "
                                f"w = {w:.3f}, b = {b:.3f}, loss = {run['loss'][k]:.3f}")
        return []

    anim = animation.FuncAnimation(fig, draw, frames=len(run["w"]), interval=1000 / fps,
                                   blit=False, repeat=True)
    anim.sgd_history = {k: run[k] for k in ("w", "b", "loss", "batch_loss")}
    if path is not None:
        if suffix == "gif":
            writer = animation.PillowWriter(fps=fps)
        else:
            if not animation.writers.is_available("ffmpeg"):
                raise RuntimeError(f"Saving {path!r} as MP4 needs ffmpeg, which matplotlib "
                                   "cannot find. Install ffmpeg, or save a .gif instead.")
            writer = animation.FFMpegWriter(fps=fps)
        anim.save(os.fspath(path), writer=writer, dpi=dpi)
    return anim
