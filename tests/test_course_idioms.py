"""tf.keras idioms from course code that must keep working."""
import numpy as np
import pytest

import lamina as keras


def test_set_value_on_the_optimizer_learning_rate_changes_training():
    model = keras.Sequential([keras.layers.Input((1,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    keras.backend.set_value(model.optimizer.learning_rate, 0.0)
    assert keras.backend.get_value(model.optimizer.lr) == pytest.approx(0.0)
    before = model.get_weights()
    model.fit(np.ones((4, 1)), np.zeros((4, 1)), epochs=1, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_predict_on_one_sample_without_batch_axis_says_how_to_fix_it():
    model = keras.Sequential([keras.layers.Input((13,)), keras.layers.Dense(1)])
    x = np.zeros((5, 13), np.float32)
    with pytest.raises(ValueError, match=r"shape \(13,\).*X\[i:i \+ 1\]"):
        model.predict(x[0], verbose=0)
    assert model.predict(x[0:1], verbose=0).shape == (1, 1)


class _ComputeSum(keras.layers.Layer):
    """The Keras guide's layer with non-trainable state, returned from call."""

    def __init__(self, input_dim):
        super().__init__()
        self.total = self.add_weight(shape=(input_dim,), initializer="zeros",
                                     trainable=False)

    def call(self, inputs):
        self.total.assign_add(np.sum(inputs, axis=0))
        return self.total


def test_layer_returning_its_variable_gives_the_variable():
    # As tf.keras 2 and Keras 3 do (both return the live variable), so that the guide's
    # `print(y.numpy())` after each call shows [2, 2] and then [4, 4].
    layer = _ComputeSum(2)
    first = layer(np.ones((2, 2), np.float32))
    assert first is layer.total and first.numpy().shape == (2,)
    np.testing.assert_array_equal(first.numpy(), [2.0, 2.0])
    second = layer(np.ones((2, 2), np.float32))
    np.testing.assert_array_equal(second.numpy(), [4.0, 4.0])


def test_predict_reports_the_time_it_took(capsys):
    model = keras.Sequential([keras.layers.Input((8,)), keras.layers.Dense(64),
                              keras.layers.Dense(1)])
    model.predict(np.zeros((4096, 8), np.float32), verbose=2)
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("128/128 - ")
    # The first call compiles, which takes milliseconds at least, never microseconds.
    elapsed = line.split(" - ")[1]
    assert elapsed.endswith(("ms", "s")) and not elapsed.endswith("us")
