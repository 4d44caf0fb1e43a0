"""`Embedding`: lookups, masks, pretrained weights, tf.keras 2's input_length, and token
ids checked on the host."""
import numpy as np
import pytest

import lamina as keras
from lamina import layers

IDS = np.array([[1, 4, 0], [3, 3, 2]])


def test_embedding_looks_up_rows_and_masks_zero():
    layer = layers.Embedding(5, 2, mask_zero=True)
    out = layer(IDS)
    table = layer.embeddings.numpy()
    assert np.shape(out) == (2, 3, 2) and table.shape == (5, 2)
    np.testing.assert_array_equal(np.asarray(out), table[IDS])
    assert np.asarray(out._keras_mask).tolist() == [[True, True, False], [True, True, True]]
    assert np.abs(table).max() <= 0.05  # Keras's "uniform" initializer
    np.testing.assert_array_equal(np.asarray(layer(IDS.astype(np.float32))), table[IDS])
    assert layers.Embedding(5, 2).compute_mask(IDS) is None


def test_pretrained_matrix_stays_frozen_in_fit():
    matrix = np.arange(10, dtype=np.float32).reshape(5, 2)
    model = keras.Sequential([
        layers.Embedding(5, 2, weights=[matrix], trainable=False, input_length=3),
        layers.Flatten(), layers.Dense(1)])
    assert model.output_shape == (None, 1)
    dense = model.layers[-1].name
    assert [w.name for w in model.trainable_weights] == [f"{dense}/kernel", f"{dense}/bias"]
    model.compile("adam", "mse")
    model.fit(IDS, np.ones(2), epochs=2, verbose=0)
    np.testing.assert_array_equal(model.layers[0].get_weights()[0], matrix)
    np.testing.assert_array_equal(model.predict(IDS, verbose=0).shape, (2, 1))
    with pytest.raises(ValueError, match=r"shape \(5, 2\).*shape \(4, 2\).*input_dim=4"):
        layers.Embedding(5, 2, weights=[np.zeros((4, 2))])


def test_input_length_declares_the_sequence_shape():
    model = keras.Sequential([layers.Embedding(100, 8, input_length=10), layers.Flatten(),
                              layers.Dense(1, activation="sigmoid")])
    assert model.layers[0].output_shape == (None, 10, 8)
    assert model.count_params() == 100 * 8 + 80 + 1
    config = model.layers[0].get_config()
    assert config["input_length"] == 10 and config["embeddings_initializer"]["class_name"] \
        == "RandomUniform"


def test_token_ids_past_input_dim_are_caught_on_the_host():
    model = keras.Sequential([layers.Embedding(10, 2), layers.Flatten(), layers.Dense(1)])
    model.compile("adam", "mse")
    good = np.array([[1, 2, 9], [0, 3, 4]])
    model.fit(good, np.zeros(2), verbose=0)
    bad = good.copy()
    bad[1, 2] = 12
    message = r"input_dim=10 \(token ids 0..9\), but x holds the token id 12.*input_dim=13"
    for run in (lambda: model.fit(bad, np.zeros(2), verbose=0),
                lambda: model.fit(good, np.zeros(2), validation_data=(bad, np.zeros(2)),
                                  verbose=0),
                lambda: model.evaluate(bad, np.zeros(2), verbose=0),
                lambda: model.predict(bad, verbose=0),
                lambda: model.train_on_batch(bad, np.zeros(2)),
                lambda: model(bad)):
        with pytest.raises(ValueError, match=message.replace("x holds", ".* holds")):
            run()
    with pytest.raises(ValueError, match="negative token id -9"):
        model.predict(-good, verbose=0)
    with pytest.raises(ValueError, match="whole-number token ids, but x holds 1.5"):
        model.predict(good + 0.5, verbose=0)


def test_token_ids_of_one_input_of_several_are_checked():
    words, numbers = keras.Input((3,)), keras.Input((2,))
    embedded = layers.Flatten()(layers.Embedding(6, 2)(words))
    model = keras.Model([words, numbers],
                        layers.Dense(1)(layers.Concatenate()([embedded, numbers])))
    model.predict([IDS, np.full((2, 2), 99.0)], verbose=0)  # the numbers are not ids
    with pytest.raises(ValueError, match="input 0 of x holds the token id 7"):
        model.predict([IDS + 3, np.zeros((2, 2))], verbose=0)


def test_token_ids_are_checked_on_the_fast_path_of_repeated_calls():
    model = keras.Sequential([layers.Embedding(10, 2), layers.Flatten(), layers.Dense(1)])
    model.compile("sgd", "mse")
    good, y = np.array([[1, 2, 9], [0, 3, 4]]), np.zeros((2, 1), np.float32)
    calls = {"predict": lambda x: model.predict(x, verbose=0),
             "predict_on_batch": model.predict_on_batch,
             "train_on_batch": lambda x: model.train_on_batch(x, y),
             "test_on_batch": lambda x: model.test_on_batch(x, y),
             "call": lambda x: model(x.astype(np.float32))}
    for call in calls.values():  # the second call of each finds its signature known
        call(good)
        call(good)
    assert {kind for kind, _ in model._fast_inputs._known} == {"predict", "train", "test",
                                                                "call"}
    bad = good.copy()
    bad[0, 1] = 10
    for name, call in calls.items():
        with pytest.raises(ValueError, match="holds the token id 10"):
            call(bad)
    words, numbers = keras.Input((3,)), keras.Input((2,))
    embedded = layers.Flatten()(layers.Embedding(6, 2)(words))
    two = keras.Model([words, numbers],
                      layers.Dense(1)(layers.Concatenate()([embedded, numbers])))
    for _ in range(2):
        assert two.predict([IDS, np.zeros((2, 2))], verbose=0).shape == (2, 1)
    with pytest.raises(ValueError, match="input 0 of x holds the token id 7"):
        two.predict([IDS + 3, np.zeros((2, 2))], verbose=0)
