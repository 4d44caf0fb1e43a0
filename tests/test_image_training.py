"""fit, evaluate and predict on ImageDataGenerator iterators and image datasets, and
tf.keras 2's deprecated *_generator aliases."""
import os
import sys

import numpy as np
import pytest

import lamina as keras
from lamina.preprocessing.image import ImageDataGenerator

Image = pytest.importorskip("PIL.Image")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
from record_tf_keras_image import write_tree  # noqa: E402

AUGMENT = dict(rotation_range=20, width_shift_range=0.1, zoom_range=0.1,
               horizontal_flip=True, rescale=1 / 255)


def _data(n=10):
    rng = np.random.RandomState(0)
    return rng.uniform(0, 255, (n, 4, 4, 1)).astype(np.float32), np.arange(n) % 2


def _model(seed=0):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.Input((4, 4, 1)), keras.layers.Flatten(),
                              keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def test_fit_trains_on_exactly_the_generators_batches():
    x, y = _data()
    model = _model()
    start = [w.copy() for w in model.get_weights()]
    it = ImageDataGenerator(**AUGMENT).flow(x, y, batch_size=4, seed=3)
    history = model.fit(it, steps_per_epoch=2, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2 and it.total_batches_seen == 4
    # The same batches, drawn again from a fresh iterator, one optimizer step each.
    replay = ImageDataGenerator(**AUGMENT).flow(x, y, batch_size=4, seed=3)
    batches = []
    for _ in range(2):
        batches += [replay[i] for i in range(2)]
        replay.on_epoch_end()
    reference = _model()
    reference.set_weights(start)
    for bx, by in batches:
        reference.train_on_batch(bx, by)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        assert got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_fit_without_steps_takes_every_batch_of_the_sequence():
    x, y = _data()
    model = _model()
    it = ImageDataGenerator(**AUGMENT).flow(x, y, batch_size=4, seed=0)
    model.fit(it, epochs=2, verbose=0, workers=2, use_multiprocessing=False,
              max_queue_size=4)
    assert it.total_batches_seen == 6  # 3 batches (4, 4, 2) an epoch


def test_generator_aliases_warn_as_tf_keras_and_run():
    x, y = _data()
    model = _model()
    gen = ImageDataGenerator(rescale=1 / 255)
    with pytest.warns(UserWarning, match=r"^`Model\.fit_generator` is deprecated and will be "
                                         r"removed in a future version\. Please use "
                                         r"`Model\.fit`, which supports generators\.$"):
        history = model.fit_generator(gen.flow(x, y, batch_size=5), steps_per_epoch=2,
                                      epochs=1, verbose=0, workers=4)
    assert list(history.history) == ["loss", "accuracy"]
    with pytest.warns(UserWarning, match=r"`Model\.evaluate_generator` is deprecated.*"
                                         r"`Model\.evaluate`, which supports generators"):
        loss, accuracy = model.evaluate_generator(gen.flow(x, y, batch_size=5,
                                                           shuffle=False))
    expected = model.evaluate(x / np.float32(255), y, verbose=0)
    np.testing.assert_allclose([loss, accuracy], expected, rtol=1e-5)
    with pytest.warns(UserWarning, match=r"`Model\.predict_generator` is deprecated.*"
                                         r"`Model\.predict`, which supports generators"):
        out = model.predict_generator(gen.flow(x, batch_size=4, shuffle=False))
    assert out.shape == (10, 2)
    np.testing.assert_allclose(out, model.predict(x * np.float32(1 / 255), verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_fit_on_directory_iterators_and_image_datasets(tmp_path):
    write_tree(str(tmp_path), Image)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((4, 4, 3)), keras.layers.Flatten(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    gen = ImageDataGenerator(rescale=1 / 255, horizontal_flip=True, validation_split=0.2)
    train = gen.flow_from_directory(str(tmp_path), target_size=(4, 4), class_mode="binary",
                                    batch_size=4, subset="training")
    val = gen.flow_from_directory(str(tmp_path), target_size=(4, 4), class_mode="binary",
                                  batch_size=4, subset="validation")
    history = model.fit(train, validation_data=val, epochs=2, verbose=0)
    assert sorted(history.history) == ["accuracy", "loss", "val_accuracy", "val_loss"]
    ds_train, ds_val = keras.utils.image_dataset_from_directory(
        str(tmp_path), image_size=(4, 4), batch_size=4, seed=1, validation_split=0.2,
        subset="both", label_mode="binary")
    history = model.fit(ds_train.cache(), validation_data=ds_val, epochs=2, verbose=0)
    assert len(history.history["val_loss"]) == 2
    assert model.predict(ds_val, verbose=0).shape == (2, 1)
