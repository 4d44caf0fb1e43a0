"""How many batches one compiled call should train for a CNN, measured in pairs.

On a shared 2-core machine the load changes from one minute to the next, so rows timed
one after the other (bench_cnn.py) can differ by 2x for the same program. Here the
candidates are compiled first, then timed one epoch each, in turn, for several rounds:
each round compares them under about the same load. Printed per candidate: the best and
the median epoch, and the median over rounds of its time divided by the whole-epoch
candidate's time in the same round.

Candidates: Lamina's `fit` with `steps_per_execution` = whole epoch / 8 / 1 (the same
model and initial weights), on the book's chapter-7 CNN (`cifar`) or the digits CNN.

    python benchmarks/cnn_dispatch.py [--model cifar|digits] [--rounds N]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

import bench_cnn
import cnn_floor
import common

SETTINGS = {"whole epoch": 10**9, "8 per call": 8, "1 per call": 1}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="cifar", choices=sorted(bench_cnn.SPECS))
    p.add_argument("--rounds", type=int, default=5)
    args = p.parse_args()
    import lamina

    x, y = bench_cnn.data(args.model)
    spec, shape = bench_cnn.SPECS[args.model], bench_cnn.SHAPES[args.model]
    weights = cnn_floor.init(spec, shape, bench_cnn.SEED)
    models = {}
    for name, spe in SETTINGS.items():
        model = bench_cnn.build_keras_style(lamina, spec, shape)
        model.compile(optimizer=lamina.optimizers.Adam(),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                      steps_per_execution=spe)
        common.set_keras_style_weights(model, weights)
        model.fit(x, y, batch_size=bench_cnn.BATCH, epochs=1, verbose=0)  # compiles
        models[name] = model
    times: dict[str, list[float]] = {name: [] for name in SETTINGS}
    loads = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for name, model in models.items():
            t0 = time.perf_counter()
            model.fit(x, y, batch_size=bench_cnn.BATCH, epochs=1, verbose=0)
            times[name].append(time.perf_counter() - t0)
        loads.append(os.getloadavg()[0])
    base = times["whole epoch"]
    print(f"### {args.model} CNN: steps per compiled call, {args.rounds} paired rounds, "
          f"{len(x)} images an epoch, batch {bench_cnn.BATCH}")
    print(f"\nload (1-min average) {min(loads):.1f}-{max(loads):.1f} on "
          f"{os.cpu_count()} cores\n")
    print("| steps per call | best s/epoch | median s/epoch | median ratio to whole epoch |")
    print("|---|---|---|---|")
    for name, ts in times.items():
        ratio = statistics.median(t / b for t, b in zip(ts, base))
        print(f"| {name} | {min(ts):.3f} | {statistics.median(ts):.3f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
