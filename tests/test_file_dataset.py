"""Data larger than memory: Parquet, CSV and memmapped arrays streamed into fit,
evaluate and predict, with a seeded shuffle, validation from files, and bounded memory."""
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

import lamina as keras  # noqa: E402
from lamina import data  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(0)
X = RNG.normal(size=(1000, 5)).astype("float32")
Y = (X @ RNG.normal(size=5) > 0).astype("float32")
COLUMNS = [f"f{i}" for i in range(5)]


def _table(lo, hi):
    return pa.table({**{c: X[lo:hi, i] for i, c in enumerate(COLUMNS)}, "label": Y[lo:hi]})


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("files")
    pq.write_table(_table(0, 600), d / "a.parquet", row_group_size=150)
    pq.write_table(_table(600, 1000), d / "b.parquet", row_group_size=150)
    with open(d / "all.csv", "w") as f:
        f.write(",".join(COLUMNS + ["label"]) + "\n")
        np.savetxt(f, np.column_stack([X, Y]), delimiter=",", fmt="%.9g")
    np.save(d / "x.npy", X)
    np.save(d / "y.npy", Y)
    return d


def _model():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((5,)), keras.layers.Dense(8, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


@pytest.fixture(scope="module")
def in_memory():
    model = _model()
    start = model.get_weights()
    history = model.fit(X, Y, batch_size=64, epochs=2, shuffle=False, verbose=0)
    return start, history.history, model.get_weights()


@pytest.mark.parametrize("kind", ["parquet", "csv", "memmap"])
def test_streamed_fit_equals_in_memory_fit(files, in_memory, kind):
    start, history, weights = in_memory
    if kind == "parquet":
        ds = data.file_dataset(str(files / "*.parquet"), label="label", batch_size=64,
                               shuffle=False, chunk_batches=3)
    elif kind == "csv":
        ds = data.file_dataset(files / "all.csv", label="label", batch_size=64,
                               shuffle=False, chunk_batches=3)
    else:
        ds = data.array_dataset(np.load(files / "x.npy", mmap_mode="r"),
                                np.load(files / "y.npy", mmap_mode="r"), batch_size=64,
                                shuffle=False, chunk_batches=3)
    assert (len(ds), ds.rows) == (16, 1000)  # 15 full batches and one of 40 rows
    model = _model()
    model.set_weights(start)
    got = model.fit(ds, epochs=2, verbose=0).history
    np.testing.assert_allclose(got["loss"], history["loss"], rtol=1e-5)
    for w, r in zip(model.get_weights(), weights):
        np.testing.assert_allclose(w, r, rtol=1e-5, atol=1e-6)


def test_evaluate_predict_and_validation_from_files(files, in_memory):
    _, _, weights = in_memory
    model = _model()
    model.set_weights(weights)
    ds = data.file_dataset(str(files / "*.parquet"), label="label", batch_size=100,
                           chunk_batches=2)
    expected = model.evaluate(X, Y, batch_size=100, verbose=0)
    np.testing.assert_allclose(model.evaluate(ds, verbose=0), expected, rtol=1e-5)
    pred = model.predict(data.file_dataset(files / "all.csv", label="label", batch_size=128,
                                           shuffle=False), verbose=0)
    assert pred.shape == (1000, 1)
    np.testing.assert_allclose(pred, model.predict(X, verbose=0), rtol=1e-5, atol=1e-6)
    fresh = _model()
    fresh.set_weights(weights)
    history = fresh.fit(X[:64], Y[:64], batch_size=64, epochs=1, verbose=0,
                        validation_data=ds).history
    np.testing.assert_allclose(history["val_loss"][0],
                               fresh.evaluate(X, Y, batch_size=100, verbose=0)[0], rtol=1e-5)


def _epoch_rows(ds, epoch, seed=0):
    return np.concatenate([x[:, 0] for x, _ in ds.chunks(epoch, seed)])


def test_shuffle_is_seeded_and_takes_every_row_once(files):
    def make(seed):
        return data.file_dataset(str(files / "*.parquet"), label="label", batch_size=50,
                                 chunk_batches=2, shuffle_buffer=300, seed=seed)
    first, again, other = make(7), make(7), make(8)
    e0 = _epoch_rows(first, 0)
    assert e0.shape == (1000,)
    np.testing.assert_array_equal(e0, _epoch_rows(again, 0))
    assert not np.array_equal(e0, _epoch_rows(first, 1))
    assert not np.array_equal(e0, _epoch_rows(other, 0))
    assert not np.array_equal(e0, X[:, 0])
    np.testing.assert_array_equal(np.sort(e0), np.sort(X[:, 0]))
    # Rows and labels stay paired through the shuffle.
    pairs = {float(a): float(b) for a, b in zip(X[:, 0], Y)}
    for x, y in first.chunks(0, 0):
        assert all(pairs[float(a)] == float(b) for a, b in zip(x[:, 0], y))


def test_files_whose_columns_differ_are_named(files, tmp_path):
    pq.write_table(_table(0, 10).rename_columns(COLUMNS[:4] + ["g4", "label"]),
                   tmp_path / "odd.parquet")
    with pytest.raises(ValueError, match=r"columns of '.*odd.parquet' differ from those of "
                                         r"the first file '.*a.parquet': missing \['f4'\], "
                                         r"extra \['g4'\]"):
        data.file_dataset([files / "a.parquet", tmp_path / "odd.parquet"], label="label")
    with pytest.raises(ValueError, match="label column 'target' is not in the files"):
        data.file_dataset(files / "a.parquet", label="target")


_LIMITED = textwrap.dedent("""
    import resource, sys
    import numpy as np
    import lamina as keras
    from lamina import data

    def data_kib():
        for line in open("/proc/self/status"):
            if line.startswith("VmData:"):
                return int(line.split()[1])

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((28,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy")
    small = data.file_dataset(sys.argv[1], label="label", batch_size=1024, chunk_batches=16)
    model.fit(small, epochs=1, verbose=0)          # compile and start the reader once
    budget = int(sys.argv[3]) << 20
    before = data_kib() << 10
    resource.setrlimit(resource.RLIMIT_DATA, (before + budget, before + budget))
    if sys.argv[4] == "whole":  # the control: the file read into memory at once
        import pyarrow.parquet as pq
        table = pq.read_table(sys.argv[2], use_threads=False)
        print("RESULT", table.num_rows, 0.0, (data_kib() << 10) - before)
    big = data.file_dataset(sys.argv[2], label="label", batch_size=1024, chunk_batches=16)
    history = model.fit(big, epochs=1, verbose=0)
    print("RESULT", big.rows, history.history["loss"][0], (data_kib() << 10) - before)
""")


def test_training_on_a_file_larger_than_the_memory_limit(tmp_path):
    rows, cols = 1 << 19, 28  # 524,288 rows x 29 float32 columns: 58 MiB of values
    rng = np.random.default_rng(1)
    writer = None
    for lo in range(0, rows, 1 << 16):
        x = rng.normal(size=(1 << 16, cols)).astype("float32")
        table = pa.table({**{f"f{i}": x[:, i] for i in range(cols)},
                          "label": (x[:, 0] > 0).astype("float32")})
        if writer is None:
            writer = pq.ParquetWriter(tmp_path / "big.parquet", table.schema)
            pq.write_table(table.slice(0, 4096), tmp_path / "small.parquet")
        writer.write_table(table, row_group_size=1 << 14)
    writer.close()
    size_mib = os.path.getsize(tmp_path / "big.parquet") / 2 ** 20
    budget_mib = 36
    assert size_mib > 1.5 * budget_mib
    # Arrow allocates through malloc, and malloc maps (and unmaps) every block above
    # 128 KiB: what the process holds is what the limit counts.
    env = dict(os.environ, MALLOC_ARENA_MAX="2", ARROW_DEFAULT_MEMORY_POOL="system",
               MALLOC_MMAP_THRESHOLD_="131072")

    def run(mode):
        proc = subprocess.run([sys.executable, "-c", _LIMITED, str(tmp_path / "small.parquet"),
                               str(tmp_path / "big.parquet"), str(budget_mib), mode], env=env,
                              cwd=ROOT, capture_output=True, text=True, timeout=600)
        return proc, [l for l in proc.stdout.splitlines() if l.startswith("RESULT")]

    proc, line = run("stream")
    assert line, proc.stdout[-2000:] + proc.stderr[-3000:]
    _, n, loss, grown = line[0].split()
    assert int(n) == rows and np.isfinite(float(loss))
    assert int(grown) < budget_mib << 20
    proc, line = run("whole")  # the same limit stops reading the whole file
    # Python's MemoryError, or Arrow's own failure to map memory (its I/O threads'
    # stacks come from the same capped data segment).
    refused = ("MemoryError", "Out of memory", "Resource temporarily unavailable")
    assert not line and any(r in proc.stderr for r in refused), proc.stderr[-2000:]


def test_file_dataset_with_steps_is_an_error(files):
    ds = data.file_dataset(files / "a.parquet", label="label", batch_size=100)
    with pytest.raises(ValueError, match=r"an epoch of a file data set is all its rows \(6 "
                                         r"batches\)"):
        _model().fit(ds, steps_per_epoch=2, verbose=0)
