"""Layer: build/call/add_weight, tracking of sublayers, trainable, weights, losses."""
import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import layers


class Scale(keras.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, inputs):
        return inputs * self.w


class Block(keras.layers.Layer):
    """Sublayers in an attribute, a list and a dict."""

    def __init__(self):
        super().__init__(name="block")
        self.first = layers.Dense(2, name="first")
        self.stack = [layers.Dense(3, name="l0"), layers.Dense(1, name="l1")]
        self.by_name = {"bn": layers.BatchNormalization(name="bn")}

    def call(self, x, training=None):
        x = self.first(x)
        for layer in self.stack:
            x = layer(x)
        return self.by_name["bn"](x, training=training)


def test_layer_builds_on_first_call_from_input_shape():
    layer = Scale(name="scale")
    assert not layer.built
    x = np.array([[1.0, 2.0, 3.0]], np.float32)
    out = layer(x)
    assert layer.built and layer.w.shape == (3,) and layer.w.name == "scale/w"
    assert out.shape == (1, 3)
    np.testing.assert_array_equal(np.asarray(out), x)
    assert layer.input_shape == (None, 3) and layer.output_shape == (None, 3)
    assert layer.count_params() == 3


def test_layer_unbuilt_errors():
    layer = Scale(name="scale_unbuilt")
    with pytest.raises(ValueError, match="'scale_unbuilt' is not built yet"):
        layer.count_params()
    with pytest.raises(AttributeError, match="never been called"):
        layer.input_shape


def test_layer_unknown_keyword_is_a_type_error():
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['unitz'\]"):
        layers.Dense(2, unitz=3)


def test_layer_automatic_names_are_numbered():
    layers.clear_session()
    names = [layers.Dense(1).name, layers.Dense(1).name, layers.Dropout(0.1).name,
             Scale().name]
    assert names == ["dense", "dense_1", "dropout", "scale"]


def test_layer_add_weight_options():
    class Custom(keras.layers.Layer):
        def build(self, input_shape):
            self.a = self.add_weight(shape=(2, 2), initializer="zeros", name="a")
            self.s = self.add_weight(shape=(), initializer="ones", trainable=False, name="s")
            self.c = self.add_weight(shape=(2,), initializer=lambda shape, dtype:
                                     np.array([3.0, 4.0], dtype), name="c")

        def call(self, x):
            return x

    layer = Custom(name="custom")
    layer(np.zeros((1, 2)))
    assert [v.name for v in layer.trainable_weights] == ["custom/a", "custom/c"]
    assert [v.name for v in layer.non_trainable_weights] == ["custom/s"]
    assert layer.s.shape == () and float(layer.s) == 1.0
    np.testing.assert_array_equal(layer.c.numpy(), [3.0, 4.0])
    with pytest.raises(ValueError, match="dimensions must be non-negative"):
        layer.add_weight(shape=(-1, 2))


def test_layer_tracks_sublayers_in_attributes_lists_and_dicts():
    block = Block()
    out = block(np.ones((4, 5), np.float32))
    assert out.shape == (4, 1)
    assert [v.name for v in block.trainable_weights] == [
        "first/kernel", "first/bias", "l0/kernel", "l0/bias", "l1/kernel", "l1/bias",
        "bn/gamma", "bn/beta"]
    assert [v.name for v in block.non_trainable_weights] == ["bn/moving_mean",
                                                             "bn/moving_variance"]
    # 5*2+2 + 2*3+3 + 3*1+1 + 4*1
    assert block.count_params() == 12 + 9 + 4 + 4
    assert [l.name for l in block._layers] == ["first", "l0", "l1", "bn"]


def test_layer_trainable_false_freezes_all_sublayers():
    block = Block()
    block(np.ones((2, 5), np.float32))
    block.trainable = False
    assert block.trainable_weights == []
    assert len(block.non_trainable_weights) == 10
    assert all(not l.trainable for l in block._layers)
    block.trainable = True
    block.by_name["bn"].trainable = False
    assert [v.name for v in block.non_trainable_weights] == [
        "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance"]
    assert len(block.trainable_weights) == 6


def test_layer_get_and_set_weights_roundtrip():
    layer = layers.Dense(2, name="gs")
    layer(np.ones((1, 3), np.float32))
    weights = layer.get_weights()
    assert [w.shape for w in weights] == [(3, 2), (2,)]
    assert all(isinstance(w, np.ndarray) for w in weights)
    new = [np.arange(6, dtype=np.float32).reshape(3, 2), np.array([1.0, -1.0], np.float32)]
    layer.set_weights(new)
    out = np.asarray(layer(np.array([[1.0, 1.0, 1.0]], np.float32)))
    np.testing.assert_allclose(out, np.ones((1, 3)) @ new[0] + new[1])
    with pytest.raises(ValueError, match="has 2 weights .* received 1 arrays"):
        layer.set_weights(new[:1])
    with pytest.raises(ValueError, match=r"'gs/kernel' has shape \(3, 2\), but set_weights "
                                         r"received an array of shape \(2, 3\)"):
        layer.set_weights([np.zeros((2, 3)), np.zeros(2)])
    # A failed set_weights leaves the weights untouched.
    np.testing.assert_array_equal(layer.kernel.numpy(), new[0])


def test_layer_losses_from_add_loss_and_regularizers():
    class Penalized(keras.layers.Layer):
        def call(self, x):
            self.add_loss(jnp.sum(x ** 2))
            return x

    layer = Penalized()
    layer(np.array([[1.0, 2.0]], np.float32))
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 5.0)
    layer(np.array([[3.0, 0.0]], np.float32))  # the next call replaces the losses
    assert len(layer.losses) == 1
    np.testing.assert_allclose(float(layer.losses[0]), 9.0)

    dense = layers.Dense(2, kernel_regularizer=keras.regularizers.L2(0.1))
    dense(np.ones((1, 3), np.float32))
    assert len(dense.losses) == 1
    np.testing.assert_allclose(float(dense.losses[0]), 0.1 * np.sum(dense.kernel.numpy() ** 2),
                               rtol=1e-5)


def test_layer_activity_regularizer_divides_by_batch_size():
    dense = layers.Dense(2, activity_regularizer=keras.regularizers.L1(0.01),
                         kernel_initializer="ones")
    x = np.array([[1.0, -2.0], [3.0, 0.5]], np.float32)
    out = np.asarray(dense(x))
    np.testing.assert_allclose(out, x @ np.ones((2, 2)))
    assert len(dense.losses) == 1
    np.testing.assert_allclose(float(dense.losses[0]), 0.01 * np.abs(out).sum() / 2, rtol=1e-6)


def test_layer_regularization_joins_the_training_loss():
    """fit's logged loss = data loss + l2 penalty, checked by hand on one step."""
    x = np.array([[1.0], [2.0]], np.float32)
    y = np.array([[0.0], [1.0]], np.float32)
    model = keras.Sequential([keras.Input((1,)), layers.Dense(
        1, kernel_initializer="ones", kernel_regularizer=keras.regularizers.L2(0.5))])
    model.compile(optimizer=keras.optimizers.SGD(0.0), loss="mse")
    loss = model.fit(x, y, batch_size=2, epochs=1, verbose=0).history["loss"][0]
    expected = np.mean((x - y) ** 2) + 0.5 * 1.0
    np.testing.assert_allclose(loss, expected, rtol=1e-6)
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), expected, rtol=1e-6)


def test_layer_trainable_false_in_fit_keeps_weights():
    x = np.random.default_rng(0).normal(size=(8, 2)).astype(np.float32)
    y = x.sum(1, keepdims=True)
    frozen = layers.Dense(3, name="frozen")
    model = keras.Sequential([keras.Input((2,)), frozen, layers.Dense(1)])
    frozen.trainable = False
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = frozen.get_weights()
    head = model.layers[1].get_weights()
    model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    for a, b in zip(before, frozen.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(head[0], model.layers[1].get_weights()[0])
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 2
