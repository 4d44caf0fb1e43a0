"""Keras 2 and tf.keras 2 idioms that course and book code still uses, checked against
what tf.keras 2.21 does (TF_USE_LEGACY_KERAS=1)."""
import os
import warnings

import numpy as np
import pytest
from safetensors.numpy import load_file

import lamina as keras

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3)).astype(np.float32)
Y = (X[:, :1] > 0).astype(np.float32)


def _classifier():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_tensorboard_keras2_arguments_warn_once_each_and_do_nothing(tmp_path):
    with pytest.warns(UserWarning) as caught:
        tb = keras.callbacks.TensorBoard(str(tmp_path), histogram_freq=1, batch_size=32,
                                         write_graph=True, write_grads=False)
    messages = [str(w.message) for w in caught]
    assert sum("`batch_size`" in m for m in messages) == 1
    assert sum("`write_grads`" in m for m in messages) == 1
    assert tb.histogram_freq == 1
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        keras.callbacks.TensorBoard(str(tmp_path), batch_sise=32)


def test_checkpoint_template_and_monitor_written_for_keras2_names(tmp_path):
    model = _classifier()
    pattern = str(tmp_path / "model-weights.{epoch:02d}-{val_acc:.6f}.hdf5")
    checkpoint = keras.callbacks.ModelCheckpoint(pattern, monitor="val_acc",
                                                 save_best_only=True)
    # the .hdf5 name holds a Lamina archive: said once per file
    with pytest.warns(UserWarning, match="written and read as a Lamina model archive"), \
            pytest.warns(UserWarning, match="`val_acc` as `val_accuracy`"):
        history = model.fit(X, Y, validation_split=0.25, epochs=2, verbose=0,
                            callbacks=[checkpoint])
    val_acc = history.history["val_accuracy"]
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    names = sorted(os.listdir(tmp_path))
    assert names[0] == f"model-weights.01-{val_acc[0]:.6f}.hdf5"
    assert checkpoint.best == pytest.approx(max(val_acc))


def test_early_stopping_on_val_acc_reads_val_accuracy():
    stopper = keras.callbacks.EarlyStopping(monitor="val_acc", patience=1)

    class Model:
        stop_training = False

    stopper.set_model(Model())
    stopper.on_train_begin()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for epoch, acc in enumerate([0.5, 0.6, 0.55, 0.58]):
            stopper.on_epoch_end(epoch, {"val_accuracy": acc})
            if stopper.model.stop_training:
                break
    assert (stopper.stopped_epoch, stopper.best) == (2, 0.6)


def test_early_stopping_min_delta_is_negated_for_minimized_values_as_tf_keras():
    assert keras.callbacks.EarlyStopping(min_delta=0.001).min_delta == -0.001
    assert keras.callbacks.EarlyStopping(monitor="val_accuracy",
                                         min_delta=0.001).min_delta == 0.001
    stopper = keras.callbacks.EarlyStopping(monitor="loss", min_delta=0.1, patience=0)

    class Model:
        stop_training = False

    stopper.set_model(Model())
    stopper.on_train_begin()
    stopper.on_epoch_end(0, {"loss": 1.0})
    stopper.on_epoch_end(1, {"loss": 0.95})  # better by less than min_delta: no improvement
    assert stopper.model.stop_training and stopper.best == 1.0


def test_compiled_loss_and_metrics_keep_the_arguments_as_given():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="MAE", metrics=["accuracy", "mse"])
    assert model.compiled_loss._losses == "MAE"
    assert model.compiled_metrics._metrics == ["accuracy", "mse"]


def test_variable_repr_shows_its_values():
    layer = keras.layers.Dense(1)
    layer(np.ones((1, 3)))
    text = repr(layer.kernel)
    assert text.startswith(f"<Variable '{layer.name}/kernel' shape=(3, 1) dtype=float32, "
                           "numpy=\narray([[")
    assert f"{float(layer.kernel.numpy()[0, 0]):.4f}"[:5] in text


def test_compile_without_a_loss_is_accepted_and_fit_says_which_loss_to_pass():
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam")
    assert model.metrics_names == ["loss"]
    with pytest.raises(ValueError, match=r"compiled without a loss.*loss='mse'.*\(None, 1\)"):
        model.fit(X, Y, verbose=0)


def test_backend_image_layout_functions():
    assert keras.backend.image_data_format() == "channels_last"
    assert keras.backend.image_dim_ordering() == "tf"
    keras.backend.set_image_dim_ordering("th")
    try:
        assert keras.backend.image_data_format() == "channels_first"
    finally:
        keras.backend.set_image_data_format("channels_last")
    with pytest.raises(ValueError, match="'channels_last' or 'channels_first'"):
        keras.backend.set_image_data_format("NHWC")


def test_input_with_batch_shape_and_input_layer_with_batch_input_shape():
    assert keras.Input(batch_shape=(None, 5)).shape == (None, 5)
    layer = keras.layers.InputLayer(batch_input_shape=(8, 3))
    assert layer.output.shape == (8, 3)


def test_keras2_module_paths():
    from lamina.layers.advanced_activations import LeakyReLU
    from lamina.layers.core import Dense, Dropout, Flatten, Lambda
    from lamina.layers.merge import Concatenate, concatenate
    from lamina.layers.normalization import BatchNormalization, LayerNormalization

    assert Dense is keras.layers.Dense and Dropout is keras.layers.Dropout
    assert Flatten is keras.layers.Flatten and Lambda is keras.layers.Lambda
    assert concatenate is keras.layers.concatenate and Concatenate is keras.layers.Concatenate
    assert LayerNormalization is keras.layers.LayerNormalization
    assert BatchNormalization is keras.layers.BatchNormalization
    assert LeakyReLU is keras.layers.LeakyReLU


def test_keras1_dense_arguments_and_nb_epoch_convert_with_keras2_warnings():
    with pytest.warns(UserWarning, match=r"Update your `Dense` call to the Keras 2 API: "
                                         r"`Dense\(units=4, kernel_initializer='uniform', "
                                         r"kernel_regularizer='l2'\)`"):
        layer = keras.layers.Dense(output_dim=4, init="uniform", W_regularizer="l2")
    assert layer.units == 4
    assert type(layer.kernel_initializer).__name__ == "RandomUniform"
    assert type(layer.kernel_regularizer).__name__ == "L2"
    model = keras.Sequential([keras.Input((3,)), layer])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match="`nb_epoch` argument in `fit` has been renamed"):
        history = model.fit(X, np.zeros((16, 4)), nb_epoch=2, verbose=0)
    assert history.epoch == [0, 1]


def test_save_weights_accepts_keras_rl_style_names(tmp_path):
    model = _classifier()
    path = str(tmp_path / "dqn_weights.h5f")
    with pytest.warns(UserWarning, match="safetensors weights file"):
        model.save_weights(path)
    assert sorted(load_file(path)) == sorted(model._train.trainable_keys
                                             if model._train else
                                             [w.name for w in model.weights])
    other = _classifier()
    other.load_weights(path)
    for a, b in zip(model.get_weights(), other.get_weights()):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="model.save"):
        model.save_weights(str(tmp_path / "whole.lamina"))


def test_multi_gpu_model_returns_the_model():
    model = _classifier()
    with pytest.warns(UserWarning, match="multi_gpu_model is from Keras 2"):
        assert keras.utils.multi_gpu_model(model, gpus=2) is model


def test_keras1_convolution2d_call_converts_and_matches_numpy():
    # The DQN of the book's chapter 12: Convolution2D(32, 8, 8, subsample=(4, 4)).
    with pytest.warns(UserWarning, match=r"Update your `Conv2D` call to the Keras 2 API: "
                                         r"`Conv2D\(32, \(8, 8\), strides=\(4, 4\), "
                                         r"padding='same'\)`"):
        layer = keras.layers.Convolution2D(32, 8, 8, subsample=(4, 4), border_mode="same")
    assert isinstance(layer, keras.layers.Conv2D)
    assert (layer.kernel_size, layer.strides, layer.padding) == ((8, 8), (4, 4), "same")
    x = RNG.normal(size=(1, 8, 8, 2)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        small = keras.layers.Convolution2D(3, 2, 2, subsample=(2, 2), bias=False,
                                           dim_ordering="tf")
    y = np.asarray(small(x))
    k = small.kernel.numpy()
    expected = np.einsum("bhwc,hwcf->bf", x[:, :2, :2], k)  # the top-left window
    assert y.shape == (1, 4, 4, 3) and small.use_bias is False
    np.testing.assert_allclose(y[:, 0, 0], expected, rtol=1e-5, atol=1e-6)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras 2's forms convert nothing and say nothing
        assert keras.layers.Convolution2D(8, (3, 3), (2, 2), "same").strides == (2, 2)
    with pytest.raises(TypeError, match="kernel's 2 sides"):
        keras.layers.Convolution2D(8, 3, 3, 3)


def test_keras2_module_paths_of_convolutional_layers():
    from lamina.layers.convolutional import Conv2D, MaxPooling2D, UpSampling2D, ZeroPadding2D
    assert (Conv2D, MaxPooling2D, UpSampling2D, ZeroPadding2D) == (
        keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.UpSampling2D,
        keras.layers.ZeroPadding2D)


def test_keras2_module_paths_of_recurrent_layers():
    from lamina.layers.embeddings import Embedding
    from lamina.layers.recurrent import GRU, LSTM, SimpleRNN
    from lamina.layers.wrappers import Bidirectional, TimeDistributed
    assert (Embedding, GRU, LSTM, SimpleRNN, Bidirectional, TimeDistributed) == (
        keras.layers.Embedding, keras.layers.GRU, keras.layers.LSTM, keras.layers.SimpleRNN,
        keras.layers.Bidirectional, keras.layers.TimeDistributed)
