"""The Higgs lesson (wide and deep), streamed from Parquet, with mixed precision.

The course's last lesson trains a wide-and-deep network on 10.5 million Higgs rows
from files on 8 TPU cores. Here: Higgs-like rows (bench_higgs's generator, 28
features) written to several Parquet shards, streamed with `lamina.data.file_dataset`
(shuffled, validation from its own shard); the model concatenates the inputs (the
linear "wide" part) with 5 blocks of Dense 2048 + BatchNormalization + ReLU + Dropout
(the "deep" part) before a sigmoid Dense; Adam, binary crossentropy, AUC and binary
accuracy; the global policy `mixed_bfloat16` (float32 with `--policy float32`), on
all devices present (`DataParallel` when there are several).

On a CPU run it at a reduced size (`--rows`); the full lesson is `--rows 10500000`.
Prints seconds per epoch, rows per second and the achieved TFLOP/s (matmul FLOPs of
forward and backward: 6 x rows x weights of the Dense layers).

    python benchmarks/bench_higgs_lesson.py [--rows N] [--epochs N] [--policy P] [--width W]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

import bench_higgs


def build(keras, width: int, blocks: int = 5, dropout: float = 0.1):
    inputs = keras.Input(shape=(28,))
    x = inputs
    for _ in range(blocks):
        x = keras.layers.Dense(width)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation("relu")(x)
        x = keras.layers.Dropout(dropout)(x)
    both = keras.layers.Concatenate()([inputs, x])   # wide (linear in the inputs) + deep
    outputs = keras.layers.Dense(1, activation="sigmoid", dtype="float32")(both)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["AUC", "binary_accuracy"])
    return model


def write_shards(x: np.ndarray, y: np.ndarray, folder: str, shards: int) -> list[str]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    paths = []
    for i, (xs, ys) in enumerate(zip(np.array_split(x, shards), np.array_split(y, shards))):
        path = os.path.join(folder, f"higgs-{i:02d}.parquet")
        pq.write_table(pa.table({**{f"f{j}": xs[:, j] for j in range(28)}, "label": ys[:, 0]}),
                       path, row_group_size=1 << 16)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=16_384)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--width", type=int, default=2048)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--policy", default="mixed_bfloat16")
    args = parser.parse_args()
    import jax

    import lamina as keras
    bench_higgs.N_ROWS = args.rows + args.rows // 8
    x, y = bench_higgs.higgs()
    folder = tempfile.mkdtemp()
    paths = write_shards(x, y, folder, shards=9)
    train = keras.data.file_dataset(paths[:8], label="label", batch_size=args.batch, seed=0)
    valid = keras.data.file_dataset(paths[8], label="label", batch_size=args.batch,
                                    shuffle=False)
    keras.mixed_precision.set_global_policy(args.policy)
    if len(jax.devices()) > 1:
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    keras.utils.set_random_seed(0)
    model = build(keras, args.width)
    stamps: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            stamps.append(time.perf_counter())

    load0 = os.getloadavg()[0]
    t0 = time.perf_counter()
    history = model.fit(train, epochs=args.epochs, validation_data=valid, verbose=0,
                        callbacks=[Timer()])
    times = np.diff([t0] + stamps)
    dense = [l for l in model.layers if isinstance(l, keras.layers.Dense)]
    flops = 6 * train.rows * sum(l.kernel.size for l in dense)
    steady = times[1:].mean() if len(times) > 1 else times[0]
    print(f"device={jax.devices()[0].platform} x{len(jax.devices())} policy={args.policy} "
          f"rows={train.rows} width={args.width} load={load0:.1f}/{os.getloadavg()[0]:.1f}")
    print(f"seconds per epoch: {' '.join(f'{t:.1f}' for t in times)} "
          "(the first compiles; each includes its validation pass)")
    print(f"steady: {steady:.1f} s/epoch, {train.rows / steady:,.0f} rows/s, "
          f"{flops / steady / 1e12:.3f} TFLOP/s (training matmuls)")
    print("last epoch:", {k: round(float(v[-1]), 4) for k, v in history.history.items()})


if __name__ == "__main__":
    main()
