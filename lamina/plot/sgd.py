"""`animate_sgd`: minibatch SGD on a one-feature linear model, frame by frame."""
from __future__ import annotations

import math
import os
from typing import Any, NamedTuple, Sequence

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


class SGDPath(NamedTuple):
    """Minibatch SGD on a one-feature line, step by step.

    Attributes:
        params: `(steps, 2)` weights `(w, b)` after each batch.
        loss: `(steps,)` mean squared error on all the data after each batch.
        batch_loss: `(steps,)` the batch's loss before its update (what
            `train_on_batch` reports).
    """

    params: np.ndarray
    loss: np.ndarray
    batch_loss: np.ndarray


def sgd_path(x: np.ndarray, y: np.ndarray, batches: Sequence[np.ndarray],
             learning_rate: float, start: tuple[float, float]) -> SGDPath:
    """Minibatch SGD on `mean((w x + b - y)^2)`, the batches' rows in order, in float32:
    the update of Lamina's `SGD` on `Dense(1)` with `loss="mse"` (the tests check it
    against the library). The playground's SGD explorer draws the same path.

    Args:
        x, y: the data, 1-D float32 arrays.
        batches: each batch's row indices (the last batch may be smaller).
        learning_rate: the step size.
        start: the initial `(w, b)`.

    Returns:
        The `SGDPath`.

    Example:
        >>> x = np.array([0.0, 1.0], np.float32); y = np.array([1.0, 3.0], np.float32)
        >>> run = sgd_path(x, y, [np.array([0, 1])], 0.5, start=(0.0, 0.0))
        >>> run.params.tolist(), run.loss.round(3).tolist(), run.batch_loss.tolist()
        ([[1.5, 2.0]], [0.625], [5.0])
    """
    w, b = np.float32(start[0]), np.float32(start[1])
    lr = np.float32(learning_rate)
    steps = len(batches)
    params = np.empty((steps, 2), np.float32)
    losses = np.empty(steps, np.float32)
    batch_losses = np.empty(steps, np.float32)
    with np.errstate(all="ignore"):
        for i, idx in enumerate(batches):
            err = w * x[idx] + b - y[idx]  # d/dw mean(err^2) = 2 mean(err x)
            batch_losses[i] = np.mean(np.square(err))
            w, b = w - lr * 2 * np.mean(err * x[idx]), b - lr * 2 * np.mean(err)
            params[i] = w, b
            losses[i] = np.mean(np.square(w * x + b - y))
    return SGDPath(params, losses, batch_losses)


def _train(learning_rate: float, batch_size: int, x: np.ndarray, y: np.ndarray,
           epochs: int, seed: int) -> dict[str, Any]:
    """SGD from `(_START_W, _START_B)`, one batch at a time, each epoch reshuffled."""
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(epochs):
        order = rng.permutation(len(x))
        batches += [order[s:s + batch_size] for s in range(0, len(x), batch_size)]
    run = sgd_path(x[:, 0], y[:, 0], batches, learning_rate, (_START_W, _START_B))
    start_loss = float(np.mean((_START_W * x + _START_B - y) ** 2))
    return {"w": np.r_[_START_W, run.params[:, 0]], "b": np.r_[_START_B, run.params[:, 1]],
            "rows": [np.array([], int)] + batches,
            "loss": np.r_[start_loss, run.loss], "batch_loss": [math.nan, *run.batch_loss]}


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

    A one-feature linear model `w x + b` is trained by minibatch SGD (the update of
    `SGD(learning_rate)` on `Dense(1)` with `loss="mse"`, see `sgd_path`) on
    `num_examples` noisy points of `y = 2x + 1`, starting from `w = -1, b = -2`. Each frame shows
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
