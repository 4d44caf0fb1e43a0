"""One browser tab's run: its settings, data, trained state, and the record to export.

Every change of settings either retrains from scratch (network, activation,
regularization type, optimizer, features, `initZero`), regenerates the data (data
set, noise, ratio, seed), or applies live (learning rate, regularization rate, batch
size, display flags), as in TensorFlow Playground. The record of live changes and
weight edits is what `export.script` turns into the Python that reproduces the run.
"""
from __future__ import annotations

import base64
import dataclasses
import functools
import time
from typing import Any

import jax
import numpy as np

from lamina.datasets import playground as datasets
from lamina.playground import engine, initial
from lamina.playground.state import INPUTS, PlaygroundState, apply_update, serialize_hash

GRID = 100        # output heatmap resolution, as TensorFlow Playground's DENSITY
NEURON_GRID = 20  # per-neuron heatmaps: GRID averaged in 5x5 blocks
DOMAIN = 6.0
_LIVE = {"learningRate", "batchSize", "showTestData", "discretize", "hideText",
         "collectStats", "regularizationRate"}
_COS = {"cosX": 0, "cosY": 1}
THUMBNAIL_POINTS = 200  # as TensorFlow Playground's thumbnails
_DEFAULT_POOL = engine.ModelPool()
_DATA = {"dataset", "regDataset", "noise", "percTrainData", "seed", "problem"}


def _json_floats(a: Any) -> list:
    """Rounded floats for JSON, which has no NaN or infinity (a diverged run)."""
    return np.nan_to_num(np.asarray(a, np.float64), nan=0.0, posinf=1e6,
                         neginf=-1e6).round(5).tolist()


def features(xy: np.ndarray, names: list) -> np.ndarray:
    """`lamina.datasets.playground.features`, plus cos(X1) and cos(X2) (`cosX`, `cosY`,
    which come last in `names`).

    Example:
        >>> features(np.array([[0.0, 1.0]]), ["y", "cosX"]).tolist()
        [[1.0, 1.0]]
    """
    base = [n for n in names if n not in _COS]
    cols = [datasets.features(xy, base)] if base else []
    cols += [np.cos(xy[:, [_COS[n]]]).astype(np.float32) for n in names if n in _COS]
    return np.concatenate(cols, axis=1)


@functools.lru_cache(maxsize=1)
def thumbnails() -> dict:
    """Each data set's thumbnail: 200 points without noise, `[x, y, label]`, drawn by the
    same generators as the runs (TensorFlow Playground draws its thumbnails so too)."""
    draw = {"circle": datasets.circle, "xor": datasets.xor, "gauss": datasets.gauss,
            "spiral": datasets.spiral, "reg-plane": datasets.plane,
            "reg-gauss": datasets.multi_gaussian}
    out = {}
    for name, generate in draw.items():
        xy, y = generate(THUMBNAIL_POINTS, 0.0, seed="thumbnails")
        out[name] = np.c_[xy, y].round(2).tolist()
    return out


@dataclasses.dataclass
class Segment:
    """Epochs trained with one learning rate, batch size and regularization rate, after
    some edits."""

    start: int
    end: int
    learning_rate: float
    batch_size: int
    edits: list  # (layer, kind, i, j, value) applied before the segment
    regularization_rate: float = 0.0


class Session:
    """A playground run (not thread-safe: the server runs one call at a time per tab).

    Example:
        >>> s = Session(PlaygroundState(dataset="xor", seed="0.5", networkShape=[3]))
        >>> _ = s.train(2); s.epoch
        2
    """

    def __init__(self, state: PlaygroundState, pool: engine.ModelPool | None = None):
        self.pool = pool if pool is not None else _DEFAULT_POOL
        self.state = state
        self._make_data()
        self.reset()

    # -- setup --------------------------------------------------------------------
    def _make_data(self) -> None:
        s = self.state
        (xy_tr, y_tr), (xy_te, y_te) = datasets.load_data(
            s.data_name(), noise=s.noise, percent_train=s.percTrainData, seed=s.seed)
        names = s.input_names()
        self.xy_train, self.xy_test = xy_tr, xy_te
        self.y_train, self.y_test = y_tr.astype(np.float32), y_te.astype(np.float32)
        self.x_train = features(xy_tr, names)
        self.x_test = features(xy_te, names)
        axis = np.linspace(-DOMAIN, DOMAIN, GRID)
        gx, gy = np.meshgrid(axis, axis[::-1])  # row 0 is the top (y = +6)
        self.grid = features(np.c_[gx.ravel(), gy.ravel()], names)

    def architecture(self) -> engine.Architecture:
        s = self.state
        n = len(s.networkShape)
        rate = float(s.regularizationRate) if s.regularization != "none" else 0.0
        return engine.Architecture(
            n_inputs=len(s.input_names()), shape=tuple(s.networkShape),
            activation=s.activation, regularization=s.regularization,
            regularization_rate=rate, problem=s.problem,
            optimizer=s.optimizer, dropout=tuple(s.layer_dropout(i) for i in range(n)),
            batchnorm=tuple(s.layer_batchnorm(i) for i in range(n)))

    def reset(self) -> None:
        """TensorFlow Playground's initial weights for the seed; epoch 0."""
        s = self.state
        self.arch = self.architecture()
        first = initial.draw([self.arch.n_inputs, *self.arch.shape, 1], dataset=s.data_name(),
                             noise=s.noise, seed=s.seed, zero=s.initZero)
        self.snapshot, self._dense = engine.initial_snapshot(
            self.arch, engine.seed_int(s.seed), first)
        self.epoch = 0
        self.segments: list[Segment] = []
        self._pending_edits: list = []
        self.loss_history: list = []
        self.losses = self._compute_losses_and_grids()

    def update(self, changes: dict) -> str:
        """Apply settings from the page; returns "live", "reset" or "data".

        Raises:
            ValueError: for unknown keys or invalid values (nothing changes).
        """
        new = apply_update(self.state, changes)
        changed = {k for k in changes if getattr(new, k) != getattr(self.state, k)}
        if new.problem != self.state.problem:
            changed.add("problem")
        self.state = new
        if not changed or changed <= _LIVE:
            arch = self.architecture()
            if arch != self.arch:  # a new regularization rate: same weights, recompiled
                self.arch = arch  # model, whose optimizer starts afresh (as `compile`)
                self.snapshot = self.snapshot._replace(optimizer=None)
            return "live"
        if changed & _DATA or changed & set(INPUTS):
            self._make_data()
            self.reset()
            return "data"
        self.reset()
        return "reset"

    def regenerate(self) -> None:
        """New data from a fresh seed (the playground's regenerate button)."""
        self.update({"seed": datasets.random_seed()})

    # -- training -----------------------------------------------------------------
    def train(self, epochs: int) -> dict:
        """Train `epochs` more epochs with `fit`; returns the new losses."""
        s = self.state
        lr, bs, rate = float(s.learningRate), int(s.batchSize), self.arch.regularization_rate
        last = self.segments[-1] if self.segments else None
        if last is None or self._pending_edits or last.learning_rate != lr \
                or last.batch_size != bs or last.regularization_rate != rate:
            last = Segment(self.epoch, self.epoch, lr, bs, self._pending_edits, rate)
            self.segments.append(last)
            self._pending_edits = []
        with self.pool.borrow(self.arch) as model:
            engine.load(model, self.snapshot, lr)
            model.fit(self.x_train, self.y_train, batch_size=bs,
                      epochs=self.epoch + epochs, initial_epoch=self.epoch, verbose=0,
                      shuffle=False)  # TensorFlow Playground keeps the data's order
            self.snapshot = engine.save(model)
        self.epoch += epochs
        last.end = self.epoch
        self.losses = self._compute_losses_and_grids()
        self.loss_history.append((self.epoch, *self.losses))
        if len(self.loss_history) > 4000:  # keep the chart bounded
            self.loss_history = self.loss_history[::2]
        return {"train": self.losses[0], "test": self.losses[1]}

    def _compute_losses_and_grids(self) -> tuple:
        probe = self.pool.probe(self.arch, GRID, NEURON_GRID)
        hidden, out, train, test = jax.device_get(probe(
            self.snapshot.weights, self.grid, self.x_train, self.y_train, self.x_test,
            self.y_test))
        self._hidden, self._out = hidden, out
        return float(train), float(test)

    # -- edits --------------------------------------------------------------------
    def _dense_positions(self) -> list:
        """Per Dense layer: (index in model.layers, kernel index, bias index) in weights."""
        return self._dense

    def set_weight(self, layer: Any, kind: Any, i: Any, j: Any, value: Any) -> None:
        """Set `kernel[i, j]` or `bias[j]` of Dense layer `layer` (0 = first hidden).

        Raises:
            ValueError: for a layer, index or value out of range.
        """
        dense = self._dense_positions()
        ok_int = lambda v: isinstance(v, int) and not isinstance(v, bool)  # noqa: E731
        if not ok_int(layer) or not 0 <= layer < len(dense) or kind not in ("kernel", "bias"):
            raise ValueError(f"A weight edit needs layer 0..{len(dense) - 1} and kind "
                             f"'kernel' or 'bias', but received layer={layer!r}, "
                             f"kind={kind!r}.")
        if isinstance(value, bool) or not isinstance(value, (int, float)) \
                or not np.isfinite(value) or abs(value) > 1e6:
            raise ValueError(f"A weight must be a finite number (|w| <= 1e6), but received "
                             f"{str(value)[:40]!r}.")
        _, k_pos, b_pos = dense[layer]
        weights = list(self.snapshot.weights)
        target = np.array(weights[k_pos if kind == "kernel" else b_pos])
        index = (i, j) if kind == "kernel" else (j,)
        if not all(ok_int(v) for v in index) or not all(
                0 <= v < n for v, n in zip(index, target.shape)):
            raise ValueError(f"Index {index} is outside {kind} of shape {target.shape} in "
                             f"layer {layer}.")
        target[index] = np.float32(value)
        weights[k_pos if kind == "kernel" else b_pos] = target
        self.snapshot = self.snapshot._replace(weights=weights)
        self._pending_edits.append((dense[layer][0], kind, index, float(np.float32(value))))
        self.losses = self._compute_losses_and_grids()

    # -- what the page draws ------------------------------------------------------
    def network(self) -> list:
        """Per Dense layer: {"kernel": rows of floats, "bias": floats}."""
        w = self.snapshot.weights
        return [{"kernel": _json_floats(w[k]), "bias": _json_floats(w[b])}
                for _, k, b in self._dense_positions()]

    def frame(self) -> dict:
        """What changed since the last frame: epoch, losses, grids, weights."""
        b64 = lambda a: base64.b64encode(a.tobytes()).decode("ascii")  # noqa: E731
        finite = lambda v: v if np.isfinite(v) else None  # noqa: E731 - JSON has no NaN
        return {"type": "frame", "epoch": self.epoch, "loss_train": finite(self.losses[0]),
                "loss_test": finite(self.losses[1]), "output": b64(self._out),
                "neurons": b64(self._hidden), "weights": self.network()}

    def describe(self) -> dict:
        """Everything the page needs after a reset: settings, hash, points, frame."""
        return {"type": "setup", "state": self.state.to_dict(),
                "hash": serialize_hash(self.state), "grid": GRID, "neuron_grid": NEURON_GRID,
                "train": np.c_[self.xy_train, self.y_train].round(4).tolist(),
                "test": np.c_[self.xy_test, self.y_test].round(4).tolist(),
                "history": [h for h in self.loss_history[-2000:] if np.isfinite(h[1:]).all()],
                **{k: v for k, v in self.frame().items() if k != "type"}}

    def timed_train(self, budget_s: float, max_epochs: int, per_epoch_s: float) -> tuple:
        """Train about `budget_s` seconds worth of epochs; returns (epochs, seconds)."""
        k = int(max(1, min(max_epochs, budget_s / max(per_epoch_s, 1e-5))))
        t0 = time.perf_counter()
        self.train(k)
        return k, time.perf_counter() - t0
