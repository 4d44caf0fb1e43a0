"""A learning rate set by a user's callback counts from the very first step."""
import numpy as np

import lamina as keras


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    return model


def test_learning_rate_set_in_on_train_begin_applies_to_the_first_epoch():
    x = np.array([[1.0, 2.0], [3.0, -1.0]], np.float32)
    y = np.array([[1.0], [0.0]], np.float32)
    model = _model()
    before = model.get_weights()
    freeze = keras.callbacks.LambdaCallback(
        on_train_begin=lambda logs: setattr(model.optimizer, "learning_rate", 0.0))
    model.fit(x, y, batch_size=2, epochs=1, shuffle=False, verbose=0, callbacks=[freeze])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert float(model.optimizer.learning_rate) == 0.0


def test_learning_rate_set_before_fit_after_evaluate_is_used():
    x = np.array([[1.0, 2.0]], np.float32)
    y = np.array([[1.0]], np.float32)
    model = _model()
    model.evaluate(x, y, verbose=0)  # builds the programs with the first rate
    model.optimizer.learning_rate = 0.5
    (w, b) = model.get_weights()
    model.fit(x, y, batch_size=1, epochs=1, shuffle=False, verbose=0)
    error = float((x @ w + b)[0, 0]) - 1.0
    expected_w = w - 0.5 * 2 * error * x.T
    np.testing.assert_allclose(model.get_weights()[0], expected_w, rtol=1e-6)
