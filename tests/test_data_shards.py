"""A file data set read in shards (`num_shards`, `shard_index`): which blocks each
shard reads, the batches it gives, and the errors for data that cannot be sharded.
The run of two processes is in tests/test_distribution_hosts.py."""
import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

import lamina as keras  # noqa: E402
from lamina.data._shards import plan_shards  # noqa: E402

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 3)).astype("float32")
X[:, 0] = np.arange(200)  # the row's id, to tell rows apart
Y = (X[:, 1:] @ np.array([1.5, -2.0])).astype("float32")


def _write(path, row_group_size, rows=200):
    table = pa.table({"id": X[:rows, 0], "a": X[:rows, 1], "b": X[:rows, 2], "y": Y[:rows]})
    pq.write_table(table, path, row_group_size=row_group_size)
    return path


@pytest.fixture(scope="module")
def seven_groups(tmp_path_factory):
    """7 row groups (6 of 30 rows, 1 of 20): shard 0 holds groups 0, 2, 4, 6 (110 rows),
    shard 1 groups 1, 3, 5 (90 rows)."""
    return _write(tmp_path_factory.mktemp("shards") / "seven.parquet", 30)


def _epoch_rows(ds, epoch):
    """The ids of the real rows of each batch of an epoch, as the adapter stacks them."""
    adapter = ds.adapter(masked=True)
    batches = []
    for (x, _, _, *keep), n in adapter._host_chunks(epoch, 0):
        keep = keep[0] if keep else np.ones(x.shape[:2], bool)
        batches += [x[i, keep[i], 0].astype(int).tolist() for i in range(n)]
    return batches


def test_plan_shards_deals_blocks_round_robin_and_counts_steps():
    layout = plan_shards([30] * 6 + [20], 16, 2, None, process_count=1, process_index=0)
    assert layout.mine == (0, 1)
    assert layout.shard_rows == (110, 90)
    assert (layout.shard_batch, layout.steps, layout.padded) == (8, 14, True)
    layout = plan_shards([32] * 8, 16, 4, None, process_count=2, process_index=1)
    assert (layout.mine, layout.shard_rows, layout.steps, layout.padded) == \
        ((2, 3), (64, 64, 64, 64), 16, False)


def test_shards_read_disjoint_blocks_and_every_row_once_an_epoch(seven_groups):
    seen = {}
    for k in range(2):
        ds = keras.data.file_dataset(seven_groups, "y", batch_size=16, seed=5,
                                     chunk_batches=4, num_shards=2, shard_index=k)
        assert len(ds) == 14
        epochs = [_epoch_rows(ds, e) for e in (0, 1)]
        assert [len(b) for b in epochs[0]] == ([8] * 13 + [6] if k == 0 else
                                               [8] * 11 + [2, 0, 0])
        rows = [sorted(sum(batches, [])) for batches in epochs]
        groups = [g for g in range(7) if g % 2 == k]
        assert rows[0] == rows[1] == sorted(r for g in groups
                                            for r in range(30 * g, min(30 * g + 30, 200)))
        assert sum(epochs[0], []) != sum(epochs[1], [])  # each epoch in a new order
        seen[k] = set(rows[0])
    assert not seen[0] & seen[1] and seen[0] | seen[1] == set(range(200))


def test_one_process_reading_two_shards_trains_on_their_interleaved_batches(seven_groups):
    """SGD on a linear model, checked against the same steps in NumPy: batch i is
    rows 8i..8i+7 of shard 0 and of shard 1, padding left out."""
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.compile(keras.optimizers.SGD(0.05), "mse")
    w, b = [a.astype(np.float64) for a in model.get_weights()]
    ds = keras.data.file_dataset(seven_groups, "y", batch_size=16, shuffle=False,
                                 chunk_batches=4, num_shards=2, features=["a", "b"])
    history = model.fit(ds, epochs=1, verbose=0)
    shard = [np.concatenate([np.arange(30 * g, min(30 * g + 30, 200))
                             for g in range(7) if g % 2 == k]) for k in range(2)]
    losses = []
    for i in range(14):
        rows = np.concatenate([s[8 * i:8 * i + 8] for s in shard])
        x, y = X[rows, 1:].astype(np.float64), Y[rows, None].astype(np.float64)
        err = x @ w + b - y
        losses.append(np.mean(err ** 2) * len(rows))
        w, b = w - 0.05 * 2 * x.T @ err / len(rows), b - 0.05 * 2 * err.mean(0)
    got = model.get_weights()
    assert [a.shape for a in got] == [(2, 1), (1,)]
    np.testing.assert_allclose(got[0], w, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(got[1], b, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(history.history["loss"][0], sum(losses) / 200, rtol=1e-4)


def test_shards_without_padding_train_a_batchnorm_model(tmp_path):
    path = _write(tmp_path / "even.parquet", 32, rows=128)  # 4 groups: 2 shards of 64
    ds = keras.data.file_dataset(path, "y", batch_size=16, num_shards=2, seed=0)
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.BatchNormalization(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    history = model.fit(ds, epochs=1, verbose=0)
    assert len(ds) == 8 and np.isfinite(history.history["loss"][0])


def test_shards_that_need_padding_refuse_a_model_that_cannot_pad(seven_groups):
    ds = keras.data.file_dataset(seven_groups, "y", batch_size=16, num_shards=2)
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.BatchNormalization(),
                              keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"hold \[110, 90\] rows.*cannot train on padded "
                                         r"batches.*every shard holds 112 rows"):
        model.fit(ds, epochs=1, verbose=0)


def test_fewer_blocks_than_shards_says_how_to_write_more(tmp_path):
    path = _write(tmp_path / "one.parquet", 200)
    with pytest.raises(ValueError, match=r"has 1 block\(s\).*in 2 shards.*"
                                         r"row_group_size=100"):
        keras.data.file_dataset(path, "y", batch_size=16, num_shards=2)


@pytest.mark.parametrize("kwargs, match", [
    (dict(batch_size=15, num_shards=2), r"batch_size=15 is the global batch.*\[14, 16\]"),
    (dict(batch_size=16, num_shards=2, shard_index=2), r"shard_index=2 .* use 0 to 1"),
    (dict(batch_size=16, num_shards=0), r"num_shards must be at least 1"),
])
def test_bad_shard_arguments_are_refused(seven_groups, kwargs, match):
    with pytest.raises(ValueError, match=match):
        keras.data.file_dataset(seven_groups, "y", **kwargs)


def test_plan_shards_checks_the_number_of_processes():
    with pytest.raises(ValueError, match=r"num_shards=3 cannot be dealt evenly to the 2 "
                                         r"processes.*\[2, 4\]"):
        plan_shards([10] * 8, 16, 3, None, process_count=2, process_index=0)
    with pytest.raises(ValueError, match=r"num_shards must be 2, but received num_shards=4"):
        plan_shards([10] * 8, 16, 4, 1, process_count=2, process_index=1)
    with pytest.raises(ValueError, match=r"batch_size=18 cannot be split evenly over the 4 "
                                         r"devices of the 2 processes.*\[16, 20\]"):
        plan_shards([10] * 8, 18, None, None, process_count=2, process_index=0,
                    device_count=4)


def test_sharded_validation_and_evaluate_score_every_row_once(seven_groups):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", metrics=["mae"])
    ds = keras.data.file_dataset(seven_groups, "y", batch_size=16, num_shards=2, seed=0,
                                 features=["a", "b"])
    history = model.fit(ds, validation_data=ds, epochs=1, verbose=0)
    got = model.evaluate(ds, verbose=0)
    pred = X[:, 1:] @ model.get_weights()[0] + model.get_weights()[1]
    assert pred.shape == (200, 1)
    err = pred[:, 0].astype(np.float64) - Y
    np.testing.assert_allclose(got, [np.mean(err ** 2), np.mean(np.abs(err))], rtol=1e-5)
    np.testing.assert_allclose(history.history["val_loss"][0], got[0], rtol=1e-5)
