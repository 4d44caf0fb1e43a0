"""KerasTuner's API on Optuna (`lamina.tuner`): spaces, the four tuners, resuming."""
import os

import numpy as np
import pytest

import lamina as keras
from lamina import tuner as kt

BUILDS = []


def build_model(hp):
    units = hp.Int("units", 2, 6, step=2)
    lr = hp.Float("learning_rate", 1e-3, 1e-1, sampling="log")
    BUILDS.append(units)
    model = keras.Sequential([keras.layers.Input((3,)),
                              keras.layers.Dense(units, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(lr), loss="mse", metrics=["mae"])
    return model


def small_grid_model(hp):
    units = hp.Choice("units", [2, 4])
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(units)])
    if hp.Boolean("deep"):
        with hp.conditional_scope("deep", [True]):
            model.add(keras.layers.Dense(hp.Fixed("width", 3)))
    model.add(keras.layers.Dense(1))
    model.compile(optimizer="adam", loss="mse")
    return model


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.3).astype(np.float32)
    return x[:48], y[:48], x[48:], y[48:]


@pytest.fixture(scope="module")
def searched(data, tmp_path_factory):
    x, y, xv, yv = data
    folder = str(tmp_path_factory.mktemp("tuner"))
    tuner = kt.RandomSearch(build_model, objective="val_loss", max_trials=3, seed=0,
                            directory=folder, project_name="p")
    tuner.search(x, y, epochs=3, validation_data=(xv, yv), verbose=0)
    return tuner, folder


def test_hyperparameters_defaults_ranges_and_conditions():
    hp = kt.HyperParameters()
    assert hp.Int("units", 32, 128, step=32) == 32
    assert hp.Float("lr", 1e-4, 1e-2, sampling="log", default=1e-3) == 1e-3
    assert hp.Choice("act", ["relu", "tanh"]) == "relu"
    assert hp.Boolean("dropout") is False
    assert hp.Fixed("batch", 16) == 16
    with hp.conditional_scope("act", ["tanh"]):
        assert hp.Int("inactive", 1, 3) is None
    with hp.conditional_scope("act", "relu"):
        assert hp.Int("active", 1, 3) == 1
    assert hp.values == {"units": 32, "lr": 1e-3, "act": "relu", "dropout": False,
                         "batch": 16, "active": 1}
    assert [s.kind for s in hp.space] == ["Int", "Float", "Choice", "Boolean", "Fixed", "Int"]
    assert hp.Int("units", 32, 128, step=32) == 32  # the same definition again is fine


def test_hyperparameters_name_used_twice_with_other_range():
    hp = kt.HyperParameters()
    hp.Int("units", 8, 64)
    with pytest.raises(ValueError, match=r"'units' is defined twice with different ranges.*"
                                         r"min_value=8.*min_value=16.*its own name"):
        hp.Int("units", 16, 64)
    with pytest.raises(ValueError, match="sampling must be one of"):
        hp.Float("lr", 1e-4, 1e-2, sampling="reverse_log")
    with pytest.raises(ValueError, match="parent hyperparameter 'nope' is not defined"):
        with hp.conditional_scope("nope", [1]):
            pass


def test_tuner_name_used_twice_fails_at_construction(tmp_path):
    def twice(hp):
        hp.Int("units", 2, 4)
        hp.Int("units", 2, 8)

    with pytest.raises(ValueError, match="defined twice"):
        kt.RandomSearch(twice, objective="val_loss", max_trials=1, directory=str(tmp_path))


def test_random_search_best_model_scores_its_trial(searched, data):
    tuner, _ = searched
    _, _, xv, yv = data
    trials = tuner.oracle.trials
    assert sorted(trials) == ["00", "01", "02"]
    scores = {tid: t.score for tid, t in trials.items()}
    best = tuner.oracle.get_best_trials(3)
    assert [t.trial_id for t in best] == sorted(scores, key=scores.get)
    first = best[0]
    assert first.score == min(first.metrics.get_history("val_loss"))
    assert first.best_step == int(np.argmin(first.metrics.get_history("val_loss")))
    assert tuner.get_best_hyperparameters()[0].values == first.hyperparameters.values
    model = tuner.get_best_models(1)[0]
    assert model.layers[0].units == first.hyperparameters["units"]
    pred = np.asarray(model.predict(xv, verbose=0))
    assert pred.shape == (16, 1)
    mse = float(np.mean((pred[:, 0] - yv) ** 2))  # the checkpoint is the best epoch's
    assert mse == pytest.approx(first.score, rel=1e-4)


def test_search_resumes_from_disk(searched, data):
    _, folder = searched
    x, y, xv, yv = data
    BUILDS.clear()
    again = kt.RandomSearch(build_model, objective="val_loss", max_trials=4, seed=0,
                            directory=folder, project_name="p")
    again.search(x, y, epochs=1, validation_data=(xv, yv), verbose=0)
    assert len(BUILDS) == 2  # the construction's build and one new trial
    assert sorted(again.oracle.trials) == ["00", "01", "02", "03"]
    assert os.path.exists(os.path.join(folder, "p", "trial_03", "checkpoint.lamina"))
    fresh = kt.RandomSearch(build_model, objective="val_loss", max_trials=1,
                            directory=folder, project_name="p", overwrite=True)
    assert fresh.oracle.trials == {}


def test_summaries_print_keras_tuner_format(searched, capsys):
    tuner, folder = searched
    tuner.search_space_summary()
    out = capsys.readouterr().out.splitlines()
    assert out[:3] == ["Search space summary", "Default search space size: 2", "units (Int)"]
    assert out[3] == ("{'default': None, 'conditions': [], 'min_value': 2, 'max_value': 6, "
                      "'step': 2, 'sampling': 'linear'}")
    tuner.results_summary(num_trials=1)
    out = capsys.readouterr().out.splitlines()
    best = tuner.oracle.get_best_trials(1)[0]
    assert out[:4] == ["Results summary", f"Results in {os.path.join(folder, 'p')}",
                       "Showing 1 best trials", 'Objective(name="val_loss", direction="min")']
    assert out[5] == f"Trial {best.trial_id} summary"
    assert out[-1] == f"Score: {best.score}"


def test_grid_search_visits_every_point_with_conditions(data, tmp_path):
    x, y, xv, yv = data
    tuner = kt.GridSearch(small_grid_model, objective="val_loss", directory=str(tmp_path))
    assert tuner.oracle.max_trials == 4
    tuner.search(x, y, epochs=1, validation_data=(xv, yv), verbose=0)
    seen = sorted((t.hyperparameters.values["units"], t.hyperparameters.values["deep"],
                   t.hyperparameters.values.get("width"))
                  for t in tuner.oracle.trials.values())
    assert seen == [(2, False, None), (2, True, 3), (4, False, None), (4, True, 3)]


def test_hyperband_caps_epochs_and_counts_brackets(data, tmp_path):
    x, y, xv, yv = data
    tuner = kt.Hyperband(build_model, objective="val_loss", max_epochs=2, factor=2, seed=1,
                         directory=str(tmp_path))
    # Brackets of log_2(2) + 1 = 2: sizes ceil(2/1 * 1) + ceil(2/2 * 2) = 4 trials.
    assert tuner.oracle.max_trials == 4
    tuner.search(x, y, epochs=50, validation_data=(xv, yv), verbose=0)
    trials = tuner.oracle.trials.values()
    assert len(trials) == 4
    assert all(1 <= len(t.metrics.get_history("loss")) <= 2 for t in trials)
    assert {t.status for t in trials} <= {"COMPLETED", "STOPPED"}


def test_bayesian_optimization_runs_tpe_after_initial_points(data, tmp_path):
    x, y, xv, yv = data
    tuner = kt.BayesianOptimization(build_model, objective=kt.Objective("val_mae", "min"),
                                    max_trials=2, num_initial_points=1, seed=0,
                                    directory=str(tmp_path))
    assert type(tuner.oracle.study.sampler).__name__ == "TPESampler"
    seen = []
    log = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(
        sorted(logs)))
    tuner.search(x, y, epochs=1, validation_data=(xv, yv), callbacks=[log], verbose=0)
    assert len(tuner.oracle.get_best_trials(5)) == 2
    assert seen == [["loss", "mae", "val_loss", "val_mae"]] * 2  # a copy in each trial


def test_tuner_errors_name_the_fix(data, tmp_path):
    x, y, xv, yv = data
    with pytest.raises(ValueError, match="Could not infer the direction.*Objective"):
        kt.RandomSearch(build_model, objective="val_widgets", directory=str(tmp_path))

    def uncompiled(hp):
        return keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1)])

    tuner = kt.RandomSearch(uncompiled, max_trials=1, directory=str(tmp_path),
                            project_name="u", max_consecutive_failed_trials=1)
    with pytest.raises(RuntimeError, match="not compiled.*model.compile"):
        tuner.search(x, y, epochs=1, validation_data=(xv, yv), verbose=0)
    tuner = kt.RandomSearch(build_model, objective="val_mae", max_trials=1,
                            directory=str(tmp_path), project_name="v",
                            max_consecutive_failed_trials=1)
    with pytest.raises(RuntimeError, match="'val_mae' is not in the training logs.*validation"):
        tuner.search(x, y, epochs=1, verbose=0)
