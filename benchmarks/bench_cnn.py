"""Workload (d): convolutional networks on the CPU, and how many steps one dispatch runs.

Two models, batch 32, Adam (Keras defaults), sparse categorical crossentropy:

- `cifar`: the book's chapter-7 CNN on a generated CIFAR-shaped set (1,024 images of
  32x32x3 an epoch, 10 classes): Conv2D 64 (3x3, relu) + BatchNormalization +
  MaxPooling2D, Conv2D 32 (3x3, relu) + BatchNormalization + MaxPooling2D, Flatten,
  Dense 512 relu, Dropout 0.5, Dense 256 relu, Dropout 0.5, Dense 10 softmax.
- `digits`: a small CNN on scikit-learn's digits (1,792 images of 8x8x1): Conv2D 32
  (3x3, relu), MaxPooling2D, Conv2D 64 (3x3, relu), Flatten, Dense 64 relu, Dense 10
  softmax.

Rows, all in one run, from the same initial weights:

- `lamina`: `fit` as a user calls it (the engine picks the granularity);
  `lamina_epoch`, `lamina_chunk8`, `lamina_step`: the same with the steps per dispatch
  forced (the whole epoch, 8, 1) through `compile(steps_per_execution=...)`.
- the hand-written JAX floor (`cnn_floor.py`) at each granularity (`step`: one jitted
  step per batch, `epoch`: one `lax.scan` over the epoch, `chunk8`) and convolution
  lowering (`lax`: JAX's own gradients; `canonical`: Lamina's channels-last gradients;
  `patches`: patches times a matrix).
- `keras`: Keras 3 on JAX, `fit` with default settings.
- `tfkeras`: tf.keras 2 (`/work/tf-venv`, `TF_USE_LEGACY_KERAS=1`), in its own process.
- `torch`: a plain PyTorch loop, `torch.set_num_threads(2)`.

    python benchmarks/bench_cnn.py [--model cifar|digits] [--epochs N] [--repeat N]
                                   [--only lamina,floor_epoch] [--json out.json]
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

import cnn_floor
import common
from common import Result

BATCH = 32
SEED = 0
EPOCHS = 4
TF_PYTHON = os.environ.get("TF_PYTHON", "/work/tf-venv/bin/python")

SPECS = {
    "cifar": [("conv", 64, 3), ("bn",), ("pool",), ("conv", 32, 3), ("bn",), ("pool",),
              ("flatten",), ("dense", 512, "relu"), ("dropout", 0.5),
              ("dense", 256, "relu"), ("dropout", 0.5), ("dense", 10, "softmax")],
    "digits": [("conv", 32, 3), ("pool",), ("conv", 64, 3), ("flatten",),
               ("dense", 64, "relu"), ("dense", 10, "softmax")],
}
SHAPES = {"cifar": (32, 32, 3), "digits": (8, 8, 1)}

FLOORS = {  # row -> (granularity, lowering)
    "floor_step_lax": ("step", "lax"),
    "floor_epoch_lax": ("epoch", "lax"),
    "floor_step": ("step", "canonical"),
    "floor_epoch": ("epoch", "canonical"),
    "floor_chunk8": ("chunk8", "canonical"),
    "floor_epoch_patches": ("epoch", "patches"),
}
# steps_per_execution per Lamina row (None: the engine's choice; 10**9: the whole epoch).
LAMINAS = {"lamina": None, "lamina_epoch": 10**9, "lamina_chunk8": 8, "lamina_step": 1}
ORDER = list(LAMINAS) + list(FLOORS) + ["keras", "tfkeras", "torch"]
LABELS = {
    "lamina": "Lamina fit (engine's choice)",
    "lamina_epoch": "Lamina fit, whole epoch per dispatch",
    "lamina_chunk8": "Lamina fit, 8 steps per dispatch",
    "lamina_step": "Lamina fit, 1 step per dispatch",
    "floor_step_lax": "JAX floor: jit step per batch, lax conv and pool",
    "floor_epoch_lax": "JAX floor: scan over the epoch, lax conv and pool",
    "floor_step": "JAX floor: jit step per batch, Lamina's conv and pool",
    "floor_epoch": "JAX floor: scan over the epoch, Lamina's conv and pool",
    "floor_chunk8": "JAX floor: scans of 8 steps, Lamina's conv and pool",
    "floor_epoch_patches": "JAX floor: scan over the epoch, patches x matrix conv",
    "keras": "Keras 3 (JAX) fit",
    "tfkeras": "tf.keras 2 fit (TF_USE_LEGACY_KERAS=1)",
    "torch": "PyTorch loop (2 threads)",
}


def data(model: str) -> tuple[np.ndarray, np.ndarray]:
    """`cifar`: 1,024 generated 32x32x3 images in [0, 1] whose class sets a colour cast
    and a stripe pattern under noise; `digits`: scikit-learn's 8x8 digits, scaled to
    [0, 1], the first 1,792 (56 full batches)."""
    rng = np.random.default_rng(SEED)
    if model == "digits":
        from sklearn.datasets import load_digits

        d = load_digits()
        x = (d.images[:1792] / 16.0).astype(np.float32)[..., None]
        return x, d.target[:1792].astype(np.int32)
    n = 1024
    y = rng.integers(0, 10, n).astype(np.int32)
    cast = rng.uniform(0.2, 0.8, (10, 3))
    rows = np.arange(32)[:, None]
    stripes = np.sin(rows * (1 + np.arange(10))[:, None, None] / 3.0)  # (10, 32, 1)
    x = cast[y][:, None, None, :] + 0.2 * stripes[y][..., None] + rng.normal(0, 0.25,
                                                                              (n, 32, 32, 3))
    return np.clip(x, 0, 1).astype(np.float32), y


def build_keras_style(K, spec: list, input_shape: tuple):
    layers = [K.layers.Input(input_shape)]
    for layer in spec:
        kind = layer[0]
        if kind == "conv":
            layers.append(K.layers.Conv2D(layer[1], layer[2], activation="relu"))
        elif kind == "bn":
            layers.append(K.layers.BatchNormalization())
        elif kind == "pool":
            layers.append(K.layers.MaxPooling2D())
        elif kind == "flatten":
            layers.append(K.layers.Flatten())
        elif kind == "dense":
            layers.append(K.layers.Dense(layer[1], activation=layer[2]))
        elif kind == "dropout":
            layers.append(K.layers.Dropout(layer[1]))
    return K.Sequential(layers)


def keras_style_row(K, model_name: str, x, y, epochs: int, spe=None) -> Result:
    spec = SPECS[model_name]
    model = build_keras_style(K, spec, SHAPES[model_name])
    extra = {} if spe is None else {"steps_per_execution": spe}
    model.compile(optimizer=K.optimizers.Adam(), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"], **extra)
    same = common.set_keras_style_weights(model, cnn_floor.init(spec, SHAPES[model_name], SEED))
    times, final, note = common.timed_keras_style_fit(K, model, x, y, epochs=epochs,
                                                      batch_size=BATCH)
    notes = [n for n in (note, "" if same else "own init") if n]
    if spe is not None:
        notes.append(f"steps_per_execution={spe}")
    return Result("", times, final, "; ".join(notes))


def lamina_row(model_name: str, x, y, epochs: int, spe) -> Result:
    import lamina

    row = keras_style_row(lamina, model_name, x, y, epochs, spe)
    if spe is None:
        probe = build_keras_style(lamina, SPECS[model_name], SHAPES[model_name])
        from lamina.models import _dispatch

        limit = _dispatch.steps_per_dispatch(probe)
        row.note = "; ".join(n for n in (row.note, f"engine chose {limit or 'whole epoch'}")
                             if n)
    return row


def torch_row(torch, model_name: str, x_np, y_np, epochs: int) -> Result:
    nn = torch.nn
    torch.manual_seed(SEED)
    spec = SPECS[model_name]
    weights = iter(cnn_floor.init(spec, SHAPES[model_name], SEED))
    mods, channels, size = [], SHAPES[model_name][-1], SHAPES[model_name][0]
    for layer in spec:
        kind = layer[0]
        if kind == "conv":
            conv = nn.Conv2d(channels, layer[1], layer[2])
            with torch.no_grad():
                conv.weight.copy_(torch.from_numpy(next(weights).transpose(3, 2, 0, 1).copy()))
                conv.bias.copy_(torch.from_numpy(next(weights)))
            mods += [conv, nn.ReLU()]
            channels, size = layer[1], size - layer[2] + 1
        elif kind == "bn":
            mods.append(nn.BatchNorm2d(channels, eps=cnn_floor.BN_EPS,
                                       momentum=1 - cnn_floor.BN_MOMENTUM))
            for _ in range(4):
                next(weights)
        elif kind == "pool":
            mods.append(nn.MaxPool2d(2))
            size //= 2
        elif kind == "flatten":
            # Keras flattens channels last: permute to NHWC first.
            mods += [Permute(torch), nn.Flatten()]
            channels = channels * size * size
        elif kind == "dense":
            lin = nn.Linear(channels, layer[1])
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(next(weights).T.copy()))
                lin.bias.copy_(torch.from_numpy(next(weights)))
            mods += [lin] + ([nn.ReLU()] if layer[2] == "relu" else [])
            channels = layer[1]
        elif kind == "dropout":
            mods.append(nn.Dropout(layer[1]))
    model = nn.Sequential(*mods)
    opt = torch.optim.Adam(model.parameters(), lr=cnn_floor.LR, betas=(0.9, 0.999),
                           eps=cnn_floor.EPS)
    loss_fn = nn.CrossEntropyLoss()
    x = torch.from_numpy(x_np.transpose(0, 3, 1, 2).copy())
    y = torch.from_numpy(y_np.astype(np.int64))
    n = len(x)
    model.train()
    stamps, t0 = [], time.perf_counter()
    for _ in range(epochs):
        perm = torch.randperm(n)
        xs, ys = x[perm], y[perm]
        total, correct = torch.zeros(()), torch.zeros(())
        for i in range(0, n, BATCH):
            xb, yb = xs[i:i + BATCH], ys[i:i + BATCH]
            opt.zero_grad()
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            opt.step()
            total += loss.detach() * len(xb)
            correct += (logits.detach().argmax(1) == yb).sum()
        loss, acc = float(total) / n, float(correct) / n
        stamps.append(time.perf_counter())
    return Result("", np.diff([t0] + stamps).tolist(), {"loss": loss, "accuracy": acc})


def Permute(torch):  # noqa: N802 - a module factory
    class _Permute(torch.nn.Module):
        def forward(self, x):
            return x.permute(0, 2, 3, 1)
    return _Permute()


def tfkeras_row(model_name: str, epochs: int) -> Result:
    """tf.keras 2 in its own interpreter (`--peer tfkeras`), reading back a JSON row."""
    if not os.path.exists(TF_PYTHON):
        return common.skipped("tfkeras", f"no tf.keras interpreter at {TF_PYTHON}")
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="2")
    cmd = [TF_PYTHON, os.path.abspath(__file__), "--peer", "tfkeras", "--model", model_name,
           "--epochs", str(epochs), "--json", out]
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=3600)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:]
            return common.skipped("tfkeras", f"exited {proc.returncode}: {tail}")
        with open(out) as f:
            row = json.load(f)
        return Result("", row["epoch_times"], row["final"], row["note"])
    finally:
        os.unlink(out)


def tfkeras_main(model_name: str, epochs: int, out: str) -> None:
    import tensorflow as tf

    x, y = data(model_name)
    K = tf.keras
    row = keras_style_row(K, model_name, x, y, epochs)
    note = f"tensorflow {tf.__version__}"
    with open(out, "w") as f:
        json.dump({"epoch_times": row.epoch_times, "final": row.final,
                   "note": "; ".join(n for n in (row.note, note) if n)}, f)


def rows_for(model_name: str, epochs: int) -> dict:
    x, y = data(model_name)
    lam, lam_why = common.lamina_or_reason()
    keras, keras_why = common.keras_or_reason()
    torch, torch_why = common.torch_or_reason()
    rows = {}
    for name, spe in LAMINAS.items():
        rows[name] = (lambda spe=spe: lamina_row(model_name, x, y, epochs, spe)) if lam \
            else (lambda name=name: common.skipped(name, lam_why))
    spec, weights = SPECS[model_name], cnn_floor.init(SPECS[model_name], SHAPES[model_name], SEED)
    for name, (granularity, lowering) in FLOORS.items():
        rows[name] = (lambda g=granularity, lw=lowering: cnn_floor.run_epochs(
            spec, weights, x, y, batch=BATCH, epochs=epochs, granularity=g, lowering=lw))
    rows["keras"] = (lambda: keras_style_row(keras, model_name, x, y, epochs)) if keras \
        else (lambda: common.skipped("keras", keras_why))
    rows["tfkeras"] = lambda: tfkeras_row(model_name, epochs)
    rows["torch"] = (lambda: torch_row(torch, model_name, x, y, epochs)) if torch \
        else (lambda: common.skipped("torch", torch_why))
    return rows


def ratio_lines(results: dict) -> list[str]:
    ok = {k: r.steady for k, r in results.items() if not r.skipped}
    pairs = [("lamina", "floor_step_lax"), ("lamina", "floor_epoch"), ("lamina", "keras"),
             ("lamina", "tfkeras"), ("lamina", "torch"), ("floor_epoch_lax", "floor_step_lax"),
             ("floor_epoch", "floor_step"), ("floor_epoch", "floor_epoch_lax"),
             ("lamina_epoch", "lamina_step"), ("lamina_chunk8", "lamina_step")]
    lines = ["| ratio of steady times (same run) | value |", "|---|---|"]
    for a, b in pairs:
        value = f"{ok[a] / ok[b]:.2f}x" if a in ok and b in ok else "n/a"
        lines.append(f"| {a} / {b} | {value} |")
    return lines


def main() -> None:
    if "--peer" in sys.argv:
        args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
        tfkeras_main(args["--model"], int(args["--epochs"]), args["--json"])
        return
    import argparse

    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="cifar", choices=sorted(SPECS))
    p.add_argument("--epochs", type=int, default=EPOCHS)
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--only", default="")
    p.add_argument("--json", default="")
    args = p.parse_args()
    results = common.run_rows(args, rows_for(args.model, args.epochs), order=ORDER)
    title = f"(d) {args.model} CNN, batch {BATCH}, Adam, {args.epochs} epochs"
    table = common.markdown_table(title, args.epochs, results, ["loss", "accuracy"],
                                  order=ORDER, labels=LABELS, with_ratios=False)
    report = table + "\n" + "\n".join(ratio_lines(results)) + "\n"
    print(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"model": args.model, "report": report,
                       "results": {k: {"epoch_times": r.epoch_times, "skipped": r.skipped,
                                       "steady": None if r.skipped else r.steady,
                                       "first": None if r.skipped else r.first,
                                       "note": r.note, "load": r.load}
                                   for k, r in results.items()}}, f, indent=1)


if __name__ == "__main__":
    main()
