import numpy as np
import pytest

import lamina as keras
from lamina import layers


class Tower(keras.Model):
    """Layers held in a nested list and a dict."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.blocks = [[layers.Dense(4, activation="relu"), layers.Dense(4)],
                       [layers.Dropout(0.5)]]
        self.heads = {"out": layers.Dense(1)}

    def call(self, inputs, training=None):
        x = inputs
        for group in self.blocks:
            for layer in group:
                x = layer(x, training=training)
        return self.heads["out"](x)


def _data(n=32):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(n, 3)).astype("float32")
    return x, (x @ np.array([1.0, -2.0, 0.5], "float32")).astype("float32")


def test_nested_lists_and_dicts_of_layers_are_tracked():
    model = Tower()
    model.build_from_data(np.ones((2, 3), "float32"))
    assert [type(l).__name__ for l in model.layers] == ["Dense", "Dense", "Dropout", "Dense"]
    assert [w.shape for w in model.weights] == [(3, 4), (4,), (4, 4), (4,), (4, 1), (1,)]


def test_subclassed_fit_evaluate_predict():
    keras.utils.set_random_seed(0)
    model = Tower()
    model.compile(keras.optimizers.Adam(0.01), loss="mse", metrics=["mae"])
    x, y = _data()
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert list(history.history) == ["loss", "mae"]
    loss, mae = model.evaluate(x, y, verbose=0)
    assert np.isfinite(loss) and np.isfinite(mae)
    assert model.predict(x, verbose=0).shape == (32, 1)


def test_subclassed_predict_runs_in_inference_mode():
    model = Tower()
    x, _ = _data(4)
    first = model.predict(x, verbose=0)
    np.testing.assert_allclose(model.predict(x, verbose=0), first)
    dense = [model.blocks[0][0], model.blocks[0][1], model.heads["out"]]
    h = np.maximum(x @ dense[0].kernel.numpy() + dense[0].bias.numpy(), 0)
    h = h @ dense[1].kernel.numpy() + dense[1].bias.numpy()
    expected = h @ dense[2].kernel.numpy() + dense[2].bias.numpy()
    assert first.shape == (4, 1)
    np.testing.assert_allclose(first, expected, rtol=1e-5)


def test_subclassed_summary_after_build():
    model = Tower(name="tower")
    with pytest.raises(ValueError, match="has not been built yet"):
        model.summary()
    model.build((None, 3))
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert lines[0] == 'Model: "tower"'
    assert "(None, 4)" in text and "(None, 1)" in text
    assert "Total params: 41" in text


def test_subclassed_model_as_layer_in_functional_graph():
    inner = Tower()
    x = keras.Input((3,))
    model = keras.Model(x, layers.Dense(2)(inner(x)))
    assert model.output_shape == (None, 2)
    assert len(model.weights) == 8
    assert model.predict(np.ones((3, 3)), verbose=0).shape == (3, 2)


def test_layer_in_list_frozen_by_trainable_false():
    model = Tower()
    model.build((None, 3))
    model.blocks[0][0].trainable = False
    assert [w.shape for w in model.trainable_weights] == [(4, 4), (4,), (4, 1), (1,)]
    assert [w.shape for w in model.non_trainable_weights] == [(3, 4), (4,)]
