"""The Keras optimizer shell: constructors, `get`, (de)serialization, and the
learning rate read from and written to the optimizer state."""
import copy

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import lamina.optimizers as optimizers
from lamina.core import optim
from lamina.optimizers import schedules

DEFAULTS = [
    (optimizers.SGD, "SGD", 0.01, {"momentum": 0.0, "nesterov": False}),
    (optimizers.RMSprop, "rmsprop", 0.001,
     {"rho": 0.9, "momentum": 0.0, "epsilon": 1e-7, "centered": False}),
    (optimizers.Adam, "adam", 0.001,
     {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7, "amsgrad": False}),
    (optimizers.AdamW, "adamw", 0.001, {"weight_decay": 0.004, "beta_1": 0.9}),
    (optimizers.Adagrad, "adagrad", 0.001, {"initial_accumulator_value": 0.1, "epsilon": 1e-7}),
    (optimizers.Adadelta, "adadelta", 0.001, {"rho": 0.95, "epsilon": 1e-7}),
    (optimizers.Adamax, "adamax", 0.001, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    (optimizers.Nadam, "nadam", 0.001, {"beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7}),
    (optimizers.Lion, "lion", 0.001, {"beta_1": 0.9, "beta_2": 0.99}),
]


@pytest.mark.parametrize("cls,name,lr,extra", DEFAULTS, ids=[d[1] for d in DEFAULTS])
def test_optimizer_defaults_match_keras(cls, name, lr, extra):
    opt = cls()
    config = opt.get_config()
    assert config["name"] == name and config["learning_rate"] == lr
    assert {k: config[k] for k in extra} == extra
    assert all(getattr(opt, k) == v for k, v in extra.items())
    assert float(opt.learning_rate) == pytest.approx(lr)


@pytest.mark.parametrize("cls,name,lr,extra", DEFAULTS, ids=[d[1] for d in DEFAULTS])
def test_optimizer_stateless_apply_matches_core(cls, name, lr, extra):
    opt = cls(learning_rate=0.05, clipnorm=1.0)
    tx = optim.build(cls._core_name, {"learning_rate": 0.05}, clipnorm=1.0,
                     weight_decay=0.004 if cls is optimizers.AdamW else None)
    params = {"w": jnp.array([[1.0, -2.0, 0.5]])}
    grads = {"w": jnp.array([[0.3, 4.0, -1.0]])}
    new, state = opt.stateless_apply(opt.init(params), grads, params)
    updates, _ = tx.update(grads, tx.init(params), params)
    assert new["w"].shape == (1, 3)
    np.testing.assert_allclose(np.asarray(new["w"]),
                               np.asarray(params["w"] + updates["w"]), rtol=1e-6)
    assert int(optim.iterations(state)) == 1


@pytest.mark.parametrize("identifier,cls", [
    ("adam", optimizers.Adam), ("Adam", optimizers.Adam), ("SGD", optimizers.SGD),
    ("sgd", optimizers.SGD), ("rmsprop", optimizers.RMSprop), ("RMSprop", optimizers.RMSprop),
    ("AdamW", optimizers.AdamW), ("adagrad", optimizers.Adagrad),
    ("Adadelta", optimizers.Adadelta), ("adamax", optimizers.Adamax),
    ("nadam", optimizers.Nadam), ("Lion", optimizers.Lion),
    ({"class_name": "Adam", "config": {"learning_rate": 0.01}}, optimizers.Adam),
])
def test_get_resolves_identifiers(identifier, cls):
    opt = optimizers.get(identifier)
    assert type(opt) is cls
    if isinstance(identifier, dict):
        assert float(opt.learning_rate) == pytest.approx(0.01)


def test_get_passes_instances_through():
    opt = optimizers.SGD(0.3)
    assert optimizers.get(opt) is opt


@pytest.mark.parametrize("identifier,exc,match", [
    ("adamm", ValueError, "Did you mean 'Adam'"),
    ("rmsprob", ValueError, "Did you mean 'RMSprop'"),
    ("zzz", ValueError, r"Valid names \(case-insensitive\) are \['Adadelta'"),
    (5, TypeError, "Could not interpret optimizer identifier 5"),
    ({"config": {}}, ValueError, "class_name"),
])
def test_get_rejects_unknown_identifiers(identifier, exc, match):
    with pytest.raises(exc, match=match):
        optimizers.get(identifier)


def test_serialize_round_trips_with_schedule():
    sched = schedules.PiecewiseConstantDecay([2, 4], [0.1, 0.05, 0.01])
    opt = optimizers.RMSprop(learning_rate=sched, momentum=0.5, clipvalue=1.0, name="r")
    config = optimizers.serialize(opt)
    assert config["class_name"] == "RMSprop"
    assert config["config"]["learning_rate"]["class_name"] == "PiecewiseConstantDecay"
    back = optimizers.deserialize(config)
    assert type(back) is optimizers.RMSprop and back.get_config() == opt.get_config()
    assert float(back._learning_rate(3)) == pytest.approx(0.05)


def test_learning_rate_reads_and_writes_the_state():
    opt = optimizers.Adam(learning_rate=0.01)
    assert opt._state is None and opt.iterations == 0
    params = jnp.zeros(2)
    tx = opt.transform()
    state = tx.init(params)
    _, state = tx.update(jnp.ones(2), state, params)
    opt._state = state
    lr = opt.learning_rate
    assert float(lr) == pytest.approx(0.01) and lr.numpy().dtype == np.float32
    assert str(lr) == "0.01" and opt.lr == lr and int(opt.iterations) == 1
    opt.learning_rate = 0.001
    assert float(optim.get_hyperparam(opt._state, "learning_rate")) == pytest.approx(0.001)
    assert opt.get_config()["learning_rate"] == pytest.approx(0.001)
    assert opt.transform() is tx  # the compiled program stays valid
    opt.beta_1 = 0.5
    assert float(optim.get_hyperparam(opt._state, "beta_1")) == 0.5 and opt.beta_1 == 0.5


def test_learning_rate_setter_before_compile_changes_transform():
    opt = optimizers.SGD()
    opt.lr = 0.5
    tx = opt.transform()
    updates, _ = tx.update(jnp.ones(2), tx.init(jnp.zeros(2)), jnp.zeros(2))
    assert updates.shape == (2,)
    np.testing.assert_allclose(np.asarray(updates), [-0.5, -0.5])


def test_learning_rate_with_schedule_reads_value_and_refuses_set():
    opt = optimizers.SGD(schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5))
    assert float(opt.learning_rate) == pytest.approx(0.1)
    params = jnp.zeros(1)
    state = opt.init(params)
    for _ in range(2):
        params, state = opt.stateless_apply(state, jnp.ones(1), params)
    opt._state = state
    assert float(opt.learning_rate) == pytest.approx(0.025)
    np.testing.assert_allclose(np.asarray(params), [-0.15], rtol=1e-6)
    with pytest.raises(TypeError, match="controlled by a schedule"):
        opt.learning_rate = 0.3


def test_optimizer_weight_decay_applies():
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    w = jnp.array([2.0, -4.0])
    new, _ = opt.stateless_apply(opt.init(w), jnp.array([1.0, 1.0]), w)
    assert new.shape == (2,)
    np.testing.assert_allclose(np.asarray(new), [2.0 - 0.1 - 0.1, -4.0 - 0.1 + 0.2], rtol=1e-6)


def test_optimizer_legacy_lr_and_decay_arguments():
    with pytest.warns(UserWarning, match="deprecated name"):
        opt = optimizers.Adam(lr=0.02)
    assert float(opt.learning_rate) == pytest.approx(0.02)
    with pytest.warns(UserWarning, match="InverseTimeDecay"):
        opt = optimizers.SGD(learning_rate=0.1, decay=0.5)
    assert float(opt._learning_rate(2)) == pytest.approx(0.1 / (1 + 0.5 * 2))


@pytest.mark.parametrize("make,exc,match", [
    (lambda: optimizers.AdamW(weight_decay=None), ValueError, "weight_decay=None"),
    (lambda: optimizers.Adam(foo=1), ValueError, r"not recognized by Adam: \['foo'\]"),
    (lambda: optimizers.Adam(use_ema=True), ValueError, "do not support `use_ema`"),
    (lambda: optimizers.Adam(learning_rate="0.1"), TypeError, "float or a LearningRateSchedule"),
    (lambda: optimizers.SGD(momentum=2.0), ValueError, r"\[0, 1\]"),
    (lambda: optimizers.SGD(clipnorm=1.0, global_clipnorm=1.0), ValueError, "Only one of"),
    (lambda: optimizers.Lion(beta_1=0.0), ValueError, "SignSGD"),
    (lambda: optimizers.Optimizer(0.1), TypeError, "does not name an update rule"),
])
def test_optimizer_rejects_bad_arguments(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_optimizer_deepcopy_keeps_config_and_state():
    opt = optimizers.SGD(0.2, momentum=0.5)
    opt._state = opt.init(jnp.zeros(2))
    twin = copy.deepcopy(opt)
    assert twin.get_config() == opt.get_config() and twin.momentum == 0.5
    assert float(twin.learning_rate) == pytest.approx(0.2)


def test_optimizer_accepts_keras_defaults_for_unsupported_options():
    opt = optimizers.Adam(use_ema=False, ema_momentum=0.99, gradient_accumulation_steps=None)
    assert opt.get_config()["beta_2"] == 0.999


def test_optimizer_stateless_apply_runs_under_jit_without_retracing():
    opt = optimizers.Nadam(learning_rate=0.01)
    traces = []

    @jax.jit
    def step(state, params):
        traces.append(1)
        return opt.stateless_apply(state, {"w": params["w"] * 2.0}, params)

    params = {"w": jnp.ones((3, 2))}
    state = opt.init(params)
    for lr in (0.01, 0.02, 0.03):
        state = optim.set_hyperparam(state, "learning_rate", lr)
        params, state = step(state, params)
    assert len(traces) == 1 and params["w"].shape == (3, 2)
    assert int(optim.iterations(state)) == 3


def test_learning_rate_set_between_compiles_reaches_the_new_state():
    import lamina as keras

    x, y = np.ones((4, 2), np.float32), np.ones(4, np.float32)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    opt = keras.optimizers.SGD(0.1)
    model.compile(optimizer=opt, loss="mse")
    model.fit(x, y, verbose=0)
    opt.learning_rate = 0.0
    model.compile(optimizer=opt, loss="mse")  # a new optimizer state, at the new rate
    before = model.get_weights()
    model.fit(x, y, verbose=0)
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)
