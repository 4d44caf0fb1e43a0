import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import layers

X = np.array([[1.0, 2.0], [0.0, 1.0], [2.0, -1.0], [1.0, 1.0]], "float32")
Y = np.array([1.0, 0.0, 2.0, -1.0], "float32")
W0 = np.array([[0.5], [-0.25]], "float32")
B0 = np.array([0.1], "float32")


class HalfMSE(keras.Model):
    """A linear model whose custom step minimizes half the compiled loss."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1)

    def call(self, inputs):
        return self.dense(inputs)

    def train_step(self, state, data):
        x, y, sample_weight = data
        rng, key = jax.random.split(state.rng)

        def loss_fn(trainable):
            y_pred, non_trainable, penalty = self.stateless_forward(
                trainable, state.non_trainable, x, training=True, rng=key)
            loss = 0.5 * self.compute_loss(x, y, y_pred, sample_weight) + penalty
            return loss, (y_pred, non_trainable)

        (loss, (y_pred, nt)), grads = jax.value_and_grad(loss_fn, has_aux=True)(
            state.trainable)
        state = self.apply_gradients(state._replace(non_trainable=nt, rng=rng), grads)
        return self.update_metrics(state, loss, y, y_pred, sample_weight)


def _linear(cls, **kwargs):
    model = cls(**kwargs)
    model.build((None, 2))
    model.set_weights([W0, B0])
    return model


def test_custom_train_step_matches_numpy_sgd():
    model = _linear(HalfMSE)
    model.compile(keras.optimizers.SGD(0.1), loss="mse", metrics=["mae"])
    history = model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    err = (X @ W0 + B0)[:, 0] - Y
    np.testing.assert_allclose(history.history["loss"][0], 0.5 * np.mean(err ** 2), rtol=1e-5)
    np.testing.assert_allclose(history.history["mae"][0], np.mean(np.abs(err)), rtol=1e-5)
    kernel, bias = model.get_weights()
    assert kernel.shape == (2, 1) and bias.shape == (1,)
    np.testing.assert_allclose(kernel, W0 - 0.1 * (X * err[:, None]).mean(0)[:, None],
                               rtol=1e-5)
    np.testing.assert_allclose(bias, B0 - 0.1 * err.mean(), rtol=1e-5)


def test_custom_train_step_compiles_into_epoch_program():
    model = _linear(HalfMSE)
    model.compile(keras.optimizers.SGD(0.05), loss="mse")
    history = model.fit(np.tile(X, (8, 1)), np.tile(Y, 8), batch_size=4, epochs=3,
                        verbose=0)
    assert len(history.history["loss"]) == 3
    assert int(model.optimizer.iterations) == 24


class Plain(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = layers.Dense(1)

    def call(self, inputs):
        return self.dense(inputs)


class ViaSuper(Plain):
    def train_step(self, state, data):
        return super().train_step(state, data)


def test_default_train_step_equals_builtin_step():
    results = []
    for cls in (Plain, ViaSuper):
        model = _linear(cls)
        model.compile(keras.optimizers.Adam(0.1), loss="mse", metrics=["mae"])
        history = model.fit(X, Y, batch_size=2, epochs=2, shuffle=False, verbose=0)
        results.append((history.history, model.get_weights()))
    assert results[0][0].keys() == results[1][0].keys()
    for key in results[0][0]:
        np.testing.assert_allclose(results[0][0][key], results[1][0][key], rtol=1e-6)
    for a, b in zip(results[0][1], results[1][1]):
        np.testing.assert_allclose(a, b, rtol=1e-6)


class DoubleEval(Plain):
    def test_step(self, state, data):
        x, y, sample_weight = data
        y_pred, _, _ = self.stateless_forward(state.trainable, state.non_trainable, x,
                                              training=False)
        loss = 2.0 * self.compute_loss(x, y, y_pred, sample_weight)
        return self.update_metrics(state, loss, y, y_pred, sample_weight)


def test_custom_test_step_drives_evaluate():
    model = _linear(DoubleEval)
    model.compile("sgd", loss="mse")
    loss = model.evaluate(X, Y, batch_size=4, verbose=0)
    err = (X @ W0 + B0)[:, 0] - Y
    np.testing.assert_allclose(loss, 2.0 * np.mean(err ** 2), rtol=1e-5)


class ReturnsLoss(Plain):
    def train_step(self, state, data):
        return 0.0


def test_train_step_must_return_state():
    model = _linear(ReturnsLoss)
    model.compile("sgd", loss="mse")
    with pytest.raises(TypeError, match="must return the new TrainState, but returned float"):
        model.fit(X, Y, verbose=0)


def test_helpers_need_compile():
    model = _linear(Plain)
    with pytest.raises(RuntimeError, match=r"compute_loss\(\) .* needs compile\(\) first"):
        model.compute_loss(None, Y, Y)


def _gan():
    generator = keras.Sequential([keras.Input((1,)), layers.Dense(2)], name="g")
    discriminator = keras.Sequential(
        [keras.Input((2,)), layers.Dense(1, activation="sigmoid")], name="d")
    return generator, discriminator


def test_gan_with_frozen_discriminator_trains_only_generator():
    keras.utils.set_random_seed(0)
    generator, discriminator = _gan()
    discriminator.compile(keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    discriminator.trainable = False
    z = keras.Input((1,))
    gan = keras.Model(z, discriminator(generator(z)))
    gan.compile(keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    assert [w.shape for w in gan.trainable_weights] == [(1, 2), (2,)]
    assert [w.shape for w in gan.non_trainable_weights] == [(2, 1), (1,)]

    noise = np.random.default_rng(0).normal(size=(16, 1)).astype("float32")
    d_before, g_before = discriminator.get_weights(), generator.get_weights()
    gan.fit(noise, np.ones(16), epochs=2, verbose=0)
    for before, after in zip(d_before, discriminator.get_weights()):
        np.testing.assert_array_equal(before, after)
    assert any(not np.allclose(b, a) for b, a in zip(g_before, generator.get_weights()))

    fake = generator.predict(noise, verbose=0)
    real = np.random.default_rng(1).normal(2.0, 0.5, size=(16, 2)).astype("float32")
    discriminator.fit(np.concatenate([real, fake]),
                      np.concatenate([np.ones(16), np.zeros(16)]), epochs=2, verbose=0)
    changed = [not np.allclose(b, a) for b, a in zip(d_before, discriminator.get_weights())]
    assert changed == [True, True]


def test_research_gan_step_with_stateless_call():
    """A custom loop: stateless_call + jax.value_and_grad + optimizer.stateless_apply."""
    keras.utils.set_random_seed(0)
    generator, discriminator = _gan()
    d_opt, g_opt = keras.optimizers.SGD(0.2), keras.optimizers.SGD(0.2)
    g_params = [w.value for w in generator.trainable_weights]
    d_params = [w.value for w in discriminator.trainable_weights]
    d_state, g_state = d_opt.init(d_params), g_opt.init(g_params)
    real = jnp.asarray(np.random.default_rng(1).normal(2.0, 0.5, size=(32, 2)), jnp.float32)

    def bce(p, target):
        p = jnp.clip(p, 1e-7, 1 - 1e-7)
        return -jnp.mean(target * jnp.log(p) + (1 - target) * jnp.log(1 - p))

    def d_loss(d_params, g_params, noise):
        fake, _ = generator.stateless_call(g_params, [], noise)
        p_real, _ = discriminator.stateless_call(d_params, [], real)
        p_fake, _ = discriminator.stateless_call(d_params, [], fake)
        return bce(p_real, 1.0) + bce(p_fake, 0.0)

    def g_loss(g_params, d_params, noise):
        fake, _ = generator.stateless_call(g_params, [], noise)
        p_fake, _ = discriminator.stateless_call(d_params, [], fake)
        return bce(p_fake, 1.0)

    @jax.jit
    def step(d_params, g_params, d_state, g_state, key):
        noise = jax.random.normal(key, (32, 1))
        dl, d_grads = jax.value_and_grad(d_loss)(d_params, g_params, noise)
        d_params, d_state = d_opt.stateless_apply(d_state, d_grads, d_params)
        gl, g_grads = jax.value_and_grad(g_loss)(g_params, d_params, noise)
        g_params, g_state = g_opt.stateless_apply(g_state, g_grads, g_params)
        return d_params, g_params, d_state, g_state, dl, gl

    start_d = [np.asarray(p) for p in d_params]
    for i in range(20):
        d_params, g_params, d_state, g_state, dl, gl = step(
            d_params, g_params, d_state, g_state, jax.random.PRNGKey(i))
    assert [p.shape for p in d_params] == [(2, 1), (1,)]
    assert [p.shape for p in g_params] == [(1, 2), (2,)]
    assert all(not np.allclose(a, b) for a, b in zip(start_d, d_params))
    assert np.isfinite(float(dl)) and np.isfinite(float(gl))
    # The loop is pure: the models' own Variables never changed.
    np.testing.assert_array_equal(discriminator.get_weights()[0], start_d[0])


def test_train_step_calling_super_equals_the_built_in_step_with_dropout():
    import lamina as keras

    class Plain(keras.Model):
        def __init__(self):
            super().__init__()
            self.hidden = keras.layers.Dense(8, activation="relu")
            self.drop = keras.layers.Dropout(0.5)
            self.out = keras.layers.Dense(1)

        def call(self, x, training=False):
            return self.out(self.drop(self.hidden(x), training=training))

    class ViaSuper(Plain):
        def train_step(self, state, data):
            return super().train_step(state, data)

    x = np.random.default_rng(0).normal(size=(24, 3)).astype(np.float32)
    y = x.sum(axis=1, keepdims=True)

    def run(cls):
        keras.utils.set_random_seed(11)
        model = cls()
        model.compile(optimizer="sgd", loss="mse")
        return model.fit(x, y, batch_size=8, epochs=3, verbose=0).history["loss"]

    assert run(Plain) == run(ViaSuper)
