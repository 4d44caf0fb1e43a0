"""Regularizers against NumPy, `get` tables, configs and errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lamina import regularizers

W = np.array([[0.5, -1.5, 2.0], [-0.25, 0.0, 3.0]], dtype=np.float32)


@pytest.mark.parametrize("reg,l1,l2", [
    (regularizers.L1(), 0.01, 0.0), (regularizers.L1(0.3), 0.3, 0.0),
    (regularizers.L2(), 0.0, 0.01), (regularizers.L2(0.2), 0.0, 0.2),
    (regularizers.L1L2(), 0.0, 0.0), (regularizers.L1L2(l1=0.1, l2=0.05), 0.1, 0.05),
    (regularizers.l1_l2(), 0.01, 0.01),
])
def test_regularizer_matches_numpy(reg, l1, l2):
    w = W.astype(np.float64)
    expected = l1 * np.abs(w).sum() + l2 * np.square(w).sum()
    out = reg(jnp.asarray(W))
    jitted = jax.jit(reg)(jnp.asarray(W))
    assert out.shape == () and jitted.shape == ()
    np.testing.assert_allclose(float(out), expected, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(float(jitted), expected, rtol=1e-6, atol=1e-8)


def test_regularizer_gradient_matches_closed_form():
    w = W + 0.5  # away from 0, where |x| has no derivative
    grad = jax.grad(regularizers.L1L2(l1=0.1, l2=0.05))(jnp.asarray(w))
    assert grad.shape == (2, 3)
    np.testing.assert_allclose(np.asarray(grad), 0.1 * np.sign(w) + 0.1 * w, rtol=1e-6)


def test_base_regularizer_is_zero():
    out = regularizers.Regularizer()(jnp.asarray(W))
    assert out.shape == () and float(out) == 0.0


@pytest.mark.parametrize("identifier,cls,config", [
    ("l1", regularizers.L1, {"l1": 0.01}),
    ("L2", regularizers.L2, {"l2": 0.01}),
    ("l1_l2", regularizers.L1L2, {"l1": 0.01, "l2": 0.01}),
    ("L1L2", regularizers.L1L2, {"l1": 0.01, "l2": 0.01}),
    ({"class_name": "L2", "config": {"l2": 0.5}}, regularizers.L2, {"l2": 0.5}),
    ({"class_name": "L1L2", "config": {"l1": 0.2}}, regularizers.L1L2, {"l1": 0.2, "l2": 0.0}),
    (regularizers.L1, regularizers.L1, {"l1": 0.01}),
])
def test_get_resolves_identifiers(identifier, cls, config):
    reg = regularizers.get(identifier)
    assert type(reg) is cls
    assert reg.get_config() == pytest.approx(config)


def test_get_passes_instances_callables_and_none_through():
    reg = regularizers.L2(0.3)

    def fn(w):
        return jnp.sum(w)
    assert regularizers.get(reg) is reg
    assert regularizers.get(fn) is fn
    assert regularizers.get(None) is None


def test_lowercase_aliases():
    assert regularizers.l2(0.001).get_config() == {"l2": 0.001}
    assert regularizers.l1 is regularizers.L1


@pytest.mark.parametrize("reg", [regularizers.L1(0.4), regularizers.L2(0.02),
                                 regularizers.L1L2(0.1, 0.2)])
def test_serialize_round_trip(reg):
    config = regularizers.serialize(reg)
    rebuilt = regularizers.deserialize(config)
    assert type(rebuilt) is type(reg) and rebuilt.get_config() == reg.get_config()
    assert float(rebuilt(W)) == pytest.approx(float(reg(W)), rel=1e-6)


def test_deserialize_uses_custom_objects():
    class Custom(regularizers.Regularizer):
        def __init__(self, k=1.0):
            self.k = k
    rebuilt = regularizers.deserialize({"class_name": "Custom", "config": {"k": 2.0}},
                                       custom_objects={"Custom": Custom})
    assert type(rebuilt) is Custom and rebuilt.k == 2.0


def test_regularizer_errors():
    with pytest.raises(ValueError, match="Unknown regularizer 'l22'.*Did you mean 'l2'.*l1_l2"):
        regularizers.get("l22")
    with pytest.raises(ValueError, match=r"`l2` must be a non-negative.*l2=-0\.1"):
        regularizers.L2(-0.1)
    with pytest.raises(ValueError, match="`l1` must be a non-negative.*l1='a'"):
        regularizers.L1L2(l1="a")
    with pytest.raises(ValueError, match="'class_name' key"):
        regularizers.get({"config": {}})
    with pytest.raises(TypeError, match="Could not interpret the regularizer 5"):
        regularizers.get(5)
    with pytest.raises(ValueError, match="not a Regularizer.*register"):
        regularizers.serialize(lambda w: 0.0)


def test_serialize_none_is_none():
    assert regularizers.serialize(None) is None
