"""Models whose first layers run on the host: strings in `fit`, `evaluate` and
`predict`, the vocabulary saved in the `.lamina` file, and the errors for strings
where no such layer takes them."""
import json
import zipfile

import numpy as np
import pytest

import lamina as keras
from lamina import layers

POSITIVE = ["good movie", "great fun", "good great", "fun movie good"]
NEGATIVE = ["bad movie", "awful plot", "bad awful", "boring movie bad"]
TEXTS = (POSITIVE + NEGATIVE) * 4
LABELS = np.array(([1] * 4 + [0] * 4) * 4, np.float32)


@pytest.fixture(scope="module")
def vectorizer():
    layer = layers.TextVectorization(max_tokens=12, output_mode="multi_hot")
    layer.adapt(TEXTS)
    return layer


def text_model(vectorizer):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([layers.Input(shape=(1,), dtype="string"), vectorizer,
                              layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def trained(vectorizer):
    model = text_model(vectorizer)
    model.fit(np.array(TEXTS)[:, None], LABELS, epochs=20, batch_size=8, verbose=0)
    return model


def test_predict_on_strings_equals_the_layer_then_the_dense_layer(trained, vectorizer):
    texts = ["good fun", "awful movie", "unknown words here"]
    result = trained.predict(texts, verbose=0)
    assert result.shape == (3, 1)
    encoded = np.asarray(vectorizer(np.array(texts)))
    kernel, bias = (w.numpy() for w in trained.layers[1].weights)
    expected = 1 / (1 + np.exp(-(encoded @ kernel + bias)))
    np.testing.assert_allclose(result, expected, rtol=1e-5)
    assert result[0, 0] > 0.5 > result[1, 0]
    np.testing.assert_allclose(trained.predict_on_batch(np.array(texts)), result, rtol=1e-6)
    np.testing.assert_allclose(trained(np.array(texts)), result, rtol=1e-5)  # eager call


def test_fit_and_evaluate_take_strings_with_validation(vectorizer):
    model = text_model(vectorizer)
    history = model.fit(TEXTS, LABELS, epochs=15, batch_size=8, verbose=0,
                        validation_data=(POSITIVE + NEGATIVE, LABELS[:8]))
    assert history.history["accuracy"][-1] == 1.0 and history.history["val_accuracy"][-1] == 1.0
    split = model.fit(np.array(TEXTS), LABELS, epochs=1, verbose=0, validation_split=0.25)
    assert set(split.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    loss, accuracy = model.evaluate(TEXTS, LABELS, verbose=0)
    assert accuracy == 1.0 and loss < 0.3
    before = model.train_on_batch(TEXTS[:8], LABELS[:8])
    after = model.test_on_batch(TEXTS[:8], LABELS[:8])
    assert np.isfinite(before).all() and np.isfinite(after).all()


def test_fit_and_predict_take_streams_of_string_batches(vectorizer):
    class Batches(keras.utils.Sequence):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return np.array(TEXTS[8 * i:8 * i + 8]), LABELS[8 * i:8 * i + 8]

    model = text_model(vectorizer)
    history = model.fit(Batches(), epochs=10, verbose=0, validation_data=Batches())
    assert len(history.history["loss"]) == 10
    generator = (np.array(TEXTS[i:i + 8]) for i in range(0, 32, 8))
    assert model.predict(generator, verbose=0).shape == (32, 1)
    assert model.evaluate(Batches(), verbose=0)[1] == 1.0


def test_functional_model_mixes_text_and_numeric_inputs(vectorizer):
    text = keras.Input(shape=(1,), dtype="string", name="text")
    score = keras.Input(shape=(2,), name="score")
    words = layers.StringLookup(vocabulary=["red", "blue"], output_mode="one_hot")
    colour = keras.Input(shape=(1,), dtype="string", name="colour")
    merged = layers.Concatenate()([vectorizer(text), score, words(colour)])
    model = keras.Model([text, score, colour], layers.Dense(1)(merged))
    assert model.output_shape == (None, 1)
    colours = np.array([["red"], ["blue"], ["green"]])
    scores = np.ones((3, 2), np.float32)
    by_list = model.predict([np.array(["good", "bad", "fun"]), scores, colours], verbose=0)
    by_dict = model.predict({"text": ["good", "bad", "fun"], "score": scores,
                             "colour": colours}, verbose=0)
    assert by_list.shape == (3, 1)
    np.testing.assert_allclose(by_list, by_dict, rtol=1e-6)
    model.compile(optimizer="sgd", loss="mse")
    model.fit([np.array(TEXTS[:3]), scores, colours], np.zeros(3), epochs=1, verbose=0)


def test_int_sequences_inside_a_model(vectorizer):
    sequences = layers.TextVectorization(max_tokens=12, output_sequence_length=5)
    sequences.adapt(TEXTS)
    model = keras.Sequential([sequences, layers.CategoryEncoding(num_tokens=12),
                              layers.Dense(2)])
    result = model.predict(["good movie good", "bad"], verbose=0)
    assert result.shape == (2, 2)
    assert model.input_shape == (None, 5)  # built from what the compiled program takes
    model.summary(print_fn=lambda line: None)


def test_one_dimensional_strings_are_one_column():
    lookup = layers.StringLookup(vocabulary=["red", "blue"], output_mode="multi_hot")
    model = keras.Sequential([lookup, layers.Dense(2)])
    assert model.predict(["red", "blue", "green"], verbose=0).shape == (3, 2)
    assert np.asarray(lookup(np.array(["red", "green"]))).tolist() == [1, 1, 0]  # eager: Keras's set


def test_saved_model_keeps_the_vocabulary_as_json(trained, tmp_path):
    path = tmp_path / "text.lamina"
    trained.save(path)
    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    stored = config["model"]["config"]["layers"][1]["config"]
    assert stored["vocabulary"] == trained.layers[0].get_vocabulary()
    loaded = keras.models.load_model(path)
    texts = ["good fun", "awful movie"]
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), trained.predict(texts, verbose=0),
                               rtol=1e-6)


def test_saved_lookup_and_hashing_models_round_trip(tmp_path):
    words = keras.Input(shape=(2,), dtype="string")
    codes = keras.Input(shape=(1,), dtype="int32")
    ids = keras.Input(shape=(1,), dtype="string")
    lookup = layers.StringLookup(num_oov_indices=2, output_mode="count")
    lookup.adapt([["a", "b"], ["b", "c"]])
    integer = layers.IntegerLookup(output_mode="one_hot")
    integer.adapt([[3], [5], [5]])
    hashed = layers.Hashing(num_bins=5, salt=7, output_mode="one_hot")
    merged = layers.Concatenate()([lookup(words), integer(codes), hashed(ids)])
    model = keras.Model([words, codes, ids], layers.Dense(3)(merged))
    data = [np.array([["a", "z"], ["c", "c"]]), np.array([[5], [9]]), np.array([["x"], ["y"]])]
    expected = model.predict(data, verbose=0)
    model.save(tmp_path / "lookups.lamina")
    loaded = keras.models.load_model(tmp_path / "lookups.lamina")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-6)
    assert loaded.get_layer(lookup.name).get_vocabulary() == lookup.get_vocabulary()


def test_strings_into_a_model_without_a_text_layer_name_the_layer_to_add():
    model = keras.Sequential([layers.Input((1,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    for call in (lambda: model.predict(["some text"]),
                 lambda: model.fit(np.array([["a"], ["b"]]), np.zeros(2), verbose=0),
                 lambda: model.fit([1.0], [0.0], validation_data=(["x"], [0.0]), verbose=0)):
        with pytest.raises(ValueError, match="TextVectorization.*StringLookup"):
            call()
    batches = [(np.array([["a"]]), np.zeros(1))]
    with pytest.raises(ValueError, match="TextVectorization"):
        model.fit(iter(batches), verbose=0)


def test_misplaced_host_layers_are_errors(vectorizer):
    late = keras.Sequential([layers.Input((1,)), layers.Dense(3),
                             layers.IntegerLookup(vocabulary=[1, 2])])
    with pytest.raises(ValueError, match="must take a model input directly"):
        late.predict(np.zeros((2, 1)))
    text = keras.Input(shape=(1,), dtype="string")
    with pytest.raises(ValueError, match="only the layers that run on the host"):
        layers.Dense(2)(text)
    words = layers.StringLookup(vocabulary=["good"])
    shared = keras.Model(text, layers.Concatenate()([vectorizer(text), words(text)]))
    with pytest.raises(ValueError, match="only layer its input feeds"):
        shared.predict(["good"])

    class Sub(keras.Model):
        def __init__(self):
            super().__init__()
            self.vectorize, self.dense = vectorizer, layers.Dense(1)

        def call(self, x):
            return self.dense(self.vectorize(x))

    with pytest.raises(ValueError, match="subclassed model"):
        Sub().predict(["good"])
    with pytest.raises(ValueError, match="output_sequence_length"):
        unbounded = layers.TextVectorization(vocabulary=["a"])
        keras.Sequential([layers.Input((1,), dtype="string"), unbounded, layers.Dense(1)])


def test_ragged_sequences_into_fit_suggest_pad_sequences():
    model = keras.Sequential([layers.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    imdb_like = np.array([[1, 2, 3], [4, 5]], dtype=object)  # keras.datasets.imdb's form
    for x in ([[1, 2, 3], [4, 5]], imdb_like, [np.array([1, 2, 3]), np.array([4, 5])]):
        with pytest.raises(ValueError, match=r"pad_sequences\(x, maxlen=...\)"):
            model.fit(x, np.zeros(2), verbose=0)
