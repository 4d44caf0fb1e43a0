"""Several hosts: two processes on loopback join one job with
`lamina.distribution.initialize` (on `jax.distributed`, gloo collectives on CPU), each
with 2 simulated CPU devices, train data parallel over the 4 devices, and end with
the weights of a run in one process: once from the same arrays in every process, once
from a Parquet file of which each process reads only its own shard."""
import json
import os
import pathlib
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina as keras

ROOT = pathlib.Path(__file__).resolve().parents[1]

_WORKER = textwrap.dedent("""
    import json, sys
    import lamina as keras
    from lamina import distribution as D
    D.initialize(f"127.0.0.1:{sys.argv[2]}", num_processes=2, process_id=int(sys.argv[1]))
    import jax, numpy as np
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1))).astype("float32")
    D.set_distribution(D.DataParallel())
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((8,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)

    # The same from a Parquet file: this process reads its own shard only.
    ds = keras.data.file_dataset(sys.argv[3], "y", batch_size=16, seed=3, chunk_batches=4)
    read = []
    blocks = ds.source.blocks
    def counted(order):
        for b, (bx, by) in zip(order, blocks(order)):
            read.append([int(b), len(bx)])
            yield bx, by
    ds.source.blocks = counted
    keras.utils.set_random_seed(0)
    streamed = keras.Sequential([keras.layers.Input((8,)),
                                 keras.layers.Dense(16, activation="relu"),
                                 keras.layers.Dense(1)])
    streamed.compile(keras.optimizers.Adam(0.01), "mse")
    file_history = streamed.fit(ds, epochs=2, verbose=0)
    print("RESULT" + json.dumps({"process": jax.process_index(),
                                 "devices": [jax.device_count(), jax.local_device_count()],
                                 "loss": history.history["loss"],
                                 "weights": [w.tolist() for w in model.get_weights()],
                                 "file_loss": file_history.history["loss"],
                                 "file_weights": [w.tolist() for w in streamed.get_weights()],
                                 "read": read}))
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((8,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1)])
    model.compile(keras.optimizers.Adam(0.01), "mse")
    return model


def _single_process_weights():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(96, 8)).astype("float32")
    y = (x @ rng.normal(size=(8, 1))).astype("float32")
    model = _model()
    history = model.fit(x, y, batch_size=16, epochs=3, verbose=0)
    return history.history["loss"], model.get_weights()


def _write_parquet(path):
    """200 rows in row groups of 30: 7 blocks, dealt to 2 shards of 110 and 90 rows."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 8)).astype("float32")
    y = (x @ rng.normal(size=8)).astype("float32")
    table = pa.table({**{f"f{i}": x[:, i] for i in range(8)}, "y": y})
    pq.write_table(table, path, row_group_size=30)
    assert pq.ParquetFile(path).metadata.num_row_groups == 7


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The two processes' results, run once for the tests below."""
    path = tmp_path_factory.mktemp("hosts") / "data.parquet"
    _write_parquet(path)
    port = str(_free_port())
    env = dict(os.environ, XLA_FLAGS="--xla_force_host_platform_device_count=2",
               JAX_PLATFORMS="cpu")
    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, str(i), port, str(path)],
                              env=env, cwd=ROOT, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(2)]
    outs = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=600)
        line = [l for l in stdout.splitlines() if l.startswith("RESULT")]
        assert line, stdout[-2000:] + stderr[-4000:]
        outs.append(json.loads(line[0][len("RESULT"):]))
    return path, sorted(outs, key=lambda o: o["process"])


def _assert_weights(got, expected):
    got = [np.asarray(w, np.float32) for w in got]
    assert [w.shape for w in got] == [(8, 16), (16,), (16, 1), (1,)]
    for g, w in zip(got, expected):
        np.testing.assert_allclose(g, w, rtol=1e-5, atol=1e-6)


def test_two_processes_train_to_the_single_process_weights(runs):
    _, outs = runs
    loss, weights = _single_process_weights()
    assert [o["process"] for o in outs] == [0, 1]
    for out in outs:
        assert out["devices"] == [4, 2]
        np.testing.assert_allclose(out["loss"], loss, rtol=1e-5)
        _assert_weights(out["weights"], weights)


def test_two_processes_each_read_their_own_shard_of_a_file(runs):
    path, outs = runs
    sizes = [30] * 6 + [20]
    for p, out in enumerate(outs):
        blocks = {b for b, _ in out["read"]}
        assert blocks == {b for b in range(7) if b % 2 == p}
        assert all(rows == sizes[b] for b, rows in out["read"])
    # Over both processes an epoch reads each of the 7 row groups once (2 epochs, plus
    # the first block of each process's shard read once to build the model).
    counts = np.bincount([b for out in outs for b, _ in out["read"]], minlength=7)
    assert counts.tolist() == [3, 3, 2, 2, 2, 2, 2]
    # One process reading both shards trains on the same batches as the two together.
    model = _model()
    history = model.fit(keras.data.file_dataset(path, "y", batch_size=16, seed=3,
                                                chunk_batches=4, num_shards=2),
                        epochs=2, verbose=0)
    for out in outs:
        np.testing.assert_allclose(out["file_loss"], history.history["loss"], rtol=1e-5)
        _assert_weights(out["file_weights"], model.get_weights())
