"""`lamina.core.lstm.sequence`: the LSTM loop and its hand-written gradient, against a
NumPy LSTM in float64 and its finite differences."""
import jax
import jax.numpy as jnp
import numpy as np

from lamina.core import lstm

T, B, U = 4, 2, 3
RNG = np.random.default_rng(0)
ARGS = [RNG.normal(size=s) for s in [(T, B, 4 * U), (U, 4 * U), (B, U), (B, U)]]
WEIGHTS = [RNG.normal(size=s) for s in [(T, B, U), (B, U), (B, U)]]


def numpy_lstm(z, kernel, h, c):
    sig = lambda a: 1 / (1 + np.exp(-a))  # noqa: E731
    hs = []
    for t in range(z.shape[0]):
        a = z[t] + h @ kernel
        i, f, g, o = sig(a[:, :U]), sig(a[:, U:2 * U]), np.tanh(a[:, 2 * U:3 * U]), \
            sig(a[:, 3 * U:])
        c = f * c + i * g
        h = o * np.tanh(c)
        hs.append(h)
    return np.stack(hs), h, c


def objective(outputs):
    return sum(float(np.sum(o * w)) for o, w in zip(outputs, WEIGHTS))


def test_sequence_matches_numpy_lstm():
    hs, h, c = lstm.sequence(*[jnp.asarray(a, jnp.float32) for a in ARGS])
    expected = numpy_lstm(*ARGS)
    assert hs.shape == (T, B, U) and h.shape == (B, U) and c.shape == (B, U)
    for got, want in zip((hs, h, c), expected):
        np.testing.assert_allclose(np.asarray(got), want, rtol=1e-5, atol=1e-6)


def test_sequence_gradient_matches_finite_differences():
    def loss(*args):
        return sum(jnp.sum(o * jnp.asarray(w, jnp.float32))
                   for o, w in zip(lstm.sequence(*args), WEIGHTS))

    grads = jax.grad(loss, argnums=(0, 1, 2, 3))(*[jnp.asarray(a, jnp.float32)
                                                    for a in ARGS])
    eps = 1e-6
    for k, (arg, grad) in enumerate(zip(ARGS, grads)):
        assert grad.shape == arg.shape
        numeric = np.zeros(arg.shape)
        for idx in np.ndindex(arg.shape):
            up, down = [a.copy() for a in ARGS], [a.copy() for a in ARGS]
            up[k][idx] += eps
            down[k][idx] -= eps
            numeric[idx] = (objective(numpy_lstm(*up)) - objective(numpy_lstm(*down))) / (2 * eps)
        np.testing.assert_allclose(np.asarray(grad), numeric, rtol=1e-4, atol=1e-5)


def test_sequence_inference_loop_equals_training_loop():
    # Without a gradient the loop keeps only h; under a gradient it also saves every
    # step's c and gates for the backward loop. Both must give the same numbers.
    args = [jnp.asarray(a, jnp.float32) for a in ARGS]
    plain = jax.jit(lstm.sequence)(*args)
    trained, _ = jax.vjp(lstm.sequence, *args)
    for got, want in zip(plain, trained):
        np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-6, atol=1e-7)
