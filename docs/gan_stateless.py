"""The GAN of docs/gan_digits.py, written with the stateless API (docs/stateless_training.md).

Where tf.keras 2 code opens a `tf.GradientTape`, JAX takes the gradient of a pure
function: `model.stateless_call` runs a model on arrays given in place of its
Variables, `jax.value_and_grad` differentiates the loss, and
`optimizer.stateless_apply` returns the updated arrays. One `jax.jit` step trains
the discriminator and then the generator; the Variables are written once, at the end.
Run from the repository root to make docs/figures/gan_stateless.png:

    python docs/gan_stateless.py
"""
from __future__ import annotations

import os

import jax
import numpy as np

import lamina as keras
from gan_digits import LATENT, make_discriminator, make_generator, plot_digits, real_digits

HERE = os.path.dirname(os.path.abspath(__file__))


def train_gan_stateless(steps: int = 3_000, batch_size: int = 64, seed: int = 0) -> tuple:
    """Train for `steps` steps; returns `(generator, d_losses, g_losses)`, with the
    trained weights written into the generator's and discriminator's Variables."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = real_digits()
    generator, discriminator = make_generator(), make_discriminator()
    g_opt = keras.optimizers.Adam(1e-3, beta_1=0.5)
    d_opt = keras.optimizers.Adam(1e-3, beta_1=0.5)
    g_opt.build(generator.trainable_variables)
    d_opt.build(discriminator.trainable_variables)
    bce = keras.losses.BinaryCrossentropy()
    ones, zeros = np.ones((batch_size, 1)), np.zeros((batch_size, 1))

    def d_loss_fn(d_tv, d_ntv, g_tv, g_ntv, images, noise):
        fake, _ = generator.stateless_call(g_tv, g_ntv, noise, training=True)
        p_real, d_ntv = discriminator.stateless_call(d_tv, d_ntv, images, training=True)
        p_fake, d_ntv = discriminator.stateless_call(d_tv, d_ntv, fake, training=True)
        return 0.5 * (bce(ones, p_real) + bce(zeros, p_fake)), d_ntv

    def g_loss_fn(g_tv, g_ntv, d_tv, d_ntv, noise):
        fake, g_ntv = generator.stateless_call(g_tv, g_ntv, noise, training=True)
        p_fake, _ = discriminator.stateless_call(d_tv, d_ntv, fake, training=True)
        return bce(ones, p_fake), g_ntv   # the discriminator's arrays are not updated

    d_grad_fn = jax.value_and_grad(d_loss_fn, has_aux=True)
    g_grad_fn = jax.value_and_grad(g_loss_fn, has_aux=True)

    @jax.jit
    def train_step(state, images, key):
        g_tv, g_ntv, g_ov, d_tv, d_ntv, d_ov = state
        key_d, key_g = jax.random.split(key)
        noise = jax.random.normal(key_d, (batch_size, LATENT))
        (d_loss, d_ntv), d_grads = d_grad_fn(d_tv, d_ntv, g_tv, g_ntv, images, noise)
        d_tv, d_ov = d_opt.stateless_apply(d_ov, d_grads, d_tv)
        noise = jax.random.normal(key_g, (batch_size, LATENT))
        (g_loss, g_ntv), g_grads = g_grad_fn(g_tv, g_ntv, d_tv, d_ntv, noise)
        g_tv, g_ov = g_opt.stateless_apply(g_ov, g_grads, g_tv)
        return (g_tv, g_ntv, g_ov, d_tv, d_ntv, d_ov), d_loss, g_loss

    state = ([v.value for v in generator.trainable_variables],
             [v.value for v in generator.non_trainable_variables],
             [v.value for v in g_opt.variables],
             [v.value for v in discriminator.trainable_variables],
             [v.value for v in discriminator.non_trainable_variables],
             [v.value for v in d_opt.variables])
    key = jax.random.PRNGKey(seed)
    d_losses, g_losses = [], []
    for step in range(steps):
        images = x[rng.integers(len(x), size=batch_size)]
        state, d_loss, g_loss = train_step(state, images, jax.random.fold_in(key, step))
        d_losses.append(d_loss)
        g_losses.append(g_loss)
    # Once, at the end: the arrays back into the Variables.
    g_tv, g_ntv, _, d_tv, d_ntv, _ = state
    for variables, values in ((generator.trainable_variables, g_tv),
                              (generator.non_trainable_variables, g_ntv),
                              (discriminator.trainable_variables, d_tv),
                              (discriminator.non_trainable_variables, d_ntv)):
        for variable, value in zip(variables, values):
            variable.assign(value)
    return generator, [float(v) for v in d_losses], [float(v) for v in g_losses]


def main() -> None:
    import time

    from gan_digits import mean_image_distance

    start = time.perf_counter()
    generator, d_losses, g_losses = train_gan_stateless()
    seconds = time.perf_counter() - start
    noise = np.random.default_rng(1).normal(size=(32, LATENT)).astype(np.float32)
    images = generator.predict(noise, verbose=0)
    print(f"{len(d_losses)} steps in {seconds:.0f} s ({1e3 * seconds / len(d_losses):.2f} ms "
          f"a step); last 100 steps: discriminator loss {np.mean(d_losses[-100:]):.3f}, "
          f"generator loss {np.mean(g_losses[-100:]):.3f}; mean-image distance "
          f"{mean_image_distance(images):.3f}")
    os.makedirs(os.path.join(HERE, "figures"), exist_ok=True)
    plot_digits(images, os.path.join(HERE, "figures", "gan_stateless.png"),
                f"generated after {len(d_losses)} stateless steps")


if __name__ == "__main__":
    main()
