"""Initializers: statistics, bounds, orthogonality, seeding, `get` and configs."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina
from lamina import initializers

BIG = (400, 250)  # 100,000 samples: mean/std estimates within ~1%


@pytest.mark.parametrize("shape,fans", [
    ((), (1, 1)), ((7,), (7, 7)), ((5, 3), (5, 3)),
    ((3, 3, 16, 32), (144, 288)), ((2, 4, 6), (8, 12)),
])
def test_compute_fans_matches_keras_rule(shape, fans):
    assert initializers.compute_fans(shape) == fans


def test_constant_initializers_values_and_dtypes():
    z = initializers.Zeros()((2, 3))
    o = initializers.Ones()((4,), dtype="int32")
    c = initializers.Constant(2.5)((2, 2), "float16")
    assert (z.shape, z.dtype) == ((2, 3), jnp.float32)
    assert (o.shape, o.dtype) == ((4,), jnp.int32)
    assert (c.shape, c.dtype) == ((2, 2), jnp.float16)
    np.testing.assert_array_equal(np.asarray(z), np.zeros((2, 3)))
    np.testing.assert_array_equal(np.asarray(o), np.ones(4))
    np.testing.assert_array_equal(np.asarray(c), np.full((2, 2), 2.5))


def test_identity_scales_rectangular_eye():
    w = initializers.Identity(gain=3.0)((3, 2))
    assert w.shape == (3, 2)
    np.testing.assert_array_equal(np.asarray(w), 3.0 * np.eye(3, 2))
    with pytest.raises(ValueError, match=r"only makes 2-D matrices.*\(2, 2, 2\)"):
        initializers.Identity()((2, 2, 2))


@pytest.mark.parametrize("init,mean,std", [
    (initializers.RandomNormal(seed=1), 0.0, 0.05),
    (initializers.RandomNormal(mean=1.0, stddev=2.0, seed=1), 1.0, 2.0),
    (initializers.RandomUniform(seed=1), 0.0, 0.1 / math.sqrt(12)),
    (initializers.RandomUniform(0.0, 4.0, seed=1), 2.0, 4.0 / math.sqrt(12)),
    (initializers.TruncatedNormal(mean=0.5, stddev=1.0, seed=1), 0.5, 0.87962566),
])
def test_random_initializer_statistics(init, mean, std):
    w = np.asarray(init(BIG), np.float64)
    assert w.shape == BIG
    assert abs(w.mean() - mean) < 0.02 * std + 1e-3 * abs(mean)
    assert abs(w.std() - std) < 0.02 * std


def test_uniform_and_truncated_bounds():
    u = np.asarray(initializers.RandomUniform(-0.3, 0.7, seed=2)((1000,)))
    t = np.asarray(initializers.TruncatedNormal(mean=1.0, stddev=0.1, seed=2)((1000,)))
    assert u.shape == t.shape == (1000,)
    assert u.min() >= -0.3 and u.max() <= 0.7
    assert t.min() >= 0.8 - 1e-6 and t.max() <= 1.2 + 1e-6


# (initializer, shape, variance scale / fan, is uniform)
VS_CASES = [
    (initializers.GlorotUniform(seed=3), BIG, 2.0 / (400 + 250), True),
    (initializers.GlorotNormal(seed=3), BIG, 2.0 / (400 + 250), False),
    (initializers.HeUniform(seed=3), BIG, 2.0 / 400, True),
    (initializers.HeNormal(seed=3), BIG, 2.0 / 400, False),
    (initializers.LecunUniform(seed=3), BIG, 1.0 / 400, True),
    (initializers.LecunNormal(seed=3), BIG, 1.0 / 400, False),
    (initializers.VarianceScaling(3.0, "fan_out", "uniform", seed=3), BIG, 3.0 / 250, True),
    (initializers.VarianceScaling(2.0, "fan_out", "untruncated_normal", seed=3), BIG,
     2.0 / 250, False),
    (initializers.HeNormal(seed=3), (5, 5, 40, 100), 2.0 / (25 * 40), False),
    (initializers.GlorotUniform(seed=3), (5, 5, 40, 100), 2.0 / (25 * 140), True),
]


@pytest.mark.parametrize("init,shape,variance,uniform", VS_CASES)
def test_variance_scaling_statistics_and_limits(init, shape, variance, uniform):
    w = np.asarray(init(shape), np.float64)
    assert w.shape == shape
    assert abs(w.mean()) < 0.02 * math.sqrt(variance)
    assert abs(w.std() - math.sqrt(variance)) < 0.02 * math.sqrt(variance)
    if uniform:
        limit = math.sqrt(3.0 * variance)
        assert np.abs(w).max() <= limit * (1 + 1e-6)
        assert np.abs(w).max() > 0.99 * limit
    elif init.distribution == "truncated_normal":
        stddev = math.sqrt(variance) / 0.87962566103423978
        assert np.abs(w).max() <= 2.0 * stddev * (1 + 1e-6)


def test_variance_scaling_validates_arguments():
    with pytest.raises(ValueError, match="positive `scale`.*scale=0"):
        initializers.VarianceScaling(scale=0)
    with pytest.raises(ValueError, match="mode='fan_sum'.*fan_in, fan_out, fan_avg"):
        initializers.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution='gauss'.*uniform"):
        initializers.VarianceScaling(distribution="gauss")
    assert initializers.VarianceScaling(distribution="normal").distribution == "truncated_normal"


@pytest.mark.parametrize("shape", [(6, 6), (8, 3), (3, 8), (2, 3, 4)])
def test_orthogonal_is_orthonormal(shape):
    w = initializers.Orthogonal(gain=2.0, seed=4)(shape)
    assert w.shape == shape
    m = np.asarray(w, np.float64).reshape(-1, shape[-1]) / 2.0
    rows, cols = m.shape
    gram = m.T @ m if rows >= cols else m @ m.T
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_rejects_vectors():
    with pytest.raises(ValueError, match=r"rank 2 or more.*\(5,\)"):
        initializers.Orthogonal()((5,))


def test_seeded_initializer_repeats_and_unseeded_differs():
    seeded = initializers.GlorotUniform(seed=7)
    a, b = seeded((4, 3)), seeded((4, 3))
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    np.testing.assert_array_equal(
        np.asarray(a), np.asarray(initializers.GlorotUniform(seed=7)((4, 3))))
    fresh = initializers.GlorotUniform()
    c, d = fresh((4, 3)), fresh((4, 3))
    assert c.shape == d.shape == (4, 3)
    assert not np.array_equal(np.asarray(c), np.asarray(d))


def test_set_random_seed_reproduces_unseeded_draws():
    init = initializers.RandomNormal()
    lamina.utils.set_random_seed(123)
    first = [np.asarray(init((3, 2))), np.asarray(initializers.HeUniform()((5,)))]
    lamina.utils.set_random_seed(123)
    second = [np.asarray(init((3, 2))), np.asarray(initializers.HeUniform()((5,)))]
    for x, y in zip(first, second):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], np.asarray(init((3, 2))))


def test_initializer_runs_under_jit():
    out = jax.jit(lambda: initializers.GlorotNormal(seed=1)((3, 4)))()
    unseeded = jax.jit(lambda: initializers.GlorotNormal()((3, 4)))()
    assert out.shape == unseeded.shape == (3, 4)
    np.testing.assert_allclose(np.asarray(out),
                               np.asarray(initializers.GlorotNormal(seed=1)((3, 4))),
                               rtol=1e-6, atol=1e-7)


def test_random_initializers_validate_inputs():
    with pytest.raises(ValueError, match="floating-point values.*dtype=int32"):
        initializers.RandomNormal()((2,), dtype="int32")
    with pytest.raises(TypeError, match="int or None.*seed='a'"):
        initializers.HeNormal(seed="a")
    with pytest.raises(ValueError, match=r"non-negative ints.*\(3, None\)"):
        initializers.Zeros()((3, None))


@pytest.mark.parametrize("identifier,cls", [
    ("glorot_uniform", initializers.GlorotUniform), ("GlorotUniform", initializers.GlorotUniform),
    ("HE_NORMAL", initializers.HeNormal), ("zeros", initializers.Zeros),
    ("random_normal", initializers.RandomNormal), ("normal", initializers.RandomNormal),
    ("uniform", initializers.RandomUniform), ("one", initializers.Ones),
    ("orthogonal", initializers.Orthogonal), ("identity", initializers.Identity),
    (initializers.LecunNormal, initializers.LecunNormal),
    ({"class_name": "VarianceScaling", "config": {"scale": 2.0}}, initializers.VarianceScaling),
])
def test_get_resolves_identifiers(identifier, cls):
    assert type(initializers.get(identifier)) is cls


def test_get_passes_instances_and_callables_through():
    inst = initializers.Constant(1.0)

    def fn(shape, dtype=None):
        return jnp.zeros(shape, dtype)
    assert initializers.get(inst) is inst
    assert initializers.get(fn) is fn
    assert initializers.get(None) is None


def test_lowercase_aliases_are_the_classes():
    assert initializers.glorot_uniform is initializers.GlorotUniform
    assert initializers.he_normal is initializers.HeNormal
    assert initializers.random_normal(stddev=1.0).stddev == 1.0


def test_get_errors():
    with pytest.raises(ValueError, match="Unknown initializer 'glorot_unifrom'.*glorot_uniform"):
        initializers.get("glorot_unifrom")
    with pytest.raises(ValueError, match="'class_name' key"):
        initializers.get({"config": {}})
    with pytest.raises(TypeError, match=r"Could not interpret the initializer 1\.5"):
        initializers.get(1.5)


@pytest.mark.parametrize("init", [
    initializers.Zeros(), initializers.Constant(0.5), initializers.Constant([1.0, 2.0]),
    initializers.RandomNormal(0.1, 0.2, seed=3), initializers.RandomUniform(-1, 1, seed=3),
    initializers.TruncatedNormal(0.0, 1.0, seed=3),
    initializers.VarianceScaling(2.0, "fan_avg", "uniform", seed=3),
    initializers.GlorotUniform(seed=3), initializers.HeNormal(seed=3),
    initializers.Orthogonal(0.5, seed=3), initializers.Identity(2.0),
])
def test_serialize_round_trip_gives_same_values(init):
    config = initializers.serialize(init)
    rebuilt = initializers.deserialize(config)
    assert type(rebuilt) is type(init)
    assert rebuilt.get_config() == init.get_config()
    shape = (2, 2)
    a, b = init(shape), rebuilt(shape)
    assert a.shape == b.shape == shape
    np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_serialize_rejects_plain_functions():
    with pytest.raises(ValueError, match="not an Initializer.*register"):
        initializers.serialize(lambda shape, dtype=None: jnp.zeros(shape))


def test_base_initializer_without_call_says_what_to_do():
    with pytest.raises(TypeError, match="Subclass Initializer and define it"):
        initializers.Initializer()((2,))


def test_serialize_none_is_none():
    assert initializers.serialize(None) is None
