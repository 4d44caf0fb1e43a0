"""A GAN on scikit-learn's handwritten digits, written as tf.keras 2 users write it.

The code of docs/gan.md: a generator and a discriminator of Dense layers, the
discriminator compiled, then frozen (`trainable = False`) inside a combined model
compiled after, and one `train_on_batch` per model per step. Run from the repository
root to make docs/figures/gan_digits.png and print the numbers the guide quotes:

    python docs/gan_digits.py

Data: `sklearn.datasets.load_digits` (1,797 images of 8x8 pixels), nothing downloaded.
"""
from __future__ import annotations

import os

import numpy as np
from sklearn.datasets import load_digits

import lamina as keras
from lamina import layers

HERE = os.path.dirname(os.path.abspath(__file__))
LATENT = 16


def real_digits() -> np.ndarray:
    """The 1,797 digits as rows of 64 pixels in [0, 1]."""
    return (load_digits().data / 16.0).astype(np.float32)


def make_generator() -> keras.Model:
    return keras.Sequential([
        layers.Input((LATENT,)),
        layers.Dense(64), layers.LeakyReLU(0.2),
        layers.Dense(128), layers.LeakyReLU(0.2),
        layers.Dense(64, activation="sigmoid"),
    ], name="generator")


def make_discriminator() -> keras.Model:
    return keras.Sequential([
        layers.Input((64,)),
        layers.Dense(128), layers.LeakyReLU(0.2),
        layers.Dense(64), layers.LeakyReLU(0.2),
        layers.Dense(1, activation="sigmoid"),
    ], name="discriminator")


def build_gan() -> tuple[keras.Model, keras.Model, keras.Model]:
    """`(generator, discriminator, combined)`, compiled as in tf.keras 2."""
    generator, discriminator = make_generator(), make_discriminator()
    discriminator.compile(optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                          loss="binary_crossentropy", metrics=["accuracy"])
    discriminator.trainable = False   # frozen in the combined model only
    noise = layers.Input((LATENT,))
    combined = keras.Model(noise, discriminator(generator(noise)))
    combined.compile(optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                     loss="binary_crossentropy")
    return generator, discriminator, combined


def train_gan(steps: int = 3_000, batch_size: int = 64, seed: int = 0) -> tuple:
    """Train for `steps` steps; returns `(generator, d_losses, g_losses)`."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = real_digits()
    generator, discriminator, combined = build_gan()
    real, fake = np.ones((batch_size, 1)), np.zeros((batch_size, 1))
    d_losses, g_losses = [], []
    for step in range(steps):
        images = x[rng.integers(len(x), size=batch_size)]
        noise = rng.normal(size=(batch_size, LATENT)).astype(np.float32)
        generated = generator.predict_on_batch(noise)
        d_real = discriminator.train_on_batch(images, real, return_dict=True)
        d_fake = discriminator.train_on_batch(generated, fake, return_dict=True)
        noise = rng.normal(size=(batch_size, LATENT)).astype(np.float32)
        g_loss = combined.train_on_batch(noise, real)
        d_losses.append(0.5 * (d_real["loss"] + d_fake["loss"]))
        g_losses.append(g_loss)
    return generator, d_losses, g_losses


def plot_digits(images: np.ndarray, path: str, title: str) -> None:
    """A grid of 8x8 images, 4 rows of 8."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(4, 8, figsize=(6, 3.2))
    for ax, image in zip(axes.flat, images):
        ax.imshow(image.reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        ax.axis("off")
    fig.suptitle(title, fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)


def mean_image_distance(images: np.ndarray) -> float:
    """Distance between the mean generated and the mean real digit (pixels in [0, 1])."""
    return float(np.abs(images.mean(axis=0) - real_digits().mean(axis=0)).mean())


def main() -> None:
    import time

    start = time.perf_counter()
    generator, d_losses, g_losses = train_gan()
    seconds = time.perf_counter() - start
    noise = np.random.default_rng(1).normal(size=(32, LATENT)).astype(np.float32)
    images = generator.predict(noise, verbose=0)
    print(f"{len(d_losses)} steps in {seconds:.0f} s ({1e3 * seconds / len(d_losses):.1f} ms "
          f"a step of 3 train_on_batch and 1 predict_on_batch); last 100 steps: "
          f"discriminator loss {np.mean(d_losses[-100:]):.3f}, generator loss "
          f"{np.mean(g_losses[-100:]):.3f}; mean-image distance "
          f"{mean_image_distance(images):.3f}")
    os.makedirs(os.path.join(HERE, "figures"), exist_ok=True)
    plot_digits(images, os.path.join(HERE, "figures", "gan_digits.png"),
                f"generated after {len(d_losses)} steps")


if __name__ == "__main__":
    main()
