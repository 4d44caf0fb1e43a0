"""Sequences and text: (a) the book's chapter-10 text classifier (Embedding 20,000 x 100,
LSTM 10, sigmoid; 200 steps; batch 32), (b) a 2-layer LSTM forecaster, (c) a seq2seq
inference loop with one `predict` call per generated character.

Rows: Lamina, a hand-written JAX floor, Keras 3 on JAX (also with
steps_per_execution), tf.keras 2 and PyTorch, in one run. tf.keras 2 needs TensorFlow,
which lives in its own venv: its rows run in a subprocess of that venv's Python
(`--tf-python`, default /work/tf-venv/bin/python, with TF_USE_LEGACY_KERAS=1).

    KERAS_BACKEND=jax .bench-venv/bin/python benchmarks/bench_text.py [--write]
    python benchmarks/bench_text.py --workloads text --only lamina,floor --epochs 3
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import subprocess
import sys
import tempfile

import common
import seq2seq_decode as s2s
import sequence_workloads as sw
from common import Result

HERE = os.path.dirname(os.path.abspath(__file__))
EPOCHS = {"text": 4, "forecast": 6}
TORCH_EPOCHS = 4  # at most: PyTorch's epochs are the slowest
TITLES = {"text": "(a) Text classifier: Embedding 20,000x100 -> LSTM 10 -> sigmoid, "
                  "200 steps, batch 32, Adam, BCE",
          "forecast": "(b) Forecaster: 30 steps -> LSTM 32 -> LSTM 32 -> Dense 1, batch 32, "
                      "Adam, MSE"}
PROBLEMS = {"text": "Problem: 1,024 rows of 200 token ids (Zipf-like, pre-padded with 0), "
                    "labels from the ids; 32 steps an epoch.",
            "forecast": "Problem: 1,024 windows of 30 steps of a noisy seasonal series, "
                        "the next value as target; 32 steps an epoch."}


def parse() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--workloads", default="text,forecast,decode")
    p.add_argument("--only", default="", help="rows, e.g. lamina,floor,keras,tf_keras,torch")
    p.add_argument("--epochs", type=int, default=0, help="override the epochs of (a), (b)")
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--tf-python", default=os.environ.get("TF_PYTHON",
                                                         "/work/tf-venv/bin/python"))
    p.add_argument("--inner", default="", help=argparse.SUPPRESS)  # the tf.keras subprocess
    p.add_argument("--json", default="")
    p.add_argument("--write", action="store_true", help="append to benchmarks/RESULTS.md")
    return p.parse_args()


# --------------------------------------------------------------------------- tf.keras 2


def tf_inner(args: argparse.Namespace) -> None:
    """In the TensorFlow venv: run tf.keras 2's row of one workload, write JSON."""
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    K, why = common.tf_keras_or_reason()
    if K is None:
        out = {"skipped": why}
    elif args.workloads == "decode":
        out = s2s.keras_style(K, *s2s.data())
    else:
        spec = sw.text_spec() if args.workloads == "text" else sw.forecast_spec()
        r = sw.keras_style_row(K, spec, args.epochs)
        out = {"epoch_times": r.epoch_times, "final": r.final, "note": r.note}
    with open(args.json, "w") as f:
        json.dump(out, f)


def tf_row(args: argparse.Namespace, workload: str, epochs: int = 0) -> dict:
    if not os.path.exists(args.tf_python):
        return {"skipped": f"no TensorFlow venv at {args.tf_python}"}
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        path = tmp.name
    cmd = [args.tf_python, os.path.abspath(__file__), "--inner", "tf_keras", "--workloads",
           workload, "--epochs", str(epochs), "--json", path]
    env = dict(os.environ, TF_USE_LEGACY_KERAS="1", TF_CPP_MIN_LOG_LEVEL="3",
               CUDA_VISIBLE_DEVICES="")
    try:
        proc = subprocess.run(cmd, env=env, cwd=HERE, capture_output=True, text=True)
        if proc.returncode != 0:
            return {"skipped": "failed: " + (proc.stderr.strip().splitlines() or ["?"])[-1][:200]}
        with open(path) as f:
            return json.load(f)
    finally:
        os.unlink(path)


# --------------------------------------------------------------------------- workloads


# PyTorch's CPU kernels spin on their thread pool: with 2 threads on this shared 2-core
# machine a text step took ~10x longer than with 1 (1.5 s against 0.16 s, 2026-12-06).
TORCH_THREADS = 1


def training(args: argparse.Namespace, key: str) -> tuple[str, dict]:
    spec = sw.text_spec() if key == "text" else sw.forecast_spec()
    epochs = args.epochs or EPOCHS[key]
    lam, lam_why = common.lamina_or_reason()
    keras, keras_why = common.keras_or_reason()
    torch, torch_why = common.torch_or_reason()
    if torch is not None:
        torch.set_num_threads(TORCH_THREADS)
        common.LABELS["torch"] = f"PyTorch loop ({TORCH_THREADS} thread)"

    def tf() -> Result:
        out = tf_row(args, key, epochs)
        if "skipped" in out:
            return common.skipped("tf_keras", out["skipped"])
        return Result("", out["epoch_times"], out["final"], out["note"])

    rows = {
        "lamina": (lambda: sw.keras_style_row(lam, spec, epochs)) if lam else
        (lambda: common.skipped("lamina", lam_why)),
        "floor": lambda: sw.floor_row(spec, epochs),
        "floor_autodiff": lambda: sw.floor_row(spec, epochs, hand_gradient=False),
        "keras": (lambda: sw.keras_style_row(keras, spec, epochs)) if keras else
        (lambda: common.skipped("keras", keras_why)),
        "keras_spe": (lambda: sw.keras_style_row(keras, spec, epochs, 32)) if keras else
        (lambda: common.skipped("keras_spe", keras_why)),
        "tf_keras": tf,
        "torch": (lambda: sw.torch_row(torch, spec, min(epochs, TORCH_EPOCHS))) if torch else
        (lambda: common.skipped("torch", torch_why)),
    }
    order = common.ORDER[:2] + ["floor_autodiff"] + common.ORDER[2:]
    labels = dict(common.LABELS, floor="JAX floor (jit scan/epoch, LSTM gradient by hand)",
                  floor_autodiff="JAX floor (jit scan/epoch, JAX's LSTM gradient)")
    results = common.run_rows(args, rows, order)
    keys = ["loss", "accuracy"] if key == "text" else ["loss"]
    return common.markdown_table(TITLES[key], epochs, results, keys, order=order,
                                 labels=labels) + "\n" + \
        PROBLEMS[key] + (f" PyTorch runs {min(epochs, TORCH_EPOCHS)} epochs."
                         if epochs > TORCH_EPOCHS else "") + "\n", results


def decoding(args: argparse.Namespace) -> tuple[str, dict]:
    x, w = s2s.data()
    only = [s for s in args.only.split(",") if s]
    lam, lam_why = common.lamina_or_reason()
    keras, keras_why = common.keras_or_reason()
    torch, torch_why = common.torch_or_reason()
    if torch is not None:
        torch.set_num_threads(TORCH_THREADS)
    rows = {"lamina": lambda: s2s.keras_style(lam, x, w) if lam else {"skipped": lam_why},
            "floor": lambda: s2s.floor(x, w),
            "keras": lambda: s2s.keras_style(keras, x, w) if keras else {"skipped": keras_why},
            "tf_keras": lambda: tf_row(args, "decode"),
            "torch": lambda: s2s.torch_loop(torch, x, w) if torch else {"skipped": torch_why}}
    common.warm_up_jax()
    results: dict = {}
    for name, run in rows.items():
        if only and name not in only:
            continue
        print(f"  decode: running {name} ...", file=sys.stderr, flush=True)
        before = os.getloadavg()[0]
        try:
            results[name] = run()
        except Exception as exc:  # a failing peer must not hide the others
            results[name] = {"skipped": f"failed: {type(exc).__name__}: {exc}"[:200]}
        results[name]["load"] = (before, os.getloadavg()[0])
    return s2s.table(results), results


# --------------------------------------------------------------------------- targets


def targets(training_results: dict, decode: dict | None) -> str:
    lines = ["| target | measured | verdict |", "|---|---|---|"]

    def add(label: str, value: float | None, ok: bool | None, fmt: str = "{:.2f}x") -> None:
        verdict = "not measured" if ok is None else ("met" if ok else "**NOT met**")
        lines.append(f"| {label} | {'-' if value is None else fmt.format(value)} | {verdict} |")

    for key, res in training_results.items():
        steady = {k: r.steady for k, r in res.items() if not r.skipped}
        lam = steady.get("lamina")

        def ratio(a: str, b: str) -> float | None:
            return steady[a] / steady[b] if a in steady and b in steady else None

        r = ratio("lamina", "floor")
        add(f"({key}) Lamina steady <= 1.15x floor", r, None if r is None else r <= 1.15)
        r = ratio("keras", "lamina")
        add(f"({key}) Keras 3 steady >= 1.3x Lamina", r, None if r is None else r >= 1.3)
        for peer in ("tf_keras", "torch"):
            r = ratio(peer, "lamina")
            add(f"({key}) Lamina faster than {peer} (peer/Lamina)", r,
                None if r is None or lam is None else r > 1)
    if decode:
        import statistics

        per = {k: statistics.median(r["per_char"]) for k, r in decode.items()
               if "skipped" not in r}
        if "lamina" in per and "floor" in per:
            over = (per["lamina"] - per["floor"]) * 1e6
            add("(decode) Lamina predict overhead < 200 µs a call", over, over < 200,
                "{:.0f} µs")
        for peer in ("keras", "tf_keras", "torch"):
            if "lamina" in per and peer in per:
                r = per[peer] / per["lamina"]
                add(f"(decode) Lamina faster than {peer} (peer/Lamina)", r, r > 1)
    return "\n".join(lines) + "\n"


def main() -> None:
    args = parse()
    if args.inner:
        tf_inner(args)
        return
    started = datetime.datetime.now()
    keys = [k for k in args.workloads.split(",") if k]
    parts, trained, decode = [], {}, None
    for key in keys:
        if key == "decode":
            text, decode = decoding(args)
        else:
            text, trained[key] = training(args, key)
        parts.append(text)
    elapsed = (datetime.datetime.now() - started).total_seconds()
    sys.path.insert(0, HERE)
    import run_all

    report = "\n".join([
        f"## Sequences and text (bench_text.py), run of {started:%Y-%m-%d %H:%M}", "",
        f"Machine: {run_all.machine_line()}; tf.keras 2 from {args.tf_python}.",
        f"Wall time of the whole run: {elapsed:.0f} s.", "",
        "Targets (ratios measured in this run):", "", targets(trained, decode), *parts])
    print(report)
    if args.write:
        with open(os.path.join(HERE, "RESULTS.md"), "a") as f:
            f.write("\n" + report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"report": report}, f)


if __name__ == "__main__":
    main()
