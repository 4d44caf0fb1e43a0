"""Streamed vs in-memory epoch time: the same model on the same rows, from arrays in
memory and streamed from a Parquet file (`lamina.data.file_dataset`), in one run.

400,000 Higgs-like rows x 28 features (bench_higgs's generator) written to Parquet in
row groups of 50,000 (8 of them); model 2 x Dense 256 (ReLU) + Dense 1 (sigmoid), Adam,
batch 512, shuffled every epoch in every case. A third kind reads the same file in 2
shards (`num_shards=2`, as two hosts would, here both in one process: 4 row groups
each, batches stacked per shard). The kinds take turns, one epoch each (`--epochs`
rounds after one compiling epoch each); prints the median seconds per epoch and the
streamed / in-memory ratios (target <= 1.3).

    python benchmarks/bench_streaming.py [--epochs N] [--rows N]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

import bench_higgs


def model(lamina):
    lamina.utils.set_random_seed(0)
    m = lamina.Sequential([lamina.layers.Input((28,)),
                           lamina.layers.Dense(256, activation="relu"),
                           lamina.layers.Dense(256, activation="relu"),
                           lamina.layers.Dense(1, activation="sigmoid")])
    m.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return m


def alternate(fits: dict, rounds: int) -> dict:
    """Each `fit(epochs=1)` once to compile, then `rounds` rounds of one epoch each,
    the kinds taking turns (so that a change of the machine's load hits both)."""
    times: dict = {name: [] for name in fits}
    for name, fit in fits.items():
        t0 = time.perf_counter()
        fit()
        times[name].append(time.perf_counter() - t0)
    for _ in range(rounds):
        for name, fit in fits.items():
            t0 = time.perf_counter()
            fit()
            times[name].append(time.perf_counter() - t0)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--rows", type=int, default=400_000)
    args = parser.parse_args()
    import pyarrow as pa
    import pyarrow.parquet as pq

    import lamina
    bench_higgs.N_ROWS = args.rows
    x, y = bench_higgs.higgs()
    path = os.path.join(tempfile.mkdtemp(), "higgs.parquet")
    table = pa.table({**{f"f{i}": x[:, i] for i in range(28)}, "label": y[:, 0]})
    pq.write_table(table, path, row_group_size=50_000)
    load0 = os.getloadavg()[0]
    in_memory, streamed_model, sharded_model = model(lamina), model(lamina), model(lamina)
    ds = lamina.data.file_dataset(path, label="label", batch_size=512, seed=0)
    shards = lamina.data.file_dataset(path, label="label", batch_size=512, seed=0,
                                      num_shards=2)
    times = alternate({
        "memory": lambda: in_memory.fit(x, y, batch_size=512, epochs=1, verbose=0),
        "streamed": lambda: streamed_model.fit(ds, epochs=1, verbose=0),
        "sharded": lambda: sharded_model.fit(shards, epochs=1, verbose=0)}, args.epochs)
    load1 = os.getloadavg()[0]
    memory, streamed, sharded = times["memory"], times["streamed"], times["sharded"]
    steady_m, steady_s = np.median(memory[1:]), np.median(streamed[1:])
    steady_h = np.median(sharded[1:])
    print(f"rows={args.rows} file={os.path.getsize(path) / 2**20:.0f} MiB "
          f"load={load0:.1f}/{load1:.1f}")
    print("| data | first epoch s | median s/epoch after it |")
    print("|---|---|---|")
    print(f"| in memory (arrays) | {memory[0]:.2f} | {steady_m:.3f} |")
    print(f"| streamed (Parquet) | {streamed[0]:.2f} | {steady_s:.3f} |")
    print(f"| streamed in 2 shards | {sharded[0]:.2f} | {steady_h:.3f} |")
    for name, kind, steady in (("streamed", streamed, steady_s), ("sharded", sharded,
                                                                    steady_h)):
        rounds = " ".join(f"{s / m:.2f}" for m, s in zip(memory[1:], kind[1:]))
        print(f"{name} / in memory, median epoch: {steady / steady_m:.2f}x "
              f"(per round: {rounds})")


if __name__ == "__main__":
    main()
