"""Damaged and hostile model files, generated: every failure to load is a clean error.

A seeded mutation loop over valid `.lamina` files: truncation, bit flips (in the
file and inside compressed members), members renamed, duplicated or recompressed,
and edits of `config.json` and of the safetensors headers. Whatever it produces,
`load_model` either returns a model that predicts on its saved input shape, or
raises a `ValueError` (an `OSError` for I/O) that names the file. The budget is
fixed so the test stays fast; `fuzz(..., cases=...)` runs longer by hand.
"""
from __future__ import annotations

import io
import json
import math
import random
import struct
import warnings
import zipfile

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers

MEMBERS = ("config.json", "model.weights.safetensors", "optimizer.safetensors")

HOSTILE = [None, True, False, -1, 0, 1, 2.5, -2.5, 10**9, 10**12, 2**63, -(10**9),
           math.inf, -math.inf, math.nan, "", "x", "relu", "Dense", [], [None], [None, 4, 4],
           [None, 0], [0], [-1], [None, -3], [[None, 2]], {}, {"class_name": "Dense"},
           {"list": [[None, 2]]}, {"class_name": "Dense", "config": {"units": 10**9}},
           "x" * 5000]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def sequential_file(path) -> None:
    """A compiled, trained Sequential model with BatchNorm and Dropout."""
    model = keras.Sequential([layers.Input((4,)), layers.Dense(3, activation="relu"),
                              layers.BatchNormalization(), layers.Dropout(0.2),
                              layers.Dense(2, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.ones((8, 4)), np.arange(8) % 2, batch_size=4, verbose=0)
    model.save(path)


def functional_file(path) -> None:
    """A compiled, trained functional model with two inputs and an AUC metric."""
    a, b = layers.Input((3,), name="a"), layers.Input((2,), name="b")
    merged = layers.Concatenate()([layers.Dense(2, name="da")(a), layers.Dense(2)(b)])
    out = layers.Dense(1, activation="sigmoid", name="out")(merged)
    model = keras.Model([a, b], out)
    model.compile(optimizer="rmsprop", loss="binary_crossentropy", metrics=["AUC"])
    model.fit([np.ones((4, 3)), np.ones((4, 2))], np.array([0, 1, 0, 1]), verbose=0)
    model.save(path)


def _members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return [(info.filename, zf.read(info)) for info in zf.infolist()]


def _zip(members: list[tuple[str, bytes]], methods: dict | None = None) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(out, "w") as zf:
            for name, data in members:
                method = (methods or {}).get(name, zipfile.ZIP_STORED)
                zf.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data,
                            compress_type=method)
    return out.getvalue()


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, prefix + (i,))


def _edit_json(rng: random.Random, node):
    """A copy of a JSON tree with one node replaced, deleted, renamed or wrapped."""
    node = json.loads(json.dumps(node))
    paths = [p for p in _paths(node) if p]
    if not paths:
        return rng.choice(HOSTILE)
    path = rng.choice(paths)
    parent = node
    for key in path[:-1]:
        parent = parent[key]
    key = path[-1]
    action = rng.randrange(5)
    if action == 0 and isinstance(parent, dict):
        del parent[key]
    elif action == 1 and isinstance(parent, dict):
        parent[str(key) + rng.choice(["_", "X", ""])] = parent.pop(key)
        parent[rng.choice(["extra", "units", "class_name"])] = rng.choice(HOSTILE)
    elif action == 2:
        parent[key] = [parent[key]]
    else:
        parent[key] = rng.choice(HOSTILE)
    return node


def _edit_config(rng: random.Random, data: bytes) -> bytes:
    config = json.loads(data)
    for _ in range(rng.choice([1, 1, 1, 2, 3])):
        config = _edit_json(rng, config)
    return json.dumps(config).encode()


def _edit_safetensors(rng: random.Random, data: bytes) -> bytes:
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    choice = rng.randrange(4)
    if choice == 0 and "__metadata__" in header:
        header["__metadata__"]["names"] = _nested(rng.choice([10, 5000, 200000]))
    elif choice == 1:
        header = _edit_json(rng, header)
    elif choice == 2:
        body = body[:rng.randrange(len(body) + 1)]
    else:
        name = rng.choice([k for k in header if k != "__metadata__"] or ["x"])
        header[name] = {"dtype": rng.choice(["F32", "F64", "I64", "BOOL", "F16", "X"]),
                        "shape": rng.choice([[10**9, 10**9], [2**40], [0], [3, 3], []]),
                        "data_offsets": rng.choice([[0, 4], [0, 2**62], [8, 0]])}
    text = json.dumps(header).encode()
    declared = len(text) if rng.random() < 0.9 else rng.choice([0, 2**63, len(text) + 7])
    return struct.pack("<Q", declared) + text + body


def mutate(rng: random.Random, good: bytes) -> bytes:
    """One damaged or hostile variant of the archive `good`."""
    members = _members(good)
    kind = rng.randrange(9)
    if kind == 0:  # truncation
        return good[:rng.randrange(len(good))]
    if kind == 1:  # bit flips anywhere
        data = bytearray(good)
        for _ in range(rng.choice([1, 2, 8])):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        return bytes(data)
    if kind == 2:  # a member renamed
        i = rng.randrange(len(members))
        name = rng.choice([m for m in MEMBERS if m != members[i][0]] +
                          ["CONFIG.JSON", "config.json/", "x", "model.weights.safetensor"])
        members[i] = (name, members[i][1])
        return _zip(members)
    if kind == 3:  # a member duplicated (the same or another content)
        name, data = rng.choice(members)
        members.append((name, rng.choice([data, b"{}", data[: len(data) // 2]])))
        return _zip(members)
    if kind == 4:  # compressed members with flipped bits in the compressed data
        method = rng.choice([zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
        data = bytearray(_zip(members, {name: method for name, _ in members}))
        start = rng.randrange(40, max(41, len(data) - 200))
        for _ in range(rng.choice([1, 4, 16])):
            data[start + rng.randrange(min(64, len(data) - start))] ^= 0xFF
        return bytes(data)
    if kind in (5, 6):  # config.json edited
        members = [(n, _edit_config(rng, d) if n == "config.json" else d) for n, d in members]
        return _zip(members)
    # a safetensors header or body edited
    target = rng.choice([n for n, _ in members if n.endswith(".safetensors")])
    members = [(n, _edit_safetensors(rng, d) if n == target else d) for n, d in members]
    return _zip(members)


def check_one(path, data: bytes) -> str:
    """Load a mutated file: 'loaded', or the clean error's class name; anything else
    fails the test."""
    path.write_bytes(data)
    try:
        model = keras.models.load_model(path)
    except (ValueError, OSError) as err:
        assert path.name in str(err), f"the error does not name the file: {err!r}"
        return type(err).__name__
    shapes = model.input_shape if isinstance(model.input_shape, list) else [model.input_shape]
    x = [jax.ShapeDtypeStruct((2,) + tuple(1 if d is None else d for d in s[1:]), np.float32)
         for s in shapes]
    # What predict runs, traced on the saved input shape (a compile per mutant would
    # cost more than the rest of the test).
    jax.eval_shape(lambda inputs: model(inputs, training=False), x if len(x) > 1 else x[0])
    return "loaded"


def originals(folder) -> dict:
    """The valid files the mutations start from, as bytes by maker name."""
    out = {}
    for make in (sequential_file, functional_file):
        keras.layers.clear_session()
        make(folder / f"{make.__name__}.lamina")
        out[make.__name__] = (folder / f"{make.__name__}.lamina").read_bytes()
    return out


def fuzz(tmp_path, good_files: dict, cases: int, seed: int = 0) -> dict:
    """Run `cases` mutations of each original file; return the outcomes counted."""
    outcomes: dict[str, int] = {}
    for name, good in good_files.items():
        rng = random.Random(f"{seed}-{name}")
        for i in range(cases):
            data = mutate(rng, good)
            try:
                outcome = check_one(tmp_path / "mutant.lamina", data)
            except Exception as err:  # report the case that escaped
                (tmp_path / "escaped.lamina").write_bytes(data)
                raise AssertionError(f"case {i} of {name} (seed {seed}) raised "
                                     f"{type(err).__name__}: {str(err)[:300]}") from err
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


@pytest.fixture(scope="module")
def good_files(tmp_path_factory):
    return originals(tmp_path_factory.mktemp("originals"))


def test_load_model_fuzzed_files_fail_cleanly(tmp_path, good_files):
    outcomes = fuzz(tmp_path, good_files, cases=60)
    assert sum(outcomes.values()) == 120
    assert outcomes.get("ValueError", 0) > 60  # most mutants are refused, each cleanly


@pytest.mark.parametrize("name", ["sequential_file", "functional_file"])
def test_mutate_leaves_the_original_loadable(tmp_path, good_files, name):
    assert check_one(tmp_path / "good.lamina", good_files[name]) == "loaded"


def _config_edit(edit):
    def mutate_config(members):
        out = []
        for name, data in members:
            if name == "config.json":
                config = json.loads(data)
                edit(config)
                data = json.dumps(config).encode()
            out.append((name, data))
        return _zip(out)
    return mutate_config


def _set_layer(kind, **values):
    def edit(config):
        for layer in config["model"]["config"]["layers"]:
            if layer["class_name"] == kind:
                layer["config"].update(values)
    return edit


def _rename_output(config):
    config["model"]["config"]["output_layers"]["config"]["keras_history"][0] = "renamed"


def _nested_names(members):
    out = []
    for name, data in members:
        if name == "model.weights.safetensors":
            (length,) = struct.unpack("<Q", data[:8])
            header = json.loads(data[8:8 + length])
            header["__metadata__"]["names"] = _nested(100000)
            text = json.dumps(header).encode()
            data = struct.pack("<Q", len(text)) + text + data[8 + length:]
        out.append((name, data))
    return _zip(out)


def _damaged_deflate(members):
    data = bytearray(_zip(members, {name: zipfile.ZIP_DEFLATED for name, _ in members}))
    start = data.index(b"model.weights.safetensors") + 40  # inside its deflated data
    data[start:start + 16] = bytes(16)
    return bytes(data)


def _lzma(members):
    return _zip(members, {name: zipfile.ZIP_LZMA for name, _ in members})


# Files the mutation loop found that raised raw errors before (KeyError, IndexError,
# OverflowError, RecursionError, zlib.error, LZMAError), one of each.
@pytest.mark.parametrize("name,mutation,message", [
    ("functional_file", _config_edit(_rename_output),
     r"it refers to output 0 of call 0 of layer 'renamed', which no layer produces"),
    ("sequential_file", _config_edit(_set_layer("InputLayer", batch_input_shape=[])),
     r"layer class 'InputLayer' \(named '.*'\) from its config \(IndexError: .*damaged"),
    ("sequential_file", _config_edit(_set_layer("BatchNormalization", axis=math.inf)),
     r"layer class 'BatchNormalization' .* \(OverflowError: .*damaged"),
    ("sequential_file", _config_edit(_set_layer("Dense", units=[None])),
     r"layer class 'Dense'"),
    ("functional_file", _config_edit(lambda c: c["compile_config"]["optimizer"]["config"].update(
        clipnorm=[None])), r"Cannot restore the compile settings .*clipnorm"),
    ("sequential_file", _nested_names, None),
    ("sequential_file", _damaged_deflate,
     r"is damaged: its member 'model.weights.safetensors' cannot be decompressed"),
    ("sequential_file", _lzma, r"uses zip compression method 14; Lamina files store members "
                             r"plain or deflated"),
])
def test_load_model_files_the_fuzzer_found_fail_cleanly(tmp_path, good_files, name,
                                                         mutation, message):
    path = tmp_path / "found.lamina"
    path.write_bytes(mutation(_members(good_files[name])))
    if message is None:  # unreadable metadata only loses the order; names still match
        assert check_one(path, path.read_bytes()) == "loaded"
        return
    with pytest.raises(ValueError, match=message):
        keras.models.load_model(path)


def test_load_weights_fuzzed_safetensors_fail_cleanly(tmp_path):
    model = keras.Sequential([layers.Input((4,)), layers.Dense(3), layers.Dense(2)])
    good_path = tmp_path / "good.weights.safetensors"
    model.save_weights(good_path)
    good = good_path.read_bytes()
    rng = random.Random("weights")
    path = tmp_path / "mutant.weights.safetensors"
    outcomes = {}
    for _ in range(80):
        kind = rng.randrange(3)
        if kind == 0:
            data = good[:rng.randrange(len(good))]
        elif kind == 1:
            data = bytearray(good)
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
            data = bytes(data)
        else:
            data = _edit_safetensors(rng, good)
        path.write_bytes(data)
        try:
            model.load_weights(path)
            outcome = "loaded"
        except (ValueError, OSError) as err:
            assert path.name in str(err), repr(err)
            outcome = type(err).__name__
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    assert outcomes.get("ValueError", 0) > 40
    assert [w.shape for w in model.get_weights()] == [(4, 3), (3,), (3, 2), (2,)]
