"""The pure core: its imports, and core/train.py's programs on a hand-made forward."""
import ast
import pathlib

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from lamina.core import batching, train
from lamina.core import metrics as core_metrics

CORE = pathlib.Path(__file__).resolve().parents[1] / "lamina" / "core"
ALLOWED_ROOTS = {"jax", "optax", "numpy"}
ALLOWED_STDLIB = {"__future__", "typing", "dataclasses", "functools", "math", "numbers",
                  "collections", "itertools", "enum", "abc", "difflib", "inspect",
                  "operator", "warnings"}


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            yield node.lineno, "." * node.level + (node.module or "")
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) == "__import__":
            yield node.lineno, "__import__(...)"


def test_core_imports_only_jax_optax_numpy_and_itself():
    files = sorted(CORE.glob("*.py"))
    assert {f.name for f in files} >= {"train.py", "batching.py", "losses.py", "metrics.py",
                                       "optim.py"}
    bad = []
    for path in files:
        for line, name in _imports(ast.parse(path.read_text(), filename=str(path))):
            root = name.split(".")[0]
            ok = (name.startswith(".") or root in ALLOWED_ROOTS or root in ALLOWED_STDLIB
                  or name == "lamina.core" or name.startswith("lamina.core."))
            if not ok:
                bad.append(f"{path.name}:{line} imports {name}")
    assert bad == []


def test_core_import_check_catches_a_shell_import():
    tree = ast.parse("import os\nfrom lamina.layers import Dense\nfrom lamina import core\n"
                     "def f():\n    import lamina.models\n")
    names = [name for _, name in _imports(tree)]
    assert names == ["os", "lamina.layers", "lamina", "lamina.models"]


# -- a hand-made model: y = x @ w + b, a step counter as non-trainable state --------
L2 = 0.1


def forward(trainable, non_trainable, x, *, training, rng):
    w, b = trainable
    (count,) = non_trainable
    if training:
        count = count + 1.0
    penalty = L2 * jnp.sum(w ** 2)
    return x @ w + b, (count,), penalty, None


def mse(y_true, y_pred, sw, mask):
    return jnp.mean((y_pred - y_true) ** 2)


TRACKER = core_metrics.mean()
OBJECTIVE = train.Objective(
    loss=mse,
    init_metrics=lambda: (TRACKER.init(),),
    update_metrics=lambda states, loss, bs, y, p, sw, mask: (
        TRACKER.update(states[0], loss, jnp.asarray(bs, jnp.float32)),))
RESULTS = lambda states: (TRACKER.result(states[0]),)  # noqa: E731
LR = 0.05
OPT = optax.sgd(LR)

RNG = np.random.default_rng(0)
X = RNG.normal(size=(11, 3)).astype(np.float32)
Y = RNG.normal(size=(11, 1)).astype(np.float32)
W0 = RNG.normal(size=(3, 1)).astype(np.float32)
B0 = np.zeros(1, np.float32)


def initial_state():
    trainable = (jnp.asarray(W0), jnp.asarray(B0))
    return train.TrainState(trainable, (jnp.zeros(()),), OPT.init(trainable),
                            OBJECTIVE.init_metrics(), jax.random.PRNGKey(0),
                            jnp.zeros((), jnp.int32))


def np_step(w, b, x, y):
    r = x @ w + b - y
    loss = np.mean(r ** 2) + L2 * np.sum(w ** 2)
    g = 2 * r / r.size
    return w - LR * (x.T @ g + 2 * L2 * w), b - LR * g.sum(0), loss


def np_epoch(order, batch_size):
    w, b = W0.astype(np.float64), B0.astype(np.float64)
    total = 0.0
    for start in range(0, len(order), batch_size):
        idx = order[start:start + batch_size]
        w, b, loss = np_step(w, b, X[idx], Y[idx])
        total += loss * len(idx)
    return w, b, total / len(order)


STEP = train.make_train_step(forward, OBJECTIVE, OPT)
LOOP = train.make_train_loop(STEP, RESULTS)
STATIC = dict(steps=2, batch_size=4, remainder=3)


def test_train_step_is_one_sgd_step_with_penalty():
    state = jax.jit(STEP)(initial_state(), (X[:4], Y[:4], None))
    w, b, loss = np_step(W0.astype(np.float64), B0.astype(np.float64), X[:4], Y[:4])
    assert state.trainable[0].shape == (3, 1) and state.trainable[1].shape == (1,)
    np.testing.assert_allclose(np.asarray(state.trainable[0]), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(state.trainable[1]), b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(RESULTS(state.metrics)[0]), loss, rtol=1e-5)
    assert int(state.step) == 1 and float(state.non_trainable[0]) == 1.0


def test_train_step_gives_forward_a_new_key_each_step():
    def noisy(trainable, non_trainable, x, *, training, rng):
        key = rng(0) if callable(rng) else rng
        draw = jax.random.uniform(key, ())
        return x @ trainable[0] + trainable[1], (draw,), jnp.zeros(()), None

    step = jax.jit(train.make_train_step(noisy, OBJECTIVE, OPT))
    first = step(initial_state(), (X[:4], Y[:4], None))
    second = step(first, (X[:4], Y[:4], None))
    again = step(initial_state(), (X[:4], Y[:4], None))
    draws = [float(s.non_trainable[0]) for s in (first, second, again)]
    assert draws[0] != draws[1] and draws[0] == draws[2]


@pytest.mark.parametrize("perm", [np.arange(11), RNG.permutation(11)])
def test_train_loop_runs_full_batches_then_the_remainder(perm):
    perm = jnp.asarray(perm, jnp.int32)
    state, logs = LOOP(initial_state(), (X, Y, None), perm, 0, 3, **STATIC)
    w, b, loss = np_epoch(np.asarray(perm), 4)
    np.testing.assert_allclose(np.asarray(state.trainable[0]), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(state.trainable[1]), b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(logs[0]), loss, rtol=1e-5)
    assert int(state.step) == 3 and float(state.non_trainable[0]) == 3.0


def test_train_loop_without_order_takes_rows_as_they_are():
    state, logs = LOOP(initial_state(), (X, Y, None), None, 0, 3, **STATIC)
    w, b, loss = np_epoch(np.arange(11), 4)
    np.testing.assert_allclose(np.asarray(state.trainable[0]), w, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(float(logs[0]), loss, rtol=1e-5)


def test_train_loop_runs_a_lone_batch_as_the_remainder():
    state, _ = LOOP(initial_state(), (X[:3], Y[:3], None), None, 0, 1, steps=0, batch_size=3,
                    remainder=3)
    w, b, _ = np_step(W0.astype(np.float64), B0.astype(np.float64), X[:3], Y[:3])
    assert int(state.step) == 1
    np.testing.assert_allclose(np.asarray(state.trainable[0]), w, rtol=1e-5, atol=1e-6)


def test_train_loop_in_chunks_equals_one_call():
    perm = jnp.arange(11, dtype=jnp.int32)
    whole, _ = LOOP(initial_state(), (X, Y, None), perm, 0, 3, **STATIC)
    compiled = LOOP._cache_size()
    state = initial_state()
    for start, stop in [(0, 1), (1, 2), (2, 3)]:
        state, logs = LOOP(state, (X, Y, None), perm, start, stop, **STATIC)
    for a, b in zip(jax.tree.leaves(whole), jax.tree.leaves(state)):
        np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=1e-6)
    assert LOOP._cache_size() == compiled  # every chunk length runs the same program
    # An empty range changes nothing.
    same, _ = LOOP(state, (X, Y, None), perm, 3, 3, **STATIC)
    assert int(same.step) == 3


def test_eval_loop_averages_over_all_rows():
    eval_step = train.make_eval_step(forward, OBJECTIVE)
    loop = train.make_eval_loop(eval_step, RESULTS)
    params = ((jnp.asarray(W0), jnp.asarray(B0)), (jnp.zeros(()),))
    metrics, logs = loop(params, OBJECTIVE.init_metrics(), (X, Y, None), None, 0, 3,
                         **STATIC)
    w = W0.astype(np.float64)
    expected = 0.0
    for start in (0, 4, 8):  # the penalty joins each batch's loss
        r = X[start:start + 4] @ w - Y[start:start + 4]
        expected += (np.mean(r ** 2) + L2 * np.sum(w ** 2)) * len(r)
    np.testing.assert_allclose(float(logs[0]), expected / 11, rtol=1e-5)
    assert float(metrics[0].count) == 11.0


def test_predict_loop_and_step():
    params = ((jnp.asarray(W0), jnp.asarray(B0)), (jnp.zeros(()),))
    out = train.make_predict_loop(forward)(params, X[:8], 2, 4)
    assert out.shape == (8, 1)
    np.testing.assert_allclose(np.asarray(out), X[:8] @ W0, rtol=1e-5, atol=1e-6)
    one = train.make_predict_step(forward)(params, X[8:])
    assert one.shape == (3, 1)
    np.testing.assert_allclose(np.asarray(one), X[8:] @ W0, rtol=1e-5, atol=1e-6)


def test_plan_epoch_cuts_rows_as_keras():
    assert batching.plan_epoch(1000, 32) == (31, 32, 8, None)
    assert batching.plan_epoch(64, 32) == (2, 32, 0, None)
    assert batching.plan_epoch(10, 32) == (0, 32, 10, None)
    assert batching.plan_epoch(10, 4, steps=2) == (2, 4, 0, None)
    assert batching.plan_epoch(10, 4).total_steps == 3


def test_epoch_permutation_depends_only_on_seed_and_epoch():
    a = batching.epoch_permutation(7, 3, 50)
    assert a.shape == (50,) and a.dtype == np.int32
    assert sorted(a.tolist()) == list(range(50))
    np.testing.assert_array_equal(a, batching.epoch_permutation(7, 3, 50))
    assert not np.array_equal(a, batching.epoch_permutation(7, 4, 50))
    assert not np.array_equal(a, batching.epoch_permutation(8, 3, 50))
