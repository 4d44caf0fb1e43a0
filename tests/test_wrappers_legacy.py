"""tf.keras 2's `KerasClassifier`/`KerasRegressor(build_fn, **sk_params)`, as the book uses."""
import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import RandomizedSearchCV

import lamina as keras
from lamina.wrappers.scikit_learn import KerasClassifier, KerasRegressor


def build_model(n_hidden=1, n_neurons=4, learning_rate=3e-3, input_shape=(3,)):
    model = keras.models.Sequential()
    model.add(keras.layers.InputLayer(input_shape=input_shape))
    for _ in range(n_hidden):
        model.add(keras.layers.Dense(n_neurons, activation="relu"))
    model.add(keras.layers.Dense(1))
    model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=learning_rate))
    return model


def build_classifier(units=6):
    model = keras.Sequential([keras.layers.Input((3,)),
                              keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(loss="categorical_crossentropy", optimizer=keras.optimizers.Adam(0.05),
                  metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3)).astype(np.float32)
    return x, (x @ np.array([0.5, -1.0, 0.25])).astype(np.float32)


def test_keras_regressor_fit_returns_history_and_scores_minus_mse(data):
    x, y = data
    reg = KerasRegressor(build_model, n_neurons=5)
    history = reg.fit(x, y, epochs=3, validation_data=(x[:10], y[:10]), verbose=0)
    assert sorted(history.history) == ["loss", "val_loss"]
    assert len(history.history["loss"]) == 3
    pred = reg.predict(x)
    assert pred.shape == (80,)
    assert reg.model.layers[0].units == 5
    assert reg.score(x, y, verbose=0) == pytest.approx(-np.mean((pred - y) ** 2), rel=1e-4)
    back = pickle.loads(pickle.dumps(reg))
    np.testing.assert_allclose(back.predict(x), pred, rtol=1e-6)


def test_keras_regressor_randomized_search_keeps_sk_params(data):
    x, y = data
    reg = KerasRegressor(build_model, epochs=2, verbose=0)
    assert clone(reg).get_params()["epochs"] == 2
    search = RandomizedSearchCV(reg, {"n_hidden": [0, 1], "learning_rate": [1e-3, 1e-2]},
                                n_iter=2, cv=2, random_state=0)
    search.fit(x, y)
    assert set(search.best_params_) == {"n_hidden", "learning_rate"}
    assert len(search.best_estimator_.model.history.history["loss"]) == 2


def test_keras_classifier_string_labels_one_hot_for_categorical_loss(data):
    x, _ = data
    y = np.array(["a", "b", "c"])[np.argmax(x, axis=1)]
    clf = KerasClassifier(build_fn=build_classifier, epochs=30, batch_size=16, verbose=0)
    clf.fit(x, y)
    np.testing.assert_array_equal(clf.classes_, ["a", "b", "c"])
    proba = clf.predict_proba(x)
    assert proba.shape == (80, 3)
    pred = clf.predict(x)
    np.testing.assert_array_equal(pred, clf.classes_[proba.argmax(axis=1)])
    assert clf.score(x, y) == pytest.approx(np.mean(pred == y), abs=1e-6)
    assert clf.score(x, y) > 0.8


def test_keras_wrapper_rejects_an_unknown_parameter():
    with pytest.raises(ValueError, match=r"'n_layers' is not a legal parameter.*build_fn takes "
                                         r"\['n_hidden', 'n_neurons', 'learning_rate'"):
        KerasRegressor(build_model, n_layers=2)
    reg = KerasRegressor(build_model)
    with pytest.raises(ValueError, match="'units' is not a legal parameter"):
        reg.set_params(units=3)
