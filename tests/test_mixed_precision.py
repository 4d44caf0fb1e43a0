"""Mixed precision: dtype policies, autocasting, float32 losses, dynamic loss scaling."""
import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest

import lamina as keras
from lamina.core.loss_scale import dynamic_loss_scale


@pytest.fixture(autouse=True)
def _float32_after():
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_policy_dtypes_follow_the_name():
    got = {n: (keras.mixed_precision.Policy(n).compute_dtype,
               keras.mixed_precision.Policy(n).variable_dtype)
           for n in ("mixed_bfloat16", "mixed_float16", "float32", "bfloat16")}
    assert got == {"mixed_bfloat16": ("bfloat16", "float32"),
                   "mixed_float16": ("float16", "float32"),
                   "float32": ("float32", "float32"), "bfloat16": ("bfloat16", "bfloat16")}


def test_policy_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="mixed_bfloat16"):
        keras.mixed_precision.Policy("mixed_bf16")
    with pytest.raises(ValueError, match="floating"):
        keras.mixed_precision.set_global_policy("int32")


def test_global_policy_applies_to_layers_created_after():
    before = keras.layers.Dense(2)
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    after = keras.layers.Dense(2)
    own = keras.layers.Dense(2, dtype="float32")
    assert keras.mixed_precision.global_policy().name == "mixed_bfloat16"
    assert (before.dtype_policy.name, after.dtype_policy.name, own.dtype_policy.name) == \
        ("float32", "mixed_bfloat16", "float32")
    assert (after.dtype, after.compute_dtype) == ("float32", "bfloat16")


def test_dense_mixed_keeps_float32_weights_and_computes_in_bfloat16():
    layer = keras.layers.Dense(3, dtype="mixed_bfloat16")
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    y = layer(x)
    assert layer.kernel.dtype == jnp.float32 and layer.bias.dtype == jnp.float32
    assert y.shape == (4, 3) and y.dtype == jnp.bfloat16
    # NumPy: inputs and weights rounded to bfloat16, products summed in float32.
    bf = lambda a: np.asarray(a).astype(ml_dtypes.bfloat16).astype(np.float32)
    expected = bf(x) @ bf(layer.kernel.numpy()) + bf(layer.bias.numpy())
    np.testing.assert_allclose(np.asarray(y, np.float32), expected, rtol=2e-2, atol=2e-2)


def test_float32_layer_casts_bfloat16_inputs_up():
    layer = keras.layers.Activation("softmax", dtype="float32")
    y = layer(jnp.ones((2, 3), jnp.bfloat16))
    assert y.shape == (2, 3) and y.dtype == jnp.float32
    np.testing.assert_allclose(np.asarray(y), np.full((2, 3), 1 / 3), rtol=1e-6)


def test_mixed_gradients_are_float32():
    layer = keras.layers.Dense(2, dtype="mixed_bfloat16")
    x = jnp.ones((3, 4))
    layer(x)
    tv = [v.value for v in layer.trainable_weights]

    def loss(tv):
        out, _ = layer.stateless_call(tv, [], x)
        assert out.dtype == jnp.bfloat16
        return jnp.sum(out.astype(jnp.float32) ** 2)

    grads = jax.grad(loss)(tv)
    assert [g.dtype for g in grads] == [jnp.float32, jnp.float32]
    assert [g.shape for g in grads] == [(4, 2), (2,)]


def test_batch_normalization_mixed_keeps_float32_statistics():
    layer = keras.layers.BatchNormalization(momentum=0.5, dtype="mixed_bfloat16")
    x = np.random.default_rng(1).normal(3.0, 2.0, size=(64, 3)).astype("float32")
    y, nt = layer.stateless_call(*_build_and_weights(layer, x), x, training=True)
    assert y.dtype == jnp.bfloat16 and y.shape == (64, 3)
    assert [a.dtype for a in nt] == [jnp.float32, jnp.float32]
    xb = x.astype(ml_dtypes.bfloat16).astype(np.float64)
    np.testing.assert_allclose(np.asarray(nt[0]), 0.5 * xb.mean(0), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(nt[1]), 0.5 + 0.5 * xb.var(0), rtol=1e-4)


def _build_and_weights(layer, x):
    layer(x)
    return ([v.value for v in layer.trainable_weights],
            [v.value for v in layer.non_trainable_weights])


def _regression(policy, optimizer, seed=0):
    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.layers.Input((6,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, dtype="float32")])
    model.compile(optimizer=optimizer, loss="mse")
    return model


_RNG = np.random.default_rng(2)
_X = _RNG.normal(size=(256, 6)).astype("float32")
_Y = (_X @ _RNG.normal(size=(6, 1)) + 0.5).astype("float32")


@pytest.mark.parametrize("policy", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_model_trains_to_the_float32_result(policy):
    reference = _regression("float32", keras.optimizers.Adam(0.01))
    start = reference.get_weights()
    ref_loss = reference.fit(_X, _Y, batch_size=32, epochs=15, verbose=0,
                             shuffle=False).history["loss"]
    model = _regression(policy, keras.optimizers.Adam(0.01))
    model.set_weights(start)
    loss = model.fit(_X, _Y, batch_size=32, epochs=15, verbose=0,
                     shuffle=False).history["loss"]
    assert model.layers[0].compute_dtype == policy.split("_")[1]
    assert all(w.dtype == np.float32 for w in model.get_weights())
    assert model.predict(_X[:5], verbose=0).dtype == np.float32
    # Stated tolerance: the final loss within 10% of float32's (it fell >= 5x from the start),
    # the weights within 0.05.
    assert ref_loss[-1] < ref_loss[0] / 5
    assert abs(loss[-1] - ref_loss[-1]) <= 0.1 * ref_loss[-1]
    for w, r in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(w, r, atol=0.05)
    if policy == "mixed_float16":
        assert isinstance(model.optimizer, keras.mixed_precision.LossScaleOptimizer)


def test_loss_scale_optimizer_skips_overflowing_steps_and_halves_the_scale():
    opt = keras.mixed_precision.LossScaleOptimizer(keras.optimizers.SGD(0.01),
                                                  initial_scale=2.0 ** 24)
    model = _regression("mixed_float16", opt)
    model.fit(_X, _Y, batch_size=8, epochs=1, verbose=0)
    skipped = 32 - int(opt.iterations)
    # float16 overflows above 65504 (~2**16): scaled gradients overflow at first, and
    # each overflowing step is skipped and halves the scale.
    assert 0 < skipped < 32
    assert float(opt.dynamic_scale) == 2.0 ** (24 - skipped)
    assert np.all(np.isfinite(np.concatenate([w.ravel() for w in model.get_weights()])))


def test_dynamic_loss_scale_grows_after_growth_steps():
    import optax
    tx = dynamic_loss_scale(optax.sgd(1.0), initial_scale=8.0, growth_steps=3)
    state = tx.init(jnp.zeros(2))
    scales = []
    for _ in range(4):
        updates, state = tx.update(jnp.array([8.0, 16.0]), state, jnp.zeros(2))
        scales.append(float(state.scale))
    assert scales == [8.0, 8.0, 16.0, 16.0]
    np.testing.assert_array_equal(np.asarray(updates), [-0.5, -1.0])  # grads / scale


def test_policy_and_loss_scale_optimizer_survive_save_and_load(tmp_path):
    model = _regression("mixed_float16", keras.optimizers.Adam(0.01))
    model.fit(_X[:64], _Y[:64], batch_size=32, epochs=1, verbose=0)
    keras.mixed_precision.set_global_policy("float32")
    model.save(tmp_path / "m.lamina")
    loaded = keras.models.load_model(tmp_path / "m.lamina")
    assert [l.dtype_policy.name for l in loaded.layers] == ["mixed_float16", "float32"]
    assert isinstance(loaded.optimizer, keras.mixed_precision.LossScaleOptimizer)
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.01)
    np.testing.assert_allclose(loaded.predict(_X[:4], verbose=0),
                               model.predict(_X[:4], verbose=0), rtol=1e-6)
