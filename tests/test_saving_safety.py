"""Malformed, hostile and interrupted model files: refused with a reason, never harmful."""
import json
import os
import pathlib
import zipfile

import numpy as np
import pytest

import lamina as keras
from lamina.saving import _archive as archive


@pytest.fixture
def saved(tmp_path):
    """A valid model file and its members."""
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(np.ones((4, 2)), np.ones(4), verbose=0)
    path = tmp_path / "good.lamina"
    model.save(path)
    with zipfile.ZipFile(path) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    return model, path, members


def _write_zip(path, members):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_load_model_empty_file_raises(tmp_path):
    path = tmp_path / "empty.lamina"
    path.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.lamina' is empty"):
        keras.models.load_model(path)


def test_load_model_random_bytes_raises(tmp_path):
    path = tmp_path / "noise.lamina"
    path.write_bytes(np.random.RandomState(0).bytes(4096))
    with pytest.raises(ValueError, match="noise.lamina' is not a Lamina model file.*zip"):
        keras.models.load_model(path)


def test_load_model_truncated_raises(tmp_path, saved):
    _, good, _ = saved
    data = good.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        path = tmp_path / "cut.lamina"
        path.write_bytes(data[:cut])
        with pytest.raises(ValueError, match="cut.lamina"):
            keras.models.load_model(path)


def test_load_model_missing_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="No model file"):
        keras.models.load_model(tmp_path / "absent.lamina")


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/evil", "a/../../evil", "C:evil",
                                  "..\\evil"])
def test_load_model_path_traversing_member_raises(tmp_path, saved, name):
    _, _, members = saved
    path = _write_zip(tmp_path / "trav.lamina", {**members, name: b"x"})
    with pytest.raises(ValueError, match="trav.lamina' is refused.*outside the archive"):
        keras.models.load_model(path)
    assert not (tmp_path.parent / "evil.txt").exists()


def test_load_model_duplicate_member_raises(tmp_path, saved):
    _, _, members = saved
    path = tmp_path / "dup.lamina"
    with pytest.warns(UserWarning):  # zipfile warns about the duplicate name
        with zipfile.ZipFile(path, "w") as zf:
            for name, data in members.items():
                zf.writestr(name, data)
            zf.writestr("config.json", b"{}")
    with pytest.raises(ValueError, match="appears twice"):
        keras.models.load_model(path)


def test_load_model_missing_member_raises(tmp_path, saved):
    _, _, members = saved
    del members["model.weights.safetensors"]
    path = _write_zip(tmp_path / "part.lamina", members)
    with pytest.raises(ValueError, match="no 'model.weights.safetensors' member"):
        keras.models.load_model(path)


def test_load_model_unknown_class_raises(tmp_path, saved):
    _, _, members = saved
    config = json.loads(members["config.json"])
    config["model"]["config"]["layers"][1]["class_name"] = "subprocess.Popen"
    members["config.json"] = json.dumps(config).encode()
    path = _write_zip(tmp_path / "cls.lamina", members)
    with pytest.raises(ValueError, match="cls.lamina.*Unknown layer class 'subprocess.Popen'"):
        keras.models.load_model(path)


def test_load_model_newer_format_raises(tmp_path, saved):
    _, _, members = saved
    config = json.loads(members["config.json"])
    config["format_version"] = archive.FORMAT_VERSION + 1
    config["lamina_version"] = "99.0"
    members["config.json"] = json.dumps(config).encode()
    path = _write_zip(tmp_path / "new.lamina", members)
    with pytest.raises(ValueError, match="newer Lamina \\(99.0, file format 2\\).*Upgrade"):
        keras.models.load_model(path)


@pytest.mark.parametrize("text", [b"{not json", b"[1, 2]", b'{"format": "other"}',
                                  b'{"format": "lamina.model", "format_version": "1"}',
                                  b"[" * 100000])
def test_load_model_bad_config_raises(tmp_path, saved, text):
    _, _, members = saved
    members["config.json"] = text
    path = _write_zip(tmp_path / "conf.lamina", members)
    with pytest.raises(ValueError, match="conf.lamina"):
        keras.models.load_model(path)


def test_load_model_corrupt_weights_member_raises(tmp_path, saved):
    _, _, members = saved
    members["model.weights.safetensors"] = members["model.weights.safetensors"][:40]
    path = _write_zip(tmp_path / "w.lamina", members)
    with pytest.raises(ValueError, match="weights in 'w.lamina'|w.lamina.*safetensors"):
        keras.models.load_model(path)


def test_load_model_absurd_member_size_raises(tmp_path, saved, monkeypatch):
    _, good, _ = saved
    monkeypatch.setattr(archive, "MAX_TENSOR_BYTES", 16)
    with pytest.raises(ValueError, match="declares .* bytes, more than the 16"):
        keras.models.load_model(good)


def test_load_model_oversized_config_raises(tmp_path, saved, monkeypatch):
    _, _, members = saved
    monkeypatch.setattr(archive, "MAX_CONFIG_BYTES", 2**20)
    path = tmp_path / "big.lamina"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", b" " * (2 * 2**20))
        zf.writestr("model.weights.safetensors", members["model.weights.safetensors"])
    with pytest.raises(ValueError, match="big.lamina' is refused.*config.json' declares"):
        keras.models.load_model(path)


def test_load_model_forged_expansion_raises(tmp_path, saved):
    _, _, members = saved
    path = tmp_path / "bomb.lamina"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("config.json", b"{}")
        zf.writestr("model.weights.safetensors", members["model.weights.safetensors"])
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")  # the central entry of config.json
    data[central + 24:central + 28] = (10 * 2**20).to_bytes(4, "little")  # its declared size
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="more than compression can produce"):
        keras.models.load_model(path)


def test_load_model_never_unpickles(tmp_path, saved):
    import pickle

    _, _, members = saved
    members["config.json"] = pickle.dumps({"format": "lamina.model"})
    path = _write_zip(tmp_path / "pk.lamina", members)
    with pytest.raises(ValueError, match="not valid JSON"):
        keras.models.load_model(path)


def test_saving_sources_never_import_pickle():
    folder = pathlib.Path(archive.__file__).parent
    for source in folder.glob("*.py"):
        text = source.read_text()
        assert "import pickle" not in text and "__import__" not in text, source.name
        assert "importlib" not in text, source.name


def test_load_weights_random_bytes_raises(tmp_path):
    path = tmp_path / "w.weights.safetensors"
    path.write_bytes(np.random.RandomState(1).bytes(512))
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="w.weights.safetensors"):
        model.load_weights(path)


def test_load_weights_empty_file_raises(tmp_path):
    path = tmp_path / "w.weights.safetensors"
    path.write_bytes(b"")
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    with pytest.raises(ValueError, match="empty"):
        model.load_weights(path)


def test_save_crash_mid_write_keeps_old_file(tmp_path, saved, monkeypatch):
    model, path, _ = saved
    before = path.read_bytes()
    real = zipfile.ZipFile.writestr
    calls = []

    def crash(self, name, data, *args, **kwargs):
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full (simulated)")
        return real(self, name, data, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "writestr", crash)
    model.fit(np.ones((4, 2)), np.zeros(4), verbose=0)  # new weights to save
    with pytest.raises(OSError, match="simulated"):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(os.listdir(path.parent)) == ["good.lamina"]  # no temporary left
    loaded = keras.models.load_model(path)
    assert loaded.get_weights()[0].shape == (2, 1)


def test_save_weights_crash_mid_write_keeps_old_file(tmp_path, monkeypatch):
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    path = tmp_path / "w.weights.safetensors"
    model.save_weights(path)
    before = path.read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(KeyboardInterrupt):
        model.save_weights(path)
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["w.weights.safetensors"]


_SAVE_THEN_STALL = """
import os, sys, time
import lamina as keras
model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])

def stall(fd):  # the archive is written, not yet renamed into place
    print("writing", flush=True)
    time.sleep(120)

os.fsync = stall
model.save(sys.argv[1])
"""


def _kill_mid_save(path):
    import signal
    import subprocess
    import sys

    child = subprocess.Popen([sys.executable, "-c", _SAVE_THEN_STALL, str(path)],
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    assert child.returncode == -signal.SIGKILL


def test_save_after_a_sigkilled_save_removes_its_temporary_file(tmp_path):
    path = tmp_path / "m.lamina"
    _kill_mid_save(path)
    left = sorted(p.name for p in tmp_path.iterdir())
    assert len(left) == 1 and left[0].startswith(".m.lamina.") and left[0].endswith(".tmp")
    alive = tmp_path / f".m.lamina.{os.getpid()}-concurrent.tmp"  # a save in progress
    alive.write_bytes(b"")
    other = tmp_path / ".other.lamina.1-x.tmp"  # another target's
    other.write_bytes(b"")
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.save(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [alive.name, other.name, "m.lamina"])
    assert keras.models.load_model(path).count_params() == 3
