"""Hyperparameter search: a 10-trial random search, Lamina's tuner against KerasTuner.

The workload is the spiral of (a) (1000 points, labels +-1, MSE): each trial builds
2 -> units -> units -> 1 (relu) with `units = hp.Int("units", 4, 16, step=4)` and
`SGD(hp.Float("learning_rate", 1e-3, 1e-1, sampling="log"))`, and trains 20 epochs of
batch 10 with `validation_split=0.2`; the objective is `val_loss`. Timed: from the
tuner's construction to the end of `search` (imports excluded), in a fresh process
each time. Lamina runs from this checkout in the interpreter that runs the script;
KerasTuner on Keras 3 (JAX backend) in `--keras-python` (the bench venv, with
`keras-tuner` installed). The two alternate for `--repeat` rounds and each keeps its
fastest round, as the other benchmarks do. With `--space lr` the units are fixed at 8
and only the learning rate is searched, and Lamina's `vectorize=True` search (the 10
trials as one program) runs as a third side.

    .venv/bin/python benchmarks/bench_tuner.py [--keras-python .bench-venv/bin/python]
        [--trials 10] [--epochs 20] [--repeat 2] [--space units_lr|lr]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def build(K, hp, space="units_lr"):
    units = hp.Int("units", 4, 16, step=4) if space == "units_lr" else 8
    model = K.Sequential([K.layers.Input((2,)),
                          K.layers.Dense(units, activation="relu"),
                          K.layers.Dense(units, activation="relu"),
                          K.layers.Dense(1)])
    lr = hp.Float("learning_rate", 1e-3, 1e-1, sampling="log")
    model.compile(optimizer=K.optimizers.SGD(learning_rate=lr), loss="mse")
    return model


def one_side(side: str, trials: int, epochs: int, space: str = "units_lr") -> dict:
    sys.path.insert(0, HERE)
    from bench_spiral import spiral

    x, y = spiral()
    if side.startswith("lamina"):
        import lamina as K
        from lamina import tuner as kt
    else:
        import keras as K
        import keras_tuner as kt
    folder = tempfile.mkdtemp()
    start = time.perf_counter()
    extra = {"vectorize": True} if side == "lamina_vectorized" else {}
    tuner = kt.RandomSearch(lambda hp: build(K, hp, space), objective="val_loss",
                            max_trials=trials, seed=0, directory=folder, project_name="bench",
                            **extra)
    tuner.search(x, y, epochs=epochs, batch_size=10, validation_split=0.2, verbose=0)
    seconds = time.perf_counter() - start
    best = tuner.oracle.get_best_trials(1)[0]
    return {"seconds": seconds, "trials": len(tuner.oracle.trials), "best": float(best.score)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--side", choices=["lamina", "lamina_vectorized", "keras"])
    parser.add_argument("--space", choices=["units_lr", "lr"], default="units_lr",
                        help="units and learning rate (the default), or the learning rate "
                             "alone (8 units), which Lamina can also search with "
                             "vectorize=True")
    parser.add_argument("--keras-python", default=os.path.join(ROOT, ".bench-venv", "bin",
                                                               "python"))
    parser.add_argument("--trials", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if args.side:
        print(json.dumps(one_side(args.side, args.trials, args.epochs, args.space)))
        return
    pythons = {"lamina": sys.executable, "keras": args.keras_python}
    if args.space == "lr":
        pythons = {"lamina": sys.executable, "lamina_vectorized": sys.executable,
                   "keras": args.keras_python}
    env = {**os.environ, "KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu",
           "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    best: dict[str, dict] = {}
    load_before = os.getloadavg()
    for _ in range(args.repeat):
        for side, python in pythons.items():
            out = subprocess.run([python, __file__, "--side", side, "--trials",
                                  str(args.trials), "--epochs", str(args.epochs),
                                  "--space", args.space],
                                 env={**env, "PYTHONPATH": ROOT} if side == "lamina" else env,
                                 capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"{side} failed:\n{out.stderr[-3000:]}")
            result = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{side}: {result}", flush=True)
            if side not in best or result["seconds"] < best[side]["seconds"]:
                best[side] = result
    load_after = os.getloadavg()
    print(f"\n{args.trials}-trial random search over {args.space}, spiral, {args.epochs} "
          f"epochs a trial, "
          f"best of {args.repeat} rounds (load average {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after)")
    print("| implementation | seconds | trials | best val_loss |")
    print("|---|---|---|---|")
    names = {"lamina": "Lamina tuner (Optuna)", "lamina_vectorized":
             "Lamina tuner, vectorize=True", "keras": "KerasTuner, Keras 3"}
    for side in pythons:
        r = best[side]
        print(f"| {names[side]} | {r['seconds']:.1f} | {r['trials']} | {r['best']:.4f} |")
    for side in pythons:
        if side != "keras":
            print(f"\nKerasTuner / {names[side]}: "
                  f"{best['keras']['seconds'] / best[side]['seconds']:.2f}x (target >= 4x)")


if __name__ == "__main__":
    main()
