"""The guides on loops written by hand (docs/gan.md, docs/stateless_training.md,
docs/dqn.md) run, at small settings, the scripts whose code they quote."""
import os
import sys

import numpy as np
import pytest

import lamina as keras

DOCS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "docs")
sys.path.insert(0, DOCS)
NOISE = np.random.default_rng(1).normal(size=(64, 16)).astype(np.float32)


def _code_blocks(guide):
    with open(os.path.join(DOCS, guide)) as f:
        text = f.read()
    return [block.split("\n", 1)[1] for block in text.split("```")[1::2]
            if block.startswith("python")]


@pytest.mark.parametrize("guide, scripts", [
    ("gan.md", ["gan_digits.py"]),
    ("stateless_training.md", ["gan_stateless.py"]),
    ("dqn.md", ["dqn_cartpole.py"]),
])
def test_guide_code_is_the_code_of_its_script(guide, scripts):
    source = "".join(open(os.path.join(DOCS, s)).read() for s in scripts)
    lines = {line.strip() for line in source.splitlines()}
    blocks = _code_blocks(guide)
    assert len(blocks) >= 2
    for block in blocks:
        for line in block.splitlines():
            assert line.strip() in lines, f"{guide} quotes a line its script lacks: {line!r}"


def _numpy_generator(weights, noise):
    """The generator of docs/gan_digits.py by hand: Dense, LeakyReLU(0.2) twice, then
    Dense with a sigmoid."""
    k1, b1, k2, b2, k3, b3 = weights
    h = noise @ k1 + b1
    h = np.where(h > 0, h, 0.2 * h)
    h = h @ k2 + b2
    h = np.where(h > 0, h, 0.2 * h)
    return 1 / (1 + np.exp(-(h @ k3 + b3)))


def _untrained_distance(gan_digits):
    keras.utils.set_random_seed(0)
    return gan_digits.mean_image_distance(gan_digits.make_generator().predict(NOISE, verbose=0))


def test_gan_guide_generates_digits_closer_to_the_real_ones():
    import gan_digits

    generator, d_losses, g_losses = gan_digits.train_gan(steps=100, batch_size=32)
    assert len(d_losses) == len(g_losses) == 100
    assert np.all(np.isfinite(d_losses)) and np.all(np.isfinite(g_losses))
    images = generator.predict(NOISE, verbose=0)
    assert images.shape == (64, 64)
    np.testing.assert_allclose(images, _numpy_generator(generator.get_weights(), NOISE),
                               rtol=1e-4, atol=1e-5)
    assert gan_digits.mean_image_distance(images) < 0.85 * _untrained_distance(gan_digits)


def test_stateless_gan_guide_trains_and_writes_the_variables_back():
    import gan_digits
    import gan_stateless

    generator, d_losses, g_losses = gan_stateless.train_gan_stateless(steps=100, batch_size=32)
    assert len(d_losses) == 100 and np.all(np.isfinite(d_losses + g_losses))
    images = generator.predict(NOISE, verbose=0)
    assert images.shape == (64, 64)
    np.testing.assert_allclose(images, _numpy_generator(generator.get_weights(), NOISE),
                               rtol=1e-4, atol=1e-5)
    assert gan_digits.mean_image_distance(images) < 0.85 * _untrained_distance(gan_digits)


def test_dqn_guide_learns_cartpole_three_times_better_than_random():
    pytest.importorskip("gymnasium")
    import dqn_cartpole

    baseline = np.mean(dqn_cartpole.random_returns())
    returns = dqn_cartpole.train_dqn(seed=0)
    assert 15 < baseline < 35  # CartPole's random policy, about 22
    assert np.mean(returns[-20:]) >= 3 * baseline
