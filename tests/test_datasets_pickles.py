"""The data-only pickle reader behind CIFAR's batch files and IMDB's and Reuters' object
arrays: what `pickle.dumps` and `np.save` write reads back equal, Python 2 pickles read
as `pickle.load` reads them, and anything beyond data is refused without being run.

Benign pickles are checked against their input (and Python 2 ones against
`pickle.loads` of the same bytes); hostile ones are never given to `pickle`."""
import io
import os
import pathlib
import pickle
import struct

import numpy as np
import pytest

from lamina.datasets._cifar import load_batch
from lamina.datasets._pickle_errors import PickleDamaged, PickleRefused
from lamina.datasets._pickle_reader import MAX_TUPLE_DEPTH, read_pickle
from lamina.datasets._pickles import load_npz, load_pickle

ADVICE = "The file may be corrupted or malicious; delete it and download it again."


def _ragged(rows):
    out = np.empty(len(rows), dtype=object)
    for i, row in enumerate(rows):
        out[i] = row
    return out


def _values():
    rng = np.random.default_rng(3)
    return {
        b"data": rng.integers(0, 256, (3, 8), dtype=np.uint8),
        "int64": np.array([-2**40, 0, 7], np.int64),
        "float32": rng.standard_normal((2, 3)).astype(np.float32),
        "big_endian": np.arange(6, dtype=">i4").reshape(2, 3),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)),
        "scalar": np.array(2.5),
        "empty": np.zeros((0, 3), np.float32),
        "bool": np.array([True, False]),
        "text": np.array(["ab", "c"]),
        "objects": np.asfortranarray(np.array([[1, "a"], [None, [2, 3]]], dtype=object)),
        "ragged": _ragged([[1, 2, 3], [], [70000, -5]]),
        # K, M and J opcodes, LONG1, across protocol 4's 64 KiB frames
        "ints": list(range(-70000, 70000, 3)) + [2**31, -2**31 - 1, 2**70],
        "nested": [[1, [2, [3]]], (4, (5, 6)), {"k": (b"v", None)}],
        "misc": (None, True, False, 1.5, -0.0, "é", b"\x00\xff"),
    }


def _assert_same(out, expected):
    assert type(out) is type(expected)
    if isinstance(expected, np.ndarray):
        assert out.dtype == expected.dtype and out.shape == expected.shape
        assert out.flags.f_contiguous == expected.flags.f_contiguous
        assert out.flags.c_contiguous == expected.flags.c_contiguous
        assert out.flags.writeable
        assert out.tolist() == expected.tolist()
    elif isinstance(expected, dict):
        assert list(out) == list(expected)
        for key in expected:
            _assert_same(out[key], expected[key])
    elif isinstance(expected, (list, tuple)):
        assert len(out) == len(expected)
        for a, b in zip(out, expected):
            _assert_same(a, b)
    else:
        assert out == expected


@pytest.mark.parametrize("protocol", [0, 1, 2, 3, 4, 5])
def test_read_pickle_round_trips_what_pickle_dumps_writes(protocol):
    values = _values()
    _assert_same(read_pickle(pickle.dumps(values, protocol=protocol)), values)


def test_read_pickle_reads_sets_and_bytearrays_of_protocol_5():
    values = {"set": {1, (2, 3)}, "frozen": frozenset({b"a"}), "buffer": bytearray(b"xy")}
    out = read_pickle(pickle.dumps(values, protocol=5))
    assert out == values and type(out["buffer"]) is bytearray


def test_read_pickle_refuses_buffers_out_of_band():
    buffers = []
    data = pickle.dumps(np.arange(3), protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 1
    with pytest.raises(PickleRefused, match="Refusing the pickle opcode NEXT_BUFFER"):
        read_pickle(data)


def test_read_pickle_reads_a_read_only_array_of_protocol_5():
    x = np.arange(4.0)
    x.flags.writeable = False
    out = read_pickle(pickle.dumps(x, protocol=5))
    assert out.tolist() == [0.0, 1.0, 2.0, 3.0] and out.flags.writeable


def test_read_pickle_arrays_do_not_share_the_pickles_memory():
    data = bytearray(pickle.dumps(np.arange(4, dtype=np.uint8), protocol=5))
    out = read_pickle(bytes(data))
    out[0] = 9
    assert out.tolist() == [9, 1, 2, 3] and out.flags.owndata


def test_read_pickle_keeps_an_array_shared_through_the_memo():
    x = np.arange(3)
    out = read_pickle(pickle.dumps({"a": x, "b": x, "c": [x]}, protocol=2))
    assert out["a"] is out["b"] is out["c"][0]
    assert out["a"].tolist() == [0, 1, 2]


# -- Python 2 pickles (CIFAR's batch files) -----------------------------------------
def _py2_str(raw):
    """A Python 2 `str`, as cPickle writes it at protocol 2."""
    if len(raw) < 256:
        return b"U" + bytes([len(raw)]) + raw
    return b"T" + struct.pack("<i", len(raw)) + raw


def _py2_int(n):
    if 0 <= n < 256:
        return b"K" + bytes([n])
    if 0 <= n < 65536:
        return b"M" + struct.pack("<H", n)
    return b"J" + struct.pack("<i", n)


def _py2_array(array):
    """A C-ordered array as Python 2's NumPy pickles it (numpy.core, str typecode)."""
    shape = b"".join(_py2_int(n) for n in array.shape) \
        + {1: b"\x85", 2: b"\x86"}[array.ndim]
    order, descr = array.dtype.str[:1].encode(), array.dtype.str[1:].encode()
    return (b"cnumpy.core.multiarray\n_reconstruct\nq\x01cnumpy\nndarray\nq\x02K\x00\x85"
            + _py2_str(b"b") + b"\x87Rq\x03(K\x01" + shape + b"cnumpy\ndtype\nq\x04"
            + _py2_str(descr) + b"K\x00K\x01\x87Rq\x05(K\x03" + _py2_str(order)
            + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89"
            + _py2_str(array.tobytes()) + b"tb")


def _py2_batch(data, labels, name):
    """A CIFAR batch file as the CIFAR authors' Python 2 wrote it."""
    return (b"\x80\x02}q\x00(" + _py2_str(b"data") + _py2_array(data) + _py2_str(b"labels")
            + b"]q\x06(" + b"".join(_py2_int(n) for n in labels) + b"e"
            + _py2_str(b"batch_label") + _py2_str(name) + b"u.")


PY2_DATA = (np.arange(2 * 3072) % 256).astype(np.uint8).reshape(2, 3072)
PY2_BATCH = _py2_batch(PY2_DATA, [3, 70000], "training batch 1 of 5 é".encode("latin-1"))


@pytest.mark.parametrize("encoding", ["bytes", "latin1"])
def test_read_pickle_reads_python2_strings_as_pickle_load_does(encoding):
    out = read_pickle(PY2_BATCH, encoding=encoding)
    expected = pickle.loads(PY2_BATCH, encoding=encoding)  # benign: NumPy's own reader
    _assert_same(out, expected)
    key = (lambda name: name.encode()) if encoding == "bytes" else str
    assert list(out) == [key("data"), key("labels"), key("batch_label")]
    np.testing.assert_array_equal(out[key("data")], PY2_DATA)
    name = "training batch 1 of 5 é"
    assert out[key("batch_label")] == (name.encode("latin-1") if encoding == "bytes"
                                       else name)


def test_read_pickle_fails_on_python2_bytes_that_ascii_cannot_decode():
    with pytest.raises(PickleDamaged, match="SHORT_BINSTRING|BINSTRING"):
        read_pickle(PY2_BATCH, encoding="ASCII")


def test_load_batch_reads_a_python2_cifar_batch(tmp_path):
    path = tmp_path / "data_batch_1"
    path.write_bytes(PY2_BATCH)
    images, labels = load_batch(str(path))
    assert images.shape == (2, 3, 32, 32) and images.dtype == np.uint8
    np.testing.assert_array_equal(images.reshape(2, 3072), PY2_DATA)
    assert labels == [3, 70000]


# -- .npz files (IMDB, Reuters) ------------------------------------------------------
def test_load_npz_reads_the_object_arrays_np_save_writes(tmp_path):
    rng = np.random.RandomState(0)
    x = _ragged([rng.randint(1, 90000, n).tolist() for n in [0, 5, 300, 2]])
    path = str(tmp_path / "imdb.npz")
    np.savez(path, x_train=x, y_train=np.array([0, 1, 1, 0]), words=_ragged(["a", b"b"]))
    out = load_npz(path)
    assert sorted(out) == ["words", "x_train", "y_train"]
    _assert_same(out["x_train"], x)
    assert out["y_train"].tolist() == [0, 1, 1, 0] and out["words"].tolist() == ["a", b"b"]


# -- refusals --------------------------------------------------------------------------
class _System:
    def __reduce__(self):
        return (os.system, ("echo hi > pwned.txt",))


@pytest.mark.parametrize("protocol", [0, 2, 4, 5])
def test_read_pickle_refuses_a_pickle_calling_os_system(protocol, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = pickle.dumps({"x": np.arange(2), "y": _System()}, protocol=protocol)
    with pytest.raises(PickleRefused) as caught:
        read_pickle(data)
    assert str(caught.value) == (
        f"Refusing to load the global '{os.system.__module__}.system' from a data file: "
        f"only NumPy arrays may be rebuilt. {ADVICE}")
    assert not (tmp_path / "pwned.txt").exists()


def test_read_pickle_refuses_the_class_in_numpys_own_python2_object_array():
    raw = (pathlib.Path(np.__file__).parent / "lib" / "tests" / "data"
           / "py2-objarr.npy")
    if not raw.is_file():
        pytest.skip("this NumPy ships without its test data")
    data = raw.read_bytes()
    with pytest.raises(PickleRefused, match=r"global '__builtin__\.xrange'"):
        read_pickle(data[data.index(b"\n") + 1:], encoding="latin1")


DTYPE = b"\x80\x02cnumpy\ndtype\n"
NDARRAY = b"\x80\x02cnumpy\nndarray\n"
RECONSTRUCT = b"\x80\x02cnumpy.core.multiarray\n_reconstruct\n"
OBJECT_DTYPE = (b"cnumpy\ndtype\nU\x02O8K\x00K\x01\x87R(K\x03U\x01|NNNJ\xff\xff\xff\xff"
                b"J\xff\xff\xff\xffK?tb")
REFUSED = [
    # what, the pickle, the refusal's start, the byte it names
    ("INST", b"(ibuiltins\nprint\n.", "Refusing the pickle opcode INST", 1),
    ("OBJ", b"\x80\x02(cnumpy\nndarray\no.", "Refusing the pickle opcode OBJ", 18),
    ("NEWOBJ", NDARRAY + b")\x81.", "Refusing the pickle opcode NEWOBJ", 18),
    ("EXT1", b"\x80\x02\x82\x01.", "Refusing the pickle opcode EXT1", 2),
    ("PERSID", b"P1\n.", "Refusing the pickle opcode PERSID", 0),
    ("BINPERSID", b"\x80\x02K\x01Q.", "Refusing the pickle opcode BINPERSID", 4),
    ("unknown opcode", b"\x80\x02\xff.", "Refusing the unknown pickle opcode b'\\xff'", 2),
    ("REDUCE on a list", b"\x80\x02](tR.", "Refusing the pickle opcode REDUCE on a list",
     5),
    ("REDUCE on ndarray", NDARRAY + b")R.", "Refusing a call of numpy.ndarray with ()", 18),
    ("BUILD on a dict", b"\x80\x02}}b.", "Refusing the pickle opcode BUILD on a dict", 4),
    ("dtype of a dict", DTYPE + b"}\x85R.", "Refusing numpy.dtype applied to ({},)", 17),
    ("dtype of a spec string", DTYPE + b"X\x0a\x00\x00\x00i4,(9,9)f8K\x00K\x01\x87R.",
     "Refusing numpy.dtype applied to ('i4,(9,9)f8', 0, 1)", 35),
    ("_reconstruct of a dtype", RECONSTRUCT + b"cnumpy\ndtype\nK\x00\x85U\x01b\x87R.",
     "Refusing numpy.core.multiarray._reconstruct with arguments", 58),
    ("object array from bytes", RECONSTRUCT + b"cnumpy\nndarray\nK\x00\x85U\x01b\x87R(K\x01"
     b"K\x02\x85" + OBJECT_DTYPE + b"\x89C\x10" + bytes(16) + b"tb.",
     "Refusing an object array of shape (2,) rebuilt from a bytes", 133),
    ("_codecs.encode to another codec",
     b"\x80\x02c_codecs\nencode\nX\x01\x00\x00\x00xX\x05\x00\x00\x00rot13\x86R.",
     "Refusing _codecs.encode applied to ('x', 'rot13')", 35),
    ("a global in a list", b"\x80\x02]cnumpy\ndtype\na.",
     "Refusing the pickle opcode APPEND with numpy.dtype as a value", 16),
    ("an unbuilt array as the result",
     RECONSTRUCT + b"cnumpy\nndarray\nK\x00\x85U\x01b\x87R.",
     "Refusing the pickle opcode STOP with an unfinished NumPy array", 61),
    ("tuples nested too deep", b"\x80\x02)" + b"\x85" * (MAX_TUPLE_DEPTH + 1) + b".",
     f"Refusing tuples nested more than {MAX_TUPLE_DEPTH} deep", 2 + MAX_TUPLE_DEPTH),
]


@pytest.mark.parametrize("what, data, start, pos", REFUSED, ids=[r[0] for r in REFUSED])
def test_read_pickle_refuses_more_than_data(what, data, start, pos):
    with pytest.raises(PickleRefused) as caught:
        read_pickle(data)
    message = str(caught.value)
    assert message.startswith(start)
    assert f" at byte {pos} of a data file: " in message and message.endswith(ADVICE)


DAMAGED = [
    ("cut short", pickle.dumps({"x": np.arange(3)}, protocol=4)[:-20],
     "the pickle is cut short or malformed"),
    ("no STOP", b"\x80\x02K\x01", "the pickle ends before its STOP opcode, at byte 4"),
    ("a memo index never stored", b"\x80\x02h\x07.",
     "BINGET reads the memo index 7, never stored, at byte 2"),
    ("an array smaller than its shape", RECONSTRUCT + b"cnumpy\nndarray\nK\x00\x85U\x01b"
     b"\x87R(K\x01\x8a\x06\x00\x10\xa5\xd4\xe8\x00\x85cnumpy\ndtype\nU\x02f8K\x00K\x01"
     b"\x87R(K\x03U\x01<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89C\x08"
     + bytes(8) + b"tb.",
     "an array of shape (1000000000000,) and dtype float64 needs 8000000000000 bytes but "
     "has 8"),
    ("a string longer than the file", b"\x80\x04\x8d" + struct.pack("<Q", 2**62) + b"ab.",
     "the pickle is cut short or malformed (expected 4611686018427387904 bytes in a "
     "BINUNICODE8, but only 3 remain), at byte 2"),
    ("APPEND to a dict", b"\x80\x02}K\x01a.", "APPEND found a dict, not a list, at byte 5"),
    ("an unhashable key", b"\x80\x02}]K\x01s.", "SETITEM failed (TypeError: unhashable"),
]


@pytest.mark.parametrize("what, data, part", DAMAGED, ids=[r[0] for r in DAMAGED])
def test_read_pickle_reports_a_damaged_pickle(what, data, part):
    with pytest.raises(PickleDamaged) as caught:
        read_pickle(data)
    assert part in str(caught.value)


def test_load_pickle_names_the_file_in_each_kind_of_failure():
    with pytest.raises(ValueError) as caught:
        load_pickle(io.BytesIO(b"\x80\x02\x82\x01."), "'data_batch_1'")
    assert str(caught.value).startswith("'data_batch_1': Refusing the pickle opcode EXT1 "
                                        "at byte 2")
    with pytest.raises(ValueError) as caught:
        load_pickle(io.BytesIO(b"\x80\x02K\x01"), "'data_batch_1'")
    assert str(caught.value) == (
        "'data_batch_1' is corrupted (the pickle ends before its STOP opcode, at byte 4); "
        "delete it and download it again.")


def test_load_pickle_reads_in_chunks_and_refuses_an_oversized_file(monkeypatch):
    from lamina.datasets import _pickles

    values = {b"data": np.arange(50, dtype=np.uint8), b"labels": [1, 2, 3]}
    data = pickle.dumps(values, protocol=2)
    monkeypatch.setattr(_pickles, "_CHUNK_BYTES", 7)
    _assert_same(load_pickle(io.BytesIO(data), "'b'", encoding="bytes"), values)
    monkeypatch.setattr(_pickles, "MAX_MEMBER_BYTES", len(data) - 1)
    with pytest.raises(ValueError, match=f"'b' is refused: it holds more than "
                                         f"{len(data) - 1} bytes"):
        load_pickle(io.BytesIO(data), "'b'")
