"""Small files that would make loading use huge memory: loading is bounded by what the
file itself declares, and checked against the architecture before data is read."""
import json
import struct
import tracemalloc
import zipfile

import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.backend import _budget

EXPAND = 128 * 2**20  # what the bombs below expand to


def _model():
    model = keras.Sequential([layers.Input((4,)), layers.Dense(3, name="dense"),
                              layers.Dense(1, name="dense_1")])
    model.compile(optimizer="adam", loss="mse", metrics=["AUC"])
    model.fit(np.ones((8, 4)), np.ones(8), verbose=0)
    return model


@pytest.fixture(scope="module")
def members(tmp_path_factory):
    path = tmp_path_factory.mktemp("limits") / "good.lamina"
    _model().save(path)
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _write(path, members, deflated=()):
    with zipfile.ZipFile(path, "w", compresslevel=1) as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if name in deflated else \
                zipfile.ZIP_STORED
            with zf.open(info, "w", force_zip64=True) as out:
                for chunk in (data if isinstance(data, list) else [data]):
                    out.write(chunk)
    return path


def _zeros(total):
    chunk = bytes(2**20)
    return [chunk] * (total // len(chunk))


def _with_config(members, edit):
    config = json.loads(members["config.json"])
    edit(config)
    return {**members, "config.json": json.dumps(config).encode()}


def _peak_bytes(fn):
    tracemalloc.start()
    try:
        fn()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


def test_load_model_deflate_bomb_is_refused_without_reading_it(tmp_path, members):
    # A valid weights member followed by 128 MiB of zeros: ~130 KB deflated.
    bomb = {**members, "model.weights.safetensors":
            [members["model.weights.safetensors"]] + _zeros(EXPAND)}
    path = _write(tmp_path / "bomb.lamina", bomb, deflated={"model.weights.safetensors"})
    assert path.stat().st_size < 2**20

    def load():
        with pytest.raises(ValueError, match=r"bomb.lamina' \(its member "
                                             r"'model.weights.safetensors'\) is damaged: its "
                                             r"header promises \d+ bytes in all, but it holds "
                                             rf"{EXPAND + len(members['model.weights.safetensors'])}"):
            keras.models.load_model(path)

    assert _peak_bytes(load) < 16 * 2**20


def test_load_model_declared_tensors_are_checked_before_their_data(tmp_path, members):
    # The header honestly declares a 128 MiB kernel (zeros, deflated), but the
    # architecture's kernel is (4, 3): refused before the data is read.
    shape = [4, EXPAND // 16]
    text = json.dumps({"dense/kernel": {"dtype": "F32", "shape": shape,
                                        "data_offsets": [0, EXPAND]}}).encode()
    weights = [struct.pack("<Q", len(text)) + text] + _zeros(EXPAND)
    path = _write(tmp_path / "big.lamina", {**members, "model.weights.safetensors": weights},
                  deflated={"model.weights.safetensors"})

    def load():
        with pytest.raises(ValueError, match=r"weight 'dense/kernel' has shape \(4, 3\) in the "
                                             rf"model but \(4, {shape[1]}\) in the file"):
            keras.models.load_model(path)

    assert _peak_bytes(load) < 16 * 2**20


@pytest.mark.parametrize("edit,culprit", [
    (lambda c: c["model"]["config"]["layers"][1]["config"].update(units=10**9),
     r"weight 'dense/kernel' of shape \(4, 1000000000\) would take 16000000000 bytes"),
    (lambda c: c["model"]["config"]["layers"][0]["config"].update(
        batch_input_shape=[None, 10**9]),
     r"weight 'dense/kernel' of shape \(1000000000, 3\) would take 12000000000 bytes"),
    (lambda c: c["compile_config"].update(
        metrics=[{"class_name": "AUC", "config": {"num_thresholds": 10**12}}]),
     r"AUC\(num_thresholds=1000000000000\)'s counts would take 56000000000000 bytes"),
])
def test_load_model_config_larger_than_its_weights_is_refused(tmp_path, members, edit,
                                                              culprit):
    path = _write(tmp_path / "huge.lamina", _with_config(members, edit))
    with pytest.raises(ValueError, match=culprit + r".*loading '.*huge.lamina' may allocate "
                                                   r"no more than its \d+ bytes of weights.*"
                                                   r"max_bytes="):
        keras.models.load_model(path)


def test_load_model_max_bytes_overrides_the_limit_both_ways(tmp_path, members):
    big_auc = _with_config(members, lambda c: c["compile_config"].update(
        metrics=[{"class_name": "AUC", "config": {"num_thresholds": 2 * 10**6}}]))
    path = _write(tmp_path / "auc.lamina", big_auc)
    with pytest.raises(ValueError, match=r"would take 112000000 bytes"):
        keras.models.load_model(path)
    model = keras.models.load_model(path, max_bytes=2**30)
    assert model.metrics_names == ["loss", "auc"]
    good = _write(tmp_path / "good.lamina", members)
    with pytest.raises(ValueError, match=r"max_bytes=100\) sets"):
        keras.models.load_model(good, max_bytes=100)
    assert keras.models.load_model(good).count_params() == 4 * 3 + 3 + 3 * 1 + 1


def test_load_model_input_shape_that_disagrees_with_the_weights_is_refused(tmp_path,
                                                                           members):
    def edit(config):
        config["model"]["config"]["layers"][0]["config"]["batch_input_shape"] = [None, 4, 4]

    path = _write(tmp_path / "shape.lamina", _with_config(members, edit))
    with pytest.raises(ValueError, match=r"shape.lamina': it is damaged: its layers declare "
                                         r"the input shape \[None, 4, 4\], but the model was "
                                         r"saved built on inputs of shape \[None, 4\]"):
        keras.models.load_model(path)


def test_allocation_limit_is_charged_before_variables_exist():
    with _budget.allocation_limit(1000, "a test limit."):
        keras.Variable(np.zeros(10), name="small")  # an array: already allocated
        with pytest.raises(ValueError, match=r"weight 'big' of shape \(1000, 1000\) would "
                                             r"take 4000000 bytes.*a test limit"):
            keras.Variable(keras.initializers.Zeros(), shape=(1000, 1000), name="big")
    keras.Variable(keras.initializers.Zeros(), shape=(1000, 1000), name="big")  # no limit
