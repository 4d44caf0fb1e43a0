"""Runs the three workloads and prints one markdown report; `--write` appends it to
benchmarks/RESULTS.md with the date and the machine.

Each workload runs in its own process (a fresh JAX runtime each, so no workload
pays or saves another's compilation), with the interpreter that runs this file:

    .bench-venv/bin/python benchmarks/run_all.py            # all peers (make bench)
    .venv/bin/python benchmarks/run_all.py                  # Lamina, floor, scikit-learn
    python benchmarks/run_all.py --only spiral,wine --write
"""
from __future__ import annotations

import argparse
import datetime
import importlib.metadata as md
import json
import os
import platform
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
WORKLOADS = {"spiral": "bench_spiral.py", "wine": "bench_wine.py", "higgs": "bench_higgs.py"}
# Targets from the design: Lamina's steady time at most this multiple of the floor's.
FLOOR_TARGET = {"spiral": 1.5, "wine": 1.15, "higgs": 1.15}


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def version(pkg: str) -> str:
    try:
        return md.version(pkg)
    except md.PackageNotFoundError:
        return "not installed"


def machine_line() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kb = int(f.readline().split()[1])
        mem = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    vers = ", ".join(
        f"{p} {version(p)}" for p in ("lamina", "jax", "jaxlib", "optax", "numpy", "keras", "torch", "scikit-learn")
    )
    return (
        f"{cpu_model()}, {os.cpu_count()} cores{mem}; {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}; {vers}; JAX on CPU"
    )


def run_workload(key: str, epochs: int | None, repeat: int | None) -> dict | None:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
        out = tmp.name
    cmd = [sys.executable, os.path.join(HERE, WORKLOADS[key]), "--json", out]
    if epochs:
        cmd += ["--epochs", str(epochs)]
    if repeat:
        cmd += ["--repeat", str(repeat)]
    env = dict(os.environ, KERAS_BACKEND="jax")
    print(f"== {key}: {' '.join(cmd[1:2])}", file=sys.stderr, flush=True)
    proc = subprocess.run(cmd, env=env, cwd=HERE, stdout=subprocess.PIPE, text=True)
    try:
        if proc.returncode != 0:
            print(f"   {key} exited with {proc.returncode}", file=sys.stderr)
            return None
        with open(out) as f:
            return json.load(f)
    finally:
        os.unlink(out)


def _get(res: dict, name: str, what: str) -> float | None:
    r = res["results"].get(name)
    return None if r is None or r["skipped"] else r[what]


def target_lines(all_res: dict[str, dict]) -> list[str]:
    """The design's targets, each marked met / NOT met / not measured."""
    lines = ["| target | measured | verdict |", "|---|---|---|"]

    def verdict(ok: bool | None) -> str:
        return "not measured" if ok is None else ("met" if ok else "**NOT met**")

    def add(label: str, value: str, ok: bool | None) -> None:
        lines.append(f"| {label} | {value} | {verdict(ok)} |")

    for key, res in all_res.items():
        lam, floor = _get(res, "lamina", "steady"), _get(res, "floor", "steady")
        limit = FLOOR_TARGET[key]
        if lam and floor:
            add(f"({key}) Lamina steady <= {limit}x floor", f"{lam / floor:.2f}x", lam / floor <= limit)
        else:
            add(f"({key}) Lamina steady <= {limit}x floor", "-", None)
        keras = _get(res, "keras", "steady")
        if key == "spiral":
            if lam and keras:
                add("(spiral) Keras 3 steady >= 15x Lamina", f"{keras / lam:.1f}x", keras / lam >= 15)
            else:
                add("(spiral) Keras 3 steady >= 15x Lamina", "-", None)
        else:
            for peer in ("keras", "torch"):
                other = _get(res, peer, "steady")
                label = f"({key}) Lamina steady not slower than {peer}"
                if lam and other:
                    add(label, f"{peer}/lamina {other / lam:.2f}x", lam <= other)
                else:
                    add(label, "-", None)
        lam_first, keras_first = _get(res, "lamina", "first"), _get(res, "keras", "first")
        label = f"({key}) Lamina first epoch (compile) <= Keras 3's"
        if lam_first and keras_first:
            add(label, f"{lam_first:.2f}s vs {keras_first:.2f}s", lam_first <= keras_first)
        else:
            add(label, "-", None)
    return lines


def summary_lines(all_res: dict[str, dict]) -> list[str]:
    names = ["lamina", "floor", "keras", "keras_spe", "torch", "sklearn"]
    head = "| workload | epochs | " + " | ".join(names) + " |"
    lines = [
        "Steady seconds per epoch (first epoch, with compilation, in brackets):",
        "",
        head,
        "|" + "---|" * (2 + len(names)),
    ]
    for key, res in all_res.items():
        cells = []
        for n in names:
            s, f = _get(res, n, "steady"), _get(res, n, "first")
            cells.append("-" if s is None else f"{s:.4g} ({f:.3g})")
        lines.append(f"| {key} | {res['epochs']} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default="", help="comma-separated workloads: spiral,wine,higgs")
    p.add_argument("--epochs", type=int, default=0, help="override every workload's epoch count")
    p.add_argument("--repeat", type=int, default=0, help="override every workload's rounds")
    p.add_argument("--write", action="store_true", help="append the report to benchmarks/RESULTS.md")
    args = p.parse_args()
    keys = [k for k in (args.only.split(",") if args.only else WORKLOADS) if k]
    for k in keys:
        if k not in WORKLOADS:
            sys.exit(f"Unknown workload {k!r}; choose from {', '.join(WORKLOADS)}.")

    started = datetime.datetime.now()
    all_res = {}
    for k in keys:
        res = run_workload(k, args.epochs or None, args.repeat or None)
        if res is not None:
            all_res[k] = res
    elapsed = (datetime.datetime.now() - started).total_seconds()

    parts = [
        f"## Run of {started:%Y-%m-%d %H:%M}",
        "",
        f"Machine: {machine_line()}.",
        f"Wall time of the whole run: {elapsed:.0f} s.",
        "",
        *summary_lines(all_res),
        "",
        "Targets (ratios measured in this run):",
        "",
        *target_lines(all_res),
        "",
    ]
    for k, res in all_res.items():
        parts += [res["table"], res["problem"], ""]
    report = "\n".join(parts)
    print(report)
    if args.write:
        path = os.path.join(HERE, "RESULTS.md")
        with open(path, "a") as f:
            f.write("\n" + report)
        print(f"(appended to {path})", file=sys.stderr)


if __name__ == "__main__":
    main()
