"""`lamina.distribution`: meshes, layouts, data and model parallel training on 4
simulated CPU devices (in a subprocess: the device count is fixed when JAX starts)."""
import json
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina as keras
from lamina import distribution as dist_mod

ROOT = pathlib.Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _no_distribution_after():
    yield
    dist_mod.set_distribution(None)


def _one_device_mesh(axes=("batch", "model")):
    return dist_mod.DeviceMesh((1,) * len(axes), list(axes),
                               devices=dist_mod.list_devices()[:1])


def test_list_devices_names_platform_and_id():
    devices = dist_mod.list_devices()
    assert devices[0] == "cpu:0" and len(devices) >= 1


def test_device_mesh_shape_must_hold_the_devices():
    with pytest.raises(ValueError, match="holds 4 devices, but received 1"):
        dist_mod.DeviceMesh((2, 2), ["batch", "model"], devices=dist_mod.list_devices()[:1])
    with pytest.raises(ValueError, match="one name per axis"):
        dist_mod.DeviceMesh((1,), ["batch", "model"], devices=dist_mod.list_devices()[:1])


def test_layout_map_matches_exact_key_then_one_regex():
    layout_map = dist_mod.LayoutMap(_one_device_mesh())
    layout_map["dense.*kernel"] = (None, "model")
    layout_map["dense_2/kernel"] = ("model", None)
    layout_map[".*bias"] = dist_mod.TensorLayout(("model",))
    assert layout_map["dense_1/kernel"].axes == (None, "model")
    assert layout_map["dense_2/kernel"].axes == ("model", None)
    assert layout_map["conv/kernel"] is None
    assert len(layout_map) == 3 and layout_map[".*bias"].device_mesh is layout_map.device_mesh
    layout_map["dense_1.*"] = (None, None)
    with pytest.raises(ValueError, match="matches several layout keys"):
        layout_map["dense_1/kernel"]


def test_set_distribution_refuses_other_objects():
    with pytest.raises(TypeError, match="DataParallel or ModelParallel"):
        dist_mod.set_distribution("data_parallel")


def _model(name="hidden"):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((4,)),
                              keras.layers.Dense(8, activation="relu", name=name),
                              keras.layers.Dense(1, name=f"{name}_out")])
    model.compile(optimizer="sgd", loss="mse")
    return model


_X = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
_Y = _X.sum(axis=1, keepdims=True)


def test_layout_key_that_matches_no_weight_is_an_error():
    layout_map = dist_mod.LayoutMap(_one_device_mesh())
    layout_map["decoder/kernel"] = (None, "model")
    dist_mod.set_distribution(dist_mod.ModelParallel(layout_map=layout_map))
    model = _model()
    with pytest.raises(ValueError, match="'decoder/kernel' matches no weight.*hidden/kernel"):
        model.fit(_X, _Y, batch_size=4, epochs=1, verbose=0)


def test_distribution_set_after_the_model_was_built_is_an_error():
    model = _model()
    dist_mod.set_distribution(dist_mod.DataParallel(devices=dist_mod.list_devices()[:1]))
    with pytest.raises(ValueError, match="built before the distribution DataParallel"):
        model.fit(_X, _Y, batch_size=4, epochs=1, verbose=0)


_WORKER = textwrap.dedent("""
    import json, os, sys
    import numpy as np, jax
    import lamina as keras
    from lamina import distribution as D
    out = {"devices": len(jax.devices())}
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1))).astype("float32")

    def make():
        keras.utils.set_random_seed(0)
        m = keras.Sequential([keras.layers.Input((8,)),
                              keras.layers.Dense(16, activation="relu", name="hidden"),
                              keras.layers.Dense(1, name="out")])
        m.compile(keras.optimizers.Adam(0.01), "mse")
        return m

    ref = make(); start = ref.get_weights()
    ref.fit(x, y, batch_size=32, epochs=3, verbose=0)   # 6 full batches, one of 8 rows
    expected = ref.get_weights()

    def gap(model):
        return max(float(np.abs(a - b).max()) for a, b in zip(model.get_weights(), expected))

    D.set_distribution(D.DataParallel())
    dp = make(); dp.set_weights(start)
    dp.fit(x, y, batch_size=32, epochs=3, verbose=0)
    out["dp_gap"] = gap(dp)
    out["dp_kernel_spec"] = list(dp.layers[0].kernel._value.sharding.spec)
    p = dp._get_programs(); st = dp._train_state(); adapter_data = jax.device_put((x, y, None))
    hlo = p.train.lower(st, adapter_data, None, 0, 6, steps=6, batch_size=32,
                        remainder=8).compile().as_text()
    out["dp_all_reduce"] = "all-reduce" in hlo
    try:
        dp.fit(x, y, batch_size=30, epochs=1, verbose=0)
    except ValueError as e:
        out["batch_error"] = str(e)

    mesh = D.DeviceMesh((2, 2), ["batch", "model"])
    layout_map = D.LayoutMap(mesh)
    layout_map["hidden/kernel"] = (None, "model")
    layout_map["hidden/bias"] = ("model",)
    D.set_distribution(D.ModelParallel(layout_map=layout_map))
    mp = make(); mp.set_weights(start)
    mp.fit(x, y, batch_size=32, epochs=3, verbose=0)
    out["mp_gap"] = gap(mp)
    kernel = mp.layers[0].kernel._value
    out["mp_kernel_spec"] = list(kernel.sharding.spec)
    out["mp_kernel_shard_shape"] = list(kernel.addressable_shards[0].data.shape)
    mp.save(sys.argv[1])
    out["mp_predict"] = mp.predict(x[:5], batch_size=4, verbose=0).ravel().tolist()

    D.set_distribution(D.DataParallel(devices=D.list_devices()[:2]))
    loaded = keras.models.load_model(sys.argv[1])
    out["loaded_dp_predict"] = loaded.predict(x[:5], batch_size=4, verbose=0).ravel().tolist()
    out["loaded_kernel_spec"] = list(loaded.layers[0].kernel._value.sharding.spec)
    print("RESULT" + json.dumps(out))
""")


@pytest.fixture(scope="module")
def four_devices(tmp_path_factory):
    path = tmp_path_factory.mktemp("dist") / "model.lamina"
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=4",
               JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", _WORKER, str(path)], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT")]
    assert line, proc.stdout[-2000:] + proc.stderr[-4000:]
    return json.loads(line[0][len("RESULT"):]), path


def test_data_parallel_equals_one_device(four_devices):
    out, _ = four_devices
    assert out["devices"] == 4
    assert out["dp_gap"] < 1e-5  # float32 tolerance after 21 Adam steps
    assert out["dp_kernel_spec"] == []  # weights replicated
    assert out["dp_all_reduce"]  # the batch is split: gradients are summed across devices


def test_data_parallel_batch_size_must_split_over_the_devices(four_devices):
    out, _ = four_devices
    assert "batch_size=30 cannot be split evenly over the 4 devices" in out["batch_error"]
    assert "nearest are [28, 32]" in out["batch_error"]


def test_model_parallel_shards_kernels_and_equals_one_device(four_devices):
    out, _ = four_devices
    assert out["mp_gap"] < 1e-5
    assert out["mp_kernel_spec"] == [None, "model"]
    assert out["mp_kernel_shard_shape"] == [8, 8]  # (8, 16) split in two along columns


def test_sharded_model_saves_an_ordinary_file_that_loads_anywhere(four_devices):
    out, path = four_devices
    # Loaded here, on one device without a distribution, and there on 2 devices.
    loaded = keras.models.load_model(path)
    x = np.random.default_rng(0).normal(size=(200, 8)).astype("float32")
    here = loaded.predict(x[:5], verbose=0).ravel()
    assert here.shape == (5,)
    np.testing.assert_allclose(here, out["mp_predict"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(out["loaded_dp_predict"], out["mp_predict"], rtol=1e-5,
                               atol=1e-6)
    assert out["loaded_kernel_spec"] == []
