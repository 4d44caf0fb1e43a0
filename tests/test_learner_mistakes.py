"""Mistakes a learner makes that would otherwise pass silently: each raises an error
that says what was wrong, what was received and what to do."""
import numpy as np
import pytest

import lamina as keras
from lamina import layers

X = np.random.default_rng(0).normal(size=(20, 4)).astype(np.float32)


@pytest.fixture(scope="module")
def classifier():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(5, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def regressor():
    model = keras.Sequential([keras.Input((4,)), layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_fit_sparse_labels_beyond_units_name_them_and_the_units_to_use(classifier):
    with pytest.raises(ValueError, match=r"class labels from 0 to 4 for the model's output "
                                         r"'output_1' \(5 units\), but y holds the labels "
                                         r"\[5, 6, 7, 8, 9\] \(10 classes in all, 0 to 9\)\. "
                                         r"Give the last layer .* Dense\(10, "
                                         r"activation='softmax'\)"):
        classifier.fit(X, np.arange(20) % 10, epochs=1, verbose=0)


def test_fit_sparse_labels_checked_in_validation_data_and_evaluate(classifier):
    good = np.arange(20) % 5
    with pytest.raises(ValueError, match=r"validation_data y holds the labels \[7\]"):
        classifier.fit(X, good, validation_data=(X, np.full(20, 7)), verbose=0)
    with pytest.raises(ValueError, match=r"y holds the labels \[5, 6, 7, 8, 9\]"):
        classifier.evaluate(X, np.arange(20) % 10, verbose=0)


def test_fit_sparse_labels_negative_or_fractional_raise(classifier):
    with pytest.raises(ValueError, match=r"negative labels \[-2, -1\].*LabelEncoder"):
        classifier.fit(X, -(np.arange(20) % 3), verbose=0)
    with pytest.raises(ValueError, match=r"whole-number class labels, but y holds \[0\.5, "
                                         r"1\.5\].*'mse'"):
        classifier.fit(X, (np.arange(20) % 2) + 0.5, verbose=0)


def test_fit_sparse_labels_in_range_train_to_a_finite_loss(classifier):
    history = classifier.fit(X, np.arange(20) % 5, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    assert np.isfinite(history.history["loss"]).all()
    assert classifier.predict(X, verbose=0).shape == (20, 5)


def test_fit_sparse_labels_of_a_stream_are_checked_on_its_first_batch(classifier):
    batches = [(X[:10], np.arange(10)), (X[10:], np.arange(10))]
    with pytest.raises(ValueError, match=r"y holds the labels \[5, 6, 7, 8, 9\]"):
        classifier.fit(iter(batches), verbose=0)


def test_check_sparse_labels_skips_ignore_class_and_other_losses():
    from lamina.models._labels import check_sparse_labels

    labels = np.array([0, 1, 255, 2])
    check_sparse_labels(keras.losses.SparseCategoricalCrossentropy(ignore_class=255), labels,
                        ["out"], [(None, 3)])
    check_sparse_labels("mse", np.arange(10), ["out"], [(None, 3)])
    with pytest.raises(ValueError, match=r"labels \[255\]"):
        check_sparse_labels("sparse_categorical_crossentropy", labels, ["out"], [(None, 3)])


def test_check_sparse_labels_per_output_by_name():
    from lamina.models._labels import check_sparse_labels

    loss = {"kind": "sparse_categorical_crossentropy", "size": "mse"}
    y = {"kind": np.array([0, 3]), "size": np.array([10.0, 20.0])}
    with pytest.raises(ValueError, match=r"output 'kind' \(3 units\).*labels \[3\]"):
        check_sparse_labels(loss, y, ["kind", "size"], [(None, 3), (None, 1)])
    check_sparse_labels(loss, {"kind": np.array([0, 2]), "size": y["size"]},
                        ["kind", "size"], [(None, 3), (None, 1)])


def test_fit_negative_epochs_raise_as_fractional_ones_do(regressor):
    with pytest.raises(ValueError, match=r"epochs must be 0 or more, but received "
                                         r"epochs=-1.*epochs=10"):
        regressor.fit(X, np.ones(20), epochs=-1, verbose=0)
    with pytest.raises(TypeError, match=r"epochs must be an integer, but received 0\.5"):
        regressor.fit(X, np.ones(20), epochs=0.5, verbose=0)
    assert regressor.fit(X, np.ones(20), epochs=0, verbose=0).history == {}


def _frame_with_dates():
    pd = pytest.importorskip("pandas")
    return pd.DataFrame({"a": np.ones(20), "b": np.ones(20), "c": np.ones(20),
                         "when": pd.date_range("2024-01-01", periods=20)})


@pytest.mark.parametrize("make,message", [
    (lambda: dict(x=X, y=np.ones((20, 3))),
     r"Targets y_true of shape \(20, 3\) do not match the predictions y_pred of shape "
     r"\(20, 1\)"),
    (lambda: dict(x=X, y=np.array(["cat", "dog"] * 10)),
     r"y contains strings .*'cat'.*LabelEncoder"),
    (lambda: dict(x=np.zeros((0, 4)), y=np.zeros(0)), r"x is empty: it has 0 rows"),
    (lambda: dict(x=_frame_with_dates(), y=np.ones(20)),
     r"x has non-numeric columns: 'when' \(dtype datetime64.*drop or convert (text and )?date columns"),
    (lambda: dict(x=[[1.0, 2.0, 3.0, 4.0], [1.0, 2.0]], y=[1.0, 2.0]),
     r"x is a list of rows of different lengths \(found lengths \[2, 4\]\).*pad_sequences"),
    (lambda: dict(x=X.astype(str), y=np.ones(20)),
     r"x has non-numeric values: .*[Cc]onvert number strings with \.astype\(float\)"),
    (lambda: dict(x=X, y=np.ones(20), batch_size=0),
     r"batch_size must be a positive integer, but received 0"),
    (lambda: dict(x=X, y=np.ones(20), validation_split=1.5),
     r"validation_split must be strictly between 0 and 1, but received 1\.5"),
])
def test_fit_learner_mistakes_each_raise_a_clear_value_error(regressor, make, message):
    with pytest.raises(ValueError, match=message):
        regressor.fit(verbose=0, **make())
