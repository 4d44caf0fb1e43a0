"""Reading Keras's data files: Lamina's data-only pickle reader against the C unpickler
with an allow-list (`pickle.Unpickler` with `find_class`, the reader it replaced), in
one run.

Workloads, generated in Keras's layouts at full size:
- IMDB: `imdb.npz` with 25,000 + 25,000 reviews as object arrays of lists of word
  indices (lengths 10-1,000, mean about 240 like IMDB's; indices 1-88,586), written by
  `np.savez`; read with `load_npz` against `np.load(allow_pickle=True)`.
- CIFAR-10: one batch file, `{b"data": (10000, 3072) uint8, b"labels": [...],
  b"batch_label": ..., b"filenames": [...]}`, pickled at protocols 2 and 4.

Each figure is the median of `--repeats` reads.

    python benchmarks/bench_datafile_reader.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import io
import os
import pickle
import statistics
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from lamina.datasets._pickle_reader import read_pickle  # noqa: E402
from lamina.datasets._pickles import load_npz  # noqa: E402

ALLOWED = {("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
           ("numpy.core.multiarray", "_reconstruct"),
           ("numpy._core.multiarray", "_reconstruct")}


class AllowListUnpickler(pickle.Unpickler):
    """The previous reader: the C unpickler, refusing globals outside NumPy's."""

    def find_class(self, module, name):
        if (module, name) in ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name}")


def median_seconds(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def imdb_npz(path: str) -> int:
    rng = np.random.default_rng(0)
    arrays = {}
    total = 0
    for split in ("train", "test"):
        lengths = np.clip(rng.lognormal(5.25, 0.65, 25000).astype(int), 10, 1000)
        total += int(lengths.sum())
        rows = np.empty(25000, dtype=object)
        for i, n in enumerate(lengths):
            rows[i] = rng.integers(1, 88587, n).tolist()
        arrays[f"x_{split}"] = rows
        arrays[f"y_{split}"] = rng.integers(0, 2, 25000)
    np.savez(path, **arrays)
    return total


def cifar_batch() -> dict:
    rng = np.random.default_rng(1)
    return {b"batch_label": b"training batch 1 of 5",
            b"labels": rng.integers(0, 10, 10000).tolist(),
            b"data": rng.integers(0, 256, (10000, 3072), dtype=np.uint8),
            b"filenames": [f"image_{i}.png".encode() for i in range(10000)]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average: {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "imdb.npz")
        words = imdb_npz(path)
        ours = median_seconds(lambda: load_npz(path), args.repeats)

        def numpy_load():
            with np.load(path, allow_pickle=True) as f:
                return {k: f[k] for k in f.files}

        theirs = median_seconds(numpy_load, args.repeats)
        print(f"IMDB ({words:,} word indices, {os.path.getsize(path) / 1e6:.0f} MB): "
              f"load_npz {ours:.2f} s, np.load(allow_pickle=True) {theirs:.2f} s, "
              f"ratio {ours / theirs:.1f}x")
    batch = cifar_batch()
    for protocol in (2, 4):
        data = pickle.dumps(batch, protocol=protocol)
        ours = median_seconds(lambda: read_pickle(data, encoding="bytes"), args.repeats)
        theirs = median_seconds(
            lambda: AllowListUnpickler(io.BytesIO(data), encoding="bytes").load(),
            args.repeats)
        print(f"CIFAR-10 batch, protocol {protocol} ({len(data) / 1e6:.0f} MB): "
              f"read_pickle {ours * 1e3:.0f} ms, allow-listed Unpickler "
              f"{theirs * 1e3:.0f} ms, ratio {ours / theirs:.1f}x")


if __name__ == "__main__":
    main()
