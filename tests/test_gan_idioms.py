"""GANs as tf.keras 2 users write them: `trainable` applies per compiled model, and
the mistakes around it and `set_weights` get errors that say what to do."""
import warnings

import numpy as np
import pytest

import lamina as keras
from lamina import layers

RNG = np.random.default_rng(0)
REAL = RNG.normal(2.0, 0.5, size=(8, 2)).astype(np.float32)
NOISE = RNG.normal(size=(8, 1)).astype(np.float32)


def gan():
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([layers.Input((1,)), layers.Dense(2)], name="generator")
    discriminator = keras.Sequential([layers.Input((2,)), layers.Dense(1, activation="sigmoid")],
                                     name="discriminator")
    discriminator.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    discriminator.trainable = False
    z = layers.Input((1,))
    combined = keras.Model(z, discriminator(generator(z)))
    combined.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy")
    return generator, discriminator, combined


def bce(p, y):
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p))))


def test_gan_discriminator_trains_alone_and_stays_frozen_in_the_combined_model():
    generator, discriminator, combined = gan()
    assert len(combined.trainable_weights) == 2  # the generator's kernel and bias
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the GAN idiom is not warned about
        for _ in range(3):
            w, b = discriminator.get_weights()
            p = 1 / (1 + np.exp(-(REAL @ w + b)))
            d_loss = discriminator.train_on_batch(REAL, np.ones((8, 1)))
            np.testing.assert_allclose(d_loss, bce(p, 1.0), rtol=1e-5)
            d_after = discriminator.get_weights()
            assert not np.allclose(d_after[0], w)
            g_before = generator.get_weights()
            logs = combined.train_on_batch(NOISE, np.ones(8), return_dict=True)
            assert list(logs) == ["loss"]
            for before, after in zip(d_after, discriminator.get_weights()):
                np.testing.assert_array_equal(before, after)
            assert not np.allclose(g_before[0], generator.get_weights()[0])
    fake = generator.predict_on_batch(NOISE)
    assert fake.shape == (8, 2)


def test_train_on_batch_before_compile_says_to_compile():
    model = keras.Sequential([layers.Input((2,)), layers.Dense(1)])
    with pytest.raises(RuntimeError, match=r"must call compile\(\) before train_on_batch"):
        model.train_on_batch(REAL, np.ones(8))


def test_trainable_changed_after_compile_warns_once_and_applies_at_next_compile():
    model = keras.Sequential([layers.Input((2,)), layers.Dense(3), layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.layers[0].trainable = False
    first = model.layers[0].get_weights()[0]
    with pytest.warns(UserWarning, match=r"compiled with 4 trainable weights but now has 2.*"
                                         r"applies at the next compile\(\)"):
        model.train_on_batch(REAL, np.ones(8))
    assert not np.allclose(first, model.layers[0].get_weights()[0])  # as in Keras
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.train_on_batch(REAL, np.ones(8))  # once per model
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        frozen = model.layers[0].get_weights()[0]
        model.fit(REAL, np.ones(8), epochs=1, verbose=0)
    np.testing.assert_array_equal(frozen, model.layers[0].get_weights()[0])


def test_set_weights_names_the_layer_and_both_shapes():
    model = keras.Sequential([layers.Input((2,)), layers.Dense(3, name="hidden"),
                              layers.Dense(1, name="out")])
    weights = model.get_weights()
    with pytest.raises(ValueError, match=r"has 4 weights .*\(2, 3\), \(3,\), \(3, 1\), "
                                         r"\(1,\)\].* received 3 arrays"):
        model.set_weights(weights[:3])
    wrong = weights[:2] + [np.zeros((1, 3)), weights[3]]
    with pytest.raises(ValueError, match=r"Layer 'out': weight 'out/kernel' has shape "
                                         r"\(3, 1\), but set_weights received an array of "
                                         r"shape \(1, 3\)"):
        model.set_weights(wrong)
    for before, after in zip(weights, model.get_weights()):  # nothing was assigned
        np.testing.assert_array_equal(before, after)


def test_convolutional_gan_with_batch_norm_freezes_the_discriminator_statistics_too():
    keras.utils.set_random_seed(0)
    generator = keras.Sequential([
        layers.Input((4,)), layers.Dense(2 * 2 * 4), layers.Reshape((2, 2, 4)),
        layers.UpSampling2D(), layers.Conv2DTranspose(4, 3, strides=2, padding="same"),
        layers.BatchNormalization(), layers.LeakyReLU(0.2),
        layers.Conv2D(1, 3, padding="same", activation="sigmoid")])
    discriminator = keras.Sequential([
        layers.Input((8, 8, 1)), layers.Conv2D(4, 3, strides=2, padding="same"),
        layers.BatchNormalization(), layers.LeakyReLU(0.2), layers.Flatten(),
        layers.Dense(1, activation="sigmoid")])
    discriminator.compile(optimizer="adam", loss="binary_crossentropy")
    discriminator.trainable = False
    z = layers.Input((4,))
    combined = keras.Model(z, discriminator(generator(z)))
    combined.compile(optimizer="adam", loss="binary_crossentropy")
    noise = RNG.normal(size=(8, 4)).astype(np.float32)
    images = generator.predict_on_batch(noise)
    assert images.shape == (8, 8, 8, 1)
    d_before = discriminator.get_weights()  # kernels, BN gamma/beta and moving statistics
    g_before = generator.get_weights()
    combined.train_on_batch(noise, np.ones((8, 1)))
    for before, after in zip(d_before, discriminator.get_weights()):
        np.testing.assert_array_equal(before, after)
    moved = [not np.allclose(b, a) for b, a in zip(g_before, generator.get_weights())]
    assert sum(moved) >= 6  # the generator's kernels, biases and its BN's statistics
    discriminator.train_on_batch(images, np.zeros((8, 1)))
    assert not np.allclose(d_before[0], discriminator.get_weights()[0])
