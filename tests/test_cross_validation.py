"""`cross_validate`: K folds trained as one program equal K fits on the folds' rows,
scored on each fold's held-out rows."""
import numpy as np
import pytest

import lamina as keras
from lamina.models.cross_validation import kfold

RNG = np.random.default_rng(1)
X = RNG.normal(size=(38, 3)).astype("float32")
Y = (X @ np.array([1.0, -2.0, 0.5], np.float32) > 0).astype("float32")


def build():
    model = keras.Sequential([keras.layers.Input((3,)),
                              keras.layers.Dense(5, activation="tanh"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.02), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def test_kfold_matches_scikit_learn_kfold():
    sklearn = pytest.importorskip("sklearn.model_selection")
    ours = kfold(38, 5)
    theirs = list(sklearn.KFold(5).split(X))
    assert len(ours) == len(theirs) == 5
    for (a, b), (c, d) in zip(ours, theirs):
        assert a.tolist() == c.tolist() and b.tolist() == d.tolist()
    assert [len(b) for _, b in ours] == [8, 8, 8, 7, 7]


def test_cross_validate_folds_equal_fits_on_their_rows_and_held_out_scores():
    """Folds of 25 and 26 rows in batches of 5: the larger folds run one batch more,
    which the smaller ones skip, as their own fits end a batch earlier."""
    result = keras.models.cross_validate(build, X, Y, cv=3, epochs=2, batch_size=5, seed=5)
    assert len(result) == 3
    assert sorted(result.scores) == ["accuracy", "loss"]
    assert result.scores["loss"].shape == (3,)
    for k, (train_rows, test_rows) in enumerate(kfold(38, 3)):
        keras.utils.set_random_seed(5)
        model = build()
        history = model.fit(X[train_rows], Y[train_rows], epochs=2, batch_size=5, verbose=0)
        grouped = result.models[k]
        for a, b in zip(model.weights, grouped.weights):
            assert a.shape == b.shape
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(result.histories[k].history["loss"],
                                   history.history["loss"], rtol=1e-5)
        # The score is the loss and accuracy on the held-out rows, by hand.
        k1, b1, k2, b2 = (w.numpy() for w in model.weights)
        p = 1 / (1 + np.exp(-(np.tanh(X[test_rows] @ k1 + b1) @ k2 + b2)))[:, 0]
        p = np.clip(p, 1e-7, 1 - 1e-7)
        t = Y[test_rows]
        bce = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
        np.testing.assert_allclose(result.scores["loss"][k], bce, rtol=1e-4)
        np.testing.assert_allclose(result.scores["accuracy"][k], np.mean((p > 0.5) == t),
                                   rtol=1e-6)
        assert result.histories[k].history["val_loss"][-1] == result.scores["loss"][k]


def test_cross_validate_batchnorm_model_equals_fits_with_fold_weights():
    """A model with batch statistics trains on every batch with its held-out rows
    weighted 0 (its last batch runs at its exact size, which differs between folds)."""
    def build_bn():
        model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(4),
                                  keras.layers.BatchNormalization(),
                                  keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy")
        return model

    result = keras.models.cross_validate(build_bn, X, Y, cv=2, epochs=1, batch_size=8,
                                         seed=3)
    for k, (train_rows, _) in enumerate(kfold(38, 2)):
        keras.utils.set_random_seed(3)
        model = build_bn()
        weights = np.zeros(38, np.float32)
        weights[train_rows] = 1.0
        model.fit(X, Y, epochs=1, batch_size=8, verbose=0, sample_weight=weights)
        for a, b in zip(model.weights, result.models[k].weights):
            np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)


def test_cross_validate_accepts_splitters_and_index_lists():
    sklearn = pytest.importorskip("sklearn.model_selection")
    folds = list(sklearn.StratifiedKFold(4, shuffle=True, random_state=0).split(X, Y))
    a = keras.models.cross_validate(build, X, Y, cv=folds, epochs=1, seed=2)
    assert a.scores["accuracy"].shape == (4,)
    assert [len(h.history["val_loss"]) for h in a.histories] == [1, 1, 1, 1]


def test_cross_validate_bad_cv_raises():
    with pytest.raises(ValueError, match=r"2 <= cv <= the number of rows \(38\).*cv=1"):
        keras.models.cross_validate(build, X, Y, cv=1)
    with pytest.raises(TypeError, match="number of folds, a scikit-learn splitter"):
        keras.models.cross_validate(build, X, Y, cv=2.5)
