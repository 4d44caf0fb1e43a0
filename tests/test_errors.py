"""Bad input: each error names what was wrong, what was received, and what to do."""
import numpy as np
import pytest

import lamina as keras
from lamina import layers

X = np.random.default_rng(0).normal(size=(10, 3)).astype(np.float32)
Y = np.random.default_rng(1).normal(size=(10, 1)).astype(np.float32)


@pytest.fixture(scope="module")
def model():
    keras.layers.clear_session()
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1, name="head")])
    m.compile(optimizer="sgd", loss="mse")
    m.fit(X, Y, epochs=1, verbose=0)
    return m


def test_errors_wrong_feature_count_names_layer_and_shapes(model):
    x12 = np.zeros((32, 12), np.float32)
    message = (r"Dense layer 'head' expects inputs with 3 features \(input_shape=\[3\]\), "
               r"but received a batch of shape \(32, 12\)\. Check the columns of X, or pass "
               r"input_shape=\[12\]")
    with pytest.raises(ValueError, match=message):
        model.fit(x12, np.zeros((32, 1)), batch_size=32, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.predict(x12, batch_size=32, verbose=0)
    with pytest.raises(ValueError, match=message):
        model.evaluate(x12, np.zeros((32, 1)), batch_size=32, verbose=0)


def test_errors_wrong_feature_count_on_a_model_built_from_data():
    m = keras.Sequential([layers.Dense(2, name="first"), layers.Dense(1)])
    m.compile(optimizer="sgd", loss="mse")
    m.fit(X, Y, batch_size=10, verbose=0)
    with pytest.raises(ValueError, match=r"'first' expects inputs with 3 features .*"
                                         r"received a batch of shape \(10, 4\)"):
        m.fit(np.zeros((10, 4)), Y, batch_size=10, verbose=0)


def test_errors_x_and_y_of_different_lengths(model):
    with pytest.raises(ValueError, match=r"x has 10 rows but y has 8 rows.*same split"):
        model.fit(X, Y[:8], verbose=0)
    with pytest.raises(ValueError, match=r"x has 10 rows but sample_weight has 3 rows"):
        model.fit(X, Y, sample_weight=np.ones(3), verbose=0)
    with pytest.raises(ValueError, match=r"validation_data x has 10 rows but validation_data "
                                         r"y has 3 rows"):
        model.fit(X, Y, validation_data=(X, Y[:3]), verbose=0)


def test_errors_nan_and_inf_give_row_and_column(model):
    bad_x = X.copy()
    bad_x[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"x contains 1 NaN value\(s\) \(array of shape "
                                         r"\(10, 3\)\), first at row 3, column 1.*fillna"):
        model.fit(bad_x, Y, verbose=0)
    bad_y = Y.copy()
    bad_y[5, 0] = np.inf
    with pytest.raises(ValueError, match=r"y contains 1 inf value\(s\).*first at row 5, "
                                         r"column 0.*dropna"):
        model.fit(X, bad_y, verbose=0)
    with pytest.raises(ValueError, match=r"x contains 1 NaN value.*row 3, column 1"):
        model.predict(bad_x, verbose=0)


def test_errors_non_numeric_dataframe_columns(model):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "c": [1, 2]})
    with pytest.raises(ValueError, match=r"x has non-numeric columns: 'b' .*e\.g\. 'x'.*"
                                         r"get_dummies"):
        model.fit(frame, np.zeros((2, 1)), verbose=0)
    with pytest.raises(ValueError, match=r"y contains strings or other non-numeric labels: "
                                         r"e\.g\. 'a'.*LabelEncoder"):
        model.fit(X, np.array(["a"] * 10), verbose=0)


@pytest.mark.parametrize("kwargs,message", [
    (dict(optimizer="adamm", loss="mse"), r"Unknown optimizer 'adamm'.*\['Adadelta'.*"
                                          r"'SGD'\]. Did you mean 'Adam'\?"),
    (dict(optimizer="sgd", loss="mse_x"), r"Unknown loss 'mse_x'. Did you mean 'mse'\? "
                                          r"Valid losses: .*binary_crossentropy"),
    (dict(optimizer="sgd", loss="mse", metrics=["acuracy"]),
     r"Unknown metric 'acuracy'. Did you mean 'accuracy'\? Valid metrics: .*AUC"),
])
def test_errors_unknown_identifiers_list_valid_ones_and_the_closest(kwargs, message):
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    with pytest.raises(ValueError, match=message):
        m.compile(**kwargs)


def test_errors_unknown_activation_and_bad_units():
    with pytest.raises(ValueError, match=r"Unknown activation 'sigmoidd'. Did you mean "
                                         r"'sigmoid'\? Valid activations: .*relu"):
        layers.Dense(1, activation="sigmoidd")
    with pytest.raises(ValueError, match=r"Dense needs a positive integer for `units`, but "
                                         r"received units=0. Use e.g. Dense\(units=8\)"):
        layers.Dense(0)
    with pytest.raises(ValueError, match=r"units=-4"):
        layers.Dense(-4)


def test_errors_fit_and_evaluate_before_compile():
    m = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    for method in ("fit", "evaluate", "train_on_batch", "test_on_batch"):
        with pytest.raises(RuntimeError, match=rf"You must call compile\(\) before "
                                               rf"{method}\(\).*model\.compile\("):
            getattr(m, method)(X, Y)
    assert m.predict(X, verbose=0).shape == (10, 1)  # predict needs no compile


def test_errors_bad_fit_arguments(model):
    with pytest.raises(ValueError, match=r"batch_size must be a positive integer, but "
                                         r"received 0"):
        model.fit(X, Y, batch_size=0, verbose=0)
    with pytest.raises(ValueError, match=r"steps_per_epoch must be a positive integer, but "
                                         r"received 0"):
        model.fit(X, Y, steps_per_epoch=0, verbose=0)
    with pytest.raises(TypeError, match=r"epochs must be an integer, but received 1.5"):
        model.fit(X, Y, epochs=1.5, verbose=0)
    with pytest.raises(ValueError, match=r"validation_split must be strictly between 0 and 1, "
                                         r"but received 1.5"):
        model.fit(X, Y, validation_split=1.5, verbose=0)
    with pytest.raises(TypeError, match=r"fit\(\) got unexpected keyword argument\(s\) "
                                        r"\['foo'\]"):
        model.fit(X, Y, foo=1, verbose=0)
    with pytest.raises(ValueError, match=r"class_weight must give a weight to every class.*"
                                         r"\[1\] are missing"):
        model.fit(X, (Y > 0).astype(np.float32), class_weight={0: 1.0}, verbose=0)


def test_errors_targets_missing_or_of_the_wrong_shape(model):
    with pytest.raises(ValueError, match=r"loss needs targets, but received x without y"):
        model.fit(X, verbose=0)
    with pytest.raises(ValueError, match=r"Targets y_true of shape \(10, 2\) do not match the "
                                         r"predictions y_pred of shape \(10, 1\)"):
        model.fit(X, np.zeros((10, 2)), batch_size=10, verbose=0)


def test_errors_declared_input_shape_mismatch():
    m = keras.Sequential([layers.Dense(1, input_shape=(3,))])
    m.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match=r"expects inputs with 3 features .*received a batch "
                                         r"of shape \(10, 4\)"):
        m.fit(np.zeros((10, 4)), Y, batch_size=10, verbose=0)
