"""Learning-rate schedules against their closed forms, traced and serialized."""
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lamina.optimizers import schedules

STEPS = [0, 1, 3, 5, 10, 12, 20, 31]


def _cosine(step, initial, decay_steps, alpha=0.0):
    s = min(step, decay_steps)
    return initial * ((1 - alpha) * 0.5 * (1 + math.cos(math.pi * s / decay_steps)) + alpha)


def _cosine_warmup(step, initial, decay_steps, alpha, target, warmup):
    s = min(step, decay_steps + warmup)
    if s < warmup:
        return initial + (target - initial) * s / warmup
    return _cosine(s - warmup, target, decay_steps, alpha)


def _polynomial(step, initial, decay_steps, end, power, cycle):
    if cycle:
        decay_steps = decay_steps * (1 if step == 0 else math.ceil(step / decay_steps))
    else:
        step = min(step, decay_steps)
    return (initial - end) * (1 - step / decay_steps) ** power + end


CASES = [
    (schedules.ExponentialDecay(0.1, 10, 0.5), lambda t: 0.1 * 0.5 ** (t / 10)),
    (schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
     lambda t: 0.1 * 0.5 ** (t // 10)),
    (schedules.PiecewiseConstantDecay([5, 12], [1.0, 0.5, 0.1]),
     lambda t: 1.0 if t <= 5 else (0.5 if t <= 12 else 0.1)),
    (schedules.CosineDecay(0.2, 20), lambda t: _cosine(t, 0.2, 20)),
    (schedules.CosineDecay(0.2, 20, alpha=0.1), lambda t: _cosine(t, 0.2, 20, 0.1)),
    (schedules.CosineDecay(0.0, 20, alpha=0.1, warmup_target=0.3, warmup_steps=5),
     lambda t: _cosine_warmup(t, 0.0, 20, 0.1, 0.3, 5)),
    (schedules.InverseTimeDecay(0.1, 2, 0.5), lambda t: 0.1 / (1 + 0.5 * t / 2)),
    (schedules.InverseTimeDecay(0.1, 2, 0.5, staircase=True),
     lambda t: 0.1 / (1 + 0.5 * (t // 2))),
    (schedules.PolynomialDecay(0.1, 10), lambda t: _polynomial(t, 0.1, 10, 1e-4, 1.0, False)),
    (schedules.PolynomialDecay(0.1, 10, 0.01, power=0.5, cycle=True),
     lambda t: _polynomial(t, 0.1, 10, 0.01, 0.5, True)),
]
IDS = ["exp", "exp-stair", "piecewise", "cosine", "cosine-alpha", "cosine-warmup",
       "inverse", "inverse-stair", "poly", "poly-cycle"]


@pytest.mark.parametrize("schedule,closed_form", CASES, ids=IDS)
def test_schedule_matches_closed_form(schedule, closed_form):
    got = np.array([schedule(t) for t in STEPS])
    assert got.shape == (len(STEPS),) and got.dtype == np.float32
    np.testing.assert_allclose(got, [closed_form(t) for t in STEPS], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("schedule,closed_form", CASES, ids=IDS)
def test_schedule_traces_with_array_step(schedule, closed_form):
    steps = jnp.asarray(STEPS, jnp.int32)
    got = jax.jit(jax.vmap(schedule))(steps)
    assert got.shape == (len(STEPS),)
    np.testing.assert_allclose(np.asarray(got), [closed_form(t) for t in STEPS],
                               rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("schedule", [c[0] for c in CASES], ids=IDS)
def test_schedule_serialize_round_trip(schedule):
    config = schedules.serialize(schedule)
    assert config["class_name"] == type(schedule).__name__
    back = schedules.deserialize(config)
    assert type(back) is type(schedule) and back.get_config() == schedule.get_config()
    assert float(back(7)) == float(schedule(7))


def test_schedule_custom_subclass_via_custom_objects():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return self.rate * 0.5 ** jnp.asarray(step, jnp.float32)

        def get_config(self):
            return {"rate": self.rate}

    config = schedules.serialize(Halving(0.8))
    back = schedules.deserialize(config, custom_objects={"Halving": Halving})
    assert float(back(2)) == pytest.approx(0.2)


@pytest.mark.parametrize("make,exc,match", [
    (lambda: schedules.ExponentialDecay(0.1, 0, 0.5), ValueError, "decay_steps` must be > 0"),
    (lambda: schedules.CosineDecay(0.1, -3), ValueError, "Received: decay_steps=-3"),
    (lambda: schedules.PolynomialDecay(0.1, 0), ValueError, "decay_steps"),
    (lambda: schedules.InverseTimeDecay(0.1, 0, 0.5), ValueError, "decay_steps"),
    (lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2]), ValueError,
     "1 less than the length of values"),
    (lambda: schedules.PiecewiseConstantDecay([5, 2], [0.1, 0.2, 0.3]), ValueError,
     "strictly increasing"),
    (lambda: schedules.deserialize({"class_name": "CosineDecy", "config": {}}), ValueError,
     "Did you mean 'CosineDecay'"),
    (lambda: schedules.deserialize("CosineDecay"), ValueError, "'class_name' and 'config'"),
    (lambda: schedules.serialize(lambda step: 0.1), TypeError, "LearningRateSchedule"),
    (lambda: schedules.LearningRateSchedule(), TypeError, "abstract"),
])
def test_schedule_rejects_bad_input(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_schedule_without_get_config_cannot_serialize():
    class NoConfig(schedules.LearningRateSchedule):
        def __call__(self, step):
            return 0.1

    with pytest.raises(TypeError, match="must override `get_config"):
        schedules.serialize(NoConfig())
