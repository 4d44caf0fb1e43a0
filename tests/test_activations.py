"""Activations against NumPy closed forms, names, `get` and `serialize`."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lamina import activations

X = np.array([[-7.0, -3.0, -1.5, -0.2], [0.0, 0.3, 2.5, 8.0]], dtype=np.float32)
_erf = np.vectorize(math.erf)


def _np_softplus(x):
    return np.logaddexp(x, 0.0)


def _np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _np_sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


CLOSED_FORMS = [
    ("linear", lambda x: x),
    ("relu", lambda x: np.maximum(x, 0.0)),
    ("sigmoid", _np_sigmoid),
    ("tanh", np.tanh),
    ("softmax", _np_softmax),
    ("log_softmax", lambda x: np.log(_np_softmax(x))),
    ("elu", lambda x: np.where(x > 0, x, np.exp(x) - 1.0)),
    ("selu", lambda x: 1.0507009873554805 * np.where(
        x > 0, x, 1.6732632423543772 * (np.exp(x) - 1.0))),
    ("gelu", lambda x: 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))),
    ("leaky_relu", lambda x: np.where(x >= 0, x, 0.2 * x)),
    ("relu6", lambda x: np.minimum(np.maximum(x, 0.0), 6.0)),
    ("silu", lambda x: x * _np_sigmoid(x)),
    ("softplus", _np_softplus),
    ("softsign", lambda x: x / (np.abs(x) + 1.0)),
    ("exponential", np.exp),
    ("hard_sigmoid", lambda x: np.minimum(np.maximum(x + 3.0, 0.0), 6.0) / 6.0),
    ("hard_silu", lambda x: x * np.minimum(np.maximum(x + 3.0, 0.0), 6.0) / 6.0),
    ("mish", lambda x: x * np.tanh(_np_softplus(x))),
]


@pytest.mark.parametrize("name,expected", CLOSED_FORMS, ids=[c[0] for c in CLOSED_FORMS])
def test_activation_matches_closed_form(name, expected):
    fn = getattr(activations, name)
    out = fn(jnp.asarray(X))
    assert fn.__name__ == name
    assert out.shape == (2, 4)
    np.testing.assert_allclose(np.asarray(out), expected(X.astype(np.float64)),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", [c[0] for c in CLOSED_FORMS])
def test_activation_runs_under_jit(name):
    fn = getattr(activations, name)
    out = jax.jit(fn)(jnp.asarray(X))
    assert out.shape == (2, 4)
    np.testing.assert_allclose(np.asarray(out), np.asarray(fn(jnp.asarray(X))),
                               rtol=1e-6, atol=1e-7)


def test_activation_aliases_are_the_same_functions():
    assert activations.swish is activations.silu
    assert activations.hard_swish is activations.hard_silu
    assert activations.get("swish").__name__ == "silu"


@pytest.mark.parametrize("kwargs,expected", [
    ({}, [0.0, 0.0, 0.0, 0.5, 2.0, 9.0]),
    ({"max_value": 6.0}, [0.0, 0.0, 0.0, 0.5, 2.0, 6.0]),
    ({"negative_slope": 0.1}, [-0.4, -0.1, 0.0, 0.5, 2.0, 9.0]),
    ({"threshold": 1.0}, [0.0, 0.0, 0.0, 0.0, 2.0, 9.0]),
    ({"negative_slope": 0.1, "threshold": 1.0, "max_value": 5.0},
     [-0.5, -0.2, -0.1, -0.05, 2.0, 5.0]),
])
def test_relu_keras_arguments(kwargs, expected):
    x = jnp.array([-4.0, -1.0, 0.0, 0.5, 2.0, 9.0])
    out = activations.relu(x, **kwargs)
    assert out.shape == (6,)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-6, atol=1e-7)


def test_elu_and_leaky_relu_arguments():
    x = np.array([-2.0, 3.0], np.float32)
    np.testing.assert_allclose(np.asarray(activations.elu(x, alpha=0.5)),
                               [0.5 * (np.exp(-2.0) - 1.0), 3.0], rtol=1e-6)
    np.testing.assert_allclose(
        np.asarray(activations.leaky_relu(x, negative_slope=0.01)), [-0.02, 3.0],
        rtol=1e-6)


def test_gelu_approximate_matches_tanh_form():
    x = X.astype(np.float64)
    expected = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    out = activations.gelu(jnp.asarray(X), approximate=True)
    assert out.shape == (2, 4)
    np.testing.assert_allclose(np.asarray(out), expected, rtol=1e-5, atol=1e-6)


def test_softmax_axis_and_stability():
    x = np.array([[1000.0, 0.0], [1001.0, 0.0]], np.float32)
    out = activations.softmax(x, axis=0)
    assert out.shape == (2, 2)
    np.testing.assert_allclose(np.asarray(out), _np_softmax(x.astype(np.float64), 0),
                               rtol=1e-6)
    np.testing.assert_allclose(np.asarray(activations.log_softmax(x, axis=0)),
                               np.log(_np_softmax(x.astype(np.float64), 0)), rtol=1e-5)


def test_activation_promotes_integers_to_float32():
    out = activations.sigmoid(jnp.array([0, 1]))
    assert out.dtype == jnp.float32 and out.shape == (2,)
    np.testing.assert_allclose(np.asarray(out), _np_sigmoid(np.array([0.0, 1.0])),
                               rtol=1e-6)


@pytest.mark.parametrize("identifier,name", [
    (None, "linear"), ("relu", "relu"), ("ReLU", "relu"), ("Softmax", "softmax"),
    ("SWISH", "silu"), ("hard_swish", "hard_silu"), ("gelu", "gelu"),
])
def test_get_resolves_names(identifier, name):
    assert activations.get(identifier).__name__ == name


def test_get_passes_callables_through():
    def custom(x):
        return 2 * x
    assert activations.get(custom) is custom


def test_get_unknown_name_suggests_closest():
    with pytest.raises(ValueError, match=r"Unknown activation 'rleu'.*Did you mean 'relu'.*sigmoid"):
        activations.get("rleu")


def test_get_rejects_non_callables():
    with pytest.raises(TypeError, match=r"Could not interpret the activation 3 \(int\)"):
        activations.get(3)


@pytest.mark.parametrize("fn,name", [
    (activations.relu, "relu"), (activations.swish, "silu"),
    (activations.hard_sigmoid, "hard_sigmoid"), ("Tanh", "tanh"),
])
def test_serialize_gives_keras_name(fn, name):
    assert activations.serialize(fn) == name
    assert activations.deserialize(name) is activations.get(name)


def test_serialize_rejects_unregistered_function():
    def relu(x):
        return x
    with pytest.raises(ValueError, match="not a built-in activation.*register"):
        activations.serialize(relu)


def test_deserialize_uses_custom_objects():
    def my_act(x):
        return x
    assert activations.deserialize("my_act", custom_objects={"my_act": my_act}) is my_act
    with pytest.raises(TypeError, match="stored by name"):
        activations.deserialize(7)


def test_serialize_none_is_linear():
    assert activations.serialize(None) == "linear"
