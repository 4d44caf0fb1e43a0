"""Keras 3's scikit-learn estimators (`lamina.wrappers`) with scikit-learn's tools."""
import pickle
import pickletools

import numpy as np
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_wine
from sklearn.model_selection import (GridSearchCV, RandomizedSearchCV, StratifiedKFold,
                                     cross_validate)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.base import clone

import lamina as keras
from lamina.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer

QUIET = {"verbose": 0}


def softmax_model(X, y, units=8, activation="relu"):
    model = keras.Sequential([keras.layers.Input((X.shape[1],)),
                              keras.layers.Dense(units, activation=activation),
                              keras.layers.Dense(y.shape[1], activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(0.05), loss="categorical_crossentropy")
    return model


def sigmoid_model(X):
    model = keras.Sequential([keras.layers.Input((X.shape[1],)),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def linear_model(X, y):
    model = keras.Sequential([keras.layers.Input((X.shape[1],)),
                              keras.layers.Dense(y.shape[1])])
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    return model


def uncompiled_model(X):
    return keras.Sequential([keras.layers.Input((X.shape[1],)), keras.layers.Dense(1)])


@pytest.fixture(scope="module")
def wine():
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 3)).astype(np.float32)
    y = np.array(["cat", "dog", "emu"])[np.argmax(X @ rng.normal(size=(3, 3)), axis=1)]
    return X, y


@pytest.fixture(scope="module")
def fitted(blobs):
    X, y = blobs
    return SKLearnClassifier(softmax_model, fit__epochs=30, fit__verbose=0).fit(X, y)


def test_clone_keeps_fit_kwargs_and_routed_parameters():
    est = SKLearnClassifier(softmax_model, fit_kwargs={"epochs": 7}, model__units=3,
                            optimizer__learning_rate=0.1, fit__batch_size=16)
    copy = clone(est)
    assert copy.fit_kwargs == {"epochs": 7} and copy.fit_kwargs is not est.fit_kwargs
    assert copy.get_params() == est.get_params()
    assert {"model__units", "optimizer__learning_rate", "fit__batch_size"} <= \
        set(copy.get_params())


def test_cross_val_score_trains_the_given_epochs(wine):
    # Keras 3.15 loses fit_kwargs on clone, so each fold trains one epoch.
    X, y = wine
    est = SKLearnClassifier(softmax_model, fit_kwargs={"epochs": 15, "batch_size": 16,
                                                       "verbose": 0})
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    result = cross_validate(est, X, y, cv=cv, return_estimator=True)
    assert [len(e.history_["loss"]) for e in result["estimator"]] == [15, 15, 15]
    assert result["test_score"].shape == (3,)
    assert result["test_score"].mean() > 0.9


def test_classifier_classes_proba_and_score(fitted, blobs):
    X, y = blobs
    assert list(fitted.classes_) == ["cat", "dog", "emu"]
    assert fitted.n_features_in_ == 3
    proba = fitted.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-5)
    pred = fitted.predict(X)
    assert pred.shape == (90,)
    np.testing.assert_array_equal(pred, np.array(["cat", "dog", "emu"])[proba.argmax(1)])
    assert fitted.score(X, y) == pytest.approx(np.mean(pred == y))
    assert fitted.score(X, y) > 0.8


def test_classifier_one_hot_targets_round_trip(blobs):
    X, y = blobs
    one_hot = (y[:, None] == np.array(["cat", "dog", "emu"])).astype(int)
    est = SKLearnClassifier(softmax_model, fit__epochs=2, fit__verbose=0).fit(X, one_hot)
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    pred = est.predict(X)
    assert pred.shape == (90, 3)
    np.testing.assert_array_equal(pred.sum(axis=1), np.ones(90))
    assert est.score(X, one_hot) == pytest.approx(np.mean((pred == one_hot).all(axis=1)))


def test_classifier_sigmoid_output_trains_on_a_column(blobs):
    X, _ = blobs
    y = np.where(X[:, 0] > 0, 5, 2)
    est = SKLearnClassifier(sigmoid_model, optimizer__learning_rate=0.05, fit__epochs=20,
                            fit__verbose=0).fit(X, y)
    assert est.model_.output_shape == (None, 1)
    proba = est.predict_proba(X)
    assert proba.shape == (90, 2)
    raw = est.decision_function(X)
    np.testing.assert_allclose(proba, np.hstack([1 - raw, raw]), rtol=1e-6)
    np.testing.assert_array_equal(est.predict(X), np.where(raw[:, 0] > 0.5, 5, 2))
    assert est.score(X, y) > 0.8


def test_routed_parameters_reach_the_model_optimizer_and_fit(blobs):
    X, y = blobs
    est = SKLearnClassifier(softmax_model, model_kwargs={"units": 2}, fit__verbose=0)
    est.set_params(model__units=5, optimizer__learning_rate=0.125, fit__epochs=3)
    est.fit(X, y)
    assert est.model_.layers[0].units == 5
    assert float(np.asarray(est.model_.optimizer.learning_rate)) == 0.125
    assert len(est.history_["loss"]) == 3


def test_regressor_pipeline_predicts_1d_and_scores_r2():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(64, 4)) * 10
    y = X @ np.array([0.1, -0.2, 0.3, 0.05])
    pipe = make_pipeline(StandardScaler(), SKLearnRegressor(
        linear_model, fit_kwargs={"epochs": 60, "batch_size": 16, "verbose": 0}))
    pipe.fit(X, y)
    pred = pipe.predict(X)
    assert pred.shape == (64,)
    r2 = 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
    assert pipe.score(X, y) == pytest.approx(r2, rel=1e-6)
    assert r2 > 0.95


def test_transformer_output_feeds_a_pipeline():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 4))
    t = SKLearnTransformer(linear_model, fit__epochs=1, fit__verbose=0).fit(X, X[:, :2])
    out = t.transform(X)
    assert out.shape == (40, 2)
    kernel, bias = (np.asarray(w) for w in t.model_.weights)
    np.testing.assert_allclose(out, X @ kernel + bias, rtol=1e-4, atol=1e-5)


def test_column_transformer_sparse_output_trains():
    rng = np.random.default_rng(3)
    colour = rng.choice(["red", "green", "blue"], size=60)
    X = np.column_stack([colour, rng.normal(size=60).round(3)]).astype(object)
    y = (colour == "red").astype(int)
    pre = ColumnTransformer([("onehot", OneHotEncoder(), [0])], remainder="drop",
                            sparse_threshold=1.0)
    assert hasattr(pre.fit_transform(X), "tocsr")  # the classifier receives a sparse matrix
    pipe = make_pipeline(pre, SKLearnClassifier(softmax_model, fit__epochs=40,
                                                fit__verbose=0))
    pipe.fit(X, y)
    assert pipe.predict(X).shape == (60,)
    assert pipe.score(X, y) == 1.0


def test_grid_search_over_routed_parameters(blobs):
    X, y = blobs
    est = SKLearnClassifier(softmax_model, fit__epochs=2, fit__verbose=0)
    grid = GridSearchCV(est, {"model__units": [2, 4], "optimizer__learning_rate": [0.01]},
                        cv=2, n_jobs=1)
    grid.fit(X, y)
    assert grid.cv_results_["mean_test_score"].shape == (2,)
    assert grid.best_estimator_.model_.layers[0].units == grid.best_params_["model__units"]
    assert len(grid.best_estimator_.history_["loss"]) == 2


def test_randomized_search_with_two_workers(blobs):
    X, y = blobs
    est = SKLearnClassifier(softmax_model, fit__epochs=2, fit__verbose=0)
    search = RandomizedSearchCV(est, {"model__units": [2, 3, 4]}, n_iter=2, cv=2,
                                n_jobs=2, random_state=0)
    search.fit(X, y)
    assert search.cv_results_["mean_test_score"].shape == (2,)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def _globals(data: bytes) -> set:
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(data):
        if op.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE"):
            strings.append(arg)
        elif op.name == "STACK_GLOBAL":
            found.add(strings[-2])
        elif op.name == "GLOBAL":
            found.add(arg.split(" ")[0])
    return found


def test_pickle_carries_the_model_as_a_lamina_file(fitted, blobs):
    X, _ = blobs
    data = pickle.dumps(fitted)
    modules = _globals(data)
    assert not any(m.startswith(("lamina.models", "lamina.layers", "jax")) for m in modules)
    back = pickle.loads(data)
    np.testing.assert_allclose(back.predict_proba(X), fitted.predict_proba(X), rtol=1e-6)
    np.testing.assert_array_equal(back.classes_, fitted.classes_)


def test_model_instance_is_cloned_fresh_unless_warm_start(blobs):
    X, y = blobs
    model = softmax_model(X, np.zeros((1, 3)))
    before = [np.asarray(w).copy() for w in model.weights]
    est = SKLearnClassifier(model, fit__epochs=1, fit__verbose=0).fit(X, y)
    assert est.model_ is not model
    for w, b in zip(model.weights, before):
        np.testing.assert_array_equal(np.asarray(w), b)
    warm = SKLearnClassifier(softmax_model, warm_start=True, fit__epochs=2, fit__verbose=0)
    first = warm.fit(X, y).model_
    assert warm.fit(X, y).model_ is first
    assert int(np.asarray(first.optimizer.iterations)) == 2 * 2 * 3  # 2 fits, 2 epochs, 3 steps


def test_error_uncompiled_model_without_loss(blobs):
    X, y = blobs
    with pytest.raises(ValueError, match="not compiled, and no loss was given.*compile__loss"):
        SKLearnRegressor(uncompiled_model, fit__verbose=0).fit(X, X[:, 0])
    est = SKLearnRegressor(uncompiled_model, compile__loss="mse", fit__verbose=0)
    assert est.fit(X, X[:, 0]).model_.loss == "mse"


def test_error_routed_parameter_the_function_does_not_take(blobs):
    X, y = blobs
    est = SKLearnClassifier(softmax_model, model__n_hidden=3)
    with pytest.raises(ValueError, match=r"does not accept \['model__n_hidden'\].*"
                                         r"\['X', 'y', 'units', 'activation'\]"):
        est.fit(X, y)
    with pytest.raises(ValueError, match=r"Adam has no parameter.*optimizer__momentum"):
        SKLearnClassifier(softmax_model, optimizer__momentum=0.9).fit(X, y)
    with pytest.raises(TypeError, match=r"unexpected parameter\(s\) \['epochs'\].*fit__epochs"):
        SKLearnClassifier(softmax_model, epochs=3)


def test_error_continuous_target_for_classifier(blobs):
    X, _ = blobs
    with pytest.raises(ValueError, match="'continuous' target.*SKLearnRegressor"):
        SKLearnClassifier(softmax_model).fit(X, X[:, 0])
