"""The playground's training against TensorFlow Playground's rule, written out in NumPy.

`Reference` is TensorFlow Playground's `nn.ts` in float64 (JavaScript numbers), from
the rules it states: forward and backward per example, each example's derivatives
accumulated until `(i + 1) % batchSize == 0` (i counts the examples of an epoch, so a
short last batch carries over into the next epoch), then the accumulated derivative
divided by the count, plus `rate * der(w)` per weight (L2: w; L1: sign(w), and a
weight that the L1 step takes across 0 is set to 0 and never updated again); tanh
output for classification against labels -1/+1, error ½(o - t)²; weights
U[-0.5, 0.5] drawn after the data, biases 0.1; the data in the same order every epoch.

The examples of one batch are rows of a matrix: `a.T @ delta` is the sum of their
per-example derivatives, which is what the accumulation adds up.
"""
from __future__ import annotations

import math
import os

import numpy as np
import pytest

from lamina.datasets._seedrandom import SeedRandom
from lamina.playground.session import Session
from lamina.playground.state import parse_hash

SPIRAL = ("#activation=relu&batchSize=10&dataset=spiral&learningRate=0.03"
          "&regularizationRate=0&noise=0&networkShape=8,8,8&seed=0.5&percTrainData=50")

ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z, a: (z > 0).astype(np.float64)),
    "tanh": (np.tanh, lambda z, a: 1 - a * a),
    "sigmoid": (lambda z: 1 / (1 + np.exp(-z)), lambda z, a: a * (1 - a)),
    "linear": (lambda z: z, lambda z, a: np.ones_like(z)),
}


class Reference:
    """TensorFlow Playground's network and update rule in float64."""

    def __init__(self, weights: list, activation: str, output: str = "tanh",
                 regularization: str = "none", rate: float = 0.0):
        self.w = [np.array(k, np.float64) for k, _ in weights]
        self.b = [np.array(b, np.float64) for _, b in weights]
        self.dead = [np.zeros(k.shape, bool) for k in self.w]
        self.act, self.der = ACTIVATIONS[activation]
        self.output, self.regularization, self.rate = output, regularization, rate
        self.acc_w = [np.zeros_like(k) for k in self.w]
        self.acc_b = [np.zeros_like(b) for b in self.b]
        self.count = 0

    def forward(self, x: np.ndarray) -> tuple:
        zs, outs = [], [x]
        for n, (k, b) in enumerate(zip(self.w, self.b)):
            z = outs[-1] @ k + b
            last = n == len(self.w) - 1
            zs.append(z)
            outs.append((np.tanh(z) if self.output == "tanh" else z) if last else self.act(z))
        return zs, outs

    def loss(self, x: np.ndarray, y: np.ndarray) -> float:
        return float(np.mean(0.5 * (self.forward(x)[1][-1][:, 0] - y) ** 2))

    def accumulate(self, x: np.ndarray, y: np.ndarray) -> None:
        """backProp for each example of `x`, adding its derivatives to the accumulators."""
        zs, outs = self.forward(x)
        o = outs[-1]
        delta = (o[:, 0] - y)[:, None] * ((1 - o * o) if self.output == "tanh" else 1.0)
        for n in range(len(self.w) - 1, -1, -1):
            self.acc_w[n] += outs[n].T @ delta
            self.acc_b[n] += delta.sum(axis=0)
            if n:
                delta = (delta @ self.w[n].T) * self.der(zs[n - 1], outs[n])
        self.count += len(x)

    def update(self, lr: float) -> None:
        """updateWeights: the mean derivative, then the penalty term per weight."""
        for n in range(len(self.w)):
            self.b[n] -= lr * self.acc_b[n] / self.count
            old = self.w[n]
            der = old if self.regularization == "L2" else np.sign(old) \
                if self.regularization == "L1" else np.zeros_like(old)
            stepped = old - lr / self.count * self.acc_w[n]
            new = stepped - lr * self.rate * der
            if self.regularization == "L1":
                crossed = stepped * new < 0
                new = np.where(crossed, 0.0, new)
                self.dead[n] |= crossed
            self.w[n] = np.where(self.dead[n], old, new)
            self.acc_w[n][:] = 0
            self.acc_b[n][:] = 0
        self.count = 0

    def epoch(self, x: np.ndarray, y: np.ndarray, batch_size: int, lr: float) -> None:
        """oneStep: every training example in order, updating after each full batch."""
        ends = list(range(batch_size, len(x) + 1, batch_size))
        start = 0
        for end in ends:
            self.accumulate(x[start:end], y[start:end])
            self.update(lr)
            start = end
        if start < len(x):  # carried into the next epoch's first batch
            self.accumulate(x[start:], y[start:])


def _reference_for(session: Session) -> Reference:
    s = session.state
    first = [(np.asarray(session.snapshot.weights[k], np.float64),
              np.asarray(session.snapshot.weights[b], np.float64))
             for _, k, b in session._dense_positions()]
    return Reference(first, s.activation,
                     "tanh" if s.problem == "classification" else "linear",
                     s.regularization, s.regularizationRate)


def _data(session: Session) -> tuple:
    return (session.x_train.astype(np.float64), session.y_train.astype(np.float64),
            session.x_test.astype(np.float64), session.y_test.astype(np.float64))


def test_initial_weights_continue_tensorflow_playground_stream():
    # The spiral draws 2 uniforms per point (its noise term, even at noise 0), then the
    # shuffle draws once per point: 1,500 draws for 500 points; the weights come next,
    # neuron by neuron, one draw per incoming link.
    s = Session(parse_hash(SPIRAL))
    rand = SeedRandom("0.5")
    for _ in range(1500):
        rand()
    sizes = [2, 8, 8, 8, 1]
    for (_, k, b), (a, c) in zip(s._dense_positions(), zip(sizes[:-1], sizes[1:])):
        kernel = np.array([[rand() - 0.5 for _ in range(a)] for _ in range(c)]).T
        assert s.snapshot.weights[k].shape == (a, c) and s.snapshot.weights[b].shape == (c,)
        np.testing.assert_array_equal(s.snapshot.weights[k], kernel.astype(np.float32))
        np.testing.assert_array_equal(s.snapshot.weights[b], np.full(c, 0.1, np.float32))


def test_initial_losses_are_tensorflow_playground_scale():
    s = Session(parse_hash(SPIRAL))
    ref = _reference_for(s)
    x, y, xt, yt = _data(s)
    assert s.x_train.shape == (250, 2) and s.x_test.shape == (250, 2)
    np.testing.assert_allclose(s.losses, [ref.loss(x, y), ref.loss(xt, yt)], rtol=1e-6)
    assert 0.4 < s.losses[1] < 0.6  # ½(o - t)² starts near 0.5, not near 1


def test_init_zero_starts_every_weight_and_bias_at_zero():
    s = Session(parse_hash("#dataset=xor&networkShape=3,2&seed=0.4&initZero=true"))
    assert [np.shape(w) for w in s.snapshot.weights] == [(2, 3), (3,), (3, 2), (2,), (2, 1),
                                                         (1,)]
    assert all(not np.any(w) for w in s.snapshot.weights)
    assert s.update({"initZero": False}) == "reset"
    assert np.all(np.abs(s.snapshot.weights[0]) <= 0.5) and np.any(s.snapshot.weights[0])


@pytest.mark.parametrize("link, epochs", [
    (SPIRAL, 30),
    ("#activation=tanh&dataset=circle&networkShape=4,2&seed=0.3&regularization=L2"
     "&regularizationRate=0.03&learningRate=0.1&batchSize=5&noise=15", 20),
    ("#activation=sigmoid&problem=regression&regDataset=reg-gauss&networkShape=5"
     "&seed=0.9&learningRate=0.03&batchSize=20&xTimesY=true&cosY=true", 5),
])
def test_engine_follows_reference_update(link, epochs):
    s = Session(parse_hash(link))
    ref = _reference_for(s)
    x, y, xt, yt = _data(s)
    assert len(x) % s.state.batchSize == 0  # no batch carried over: fit's steps are the same
    for e in range(1, epochs + 1):
        ref.epoch(x, y, s.state.batchSize, s.state.learningRate)
        s.train(1)
        np.testing.assert_allclose(s.losses, [ref.loss(x, y), ref.loss(xt, yt)],
                                   rtol=2e-4, err_msg=f"epoch {e}")
    for (_, k, b), kernel, bias in zip(s._dense_positions(), ref.w, ref.b):
        np.testing.assert_allclose(s.snapshot.weights[k], kernel, atol=2e-4)
        np.testing.assert_allclose(s.snapshot.weights[b], bias, atol=2e-4)


def test_regularization_rate_changes_live_as_in_reference():
    link = ("#activation=tanh&dataset=gauss&networkShape=3&seed=0.2&regularization=L2"
            "&regularizationRate=0.01&learningRate=0.1&batchSize=10")
    s = Session(parse_hash(link))
    ref = _reference_for(s)
    x, y, xt, yt = _data(s)
    for rate in (0.01, 0.3, 0.0, 1.0):
        assert s.update({"regularizationRate": rate}) == "live"
        ref.rate = rate
        for _ in range(3):
            ref.epoch(x, y, 10, 0.1)
        s.train(3)
        np.testing.assert_allclose(s.losses, [ref.loss(x, y), ref.loss(xt, yt)], rtol=2e-4)
    assert s.epoch == 12 and [seg.regularization_rate for seg in s.segments] == \
        [0.01, 0.3, 0.0, 1.0]


def _max_after_reaching(curve: np.ndarray, level: float) -> float:
    below = np.flatnonzero(curve < level)
    return float(curve[below[0]:].max()) if len(below) else math.inf


@pytest.mark.skipif(not os.environ.get("LAMINA_PLAYGROUND_LONG"),
                    reason="12,000 epochs side by side (about a minute); set "
                           "LAMINA_PLAYGROUND_LONG=1")
def test_spiral_long_run_side_by_side():
    """The spiral link for 12,000 epochs, the engine and the float64 reference from the
    same first weights: both reach a test loss under 0.1 and stay under it."""
    s = Session(parse_hash(SPIRAL))
    ref = _reference_for(s)
    x, y, xt, yt = _data(s)
    rows = []
    for e in range(100, 12_001, 100):
        for _ in range(100):
            ref.epoch(x, y, 10, 0.03)
        s.train(100)
        rows.append((e, ref.loss(xt, yt), s.losses[1]))
    rows = np.array(rows)
    for e, r, m in rows[np.isin(rows[:, 0], [100, 300, 1000, 3000, 6000, 10000, 12000])]:
        print(f"epoch {int(e):>6}: test loss reference {r:.4f}, playground {m:.4f}")
    assert _max_after_reaching(rows[:, 1], 0.1) < 0.1
    assert _max_after_reaching(rows[:, 2], 0.1) < 0.1
