"""`lamina.random`: Keras 3's distributions, seeds and SeedGenerator."""
import jax
import numpy as np
import pytest
import scipy.stats

import lamina as keras
from lamina import layers, random


@pytest.mark.parametrize("draw,reference", [
    (lambda seed: random.normal((4000,), mean=2.0, stddev=0.5, seed=seed),
     scipy.stats.norm(2.0, 0.5).cdf),
    (lambda seed: random.uniform((4000,), minval=-1.0, maxval=3.0, seed=seed),
     scipy.stats.uniform(-1.0, 4.0).cdf),
    (lambda seed: random.truncated_normal((4000,), mean=1.0, stddev=2.0, seed=seed),
     scipy.stats.truncnorm(-2, 2, loc=1.0, scale=2.0).cdf),
    (lambda seed: random.gamma((4000,), alpha=3.0, seed=seed), scipy.stats.gamma(3.0).cdf),
    (lambda seed: random.beta((4000,), alpha=2.0, beta=5.0, seed=seed),
     scipy.stats.beta(2.0, 5.0).cdf),
])
def test_random_distribution_matches_scipy(draw, reference):
    sample = np.asarray(draw(1))
    assert sample.shape == (4000,) and sample.dtype == np.float32
    assert scipy.stats.kstest(sample, reference).pvalue > 1e-3


def test_random_discrete_distributions_match_their_laws():
    ints = np.asarray(random.randint((6000,), 2, 7, seed=0))
    assert ints.dtype == np.int32 and ints.min() == 2 and ints.max() == 6
    counts = np.bincount(ints - 2, minlength=5)
    assert scipy.stats.chisquare(counts).pvalue > 1e-3
    draws = np.asarray(random.binomial((5000,), counts=10, probabilities=0.3, seed=0))
    assert abs(draws.mean() - 3.0) < 0.1 and abs(draws.var() - 2.1) < 0.2
    logits = np.log(np.array([[0.7, 0.2, 0.1], [0.1, 0.1, 0.8]], "float32"))
    samples = np.asarray(random.categorical(logits, 4000, seed=0))
    assert samples.shape == (2, 4000) and samples.dtype == np.int32
    np.testing.assert_allclose(np.bincount(samples[0], minlength=3) / 4000, [0.7, 0.2, 0.1],
                               atol=0.03)
    np.testing.assert_allclose(np.bincount(samples[1], minlength=3) / 4000, [0.1, 0.1, 0.8],
                               atol=0.03)


def test_random_dropout_and_shuffle():
    out = np.asarray(random.dropout(np.ones((100, 50), "float32"), 0.25, seed=3))
    assert sorted(np.unique(out).tolist()) == [0.0, pytest.approx(1 / 0.75)]
    assert abs((out == 0).mean() - 0.25) < 0.03
    shared = np.asarray(random.dropout(np.ones((8, 50), "float32"), 0.5,
                                       noise_shape=(1, None), seed=3))
    assert (shared == shared[0]).all()
    x = np.arange(20).reshape(10, 2)
    shuffled = np.asarray(random.shuffle(x, seed=1))
    assert shuffled.shape == (10, 2) and sorted(shuffled[:, 0].tolist()) == list(range(0, 20, 2))
    assert (shuffled[:, 1] == shuffled[:, 0] + 1).all()


def test_random_int_seed_repeats_and_seed_generator_advances():
    a, b = random.normal((3,), seed=42), random.normal((3,), seed=42)
    np.testing.assert_array_equal(a, b)
    generator = random.SeedGenerator(7)
    first, second = random.normal((3,), seed=generator), random.normal((3,), seed=generator)
    assert not np.allclose(first, second)
    again = random.SeedGenerator(7)
    np.testing.assert_array_equal(random.normal((3,), seed=again), first)
    assert generator.state.shape == (2,) and int(generator.state.numpy()[1]) == 2
    assert random.SeedGenerator.from_config(generator.get_config()).seed == 7


def test_random_without_seed_follows_the_global_seed_eagerly():
    keras.utils.set_random_seed(5)
    a = random.uniform((4,))
    keras.utils.set_random_seed(5)
    np.testing.assert_array_equal(a, random.uniform((4,)))
    assert not np.allclose(a, random.uniform((4,)))


class Noisy(layers.Layer):
    """Adds unseeded noise in training: it draws from the step's key inside fit."""

    def call(self, inputs, training=False):
        if training:
            return inputs + random.normal(keras.ops.shape(inputs))
        return inputs


def test_random_without_seed_in_fit_draws_a_new_key_each_step():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), Noisy(), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    logs = []

    class Record(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, batch_logs=None):
            logs.append(batch_logs["loss"])

    x, y = np.zeros((16, 2), "float32"), np.zeros((16, 1), "float32")
    model.fit(x, y, batch_size=4, epochs=1, callbacks=[Record()], verbose=0)
    # With a learning rate of 0 only the noise changes the loss: a new draw per step.
    assert len(set(np.round(logs, 6))) == len(logs) == 4


class MakesGeneratorInCall(layers.Layer):
    def call(self, inputs):
        return random.dropout(inputs, 0.5, seed=random.SeedGenerator(1))


def test_seed_generator_created_in_call_is_refused():
    with pytest.raises(RuntimeError, match=r"inside a layer's call\(\).*__init__"):
        MakesGeneratorInCall()(np.ones((2, 2), "float32"))


def test_seed_generator_in_init_is_tracked_and_reproducible_in_fit():
    class OwnDropout(layers.Layer):
        def __init__(self):
            super().__init__()
            self.seed_generator = random.SeedGenerator(3)

        def call(self, inputs, training=False):
            return random.dropout(inputs, 0.5, seed=self.seed_generator) if training \
                else inputs

    def run():
        keras.utils.set_random_seed(1)
        layer = OwnDropout()
        model = keras.Sequential([keras.Input((4,)), layer, layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        assert layer.seed_generators == [layer.seed_generator] and layer.weights == []
        return model.fit(np.ones((8, 4)), np.ones((8, 1)), batch_size=2, epochs=2,
                         verbose=0).history["loss"]

    assert run() == run()


def test_seed_must_be_an_int_a_generator_or_none():
    with pytest.raises(TypeError, match="seed must be an int, a keras.random.SeedGenerator"):
        random.normal((2,), seed="abc")
    with pytest.raises(TypeError, match="SeedGenerator needs an integer seed"):
        random.SeedGenerator(1.5)


def test_random_works_under_jit_with_a_key_seed():
    out = jax.jit(lambda key: random.normal((2, 3), seed=key))(jax.random.PRNGKey(0))
    assert out.shape == (2, 3)
