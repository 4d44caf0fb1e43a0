"""`train_many` and `ensemble`: K models trained as one program equal K separate fits."""
import numpy as np
import pytest

import lamina as keras

RNG = np.random.default_rng(0)
X = RNG.normal(size=(45, 3)).astype("float32")
Y = (X @ np.array([1.0, -2.0, 0.5], np.float32) > 0).astype("float32")


def build(learning_rate=0.01, rate=0.2, l2=0.0, units=6, activation="relu",
          optimizer="adam", activity_l2=0.0):
    model = keras.Sequential([
        keras.layers.Input((3,)),
        keras.layers.Dense(units, activation=activation,
                           kernel_regularizer=keras.regularizers.L2(l2),
                           activity_regularizer=keras.regularizers.L2(activity_l2)),
        keras.layers.Dropout(rate),
        keras.layers.Dense(1, activation="sigmoid")])
    opt = keras.optimizers.Adam(learning_rate) if optimizer == "adam" else \
        keras.optimizers.SGD(learning_rate)
    model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"])
    return model


def fit_alone(seed, kwargs, **fit_kwargs):
    keras.utils.set_random_seed(seed)
    model = build(**kwargs)
    history = model.fit(X, Y, verbose=0, **fit_kwargs)
    return model, history


def assert_same_model(alone, grouped, history, grouped_history):
    assert len(alone.weights) == len(grouped.weights) == 4
    for a, b in zip(alone.weights, grouped.weights):
        assert a.shape == b.shape
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-6)
    assert sorted(grouped_history.history) == sorted(history.history)
    for key, values in history.history.items():
        np.testing.assert_allclose(grouped_history.history[key], values, rtol=1e-5, atol=1e-6)


def test_train_many_seeds_equal_separate_fits():
    seeds = [1, 2]
    group = keras.models.train_many(build, X, Y, seeds=seeds, epochs=2, batch_size=8,
                                    validation_split=0.2)
    assert len(group) == 2 and group.hyperparameters == [{}, {}]
    for k, seed in enumerate(seeds):
        model, history = fit_alone(seed, {}, epochs=2, batch_size=8, validation_split=0.2)
        assert_same_model(model, group.models[k], history, group.histories[k])
        assert group.models[k].history is group.histories[k]
    # The seeds gave different models.
    assert not np.allclose(group.models[0].weights[0].numpy(), group.models[1].weights[0].numpy())


def test_train_many_learning_rate_grid_equals_separate_fits():
    grid = {"learning_rate": [0.001, 0.1]}
    group = keras.models.train_many(build, X, Y, hyperparameters=grid, seeds=[7, 7],
                                    epochs=2, batch_size=16)
    assert group.hyperparameters == [{"learning_rate": lr} for lr in grid["learning_rate"]]
    for k, lr in enumerate(grid["learning_rate"]):
        model, history = fit_alone(7, {"learning_rate": lr}, epochs=2, batch_size=16)
        assert_same_model(model, group.models[k], history, group.histories[k])
        assert float(group.models[k].optimizer.learning_rate) == pytest.approx(lr)


def test_train_many_dropout_rates_and_l2_factors_equal_separate_fits():
    settings = [{"rate": 0.1, "l2": 0.0}, {"rate": 0.5, "l2": 0.05}]
    group = keras.models.train_many(build, X, Y, hyperparameters=settings, seeds=[4, 5],
                                    epochs=2, batch_size=8)
    for k, kwargs in enumerate(settings):
        model, history = fit_alone([4, 5][k], kwargs, epochs=2, batch_size=8)
        assert_same_model(model, group.models[k], history, group.histories[k])
    # The layers read their own floats again afterwards.
    assert group.models[0].layers[1].rate == 0.1
    assert isinstance(group.models[0].layers[0].kernel_regularizer.l2, float)
    # Each trained model goes on training alone, from its trained state.
    before = group.models[1].weights[0].numpy().copy()
    group.models[1].fit(X, Y, epochs=1, verbose=0)
    assert not np.allclose(group.models[1].weights[0].numpy(), before)


@pytest.mark.parametrize("grid, match", [
    ({"units": [4, 8]}, r"dense.*kernel.*\(3, 8\).*\(3, 4\).*ordinary search"),
    ({"activation": ["relu", "tanh"]}, r"argument `activation`.*'tanh'.*ordinary search"),
    ({"optimizer": ["adam", "sgd"]}, r"optimizer.*SGD.*Adam.*ordinary search"),
    ({"activity_l2": [0.0, 0.1]}, r"argument `activity_regularizer`.*ordinary search"),
])
def test_train_many_shape_changing_hyperparameters_raise(grid, match):
    with pytest.raises(ValueError, match=match):
        keras.models.train_many(build, X, Y, hyperparameters=grid, epochs=1)


def test_train_many_bad_arguments_raise():
    with pytest.raises(ValueError, match="seeds=.*or hyperparameters="):
        keras.models.train_many(build, X, Y)
    with pytest.raises(ValueError, match="2 seeds and 3 hyperparameter settings"):
        keras.models.train_many(build, X, Y, seeds=[1, 2],
                                hyperparameters={"learning_rate": [0.1, 0.2, 0.3]})

    def uncompiled():
        return keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1)])

    with pytest.raises(ValueError, match="not compiled.*model.compile"):
        keras.models.train_many(uncompiled, X, Y, seeds=[1, 2])


def test_ensemble_predict_averages_the_models():
    models = []
    for seed in (1, 2, 3):
        keras.utils.set_random_seed(seed)
        models.append(build())
        models[-1].build((None, 3))
    ens = keras.models.ensemble(models)
    out = ens.predict(X, verbose=0)
    assert out.shape == (45, 1)
    # By hand: Dense -> relu -> (Dropout is the identity) -> Dense -> sigmoid.
    expected = []
    for m in models:
        k1, b1, k2, b2 = (w.numpy() for w in m.weights)
        hidden = np.maximum(X @ k1 + b1, 0.0)
        expected.append(1.0 / (1.0 + np.exp(-(hidden @ k2 + b2))))
    np.testing.assert_allclose(out, np.mean(expected, axis=0), rtol=1e-5, atol=1e-6)
    assert len(ens.weights) == 12
