"""Constraints against NumPy, `get` tables, configs and errors."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lamina import constraints

EPS = 1e-7
W = np.array([[3.0, 0.1, -2.0], [4.0, 0.2, 1.0], [0.0, -0.2, 2.0]], dtype=np.float32)


def _norms(w, axis):
    return np.sqrt(np.sum(np.square(w), axis=axis, keepdims=True))


def _np_max_norm(w, m, axis):
    n = _norms(w, axis)
    return w * np.clip(n, 0, m) / (EPS + n)


def _np_min_max_norm(w, lo, hi, rate, axis):
    n = _norms(w, axis)
    return w * (rate * np.clip(n, lo, hi) + (1 - rate) * n) / (EPS + n)


CASES = [
    (constraints.MaxNorm(), lambda w: _np_max_norm(w, 2.0, 0)),
    (constraints.MaxNorm(1.0, axis=1), lambda w: _np_max_norm(w, 1.0, 1)),
    (constraints.MaxNorm(0.5, axis=[0, 1]), lambda w: _np_max_norm(w, 0.5, (0, 1))),
    (constraints.MinMaxNorm(), lambda w: _np_min_max_norm(w, 0.0, 1.0, 1.0, 0)),
    (constraints.MinMaxNorm(0.5, 3.0, rate=0.5, axis=1),
     lambda w: _np_min_max_norm(w, 0.5, 3.0, 0.5, 1)),
    (constraints.NonNeg(), lambda w: np.where(w >= 0, w, 0.0)),
    (constraints.UnitNorm(), lambda w: w / (EPS + _norms(w, 0))),
    (constraints.UnitNorm(axis=1), lambda w: w / (EPS + _norms(w, 1))),
    (constraints.Constraint(), lambda w: w),
]


@pytest.mark.parametrize("constraint,expected", CASES)
def test_constraint_matches_numpy(constraint, expected):
    out = constraint(jnp.asarray(W))
    jitted = jax.jit(constraint)(jnp.asarray(W))
    assert out.shape == jitted.shape == (3, 3)
    want = expected(W.astype(np.float64))
    np.testing.assert_allclose(np.asarray(out), want, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(jitted), want, rtol=1e-5, atol=1e-6)


def test_max_norm_caps_column_norms():
    out = np.asarray(constraints.MaxNorm(1.5)(jnp.asarray(W)))
    assert out.shape == (3, 3)
    norms = np.linalg.norm(out, axis=0)
    np.testing.assert_allclose(norms, np.minimum(np.linalg.norm(W, axis=0), 1.5), rtol=1e-5)


@pytest.mark.parametrize("identifier,cls", [
    ("max_norm", constraints.MaxNorm), ("MaxNorm", constraints.MaxNorm),
    ("maxnorm", constraints.MaxNorm), ("non_neg", constraints.NonNeg),
    ("NonNeg", constraints.NonNeg), ("unit_norm", constraints.UnitNorm),
    ("min_max_norm", constraints.MinMaxNorm), (constraints.UnitNorm, constraints.UnitNorm),
    ({"class_name": "MaxNorm", "config": {"max_value": 3, "axis": 1}}, constraints.MaxNorm),
])
def test_get_resolves_identifiers(identifier, cls):
    assert type(constraints.get(identifier)) is cls


def test_get_passes_instances_callables_and_none_through():
    c = constraints.MaxNorm(4)

    def fn(w):
        return w
    assert constraints.get(c) is c
    assert constraints.get(fn) is fn
    assert constraints.get(None) is None
    assert constraints.max_norm is constraints.MaxNorm


@pytest.mark.parametrize("constraint,config", [
    (constraints.MaxNorm(), {"max_value": 2, "axis": 0}),
    (constraints.MinMaxNorm(0.1, 2.0, 0.5, axis=[0, 1]),
     {"min_value": 0.1, "max_value": 2.0, "rate": 0.5, "axis": [0, 1]}),
    (constraints.NonNeg(), {}),
    (constraints.UnitNorm(axis=1), {"axis": 1}),
])
def test_serialize_round_trip(constraint, config):
    assert constraint.get_config() == config
    serialized = constraints.serialize(constraint)
    assert serialized == {"class_name": type(constraint).__name__, "config": config}
    rebuilt = constraints.deserialize(serialized)
    assert type(rebuilt) is type(constraint) and rebuilt.get_config() == config
    np.testing.assert_array_equal(np.asarray(rebuilt(W)), np.asarray(constraint(W)))


def test_constraint_errors():
    with pytest.raises(ValueError, match="Unknown constraint 'max_nrom'.*Did you mean 'max_norm'"):
        constraints.get("max_nrom")
    with pytest.raises(TypeError, match=r"`axis` to be an int.*axis='rows'"):
        constraints.UnitNorm(axis="rows")
    with pytest.raises(TypeError, match="`max_value` to be a number.*max_value=None"):
        constraints.MaxNorm(None)
    with pytest.raises(ValueError, match="'class_name' key"):
        constraints.get({"config": {}})
    with pytest.raises(TypeError, match="Could not interpret the constraint 2"):
        constraints.get(2)
    with pytest.raises(ValueError, match="not a Constraint.*register"):
        constraints.serialize(lambda w: w)


def test_serialize_none_is_none():
    assert constraints.serialize(None) is None
