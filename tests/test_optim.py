"""The optimizer core (`lamina.core.optim`) against NumPy re-implementations of
Keras's update formulas."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lamina.core import optim
from lamina.optimizers import schedules

LR = 0.1
RNG = np.random.default_rng(0)
W0 = {"kernel": RNG.normal(size=(2, 3)), "bias": RNG.normal(size=(3,))}
# Shrinking gradients, so AMSGrad's running maximum differs from `v`.
GRADS = [{k: s * RNG.normal(size=v.shape) for k, v in W0.items()} for s in (3.0, 1.0, 0.2)]


def _np_step(name, hp, w, g, s, t):
    """One Keras update of one leaf in float64 NumPy; `s` is a dict state, `t` 1-based."""
    lr = hp.get("learning_rate", LR)
    if name == "sgd":
        mom = hp.get("momentum", 0.0)
        s["m"] = mom * s.get("m", 0.0) - lr * g
        return w + (mom * s["m"] - lr * g if hp.get("nesterov") else s["m"])
    if name == "rmsprop":
        rho, mom, eps = hp.get("rho", 0.9), hp.get("momentum", 0.0), 1e-7
        s["v"] = rho * s.get("v", 0.0) + (1 - rho) * g ** 2
        if hp.get("centered"):
            s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g
            inc = lr * g / np.sqrt(s["v"] - s["a"] ** 2 + eps)
        else:
            inc = lr * g / np.sqrt(s["v"] + eps)
        s["mo"] = mom * s.get("mo", 0.0) + inc
        return w - s["mo"]
    if name in ("adam", "adamw"):
        b1, b2, eps = 0.9, 0.999, 1e-7
        s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - b1)
        s["v"] = s.get("v", 0.0) + (g ** 2 - s.get("v", 0.0)) * (1 - b2)
        v = s["v"]
        if hp.get("amsgrad"):
            s["vh"] = v = np.maximum(s.get("vh", 0.0), s["v"])
        alpha = lr * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return w - alpha * s["m"] / (np.sqrt(v) + eps)
    if name == "adagrad":
        s["acc"] = s.get("acc", 0.1) + g ** 2
        return w - lr * g / np.sqrt(s["acc"] + 1e-7)
    if name == "adadelta":
        rho, eps = 0.95, 1e-7
        s["eg"] = rho * s.get("eg", 0.0) + (1 - rho) * g ** 2
        d = -np.sqrt(s.get("ex", 0.0) + eps) * g / np.sqrt(s["eg"] + eps)
        s["ex"] = rho * s.get("ex", 0.0) + (1 - rho) * d ** 2
        return w + lr * d
    if name == "adamax":
        b1, b2, eps = 0.9, 0.999, 1e-7
        s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - b1)
        s["u"] = np.maximum(b2 * s.get("u", 0.0), np.abs(g))
        return w - lr * s["m"] / ((1 - b1 ** t) * (s["u"] + eps))
    if name == "nadam":
        b1, b2, eps = 0.9, 0.999, 1e-7
        u = [b1 * (1 - 0.5 * 0.96 ** k) for k in range(1, t + 2)]
        p_t = np.prod(u[:t])
        s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - b1)
        s["v"] = s.get("v", 0.0) + (g ** 2 - s.get("v", 0.0)) * (1 - b2)
        m_hat = u[t] * s["m"] / (1 - p_t * u[t]) + (1 - u[t - 1]) * g / (1 - p_t)
        v_hat = s["v"] / (1 - b2 ** t)
        return w - lr * m_hat / (np.sqrt(v_hat) + eps)
    if name == "lion":
        b1, b2 = 0.9, 0.99
        m = s.get("m", 0.0)
        s["m"] = b2 * m + (1 - b2) * g
        return w - lr * np.sign(b1 * m + (1 - b1) * g)
    raise KeyError(name)


def _np_run(name, hp, weight_decay=None):
    w, states, out = dict(W0), {k: {} for k in W0}, []
    for t, g in enumerate(GRADS, start=1):
        new = {}
        for k in w:
            decayed = w[k] - w[k] * weight_decay * hp.get("learning_rate", LR) \
                if weight_decay else w[k]
            delta = _np_step(name, hp, w[k], g[k], states[k], t) - w[k]
            new[k] = decayed + delta
        w = new
        out.append(w)
    return out


def _lamina_run(tx, steps=GRADS):
    params = {k: jnp.asarray(v, jnp.float32) for k, v in W0.items()}
    state, out = tx.init(params), []
    for g in steps:
        updates, state = tx.update({k: jnp.asarray(v, jnp.float32) for k, v in g.items()},
                                   state, params)
        params = jax.tree.map(lambda p, u: p + u, params, updates)
        out.append(params)
    return out, state


CASES = [
    ("sgd", {}), ("sgd", {"momentum": 0.9}), ("sgd", {"momentum": 0.9, "nesterov": True}),
    ("rmsprop", {}), ("rmsprop", {"momentum": 0.5, "centered": True}),
    ("adam", {}), ("adam", {"amsgrad": True}), ("adamw", {}),
    ("adagrad", {}), ("adadelta", {"learning_rate": 1.0}), ("adamax", {}),
    ("nadam", {}), ("lion", {}),
]


@pytest.mark.parametrize("name,hp", CASES, ids=[f"{n}-{h}" for n, h in CASES])
def test_build_first_three_updates_match_keras_formulas(name, hp):
    hp = {"learning_rate": LR, **hp}
    got, _ = _lamina_run(optim.build(name, hp))
    want = _np_run(name, hp, weight_decay=0.004 if name == "adamw" else None)
    for g, w in zip(got, want):
        for k in W0:
            assert g[k].shape == W0[k].shape and g[k].dtype == jnp.float32
            np.testing.assert_allclose(np.asarray(g[k]), w[k], rtol=2e-5, atol=2e-6)


CONVERGENCE = [("sgd", 0.1, {}), ("sgd", 0.05, {"momentum": 0.9, "nesterov": True}),
               ("rmsprop", 0.01, {}), ("adam", 0.05, {}), ("adamw", 0.05, {}),
               ("adagrad", 0.5, {}), ("adadelta", 1.0, {"epsilon": 1e-3}),
               ("adamax", 0.05, {}), ("nadam", 0.05, {}), ("lion", 0.005, {})]


@pytest.mark.parametrize("name,lr,hp", CONVERGENCE, ids=[c[0] for c in CONVERGENCE])
def test_build_converges_on_quadratic(name, lr, hp):
    target = {"a": jnp.array([1.0, -2.0, 0.5]), "b": jnp.array([[0.3, -0.7]])}
    tx = optim.build(name, {"learning_rate": lr, **hp})

    def loss(p):
        return sum(jnp.sum((p[k] - target[k]) ** 2) for k in p)

    def body(_, carry):
        params, state = carry
        updates, state = tx.update(jax.grad(loss)(params), state, params)
        return jax.tree.map(jnp.add, params, updates), state

    params = jax.tree.map(jnp.zeros_like, target)
    params, _ = jax.jit(lambda c: jax.lax.fori_loop(0, 1000, body, c))(
        (params, tx.init(params)))
    assert params["b"].shape == (1, 2)
    assert float(loss(params)) < 1e-3


@pytest.mark.parametrize("kwargs,scale", [
    ({"clipnorm": 1.0}, lambda g: {k: v / max(1.0, np.linalg.norm(v)) for k, v in g.items()}),
    ({"global_clipnorm": 1.0}, lambda g: {k: v / max(1.0, np.sqrt(sum(
        np.sum(x ** 2) for x in g.values()))) for k, v in g.items()}),
    ({"clipvalue": 0.5}, lambda g: {k: np.clip(v, -0.5, 0.5) for k, v in g.items()}),
    ({"clipnorm": 1.0, "clipvalue": 0.3}, lambda g: {k: np.clip(
        v / max(1.0, np.linalg.norm(v)), -0.3, 0.3) for k, v in g.items()}),
])
def test_build_clipping_matches_keras(kwargs, scale):
    got, _ = _lamina_run(optim.build("sgd", {"learning_rate": 1.0}, **kwargs), GRADS[:1])
    clipped = scale(GRADS[0])
    for k in W0:
        assert got[0][k].shape == W0[k].shape
        np.testing.assert_allclose(np.asarray(got[0][k]), W0[k] - clipped[k], rtol=1e-5)


def test_build_clipnorm_and_global_clipnorm_rejected():
    with pytest.raises(ValueError, match="Only one of `clipnorm` and `global_clipnorm`"):
        optim.build("adam", clipnorm=1.0, global_clipnorm=1.0)


def test_build_weight_decay_is_decoupled_for_any_optimizer():
    hp = {"learning_rate": LR}
    got, _ = _lamina_run(optim.build("rmsprop", hp, weight_decay=0.5))
    want = _np_run("rmsprop", hp, weight_decay=0.5)
    for g, w in zip(got, want):
        for k in W0:
            np.testing.assert_allclose(np.asarray(g[k]), w[k], rtol=2e-5, atol=2e-6)


def test_build_weight_decay_needs_params():
    tx = optim.build("sgd", weight_decay=0.1)
    with pytest.raises(ValueError, match="needs the parameters"):
        tx.update(jnp.ones(2), tx.init(jnp.ones(2)))


def test_build_schedule_sets_each_step_rate_and_state_shows_next():
    sched = schedules.ExponentialDecay(0.1, decay_steps=1, decay_rate=0.5)
    tx = optim.build("sgd", {"learning_rate": sched})
    params = jnp.zeros(2)
    state = tx.init(params)
    assert float(optim.get_hyperparam(state, "learning_rate")) == pytest.approx(0.1)
    for k in range(3):
        updates, state = tx.update(jnp.ones(2), state, params)
        assert updates.shape == (2,)
        np.testing.assert_allclose(np.asarray(updates), -0.1 * 0.5 ** k * np.ones(2), rtol=1e-6)
        assert float(optim.get_hyperparam(state, "learning_rate")) == pytest.approx(
            0.1 * 0.5 ** (k + 1))
    assert int(optim.iterations(state)) == 3
    with pytest.raises(TypeError, match="controlled by a schedule"):
        optim.set_hyperparam(state, "learning_rate", 0.5)


@pytest.mark.parametrize("name", sorted(optim.RULES))
def test_build_state_is_arrays_only_and_survives_donation(name):
    tx = optim.build(name, {"learning_rate": schedules.CosineDecay(0.1, 10)})
    params = {"w": jnp.ones((2, 2))}
    state = tx.init(params)
    assert all(isinstance(leaf, jax.Array) for leaf in jax.tree.leaves(state))

    def epoch(state, params):
        def step(carry, _):
            p, s = carry
            u, s = tx.update({"w": p["w"] * 0.5}, s, p)
            return (jax.tree.map(jnp.add, p, u), s), None
        return jax.lax.scan(step, (params, state), None, length=4)[0]

    params, state = jax.jit(epoch, donate_argnums=0)(state, params)
    assert params["w"].shape == (2, 2)
    assert int(optim.iterations(state)) == 4


def test_set_hyperparam_changes_rate_without_retracing():
    tx = optim.build("adam", {"learning_rate": 0.01})
    traces = []

    @jax.jit
    def update(grads, state, params):
        traces.append(1)
        return tx.update(grads, state, params)

    params = jnp.zeros(3)
    state = tx.init(params)
    _, state = update(jnp.ones(3), state, params)
    state = optim.set_hyperparam(state, "learning_rate", 0.5)
    state = optim.set_hyperparam(state, "beta_1", 0.0)
    updates, state = update(jnp.ones(3), state, params)
    assert len(traces) == 1
    # beta_1=0: m=g; second step: lr_t = 0.5*sqrt(1-0.999^2)/(1-0); v=0.001999*g^2.
    v = 0.001 * 0.999 + 0.001
    want = -0.5 * np.sqrt(1 - 0.999 ** 2) * 1.0 / (np.sqrt(v) + 1e-7)
    assert updates.shape == (3,)
    np.testing.assert_allclose(np.asarray(updates), np.full(3, want), rtol=1e-5)
    assert optim.get_hyperparam(state, "learning_rate").dtype == jnp.float32


@pytest.mark.parametrize("call,exc,match", [
    (lambda: optim.build("adamm"), ValueError, "Did you mean 'adam'"),
    (lambda: optim.build("sgd", {"momentun": 0.9}), ValueError, "Did you mean 'momentum'"),
    (lambda: optim.build("sgd", {"nesterov": 1}), TypeError, "True or False"),
    (lambda: optim.build("adam", {"learning_rate": "fast"}), TypeError, "real number"),
    (lambda: optim.build("sgd", {"momentum": 1.5}), ValueError, r"\[0, 1\]"),
    (lambda: optim.build("lion", {"beta_1": 0.0}), ValueError, "SignSGD"),
    (lambda: optim.build("sgd", clipvalue=-1.0), ValueError, "clipvalue"),
    (lambda: optim.build(3), TypeError, "must be a string"),
    (lambda: optim.get_hyperparam(optim.build("sgd").init(jnp.zeros(1)), "lr"),
     ValueError, "Valid ones are"),
    (lambda: optim.get_hyperparam((), "learning_rate"), TypeError, "lamina.core.optim.build"),
    (lambda: optim.set_hyperparam(optim.build("sgd").init(jnp.zeros(1)), "momentum", [1.0]),
     TypeError, "real number"),
])
def test_build_rejects_bad_input(call, exc, match):
    with pytest.raises(exc, match=match):
        call()
