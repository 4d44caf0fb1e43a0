"""Applications: seconds to build each network and images per second through
`predict`, Lamina against Keras 3 (JAX backend), in one run.

Workload: `MobileNetV2()` and `ResNet50()` at 224x224x3 with `weights=None` and the
top; `predict` on 64 random images with `batch_size=32`. For each library and model:
the build (constructing the model, weights included), the first `predict` (which
includes compiling) and the steady `predict` (the median of the next three calls).
Each library runs in its own subprocess: Lamina with this Python, Keras 3 with
`--keras-python` (default /work/main/.bench-venv/bin/python, KERAS_BACKEND=jax).

    python benchmarks/bench_applications.py [--models mobilenet_v2 resnet50]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
N, BATCH = 64, 32
BUILDERS = {"mobilenet_v2": "MobileNetV2", "resnet50": "ResNet50", "vgg16": "VGG16",
            "inception_v3": "InceptionV3"}


def measure(lib: str, model_name: str) -> dict:
    """One library's figures for one model (run inside the subprocess)."""
    import numpy as np
    if lib == "keras":
        os.environ.setdefault("KERAS_BACKEND", "jax")
        import keras
    else:
        sys.path.insert(0, REPO)
        import lamina as keras
    size = 299 if model_name == "inception_v3" else 224
    x = np.random.default_rng(0).uniform(-1, 1, (N, size, size, 3)).astype("float32")
    start = time.perf_counter()
    model = getattr(keras.applications, BUILDERS[model_name])(weights=None)
    build = time.perf_counter() - start
    start = time.perf_counter()
    model.predict(x, batch_size=BATCH, verbose=0)
    first = time.perf_counter() - start
    steady = []
    for _ in range(3):
        start = time.perf_counter()
        out = model.predict(x, batch_size=BATCH, verbose=0)
        steady.append(time.perf_counter() - start)
    return {"build_s": build, "first_predict_s": first,
            "steady_predict_s": statistics.median(steady), "out_shape": list(out.shape),
            "params": int(model.count_params())}


def run(python: str, lib: str, model_name: str) -> dict:
    env = dict(os.environ, KERAS_BACKEND="jax")
    load = os.getloadavg()[0]
    done = subprocess.run([python, __file__, "--child", lib, model_name], env=env,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        return {"skipped": done.stderr.strip().splitlines()[-1] if done.stderr else "failed"}
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["load"] = (load, os.getloadavg()[0])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", default=["mobilenet_v2", "resnet50"])
    parser.add_argument("--keras-python", default="/work/main/.bench-venv/bin/python")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(*args.child)))
        return
    print("| model | library | build s | first predict s | steady predict s | images/s | "
          "load before/after |")
    print("|---|---|---|---|---|---|---|")
    for model_name in args.models:
        rows = {"Lamina": run(sys.executable, "lamina", model_name),
                "Keras 3": run(args.keras_python, "keras", model_name)}
        for label, r in rows.items():
            if "skipped" in r:
                print(f"| {model_name} | {label} | skipped: {r['skipped']} |||||")
                continue
            print(f"| {model_name} | {label} | {r['build_s']:.2f} | {r['first_predict_s']:.2f} | "
                  f"{r['steady_predict_s']:.2f} | {N / r['steady_predict_s']:.1f} | "
                  f"{r['load'][0]:.1f}/{r['load'][1]:.1f} |")
        if all("skipped" not in r for r in rows.values()):
            lam, ker = rows["Lamina"], rows["Keras 3"]
            print(f"\n{model_name}: Lamina/Keras 3 time ratios: build "
                  f"{lam['build_s'] / ker['build_s']:.2f}, first predict "
                  f"{lam['first_predict_s'] / ker['first_predict_s']:.2f}, steady predict "
                  f"{lam['steady_predict_s'] / ker['steady_predict_s']:.2f}\n")


if __name__ == "__main__":
    main()
