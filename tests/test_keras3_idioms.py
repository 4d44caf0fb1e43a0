"""The Keras 3 idioms beyond the guides: ops in graphs, the functional constructor of a
subclass, compute_output_spec, Input(sparse=, batch_shape=), the stateless APIs of
optimizers and metrics, split_dataset, compile without a loss, and their errors."""
import json

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers, ops

RNG = np.random.default_rng(1)
X = RNG.normal(size=(6, 3)).astype("float32")


def _graph_model():
    inputs = keras.Input((3,), name="x")
    hidden = layers.Dense(4, name="dense")(inputs)
    outputs = ops.relu(hidden) * 2.0 + inputs[:, :1] - abs(-inputs[:, 1:2]) ** 2
    return keras.Model(inputs, outputs)


def test_ops_and_operators_in_a_functional_graph_run_save_and_summarize(tmp_path):
    model = _graph_model()
    kernel, bias = model.get_layer("dense").get_weights()
    expected = np.maximum(X @ kernel + bias, 0) * 2 + X[:, :1] - X[:, 1:2] ** 2
    np.testing.assert_allclose(model.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in model.layers] == ["x", "dense"]
    assert sorted(op.function for op in model.operations[2:]) == sorted(
        ["relu", "multiply", "get_item", "add", "get_item", "negative", "absolute", "power",
         "subtract"])
    lines = []
    model.summary(print_fn=lines.append)
    assert any("get_item (GetItem)" in line for line in lines)

    clone = keras.Model.from_config(json.loads(json.dumps(model.get_config())))
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(clone.predict(X, verbose=0), expected, rtol=1e-5, atol=1e-6)
    path = str(tmp_path / "ops.keras")
    model.save(path)
    np.testing.assert_allclose(keras.models.load_model(path).predict(X, verbose=0), expected,
                               rtol=1e-5, atol=1e-6)


def test_ops_in_a_graph_train_inside_fit():
    inputs = keras.Input((3,))
    outputs = ops.sum(layers.Dense(2)(inputs) * ops.sigmoid(inputs[:, :2]), axis=-1,
                      keepdims=True)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    y = X.sum(axis=1, keepdims=True)
    history = model.fit(X, y, epochs=20, batch_size=6, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_ops_read_variables_eagerly_and_inside_fit():
    class Scaled(layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

        def call(self, inputs):
            return ops.matmul(inputs * ops.exp(ops.log(self.w)), ops.ones((3, 1)))

    layer = Scaled()
    np.testing.assert_allclose(layer(X), X.sum(1, keepdims=True), rtol=1e-6)
    np.testing.assert_allclose(ops.sum(layer.w), 3.0)
    model = keras.Sequential([keras.Input((3,)), layer])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    y = 2 * X.sum(1, keepdims=True)
    model.fit(X, y, batch_size=6, epochs=1, verbose=0)
    grad = 2 * ((X.sum(1) - y[:, 0])[:, None] * X).mean(0)
    np.testing.assert_allclose(layer.w.numpy(), 1 - 0.01 * grad, rtol=1e-5)


def test_symbolic_ops_with_variable_length_and_errors():
    sequence = keras.Input((None, 4))
    assert ops.mean(sequence, axis=1).shape == (None, 4)
    assert ops.reshape(sequence, (-1, 2)).shape == (None, 2)
    with pytest.raises(ValueError, match=r"keras.ops.matmul cannot run on .*\(shape \(None, None, 4\)\)"):
        ops.matmul(sequence, np.ones((3, 2), "float32"))
    with pytest.raises(TypeError, match="has no values to convert to NumPy"):
        np.asarray(sequence)
    with pytest.raises(TypeError, match="cannot decide an `if`"):
        bool(sequence)


def test_ops_bad_input_errors_name_the_problem():
    with pytest.raises(ValueError, match=r"list of 3 tensors of different shapes "
                                         r"\(2,\), \(3,\), \(2,\)"):
        ops.stack([np.ones(2), np.ones(3), np.ones(2)])
    with pytest.raises(ValueError, match=r"different shapes \(2,\), \(1,\)"):
        ops.convert_to_tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match=r"keras.ops.add received a string array "
                                        r"\(dtype <U1, shape \(2,\)\).*StringLookup"):
        ops.add(np.array(["a", "b"]), 1)
    with pytest.raises(TypeError, match="keras.ops.sum received a Python list holding strings"):
        ops.sum(["a", "b"])
    with pytest.raises(TypeError, match="'string' dtype is not supported"):
        ops.cast(np.ones(2), "string")


class LoggingModel(keras.Model):
    """A subclass with a Keras 3 train_step, built as LoggingModel(inputs, outputs)."""

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_variables, metrics_variables = state
        x, y = data

        def loss_fn(trainable):
            y_pred, nt = self.stateless_call(trainable, non_trainable, x, training=True)
            return ops.mean((y_pred - y) ** 2), nt

        (loss, non_trainable), grads = jax.value_and_grad(loss_fn, has_aux=True)(trainable)
        trainable, optimizer_variables = self.optimizer.stateless_apply(
            optimizer_variables, grads, trainable)
        loss_vars = self.metrics[0].stateless_update_state(metrics_variables[:2], loss)
        logs = {"loss": self.metrics[0].stateless_result(loss_vars), "last_batch": loss}
        return logs, (trainable, non_trainable, optimizer_variables,
                      loss_vars + metrics_variables[2:])


def test_subclass_functional_constructor_runs_keras3_train_step_like_numpy_sgd():
    inputs = keras.Input((3,))
    model = LoggingModel(inputs, layers.Dense(1)(inputs))
    assert isinstance(model, LoggingModel) and isinstance(model, keras.Model)
    assert type(model).__name__ == "LoggingModel"
    kernel, bias = (w.copy() for w in model.get_weights())
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    y = X[:, :1] * 2
    history = model.fit(X, y, batch_size=3, epochs=1, shuffle=False, verbose=0)
    losses = []
    for start in (0, 3):
        xb, yb = X[start:start + 3], y[start:start + 3]
        err = xb @ kernel + bias - yb
        losses.append(np.mean(err ** 2))
        kernel = kernel - 0.1 * 2 * xb.T @ err / 3
        bias = bias - 0.1 * 2 * err.mean(0)
    np.testing.assert_allclose(history.history["loss"], [np.mean(losses)], rtol=1e-5)
    np.testing.assert_allclose(history.history["last_batch"], [losses[-1]], rtol=1e-5)
    np.testing.assert_allclose(model.get_weights()[0], kernel, rtol=1e-5)


def test_keras3_train_step_must_return_logs_and_state():
    class Broken(keras.Model):
        def train_step(self, state, data):
            self.optimizer.stateless_apply(state[2], state[0], state[0])
            return state

    inputs = keras.Input((3,))
    model = Broken(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(TypeError, match=r"must return \(logs, state\)"):
        model.fit(X, X[:, :1], verbose=0)


def test_compute_output_spec_and_shape_overrides_drive_symbolic_calls():
    class Doubled(layers.Layer):
        def call(self, x):
            return ops.concatenate([x, x], axis=-1)

        def compute_output_spec(self, x):
            return keras.KerasTensor(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)

    class HostSide(layers.Layer):
        def call(self, x):
            return np.asarray(x) * 2  # cannot be traced

        def compute_output_shape(self, input_shape):
            return input_shape

    inputs = keras.Input((3,))
    assert Doubled()(inputs).shape == (None, 6)
    assert HostSide()(inputs).shape == (None, 3)
    spec = layers.Dense(5).compute_output_spec(keras.KerasTensor((None, 2)))
    assert (spec.shape, spec.dtype) == ((None, 5), "float32")


def test_input_sparse_and_batch_shape():
    scipy_sparse = pytest.importorskip("scipy.sparse")
    inputs = keras.Input(shape=(5,), sparse=True, batch_size=4)
    assert inputs.shape == (4, 5) and inputs.sparse
    model = keras.Model(inputs, layers.Dense(1, kernel_initializer="ones")(inputs))
    x = scipy_sparse.random(8, 5, density=0.4, format="csr", random_state=0)
    np.testing.assert_allclose(model.predict(x, batch_size=4, verbose=0),
                               x.toarray().sum(1, keepdims=True), rtol=1e-5)
    assert keras.Input(batch_shape=(None, 7, 2)).shape == (None, 7, 2)
    with pytest.raises(ValueError, match=r"ragged=True\) is not supported"):
        keras.Input((3,), ragged=True)


def test_optimizer_flat_variables_and_stateless_apply_match_numpy_momentum():
    w = keras.Variable(np.array([1.0, -2.0], "float32"), name="w")
    optimizer = keras.optimizers.SGD(0.1, momentum=0.9)
    optimizer.build([w])
    state = ([w.value], [v.value for v in optimizer.variables])
    velocity, expected = np.zeros(2), w.numpy()
    for _ in range(3):
        grads = [2 * state[0][0]]
        params, opt_vars = jax.jit(optimizer.stateless_apply)(state[1], grads, state[0])
        state = (params, opt_vars)
        velocity = 0.9 * velocity - 0.1 * 2 * expected
        expected = expected + velocity
    np.testing.assert_allclose(state[0][0], expected, rtol=1e-5)
    optimizer.apply([np.ones(2, "float32")], [w])
    assert int(optimizer.iterations) == 1
    np.testing.assert_allclose(w.numpy(), [0.9, -2.1], rtol=1e-6)


def test_metric_stateless_api_matches_its_stateful_api():
    metric = keras.metrics.MeanSquaredError()
    y_true, y_pred = RNG.normal(size=(5, 1)), RNG.normal(size=(5, 1))
    values = metric.stateless_update_state(metric.variables, y_true, y_pred)
    values = metric.stateless_update_state(values, y_true[:2], y_pred[:2])
    squared = np.concatenate([(y_true - y_pred) ** 2, (y_true[:2] - y_pred[:2]) ** 2])
    np.testing.assert_allclose(float(metric.stateless_result(values)), squared.mean(),
                               rtol=1e-5)
    assert float(metric.result()) == 0.0  # the metric itself did not change
    for variable, value in zip(metric.variables, values):
        variable.assign(value)
    np.testing.assert_allclose(float(metric.result()), squared.mean(), rtol=1e-5)
    assert [np.asarray(v).tolist() for v in metric.stateless_reset_state()] == [0.0, 0.0]


def test_split_dataset_splits_arrays_and_datasets_of_samples():
    x, y = np.arange(20).reshape(10, 2), np.arange(10)
    (left_x, left_y), (right_x, right_y) = keras.utils.split_dataset((x, y), right_size=3)
    assert left_x.shape == (7, 2) and right_y.tolist() == [7, 8, 9]
    left, right = keras.utils.split_dataset(x, left_size=0.5, shuffle=True, seed=0)
    assert sorted(np.concatenate([left, right])[:, 0].tolist()) == list(range(0, 20, 2))

    class Samples:  # like a torch Dataset: len and one sample per index
        def __len__(self):
            return 4

        def __getitem__(self, i):
            return np.full(3, i), i

    (left_x, left_y), _ = keras.utils.split_dataset(Samples(), left_size=3)
    assert left_x.shape == (3, 3) and left_y.tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="left_size or right_size"):
        keras.utils.split_dataset(x)
    with pytest.raises(ValueError, match="left_size must be a float in"):
        keras.utils.split_dataset(x, left_size=1.5)


def test_compile_without_a_loss_needs_add_loss():
    model = keras.Sequential([keras.Input((3,)), layers.Dense(1)])
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="has no loss to minimize.*loss='mse'"):
        model.fit(X, X[:, :1], verbose=0)


def test_stateless_call_returns_the_losses_as_a_list():
    class Penalized(layers.Layer):
        def call(self, inputs):
            self.add_loss(ops.sum(inputs))
            return inputs

    inputs = keras.Input((3,))
    model = keras.Model(inputs, Penalized()(layers.Dense(3, kernel_regularizer="l2")(inputs)))
    tv = [w.value for w in model.trainable_variables]
    out, _, losses = model.stateless_call(tv, [], X, return_losses=True)
    assert len(losses) == 2
    np.testing.assert_allclose(float(losses[0]), float(np.sum(out)), rtol=1e-5)
    np.testing.assert_allclose(float(losses[1]), 0.01 * np.sum(tv[0] ** 2), rtol=1e-5)
    np.testing.assert_allclose(float(jax.numpy.sum(losses)), float(losses[0] + losses[1]),
                               rtol=1e-5)
