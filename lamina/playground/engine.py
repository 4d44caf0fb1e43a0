"""The playground's network as a real Lamina model, and a pool of compiled ones.

A run's network is a `Sequential` of `Dense` layers (with optional
`BatchNormalization` and `Dropout` after each hidden layer), trained by `fit` with
TensorFlow Playground's rule: its loss, ½·(output − label)² averaged over a batch
(`half_squared_error`), its L1/L2 penalty per weight, its initial weights
(`initial.py`), and its batches in the data's order (no reshuffling). With plain
SGD that is the update of its `nn.ts`. Classification uses a `tanh` output against
labels -1/+1; regression a linear output.

Compiling a new model costs a second or two of XLA time, so sessions do not own
models: they own a `Snapshot` (weights, optimizer state, random key, step), and
borrow a compiled model of the same `Architecture` from the `ModelPool` for each
batch of epochs. Results equal those of one model trained without interruption.
"""
from __future__ import annotations

import collections
import contextlib
import dataclasses
import threading
import zlib
from typing import Any, Callable, Iterator, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

import lamina
from lamina import random as random_mod

SEED_LOCK = threading.Lock()  # the global key sequence: one seeded build at a time


@dataclasses.dataclass(frozen=True)
class Architecture:
    """What a compiled model depends on (a pool key)."""

    n_inputs: int
    shape: tuple
    activation: str
    regularization: str
    regularization_rate: float
    problem: str
    optimizer: str
    dropout: tuple
    batchnorm: tuple

    @property
    def output_activation(self) -> str:
        return "tanh" if self.problem == "classification" else "linear"


def seed_int(seed: str) -> int:
    """The integer for `set_random_seed` derived from a playground seed string.

    Example:
        >>> seed_int("0.5")
        2258563469
    """
    return zlib.crc32(str(seed).encode())


def make_optimizer(name: str, learning_rate: float) -> Any:
    """The Lamina optimizer for a playground choice (`sgd`, `momentum`, `adam`, `rmsprop`)."""
    opt = lamina.optimizers
    if name == "momentum":
        return opt.SGD(learning_rate=learning_rate, momentum=0.9)
    return {"sgd": opt.SGD, "adam": opt.Adam, "rmsprop": opt.RMSprop}[name](
        learning_rate=learning_rate)


def half_squared_error(y_true: Any, y_pred: Any) -> Any:
    """TensorFlow Playground's error, ½·(output − label)², per example (`fit` averages
    it over the batch).

    Example:
        >>> half_squared_error(np.array([[1.0], [0.0]]), np.array([[0.0], [0.0]])).tolist()
        [0.5, 0.0]
    """
    return 0.5 * lamina.losses.mean_squared_error(y_true, y_pred)


def regularizer(kind: str, rate: float) -> Any:
    """The Keras regularizer whose gradient is TensorFlow Playground's per-weight term.

    Its L2 adds `rate·w` to each weight's gradient (the derivative of ½·rate·w²),
    so it is Keras's `L2(rate / 2)`; its L1 adds `rate·sign(w)`, Keras's `L1(rate)`.

    Example:
        >>> regularizer("L2", 0.03).l2, regularizer("L1", 0.03).l1, regularizer("none", 1)
        (0.015, 0.03, None)
    """
    if kind == "L2":
        return lamina.regularizers.L2(rate / 2)
    if kind == "L1":
        return lamina.regularizers.L1(rate)
    return None


def build_model(arch: Architecture, learning_rate: float) -> Any:
    """A compiled `Sequential` for `arch` (draws weights from the global key)."""
    L = lamina.layers
    reg = regularizer(arch.regularization, arch.regularization_rate)
    layers: list = [L.Input(shape=(arch.n_inputs,))]
    for i, units in enumerate(arch.shape):
        layers.append(L.Dense(units, activation=arch.activation, kernel_regularizer=reg))
        if arch.batchnorm[i]:
            layers.append(L.BatchNormalization())
        if arch.dropout[i] > 0:
            layers.append(L.Dropout(arch.dropout[i]))
    layers.append(L.Dense(1, activation=arch.output_activation, kernel_regularizer=reg))
    model = lamina.Sequential(layers)
    model.compile(optimizer=make_optimizer(arch.optimizer, learning_rate),
                  loss=half_squared_error)
    return model


class Snapshot(NamedTuple):
    """A run's trained state, independent of any model object.

    Attributes:
        weights: arrays in `model.weights` order.
        optimizer: the optimizer's state (None before the first epoch).
        rng, seed: the model's training key and shuffling seed.
        step: optimizer steps taken.
    """

    weights: list
    optimizer: Any
    rng: Any
    seed: int
    step: Any


def initial_snapshot(arch: Architecture, seed: int, first: list) -> tuple:
    """The state a script gets from `set_random_seed(seed)`, building the model,
    giving its Dense layers the weights `first` (`(kernel, bias)` pairs), and the first
    `fit` (which draws the training key, then the shuffling seed).

    Returns:
        `(snapshot, dense)`: `dense` lists, per Dense layer, its index in
        `model.layers` and the positions of its kernel and bias in `model.weights`.
    """
    with SEED_LOCK:
        lamina.utils.set_random_seed(seed)
        model = build_model(arch, 0.01)
        weights = [np.asarray(v) for v in model.weights]
        rng = random_mod.next_key()
        shuffle_seed = random_mod.next_seed()
    where = {id(v): i for i, v in enumerate(model.weights)}
    dense = [(n, where[id(layer.kernel)], where[id(layer.bias)])
             for n, layer in enumerate(model.layers) if isinstance(layer, lamina.layers.Dense)]
    for (_, k, b), (kernel, bias) in zip(dense, first):
        weights[k], weights[b] = kernel.astype(np.float32), bias.astype(np.float32)
    return Snapshot(weights, None, rng, shuffle_seed, np.int32(0)), dense


def load(model: Any, snap: Snapshot, learning_rate: float) -> None:
    """Put a snapshot into a pooled model (the one place that knows fit's fields).

    Nothing is copied when the model still holds this very snapshot (the model keeps a
    reference to it: comparing ids alone would match a new snapshot allocated where a
    freed one was). A fresh optimizer state (None) always gets the learning rate set
    again: setting it while the optimizer had a state does not reach the state `fit`
    initializes next.
    """
    if getattr(model, "_playground_snapshot", None) is not snap:
        for v, a in zip(model.weights, snap.weights):
            v.assign(a)
        state = model._train_state()
        optimizer = snap.optimizer if snap.optimizer is not None else \
            model.optimizer.init_state(state.trainable)
        model._train.set_state(state._replace(optimizer=optimizer, rng=snap.rng,
                                              step=snap.step))
        model._train.seed = snap.seed
    if snap.optimizer is None or getattr(model, "_playground_lr", None) != learning_rate:
        model.optimizer.learning_rate = learning_rate
        model._playground_lr = learning_rate


def save(model: Any) -> Snapshot:
    """The snapshot of a pooled model after training (device arrays, not copied)."""
    state = model._train.state
    snap = Snapshot([v.value for v in model.weights], state.optimizer, state.rng,
                    model._train.seed, state.step)
    model._playground_snapshot = snap
    return snap


def _quantize(values: Any) -> Any:
    return jnp.round((jnp.clip(values, -1, 1) + 1) * 127.5).astype(jnp.uint8)


def make_probe(model: Any, arch: Architecture, grid: int, neuron_grid: int) -> Callable:
    """One jitted function of the weights for what the page draws:
    `probe(weights, grid_x, x_train, y_train, x_test, y_test) -> (neurons, output,
    loss_train, loss_test)`; `neurons` is every hidden neuron's output on the grid
    (after its layer's BatchNormalization) averaged down to `neuron_grid`² and
    quantized to uint8 like `output`; the losses are TensorFlow Playground's, the
    mean of ½·(output − label)²."""
    ends: list = []  # the last layer of each Dense block (Dense, BatchNorm, Dropout)
    for layer in model.layers:
        if isinstance(layer, lamina.layers.Dense):
            ends.append(layer)
        else:
            ends[-1] = layer
    blocks = lamina.Model(model.inputs, [layer.output for layer in ends])
    where = {id(v): i for i, v in enumerate(model.weights)}
    tv = [where[id(v)] for v in blocks.trainable_weights]
    ntv = [where[id(v)] for v in blocks.non_trainable_weights]
    f = grid // neuron_grid

    def run(arrays: list, x: Any) -> list:
        outs, _ = blocks.stateless_call([arrays[i] for i in tv], [arrays[i] for i in ntv], x)
        return list(outs) if isinstance(outs, (list, tuple)) else [outs]

    def probe(arrays: list, grid_x: Any, x_train: Any, y_train: Any, x_test: Any,
              y_test: Any) -> tuple:
        outs = run(arrays, grid_x)
        if len(outs) > 1:
            hidden = jnp.concatenate(outs[:-1], axis=1).T
            hidden = hidden.reshape(-1, neuron_grid, f, neuron_grid, f).mean(axis=(2, 4))
        else:
            hidden = jnp.zeros((0, neuron_grid, neuron_grid))
        loss = lambda x, y: 0.5 * jnp.mean(jnp.square(run(arrays, x)[-1][:, 0] - y))  # noqa: E731
        return (_quantize(hidden.reshape(hidden.shape[0], -1)), _quantize(outs[-1][:, 0]),
                loss(x_train, y_train), loss(x_test, y_test))

    return jax.jit(probe)


class _Entry:
    def __init__(self) -> None:
        self.free: list = []
        self.count = 0
        self.probe: Callable | None = None
        self.ready = threading.Condition()


class ModelPool:
    """Compiled models by architecture, lent to one thread at a time.

    Args:
        per_architecture: the most models of one architecture (threads training the
            same architecture at once).
        max_architectures: architectures kept; the least recently used idle one goes.
    """

    def __init__(self, per_architecture: int = 2, max_architectures: int = 24):
        self.per_architecture = per_architecture
        self.max_architectures = max_architectures
        self._entries: collections.OrderedDict = collections.OrderedDict()
        self._lock = threading.Lock()

    def _entry(self, arch: Architecture) -> _Entry:
        with self._lock:
            entry = self._entries.get(arch)
            if entry is None:
                entry = self._entries[arch] = _Entry()
                idle = [k for k, e in self._entries.items()
                        if len(e.free) == e.count and k != arch]
                while len(self._entries) > self.max_architectures and idle:
                    self._entries.pop(idle.pop(0))
            self._entries.move_to_end(arch)
            return entry

    @contextlib.contextmanager
    def borrow(self, arch: Architecture) -> Iterator[Any]:
        """A compiled model of `arch` for the duration of the block."""
        entry = self._entry(arch)
        with entry.ready:
            while not entry.free and entry.count >= self.per_architecture:
                entry.ready.wait()
            model = entry.free.pop() if entry.free else None
            if model is None:
                entry.count += 1
        if model is None:
            with SEED_LOCK:
                model = build_model(arch, 0.01)
        try:
            yield model
        finally:
            with entry.ready:
                entry.free.append(model)
                entry.ready.notify()

    def probe(self, arch: Architecture, grid: int, neuron_grid: int) -> Callable:
        """The jitted probe for `arch` (made from the pool's first model)."""
        entry = self._entry(arch)
        if entry.probe is None:
            with self.borrow(arch) as model:
                entry.probe = make_probe(model, arch, grid, neuron_grid)
        return entry.probe

    def __len__(self) -> int:
        return len(self._entries)
