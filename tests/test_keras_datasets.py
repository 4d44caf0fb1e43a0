"""Keras's data set loaders and `get_file`, on small files in Keras's formats served
from 127.0.0.1 (nothing leaves the machine: every source points at loopback).

The expected IMDB, Reuters and Boston outputs were recorded by running Keras 3.15's
own loaders on the same small files."""
import gzip
import hashlib
import http.server
import io
import json
import os
import pickle
import tarfile
import threading

import numpy as np
import pytest

import lamina
from lamina.datasets import SOURCES, Source

DEAD = "http://127.0.0.1:9/"  # the discard port: nothing listens, a download fails fast


@pytest.fixture(autouse=True)
def keras_home(tmp_path, monkeypatch):
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    for key, source in list(SOURCES.items()):
        monkeypatch.setitem(SOURCES, key, Source(DEAD + key, source.file_hash))
    return home


class _Server:
    def __init__(self, folder):
        self.folder, self.requests = folder, []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                server.requests.append(self.path)
                path = os.path.join(server.folder, self.path.lstrip("/"))
                if not os.path.isfile(path):
                    self.send_error(404)
                    return
                data = open(path, "rb").read()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def publish(self, monkeypatch, key, data, digest="sha256"):
        """Serve `data` as SOURCES[key] with its true digest (or the one given)."""
        with open(os.path.join(self.folder, key), "wb") as f:
            f.write(data)
        if digest in ("sha256", "md5"):
            digest = getattr(hashlib, digest)(data).hexdigest()
        monkeypatch.setitem(SOURCES, key, Source(self.url + key, digest))


@pytest.fixture
def server(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    srv = _Server(str(folder))
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


def _npz(**arrays):
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def _ragged(rows):
    out = np.empty(len(rows), dtype=object)
    out[:] = [list(r) for r in rows]
    return out


RNG = np.random.default_rng(0)
MNIST = dict(x_train=RNG.integers(0, 256, (5, 28, 28), dtype=np.uint8),
             y_train=np.array([5, 0, 4, 1, 9], np.uint8),
             x_test=RNG.integers(0, 256, (3, 28, 28), dtype=np.uint8),
             y_test=np.array([7, 2, 1], np.uint8))


def test_mnist_downloads_once_into_keras_cache_with_a_progress_bar(server, monkeypatch,
                                                                   keras_home, capsys):
    server.publish(monkeypatch, "mnist.npz", _npz(**MNIST))
    (x_train, y_train), (x_test, y_test) = lamina.datasets.mnist.load_data()
    assert x_train.shape == (5, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (5,) and x_test.shape == (3, 28, 28) and y_test.shape == (3,)
    np.testing.assert_array_equal(x_train, MNIST["x_train"])
    np.testing.assert_array_equal(y_test, MNIST["y_test"])
    assert (keras_home / "datasets" / "mnist.npz").is_file()
    out = capsys.readouterr().out
    assert f"Downloading data from {server.url}mnist.npz" in out
    assert "[==============================]" in out
    lamina.datasets.mnist.load_data()  # from the cache
    assert server.requests == ["/mnist.npz"]


def test_corrupt_download_fails_its_checksum_and_is_removed(server, monkeypatch, keras_home):
    server.publish(monkeypatch, "mnist.npz", _npz(**MNIST), digest="0" * 64)
    with pytest.raises(ValueError, match="file hash does not match"):
        lamina.datasets.mnist.load_data()
    assert not (keras_home / "datasets" / "mnist.npz").exists()


def test_a_cached_file_with_the_wrong_hash_is_downloaded_again(server, monkeypatch,
                                                                keras_home):
    server.publish(monkeypatch, "mnist.npz", _npz(**MNIST))
    (keras_home / "datasets").mkdir(parents=True)
    (keras_home / "datasets" / "mnist.npz").write_bytes(b"half a file")
    (x_train, _), _ = lamina.datasets.mnist.load_data()
    np.testing.assert_array_equal(x_train, MNIST["x_train"])
    assert server.requests == ["/mnist.npz"]


def test_offline_error_says_which_file_to_put_where(keras_home):
    with pytest.raises(ConnectionError) as caught:
        lamina.datasets.boston_housing.load_data()
    message = str(caught.value)
    assert f"URL fetch failure on {DEAD}boston_housing.npz" in message
    assert str(keras_home / "datasets" / "boston_housing.npz") in message
    assert not (keras_home / "datasets" / "boston_housing.npz").exists()


def test_cifar_offline_error_names_the_folder_to_unpack_into(keras_home):
    with pytest.raises(ConnectionError) as caught:
        lamina.datasets.cifar10.load_data()
    wanted = keras_home / "datasets" / "cifar-10-batches-py" / "data_batch_1"
    assert "unpack it into" in str(caught.value) and str(wanted) in str(caught.value)


def test_fashion_mnist_reads_keras_idx_files(server, monkeypatch, keras_home):
    images = RNG.integers(0, 256, (4, 28, 28), dtype=np.uint8)
    labels = np.array([9, 0, 0, 3], np.uint8)
    idx = {"train-labels-idx1-ubyte.gz": bytes(8) + labels.tobytes(),
           "train-images-idx3-ubyte.gz": bytes(16) + images.tobytes(),
           "t10k-labels-idx1-ubyte.gz": bytes(8) + labels[:2].tobytes(),
           "t10k-images-idx3-ubyte.gz": bytes(16) + images[:2].tobytes()}
    for name, raw in idx.items():
        server.publish(monkeypatch, name, gzip.compress(raw), digest=None)
    (x_train, y_train), (x_test, y_test) = lamina.datasets.fashion_mnist.load_data()
    assert x_train.shape == (4, 28, 28) and y_train.shape == (4,)
    assert x_test.shape == (2, 28, 28) and y_test.shape == (2,)
    np.testing.assert_array_equal(x_train, images)
    np.testing.assert_array_equal(y_test, labels[:2])
    assert (keras_home / "datasets" / "fashion-mnist" / "t10k-images-idx3-ubyte.gz").is_file()


# -- CIFAR -----------------------------------------------------------------------------
def _cifar_batch(n, offset, label_key="labels", extra=None):
    data = ((np.arange(n * 3072).reshape(n, 3072) + offset) % 251).astype(np.uint8)
    batch = {b"data": data, label_key.encode(): [(offset + i) % 10 for i in range(n)],
             b"batch_label": b"batch"}
    batch.update(extra or {})
    return batch, data


def _expected_images(data):
    """Row layout of CIFAR: 1024 red, 1024 green, 1024 blue values, row by row."""
    n = len(data)
    out = np.empty((n, 32, 32, 3), np.uint8)
    for c in range(3):
        out[..., c] = data[:, c * 1024:(c + 1) * 1024].reshape(n, 32, 32)
    return out


def _cifar10_tar(folder):
    buffer = io.BytesIO()
    datas = []
    with tarfile.open(fileobj=buffer, mode="w:gz") as tf:
        for i, name in enumerate([f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]):
            batch, data = _cifar_batch(2, 10 * i)
            datas.append(data)
            raw = pickle.dumps(batch, protocol=4)
            info = tarfile.TarInfo(f"{folder}/{name}")
            info.size = len(raw)
            tf.addfile(info, io.BytesIO(raw))
    return buffer.getvalue(), datas


def test_cifar10_downloads_extracts_and_transposes(server, monkeypatch, keras_home):
    archive, datas = _cifar10_tar("cifar-10-batches-py")
    server.publish(monkeypatch, "cifar-10-python.tar.gz", archive)
    (x_train, y_train), (x_test, y_test) = lamina.datasets.cifar10.load_data()
    assert x_train.shape == (10, 32, 32, 3) and x_train.dtype == np.uint8
    assert y_train.shape == (10, 1) and y_train.dtype == np.uint8
    assert x_test.shape == (2, 32, 32, 3) and y_test.shape == (2, 1)
    np.testing.assert_array_equal(x_train, _expected_images(np.concatenate(datas[:5])))
    np.testing.assert_array_equal(x_test, _expected_images(datas[5]))
    assert y_train[:, 0].tolist() == [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]
    assert (keras_home / "datasets" / "cifar-10-batches-py-target" / "cifar-10-batches-py"
            / "test_batch").is_file()
    lamina.backend.set_image_data_format("channels_first")
    try:
        (x_first, _), _ = lamina.datasets.cifar10.load_data()
    finally:
        lamina.backend.set_image_data_format("channels_last")
    assert x_first.shape == (10, 3, 32, 32)
    assert server.requests == ["/cifar-10-python.tar.gz"]


def _write_tf2_cifar100(keras_home, train_batch):
    folder = keras_home / "datasets" / "cifar-100-python"
    folder.mkdir(parents=True)
    (folder / "train").write_bytes(pickle.dumps(train_batch, protocol=4))
    test, _ = _cifar_batch(1, 5, "fine_labels", {b"coarse_labels": [3]})
    (folder / "test").write_bytes(pickle.dumps(test, protocol=4))
    return folder


def test_cifar100_reads_tf_keras2_cache_and_label_modes(keras_home):
    train, data = _cifar_batch(3, 7, "fine_labels", {b"coarse_labels": [1, 2, 3]})
    _write_tf2_cifar100(keras_home, train)
    (x_train, y_fine), (x_test, _) = lamina.datasets.cifar100.load_data()
    assert x_train.shape == (3, 32, 32, 3) and y_fine.shape == (3, 1)
    np.testing.assert_array_equal(x_train, _expected_images(data))
    assert y_fine[:, 0].tolist() == [7, 8, 9] and x_test.shape == (1, 32, 32, 3)
    (_, y_coarse), _ = lamina.datasets.cifar100.load_data(label_mode="coarse")
    assert y_coarse[:, 0].tolist() == [1, 2, 3]
    with pytest.raises(ValueError, match='one of `"fine"`, `"coarse"`.*medium'):
        lamina.datasets.cifar100.load_data(label_mode="medium")


class _Evil:
    def __reduce__(self):
        return (os.system, ("echo pwned > pwned.txt",))


def test_a_pickle_naming_another_global_is_refused(keras_home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    train, _ = _cifar_batch(1, 0, "fine_labels", {b"coarse_labels": [0], b"x": _Evil()})
    _write_tf2_cifar100(keras_home, train)
    with pytest.raises(ValueError, match=r"Refusing to load the global '(posix|nt)\.system'"):
        lamina.datasets.cifar100.load_data()
    assert not (tmp_path / "pwned.txt").exists()


# -- IMDB, Reuters, Boston ---------------------------------------------------------------
def _imdb_arrays():
    rng = np.random.RandomState(5)
    x_train = _ragged([rng.randint(1, 13, n).tolist() for n in [3, 7, 4, 9, 2, 6]])
    x_test = _ragged([rng.randint(1, 15, n).tolist() for n in [5, 3, 8, 4]])
    return dict(x_train=x_train, y_train=np.array([0, 1, 1, 0, 1, 0]), x_test=x_test,
                y_test=np.array([1, 0, 0, 1]))


IMDB_DEFAULT = ([[1, 4, 13, 12, 8, 11, 2, 4], [1, 7, 10, 10], [1, 11, 4, 2, 2, 5, 8, 10, 6, 13],
                 [1, 4, 11, 5, 9], [1, 13, 14], [1, 13, 13, 5, 6, 11, 4]], [1, 0, 0, 1, 1, 0],
                [[1, 9, 14, 4, 4, 8], [1, 8, 13, 7], [1, 5, 9, 11, 8],
                 [1, 2, 6, 8, 10, 13, 7, 7, 6]], [1, 0, 1, 0])
IMDB_ARGS = ([[2, 2, 2, 5, 6, 2, 4], [2, 7, 2, 2], [2, 4, 2, 5, 2], [2, 2, 2]], [0, 0, 1, 1],
             [[2, 5, 2, 2, 2], [2, 2, 2, 7], [2, 2, 2, 4, 4, 2]], [1, 0, 1])
IMDB_BARE = ([[1, 9, 5, 8, 1], [4, 7, 7], [8, 1, 2, 5, 7, 3], [1, 8, 2, 6], [], [2, 3, 8, 1]],
             [1, 0, 0, 1, 1, 0], [[6, 1, 1, 5], [5, 4], [2, 6, 8, 5], [3, 5, 7, 4, 4, 3]],
             [1, 0, 1, 0])
REUTERS = ([[1, 2, 2, 2, 2], [1, 8, 5, 2], [1, 4, 6], [1, 2, 2], [1, 2, 2, 7, 8],
            [1, 6, 7, 9, 2, 9, 6, 2], [1, 6, 8, 6, 9, 2, 2, 2, 6]], [2, 1, 4, 4, 3, 3, 0],
           [[1, 2, 2, 9], [1, 4, 2, 5, 2, 2, 5], [1, 9, 9, 5, 8, 9]], [19, 3, 45])


def _plain(result):
    (a, b), (c, d) = result
    assert a.dtype == object and c.dtype == object and a.ndim == 1 and c.ndim == 1
    return ([list(x) for x in a], b.tolist(), [list(x) for x in c], d.tolist())


def test_imdb_matches_keras_index_conventions(server, monkeypatch):
    server.publish(monkeypatch, "imdb.npz", _npz(**_imdb_arrays()))
    imdb = lamina.datasets.imdb
    assert _plain(imdb.load_data()) == IMDB_DEFAULT
    assert _plain(imdb.load_data(num_words=8, skip_top=2, maxlen=8, seed=7)) == IMDB_ARGS
    assert _plain(imdb.load_data(start_char=None, oov_char=None, index_from=0,
                                 num_words=10)) == IMDB_BARE
    with pytest.warns(UserWarning, match="`nb_words`.*renamed `num_words`"):
        assert _plain(imdb.load_data(nb_words=8, skip_top=2, maxlen=8, seed=7)) == IMDB_ARGS
    with pytest.raises(ValueError, match="no sequence was kept. Increase maxlen"):
        imdb.load_data(maxlen=2)
    with pytest.raises(TypeError, match="num_wrds"):
        imdb.load_data(num_wrds=5)
    words = {"the": 1, "and": 2, "film": 19}
    server.publish(monkeypatch, "imdb_word_index.json", json.dumps(words).encode(), "md5")
    assert imdb.get_word_index() == words
    assert server.requests == ["/imdb.npz", "/imdb_word_index.json"]


def test_reuters_split_labels_and_word_index(server, monkeypatch):
    rng = np.random.RandomState(6)
    x = _ragged([rng.randint(1, 12, n).tolist() for n in [4, 2, 6, 3, 8, 5, 2, 7, 3, 4]])
    server.publish(monkeypatch, "reuters.npz",
                   _npz(x=x, y=np.array([3, 4, 3, 1, 0, 45, 4, 3, 19, 2])))
    reuters = lamina.datasets.reuters
    assert _plain(reuters.load_data(test_split=0.3, num_words=10)) == REUTERS
    names = reuters.get_label_names()
    assert len(names) == 46 and names[3] == "earn" and names[45] == "lead"
    server.publish(monkeypatch, "reuters_word_index.json", b'{"said": 2}', "md5")
    assert reuters.get_word_index() == {"said": 2}


def test_boston_housing_shuffles_and_splits_as_keras(server, monkeypatch):
    x = np.arange(130, dtype=np.float64).reshape(10, 13) / 7.0
    y = np.arange(10, dtype=np.float64) * 1.5 + 10
    server.publish(monkeypatch, "boston_housing.npz", _npz(x=x, y=y))
    (x_train, y_train), (x_test, y_test) = lamina.datasets.boston_housing.load_data()
    assert x_train.shape == (8, 13) and y_train.shape == (8,)
    assert x_test.shape == (2, 13) and y_test.shape == (2,)
    rows = [9, 3, 6, 1, 0, 7, 4, 8], [2, 5]  # Keras 3.15's order for seed 113
    np.testing.assert_array_equal(x_train, x[rows[0]])
    np.testing.assert_array_equal(y_test, y[rows[1]])
    with pytest.raises(ValueError, match="test_split"):
        lamina.datasets.boston_housing.load_data(test_split=1.0)


def test_get_file_has_keras_signature_and_extracts_zip(server, monkeypatch, tmp_path):
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("inner/a.txt", "A")
        zf.writestr("../escape.txt", "no")
    server.publish(monkeypatch, "pack.zip", buffer.getvalue())
    cache = tmp_path / "cache"
    path = lamina.utils.get_file("pack", origin=server.url + "pack.zip", extract=True,
                                 cache_dir=str(cache), cache_subdir="things")
    assert path == str(cache / "things" / "pack")
    assert open(os.path.join(path, "inner", "a.txt")).read() == "A"
    assert not (cache / "things" / "escape.txt").exists()
    assert (cache / "things" / "pack_archive").is_file()
    with pytest.raises(ValueError, match="Paths are no longer accepted"):
        lamina.utils.get_file("a/b.txt", origin=server.url + "pack.zip")
