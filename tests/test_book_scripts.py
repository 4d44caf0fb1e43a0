"""The chapter scripts of *Deep Learning Quick Reference* (Keras 2, 2018) that use only
layers Lamina has, written in the book's style with only the imports changed
(`from keras.models import Model` -> `from lamina.models import Model`), condensed
(fewer epochs, fewer rows) on stand-in data of the shapes Keras's loaders return: the
loaders themselves read stand-in files put in Keras's cache.

Chapters 7 (the CIFAR-10 CNN, with `fit_generator` over `ImageDataGenerator`) and 10
(an LSTM over IMDB) run here too; the search chapter's wrappers and tuner are tested in
tests/test_wrappers*.py and tests/test_tuner.py.
"""
import hashlib
import io
import os
import warnings

import numpy as np
import pytest

from lamina.datasets import SOURCES, Source

# What the book's names make Lamina say (checkpoints named .hdf5 hold Lamina's archive;
# Keras 2's LeakyReLU(alpha=)) is shown to a reader, not needed in the test summary.
pytestmark = [pytest.mark.filterwarnings("ignore:.*read as a Lamina model archive"),
              pytest.mark.filterwarnings("ignore:LeakyReLU's argument `alpha`")]


def _cache(monkeypatch, home, key, **arrays):
    """Put a stand-in `key` in Keras's cache, where the book's `load_data()` finds it."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    folder = home / "datasets"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / key).write_bytes(buffer.getvalue())
    digest = hashlib.sha256(buffer.getvalue()).hexdigest()
    monkeypatch.setitem(SOURCES, key, Source("http://127.0.0.1:9/" + key, digest))


@pytest.fixture
def book(tmp_path, monkeypatch):
    """A working folder and a Keras cache holding stand-in MNIST and Boston files."""
    from lamina.callbacks import _monitor

    # Keras 2 metric names warn once per process: give each script a fresh process's view.
    monkeypatch.setattr(_monitor, "_warned_aliases", set())
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    monkeypatch.chdir(tmp_path)
    rng = np.random.default_rng(0)
    _cache(monkeypatch, home, "mnist.npz",
           x_train=rng.integers(0, 256, (256, 28, 28), dtype=np.uint8),
           y_train=rng.integers(0, 10, 256).astype(np.uint8),
           x_test=rng.integers(0, 256, (64, 28, 28), dtype=np.uint8),
           y_test=rng.integers(0, 10, 64).astype(np.uint8))
    x = rng.normal(size=(120, 13)) * 3 + 10
    _cache(monkeypatch, home, "boston_housing.npz", x=x, y=x @ rng.uniform(0, 1, 13) + 5)
    from lamina.utils import set_random_seed
    set_random_seed(0)
    return tmp_path


# -- Chapter 2: deep neural networks for regression ------------------------------------
def test_chapter2_regression_runs(book):
    from lamina.callbacks import EarlyStopping, ModelCheckpoint
    from lamina.datasets import boston_housing
    from lamina.layers import Dense, Input
    from lamina.models import Model

    def load_data():
        (train_X, train_y), (val_X, val_y) = boston_housing.load_data()
        mean, std = train_X.mean(axis=0), train_X.std(axis=0)
        return {"train_X": (train_X - mean) / std, "train_y": train_y,
                "val_X": (val_X - mean) / std, "val_y": val_y}

    def build_network(input_features=None):
        inputs = Input(shape=(input_features,), name="input")
        x = Dense(32, activation='relu', name="hidden1")(inputs)
        x = Dense(32, activation='relu', name="hidden2")(x)
        x = Dense(32, activation='relu', name="hidden3")(x)
        x = Dense(32, activation='relu', name="hidden4")(x)
        x = Dense(16, activation='relu', name="hidden5")(x)
        prediction = Dense(1, activation='linear', name="final")(x)
        model = Model(inputs=inputs, outputs=prediction)
        model.compile(optimizer='adam', loss='mean_absolute_error')
        return model

    data = load_data()
    input_features = data["train_X"].shape[1]
    model = build_network(input_features=input_features)
    print("Network Structure")
    print(model.summary())
    callbacks = [EarlyStopping(monitor="val_loss", min_delta=0.001, patience=20),
                 ModelCheckpoint(filepath="regression-weights.{epoch:02d}-{val_loss:.4f}.hdf5",
                                 monitor="val_loss", save_best_only=True, verbose=0)]
    history = model.fit(x=data["train_X"], y=data["train_y"], batch_size=32, epochs=3,
                        verbose=1, validation_data=(data["val_X"], data["val_y"]),
                        callbacks=callbacks)
    assert sorted(history.history) == ["loss", "val_loss"]
    assert data["train_X"].shape == (96, 13) and data["val_X"].shape == (24, 13)
    print("Model Train MAE: " + str(model.evaluate(data["train_X"], data["train_y"],
                                                     verbose=0)))
    assert model.predict(data["val_X"]).shape == (24, 1)
    assert any(name.startswith("regression-weights.01-") for name in os.listdir(book))


# -- Chapter 3: monitoring training with TensorBoard ------------------------------------
def test_chapter3_tensorboard_callbacks_run(book):
    pytest.importorskip("tensorboardX")
    from lamina.callbacks import TensorBoard
    from lamina.layers import Dense, Input
    from lamina.models import Model

    def create_callbacks(name):
        log_dir = os.path.join(os.getcwd(), "tb_log", name)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras 2's batch_size and write_grads
            tensorboard_callback = TensorBoard(log_dir=log_dir, histogram_freq=1,
                                               batch_size=32, write_graph=True,
                                               write_grads=False)
        return [tensorboard_callback]

    rng = np.random.default_rng(1)
    train_X, val_X = rng.normal(size=(96, 10)), rng.normal(size=(32, 10))
    train_y, val_y = train_X.sum(axis=1), val_X.sum(axis=1)
    inputs = Input(shape=(10,), name="input")
    x = Dense(32, activation='relu', name="hidden1")(inputs)
    prediction = Dense(1, activation='linear', name="final")(x)
    model = Model(inputs=inputs, outputs=prediction)
    model.compile(optimizer='adam', loss='mean_absolute_error')
    model.fit(x=train_X, y=train_y, batch_size=32, epochs=2, verbose=0,
              validation_data=(val_X, val_y), callbacks=create_callbacks("dnn"))
    logs = [f for _, _, files in os.walk(book / "tb_log" / "dnn") for f in files]
    assert any(f.startswith("events.out.tfevents") for f in logs)


# -- Chapter 4: binary classification, with a ROC AUC callback --------------------------
def test_chapter4_binary_classification_runs(book):
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    from lamina.callbacks import Callback, ModelCheckpoint, TensorBoard
    from lamina.layers import Dense, Input
    from lamina.models import Model

    class RocAUCScore(Callback):
        def __init__(self, training_data, validation_data):
            self.x = training_data[0]
            self.y = training_data[1]
            self.x_val = validation_data[0]
            self.y_val = validation_data[1]
            super(RocAUCScore, self).__init__()

        def on_epoch_end(self, epoch, logs={}):
            y_pred = self.model.predict(self.x)
            roc = sklearn_metrics.roc_auc_score(self.y, y_pred)
            y_pred_val = self.model.predict(self.x_val)
            roc_val = sklearn_metrics.roc_auc_score(self.y_val, y_pred_val)
            print('\r roc-auc: %s - roc-auc_val: %s' % (str(round(roc, 4)),
                                                       str(round(roc_val, 4))), end=80 * ' ' + '\n')
            self.scores.append(roc_val)
            return

        def on_train_begin(self, logs={}):
            self.scores = []

    def build_network(input_features=None):
        inputs = Input(shape=(input_features,), name="input")
        x = Dense(128, activation='relu', name="hidden1")(inputs)
        x = Dense(64, activation='relu', name="hidden2")(x)
        x = Dense(64, activation='relu', name="hidden3")(x)
        x = Dense(32, activation='relu', name="hidden4")(x)
        x = Dense(16, activation='relu', name="hidden5")(x)
        prediction = Dense(1, activation='sigmoid', name="final")(x)
        model = Model(inputs=inputs, outputs=prediction)
        model.compile(optimizer='adam', loss='binary_crossentropy', metrics=["accuracy"])
        return model

    def create_callbacks(data):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tensorboard_callback = TensorBoard(log_dir=os.path.join(os.getcwd(), "tb_log",
                                                                    "5h_adam_20epochs"),
                                               histogram_freq=1, batch_size=32,
                                               write_graph=True, write_grads=False)
        roc_auc_callback = RocAUCScore(training_data=(data["train_X"], data["train_y"]),
                                       validation_data=(data["val_X"], data["val_y"]))
        checkpoint_callback = ModelCheckpoint(
            filepath="./model-weights.{epoch:02d}-{val_acc:.6f}.hdf5", monitor='val_acc',
            verbose=1, save_best_only=True)
        return [tensorboard_callback, roc_auc_callback, checkpoint_callback]

    rng = np.random.default_rng(2)  # the seizure data: 178 readings per row
    X = rng.normal(size=(200, 178)).astype(np.float32)
    y = (X[:, :10].sum(axis=1) > 0).astype(np.float32)
    data = {"train_X": X[:150], "train_y": y[:150], "val_X": X[150:], "val_y": y[150:]}
    callbacks = create_callbacks(data)
    model = build_network(input_features=data["train_X"].shape[1])
    with pytest.warns(UserWarning, match="`val_acc` as `val_accuracy`"):
        model.fit(x=data["train_X"], y=data["train_y"], batch_size=32, epochs=2, verbose=1,
                  validation_data=(data["val_X"], data["val_y"]), callbacks=callbacks)
    scores = callbacks[1].scores
    assert len(scores) == 2 and all(0.0 <= s <= 1.0 for s in scores)
    assert any(f.startswith("model-weights.01-") and f.endswith(".hdf5")
               for f in os.listdir(book))
    y_prob = model.predict(data["val_X"])
    assert y_prob.shape == (50, 1)
    y_hat = (y_prob > 0.5).astype(int)
    accuracy = float((y_hat[:, 0] == data["val_y"]).mean())
    assert accuracy == pytest.approx(model.evaluate(data["val_X"], data["val_y"],
                                                    verbose=0)[1])


# -- Chapter 5: multiclass classification on MNIST --------------------------------------
def test_chapter5_multiclass_mnist_runs(book):
    from lamina.callbacks import ModelCheckpoint
    from lamina.datasets import mnist
    from lamina.layers import Dense, Dropout, Input
    from lamina.models import Model
    from lamina.regularizers import l2
    from lamina.utils import to_categorical

    def load_mnist():
        (train_X, train_y), (test_X, test_y) = mnist.load_data()
        train_X = train_X.reshape(-1, 784)
        test_X = test_X.reshape(-1, 784)
        train_X = train_X.astype('float32')
        test_X = test_X.astype('float32')
        train_X /= 255
        test_X /= 255
        train_y = to_categorical(train_y)
        test_y = to_categorical(test_y)
        return {"train_X": train_X[:192], "train_y": train_y[:192],
                "val_X": train_X[192:], "val_y": train_y[192:],
                "test_X": test_X, "test_y": test_y}

    def build_network(input_features=None):
        inputs = Input(shape=(input_features,), name="input")
        x = Dense(512, activation='relu', name="hidden1", kernel_regularizer=l2(0.01))(inputs)
        x = Dropout(0.5)(x)
        x = Dense(256, activation='relu', name="hidden2", kernel_regularizer=l2(0.01))(x)
        x = Dropout(0.5)(x)
        x = Dense(128, activation='relu', name="hidden3", kernel_regularizer=l2(0.01))(x)
        x = Dropout(0.5)(x)
        prediction = Dense(10, activation='softmax', name="output")(x)
        model = Model(inputs=inputs, outputs=prediction)
        model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=["accuracy"])
        return model

    data = load_mnist()
    assert data["train_X"].shape == (192, 784) and data["train_y"].shape == (192, 10)
    model = build_network(data["train_X"].shape[1])
    checkpoint_callback = ModelCheckpoint(
        filepath="./model-weights.{epoch:02d}-{val_acc:.6f}.hdf5", monitor='val_acc',
        verbose=1, save_best_only=True)
    with pytest.warns(UserWarning, match="`val_acc` as `val_accuracy`"):
        model.fit(x=data["train_X"], y=data["train_y"], batch_size=32, epochs=2, verbose=1,
                  validation_data=(data["val_X"], data["val_y"]),
                  callbacks=[checkpoint_callback])
    predictions = model.predict(data["test_X"])
    assert predictions.shape == (64, 10)
    np.testing.assert_allclose(predictions.sum(axis=1), 1.0, rtol=1e-5)
    loss, acc = model.evaluate(data["test_X"], data["test_y"], verbose=0)
    assert np.isfinite(loss) and 0.0 <= acc <= 1.0


# -- Chapter 7: a CNN on CIFAR-10, with and without ImageDataGenerator -------------------
def test_chapter7_cnn_and_augmented_fit_generator_run(book, monkeypatch):
    from lamina.callbacks import TensorBoard
    from lamina.datasets import cifar10
    from lamina.layers import (BatchNormalization, Conv2D, Dense, Dropout, Flatten, Input,
                               MaxPooling2D)
    from lamina.models import Model
    from lamina.preprocessing.image import ImageDataGenerator
    from lamina.utils import multi_gpu_model, to_categorical

    rng = np.random.default_rng(7)  # CIFAR-10's shapes and dtypes, fewer rows
    stand_in = ((rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8),
                 rng.integers(0, 10, (64, 1), dtype=np.uint8)),
                (rng.integers(0, 256, (32, 32, 32, 3), dtype=np.uint8),
                 rng.integers(0, 10, (32, 1), dtype=np.uint8)))
    monkeypatch.setattr(cifar10, "load_data", lambda: stand_in)

    def load_data():
        (train_X, train_y), (val_X, val_y) = cifar10.load_data()
        train_X = train_X.astype('float32')
        val_X = val_X.astype('float32')
        train_X /= 255
        val_X /= 255
        train_y = to_categorical(train_y, 10)
        val_y = to_categorical(val_y, 10)
        return train_X, train_y, val_X, val_y

    def build_network(num_gpu=1, input_shape=None):
        inputs = Input(shape=input_shape, name="input")
        conv1 = Conv2D(64, kernel_size=(3, 3), activation="relu", name="conv_1")(inputs)
        batch1 = BatchNormalization(name="batch_norm_1")(conv1)
        pool1 = MaxPooling2D(pool_size=(2, 2), name="pool_1")(batch1)
        conv2 = Conv2D(32, kernel_size=(3, 3), activation="relu", name="conv_2")(pool1)
        batch2 = BatchNormalization(name="batch_norm_2")(conv2)
        pool2 = MaxPooling2D(pool_size=(2, 2), name="pool_2")(batch2)
        flatten = Flatten()(pool2)
        fc1 = Dense(512, activation="relu", name="fc1")(flatten)
        d1 = Dropout(rate=0.2, name="dropout1")(fc1)
        fc2 = Dense(256, activation="relu", name="fc2")(d1)
        d2 = Dropout(rate=0.2, name="dropout2")(fc2)
        output = Dense(10, activation="softmax", name="softmax")(d2)
        model = Model(inputs=inputs, outputs=output)
        if num_gpu > 1:
            model = multi_gpu_model(model, num_gpu)
        model.compile(optimizer='adam', loss='categorical_crossentropy',
                      metrics=["accuracy"])
        return model

    def create_callbacks(name):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras 2's batch_size and write_grads
            return [TensorBoard(log_dir=os.path.join(os.getcwd(), "tb_log", name),
                                write_graph=True, batch_size=32, write_grads=False)]

    train_X, train_y, val_X, val_y = load_data()
    model = build_network(input_shape=train_X.shape[1:])
    assert model.output_shape == (None, 10)
    assert model.get_layer("pool_2").output_shape == (None, 6, 6, 32)
    history = model.fit(x=train_X, y=train_y, batch_size=32, epochs=1,
                        validation_data=(val_X, val_y), verbose=0,
                        callbacks=create_callbacks("cnn") if _has_tensorboardx() else [])
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]

    data_generator = ImageDataGenerator(rotation_range=20, width_shift_range=0.02,
                                        height_shift_range=0.02, horizontal_flip=True)
    data_generator.fit(train_X)
    with pytest.warns(UserWarning, match="fit_generator"):
        history = model.fit_generator(data_generator.flow(train_X, train_y, batch_size=32),
                                      steps_per_epoch=len(train_X) // 32, epochs=1,
                                      validation_data=(val_X, val_y), verbose=0)
    assert np.isfinite(history.history["val_loss"][0])
    assert model.predict(val_X, verbose=0).shape == (32, 10)


def _has_tensorboardx():
    try:
        import tensorboardX  # noqa: F401
    except ImportError:
        return False
    return True


# -- Chapter 10: an LSTM over word embeddings trained from scratch, on IMDB --------------
def test_chapter10_imdb_lstm_runs(book, monkeypatch):
    from lamina.datasets import imdb
    from lamina.layers import LSTM, Dense, Embedding, Input
    from lamina.models import Model
    from lamina.preprocessing import sequence

    rng = np.random.default_rng(10)  # imdb.npz's layout: object arrays of word-index lists
    reviews = np.empty(48, dtype=object)
    for i in range(48):
        reviews[i] = [int(v) for v in rng.integers(1, 300, rng.integers(5, 30))]
    labels = rng.integers(0, 2, 48).astype(np.int64)
    _cache(monkeypatch, book / "keras_home", "imdb.npz", x_train=reviews[:32],
           y_train=labels[:32], x_test=reviews[32:], y_test=labels[32:])

    def load_data(vocab_size):
        data = dict()
        data["vocab_size"] = vocab_size
        (data["X_train"], data["y_train"]), (data["X_test"], data["y_test"]) = \
            imdb.load_data(num_words=vocab_size)
        return data

    def pad_sequences(data):
        data["X_train"] = sequence.pad_sequences(data["X_train"])
        data["sequence_length"] = data["X_train"].shape[1]
        data["X_test"] = sequence.pad_sequences(data["X_test"],
                                                maxlen=data["sequence_length"])
        return data

    def build_network(vocab_size, embedding_dim, sequence_length):
        input = Input(shape=(sequence_length,), name="Input")
        embedding = Embedding(input_dim=vocab_size, output_dim=embedding_dim,
                              input_length=sequence_length, name="embedding")(input)
        lstm1 = LSTM(10, activation='tanh', return_sequences=False, dropout=0.2,
                     recurrent_dropout=0.2, name='lstm1')(embedding)
        output = Dense(1, activation='sigmoid', name='sigmoid')(lstm1)
        model = Model(inputs=input, outputs=output)
        model.compile(loss='binary_crossentropy', optimizer='adam', metrics=['accuracy'])
        return model

    data = pad_sequences(load_data(vocab_size=200))
    assert data["X_train"].shape == (32, data["sequence_length"])
    assert data["X_train"].max() < 200  # num_words: rarer words became the OOV index 2
    model = build_network(vocab_size=data["vocab_size"], embedding_dim=100,
                          sequence_length=data["sequence_length"])
    history = model.fit(x=data["X_train"], y=data["y_train"], batch_size=32, epochs=1,
                        validation_data=(data["X_test"], data["y_test"]), verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    assert model.predict(data["X_test"], verbose=0).shape == (16, 1)


# -- Chapter 12: the DQN's model code (keras-rl style) ----------------------------------
def test_chapter12_dqn_model_code_runs(book):
    from lamina.layers import Dense, Flatten, Input
    from lamina.models import Model, model_from_config
    from lamina.optimizers import Adam

    def build_model(state_size, num_actions):
        input = Input(shape=(1, state_size))
        x = Flatten()(input)
        x = Dense(16, activation='relu')(x)
        x = Dense(16, activation='relu')(x)
        x = Dense(16, activation='relu')(x)
        output = Dense(num_actions, activation='linear')(x)
        model = Model(inputs=input, outputs=output)
        print(model.summary())
        return model

    def clone_model(model, custom_objects={}):  # keras-rl's rl.util.clone_model
        config = {'class_name': model.__class__.__name__, 'config': model.get_config()}
        clone = model_from_config(config, custom_objects=custom_objects)
        clone.set_weights(model.get_weights())
        return clone

    num_actions, state_size = 2, 4  # CartPole
    model = build_model(state_size, num_actions)
    target_model = clone_model(model)
    target_model.compile(optimizer='sgd', loss='mse')
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras 2's lr=
        model.compile(Adam(lr=1e-3), loss="mse", metrics=['mae'])
    rng = np.random.default_rng(3)
    for step in range(5):  # replay: Q-targets from the target network
        states = rng.normal(size=(32, 1, state_size)).astype(np.float32)
        next_states = rng.normal(size=(32, 1, state_size)).astype(np.float32)
        rewards = rng.normal(size=32).astype(np.float32)
        q_next = target_model.predict_on_batch(next_states)
        targets = model.predict_on_batch(states)
        targets[np.arange(32), rng.integers(0, 2, 32)] = rewards + 0.99 * q_next.max(axis=1)
        metrics = model.train_on_batch(states, targets)
        assert np.all(np.isfinite(metrics))
    with pytest.warns(UserWarning, match="safetensors"):
        model.save_weights("dqn_{}_weights.h5f".format("CartPole-v0"), overwrite=True)
    agent = build_model(state_size, num_actions)
    agent.load_weights("dqn_CartPole-v0_weights.h5f")
    test_states = rng.normal(size=(3, 1, state_size)).astype(np.float32)
    np.testing.assert_array_equal(agent.predict_on_batch(test_states),
                                  model.predict_on_batch(test_states))
    assert agent.predict_on_batch(test_states).shape == (3, 2)


# -- Chapter 13: the GAN's model code, in Dense form ------------------------------------
def test_chapter13_gan_model_code_runs(book):
    from lamina.datasets import mnist
    from lamina.layers import BatchNormalization, Dense, Flatten, Input, Reshape
    from lamina.layers.advanced_activations import LeakyReLU
    from lamina.models import Model
    from lamina.optimizers import Adam

    def build_discriminator(img_shape):
        input = Input(img_shape)
        x = Flatten()(input)
        x = Dense(512)(x)
        x = LeakyReLU(alpha=0.2)(x)
        x = Dense(256)(x)
        x = LeakyReLU(alpha=0.2)(x)
        x = Dense(1, activation="sigmoid")(x)
        model = Model(input, x)
        return model

    def build_generator(noise_shape=(100,)):
        input = Input(noise_shape)
        x = Dense(256)(input)
        x = LeakyReLU(alpha=0.2)(x)
        x = BatchNormalization(momentum=0.8)(x)
        x = Dense(512)(x)
        x = LeakyReLU(alpha=0.2)(x)
        x = BatchNormalization(momentum=0.8)(x)
        x = Dense(28 * 28 * 1, activation="tanh")(x)
        x = Reshape((28, 28, 1))(x)
        model = Model(input, x)
        return model

    def build_models():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gen_optimizer = Adam(lr=0.0002, beta_1=0.5)
            disc_optimizer = Adam(lr=0.0002, beta_1=0.5)
        discriminator = build_discriminator(img_shape=(28, 28, 1))
        discriminator.compile(loss='binary_crossentropy', optimizer=disc_optimizer,
                              metrics=['accuracy'])
        generator = build_generator()
        generator.compile(loss='binary_crossentropy', optimizer=gen_optimizer)
        z = Input(shape=(100,))
        img = generator(z)
        discriminator.trainable = False
        real = discriminator(img)
        combined = Model(z, real)
        combined.compile(loss='binary_crossentropy', optimizer=gen_optimizer)
        return generator, discriminator, combined

    def train(generator, discriminator, combined, epochs=2000, batch_size=128):
        (X_train, _), (_, _) = mnist.load_data()
        X_train = (X_train.astype(np.float32) - 127.5) / 127.5
        X_train = np.expand_dims(X_train, axis=3)
        half_batch = int(batch_size / 2)
        for epoch in range(epochs):
            idx = np.random.randint(0, X_train.shape[0], half_batch)
            imgs = X_train[idx]
            noise = np.random.normal(0, 1, (half_batch, 100))
            gen_imgs = generator.predict(noise)
            d_loss_real = discriminator.train_on_batch(imgs, np.ones((half_batch, 1)))
            d_loss_fake = discriminator.train_on_batch(gen_imgs, np.zeros((half_batch, 1)))
            d_loss = 0.5 * np.add(d_loss_real, d_loss_fake)
            noise = np.random.normal(0, 1, (batch_size, 100))
            valid_y = np.array([1] * batch_size)
            g_loss = combined.train_on_batch(noise, valid_y)
            print("%d [D loss: %f, acc.: %.2f%%] [G loss: %f]" % (
                epoch, d_loss[0], 100 * d_loss[1], g_loss))
        return d_loss, g_loss

    generator, discriminator, combined = build_models()
    d_before = [w.copy() for w in discriminator.get_weights()]
    g_before = [w.copy() for w in generator.get_weights()]
    # The combined model trains the generator only: Keras 2 fixed the discriminator's
    # trainable flag at each model's compile.
    noise = np.random.normal(0, 1, (16, 100))
    combined.train_on_batch(noise, np.ones(16))
    for a, b in zip(d_before, discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert any((a != b).any() for a, b in zip(g_before, generator.get_weights()))
    d_loss, g_loss = train(generator, discriminator, combined, epochs=3, batch_size=32)
    assert np.all(np.isfinite(d_loss)) and np.isfinite(g_loss)
    assert any((a != b).any() for a, b in zip(d_before, discriminator.get_weights()))
    assert generator.predict(np.zeros((2, 100))).shape == (2, 28, 28, 1)


def test_predict_outputs_are_writable_numpy_as_in_keras():
    """DQN code writes Q-targets into what predict returned."""
    from lamina.layers import Dense, Input
    from lamina.models import Model

    inputs = Input(shape=(3,))
    model = Model(inputs, Dense(2)(inputs))
    x = np.ones((4, 3), np.float32)
    for out in (model.predict(x, verbose=0), model.predict_on_batch(x)):
        assert out.shape == (4, 2) and out.flags.writeable
        out[0, 1] = 7.0
        assert out[0, 1] == 7.0
