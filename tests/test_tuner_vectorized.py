"""`vectorize=True` in the tuners: the trials of a search trained as one program
give what the same trials give one fit at a time."""
import os

import numpy as np
import pytest

import lamina as keras
from lamina import tuner as kt


def rate_model(hp):
    """Seeded initial weights, so that both paths start every trial alike."""
    init = keras.initializers.GlorotUniform(seed=4)
    model = keras.Sequential([keras.layers.Input((3,)),
                              keras.layers.Dense(4, activation="relu", kernel_initializer=init),
                              keras.layers.Dense(1, kernel_initializer=init)])
    lr = hp.Choice("learning_rate", [0.003, 0.03, 0.3])
    model.compile(optimizer=keras.optimizers.SGD(lr), loss="mse", metrics=["mae"])
    return model


def units_model(hp):
    model = keras.Sequential([keras.layers.Input((3,)),
                              keras.layers.Dense(hp.Choice("units", [2, 4])),
                              keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3).astype(np.float32)
    return x[:30], y[:30], x[30:], y[30:]


def search(tmp_path, data, vectorize):
    x, y, xv, yv = data
    tuner = kt.GridSearch(rate_model, objective="val_loss", directory=str(tmp_path),
                          project_name=f"v{vectorize}", vectorize=vectorize)
    tuner.search(x, y, epochs=6, batch_size=8, shuffle=False, validation_data=(xv, yv),
                 verbose=0)
    return tuner


def test_tuner_vectorized_trials_equal_one_fit_per_trial(tmp_path, data):
    plain, vectorized = search(tmp_path, data, False), search(tmp_path, data, True)
    a, b = plain.oracle.trials, vectorized.oracle.trials
    assert sorted(a) == sorted(b) and len(a) == 3
    for trial_id in a:
        ta, tb = a[trial_id], b[trial_id]
        assert ta.hyperparameters.values == tb.hyperparameters.values
        np.testing.assert_allclose(tb.score, ta.score, rtol=1e-5)
        assert ta.best_step == tb.best_step
    # the saved weights are each trial's best epoch's: evaluating them gives the score
    xv, yv = data[2], data[3]
    for tuner in (plain, vectorized):
        best = tuner.oracle.get_best_trials(1)[0]
        model = tuner.get_best_models(1)[0]
        np.testing.assert_allclose(model.evaluate(xv, yv, verbose=0)[0], best.score,
                                   rtol=1e-5)
    # the lowest learning rate never diverges here; the scores rank the same way
    order = [t.hyperparameters.values["learning_rate"]
             for t in vectorized.oracle.get_best_trials(3)]
    assert order == [t.hyperparameters.values["learning_rate"]
                     for t in plain.oracle.get_best_trials(3)]


def test_tuner_vectorize_over_shape_hyperparameter_says_use_ordinary_search(tmp_path, data):
    x, y, xv, yv = data
    tuner = kt.GridSearch(units_model, objective="val_loss", directory=str(tmp_path),
                          vectorize=True)
    with pytest.raises(ValueError, match=r"ordinary search.*vectorize=False") as err:
        tuner.search(x, y, epochs=1, validation_data=(xv, yv), verbose=0)
    assert "['units']" in str(err.value)


def test_tuner_vectorize_rejects_callbacks_hyperband_and_bad_values(tmp_path, data):
    x, y, xv, yv = data
    tuner = kt.RandomSearch(rate_model, objective="val_loss", max_trials=2,
                            directory=str(tmp_path), vectorize=2)
    with pytest.raises(ValueError, match="callbacks"):
        tuner.search(x, y, epochs=1, validation_data=(xv, yv), verbose=0,
                     callbacks=[keras.callbacks.EarlyStopping()])
    with pytest.raises(ValueError, match="'val_loss' is not in the training logs"):
        tuner.search(x, y, epochs=1, verbose=0)   # no validation data
    with pytest.raises(ValueError, match="RandomSearch, GridSearch or BayesianOptimization"):
        kt.Hyperband(rate_model, objective="val_loss", max_epochs=3,
                     directory=str(tmp_path), project_name="hb", vectorize=True)
    with pytest.raises(ValueError, match="received 0"):
        kt.RandomSearch(rate_model, objective="val_loss", directory=str(tmp_path),
                        project_name="zero", vectorize=0)


def test_tuner_vectorize_groups_of_n_resume_and_keep_checkpoints(tmp_path, data):
    x, y, xv, yv = data
    tuner = kt.RandomSearch(rate_model, objective="val_loss", max_trials=3, seed=0,
                            directory=str(tmp_path), project_name="g", vectorize=2)
    tuner.search(x, y, epochs=2, validation_data=(xv, yv), verbose=0)
    assert len(tuner.oracle.trials) == 3
    for trial_id in tuner.oracle.trials:
        assert os.path.exists(os.path.join(tuner.get_trial_dir(trial_id),
                                           "checkpoint.lamina"))
    again = kt.RandomSearch(rate_model, objective="val_loss", max_trials=4, seed=0,
                            directory=str(tmp_path), project_name="g", vectorize=2)
    again.search(x, y, epochs=2, validation_data=(xv, yv), verbose=0)
    assert len(again.oracle.trials) == 4   # resumed: one more trial
