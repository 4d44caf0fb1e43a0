"""Variable and StatelessScope: the array a layer owns, eagerly, under jit, in fit."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina.backend import StatelessScope, Variable


def test_variable_attributes_and_numpy():
    init = np.arange(6, dtype=np.float64).reshape(2, 3)
    v = Variable(init, name="dense/kernel")
    assert v.shape == (2, 3) and isinstance(v.shape, tuple)
    assert v.dtype == np.float32  # float64 values become float32, as in Keras
    assert v.name == "dense/kernel" and v.path == "dense/kernel"
    assert v.trainable is True and v.ndim == 2 and v.size == 6
    out = v.numpy()
    assert isinstance(out, np.ndarray) and out.shape == (2, 3)
    np.testing.assert_array_equal(out, init.astype(np.float32))
    np.testing.assert_array_equal(np.asarray(v), init.astype(np.float32))
    assert np.asarray(v, dtype=np.float64).dtype == np.float64
    assert Variable(np.zeros(2), trainable=False).trainable is False


def test_variable_callable_initializer_needs_shape():
    v = Variable(lambda shape, dtype: np.full(shape, 2.0, dtype), shape=(3,), name="w")
    np.testing.assert_array_equal(v.numpy(), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match="callable initializer but no shape"):
        Variable(lambda shape, dtype: np.zeros(shape), name="w")
    with pytest.raises(ValueError, match=r"given shape \(3,\) but its initial value has shape \(2,\)"):
        Variable(np.zeros(2), shape=(3,), name="w")


def test_variable_assign_is_shape_checked():
    v = Variable(np.zeros((2, 2)), name="layer/w")
    v.assign(np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(v.numpy(), [[1, 2], [3, 4]])
    assert v.dtype == np.float32
    v.assign_add(np.ones((2, 2)))
    v.assign_sub(2 * np.ones((2, 2)))
    np.testing.assert_array_equal(v.numpy(), [[0, 1], [2, 3]])
    with pytest.raises(ValueError, match=r"shape \(3,\) to variable 'layer/w' of shape \(2, 2\)"):
        v.assign(np.zeros(3))
    np.testing.assert_array_equal(v.numpy(), [[0, 1], [2, 3]])


def test_variable_arithmetic_in_jnp_eagerly():
    rng = np.random.default_rng(0)
    w_np = rng.normal(size=(3, 2)).astype(np.float32)
    b_np = rng.normal(size=(2,)).astype(np.float32)
    x = rng.normal(size=(4, 3)).astype(np.float32)
    w, b = Variable(w_np, name="w"), Variable(b_np, name="b")
    out = jnp.matmul(x, w) + b
    assert out.shape == (4, 2)
    np.testing.assert_allclose(np.asarray(out), x @ w_np + b_np, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(x @ w), x @ w_np, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(2.0 - b), 2.0 - b_np, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(w.T), w_np.T)
    np.testing.assert_allclose(float(w.sum()), w_np.sum(), rtol=1e-5)


def test_variable_inside_jit_reads_current_value():
    w = Variable(np.ones((2, 1)), name="w")
    b = Variable(np.zeros(1), name="b")

    @jax.jit
    def f(x):
        return jnp.matmul(x, w) + b

    x = np.array([[1.0, 2.0], [3.0, 4.0]], np.float32)
    out = f(x)
    assert out.shape == (2, 1)
    np.testing.assert_allclose(np.asarray(out), [[3.0], [7.0]])
    # As a jit argument, a Variable is a pytree of its value.
    g = jax.jit(lambda x, w: jnp.matmul(x, w))
    w.assign(np.array([[2.0], [0.0]]))
    np.testing.assert_allclose(np.asarray(g(x, w)), [[2.0], [6.0]])


def test_variable_stateless_scope_reads_and_writes_the_scope():
    v = Variable(np.zeros(2), name="v")
    with StatelessScope([(v, jnp.array([5.0, 6.0]))]) as scope:
        np.testing.assert_array_equal(np.asarray(v.value), [5.0, 6.0])
        v.assign(np.array([7.0, 8.0]))
        np.testing.assert_array_equal(np.asarray(scope.get(v)), [7.0, 8.0])
    # The Variable itself is untouched outside the scope.
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])


def test_variable_works_inside_fit():
    """A layer that uses raw Variables in jnp ops trains in fit exactly as SGD says."""

    class Linear(keras.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], 1), initializer="zeros", name="w")
            self.b = self.add_weight(shape=(1,), initializer="zeros", name="b")

        def call(self, x):
            return jnp.matmul(x, self.w) + self.b

    x = np.array([[1.0, 2.0], [0.5, -1.0], [2.0, 0.0], [-1.0, 1.0]], np.float32)
    y = np.array([[1.0], [2.0], [0.0], [-1.0]], np.float32)
    model = keras.Sequential([keras.Input((2,)), Linear()])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.fit(x, y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # From zero weights: residual r = -y, grad_w = 2/n X^T r, grad_b = 2/n sum r.
    r = -y
    w = -0.1 * (2 / 4) * x.T @ r
    b = -0.1 * (2 / 4) * r.sum(0)
    lin = model.layers[0]
    assert lin.w.name.endswith("/w") and lin.w.shape == (2, 1)
    np.testing.assert_allclose(lin.w.numpy(), w, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(lin.b.numpy(), b, rtol=1e-5, atol=1e-7)
