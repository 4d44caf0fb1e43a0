"""Text preprocessing on the host: Lamina against tf.keras 2, on IMDB-sized data.

25,000 generated reviews (`lamina.datasets.sentiment`, ~21 words each), the book's
settings (20,000 tokens, sequences of 200):

- `TextVectorization.adapt` and the vectorization of all reviews;
- `Tokenizer.fit_on_texts` + `texts_to_sequences` + `pad_sequences`;
- the host step a model adds to `predict` (`encode_inputs`): on a model without host
  layers, before and after the process made one, and on a TextVectorization + Dense
  model for one review; and `predict(["one review"])` on that model against `predict`
  of the same, already vectorized, row on the Dense part alone.

tf.keras 2 runs in its own process from `/work/tf-venv` (or `--tf-python`), on the same
texts (passed in a temporary .npy file); its vocabulary and outputs are compared with
Lamina's. Keras 3's TextVectorization needs TensorFlow, so it is not measured. Each
figure is the best of `--repeat` runs. Usage:
`.venv/bin/python benchmarks/bench_text_preprocessing.py [--repeat 3]`.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

TF_SCRIPT = r"""
import json, os, sys, time
os.environ["TF_USE_LEGACY_KERAS"] = "1"
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np
import tensorflow as tf
from tensorflow import keras
texts = np.load(sys.argv[1]); repeat = int(sys.argv[2]); out = {}
def best(fn):
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); result = fn(); times.append(time.perf_counter() - t)
    return min(times), result
layer = keras.layers.TextVectorization(max_tokens=20000, output_sequence_length=200)
out["adapt"], _ = best(lambda: layer.adapt(texts, batch_size=1024))
out["vectorize"], vec = best(lambda: layer(texts).numpy())
out["vocabulary"] = layer.get_vocabulary()
out["first_rows"] = vec[:200].tolist()
def tokenize():
    tok = keras.preprocessing.text.Tokenizer(num_words=20000)
    tok.fit_on_texts(texts)
    return keras.preprocessing.sequence.pad_sequences(tok.texts_to_sequences(texts), maxlen=200)
out["tokenizer"], seqs = best(tokenize)
out["tokenizer_rows"] = seqs[:200].tolist()
print(json.dumps(out))
"""


def best(fn, repeat: int):
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def per_call(fn, calls: int, repeat: int) -> float:
    fn()
    return best(lambda: [fn() for _ in range(calls)], repeat)[0] / calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tf-python", default="/work/tf-venv/bin/python")
    args = parser.parse_args()

    import lamina as keras
    from lamina.datasets import sentiment
    from lamina.models._host_inputs import encode_inputs

    texts, _ = sentiment.reviews(25_000, seed=0)
    load_before = os.getloadavg()[0]
    rows: dict[str, float] = {}
    dense = keras.Sequential([keras.layers.Input((200,)), keras.layers.Dense(1)])
    zeros = np.zeros((1, 200), np.float32)
    rows["host step of a plain model (no host layer in the process), us"] = 1e6 * per_call(
        lambda: encode_inputs(dense, zeros), 2000, args.repeat)
    layer = keras.layers.TextVectorization(max_tokens=20000, output_sequence_length=200)
    rows["adapt"], _ = best(lambda: layer.adapt(texts), args.repeat)
    rows["vectorize"], vec = best(lambda: np.asarray(layer(texts)), args.repeat)

    def tokenize():
        tok = keras.preprocessing.text.Tokenizer(num_words=20000)
        tok.fit_on_texts(texts)
        return keras.utils.pad_sequences(tok.texts_to_sequences(texts), maxlen=200)

    rows["tokenizer"], seqs = best(tokenize, args.repeat)

    model = keras.Sequential([keras.layers.Input((1,), dtype="string"), layer, dense])
    one, one_vec = texts[:1], vec[:1].astype(np.float32)
    rows["host step of a plain model (host layers elsewhere), us"] = 1e6 * per_call(
        lambda: encode_inputs(dense, one_vec), 2000, args.repeat)
    rows["host step of the text model, one review, us"] = 1e6 * per_call(
        lambda: encode_inputs(model, one), 2000, args.repeat)
    pair = {"predict, vectorized row, us": lambda: dense.predict(one_vec, verbose=0),
            "predict, one review, us": lambda: model.predict(one, verbose=0)}
    for fn in pair.values():
        fn()
    for _ in range(args.repeat):  # alternated, so that both see the same load
        for key, fn in pair.items():
            rows[key] = min(rows.get(key, np.inf), 1e6 * per_call(fn, 300, 1))
    load_after = os.getloadavg()[0]

    peer = None
    if os.path.exists(args.tf_python):
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "texts.npy")
            np.save(path, texts)
            done = subprocess.run([args.tf_python, "-c", TF_SCRIPT, path, str(args.repeat)],
                                  capture_output=True, text=True, check=False)
            if done.returncode == 0:
                peer = json.loads(done.stdout.strip().splitlines()[-1])
            else:
                print("tf.keras 2 failed:", done.stderr[-500:])
    print(f"25,000 reviews; best of {args.repeat}; load {load_before:.1f}/{load_after:.1f} "
          f"(Lamina), then tf.keras 2 in its own process")
    print("| step | Lamina | tf.keras 2 | tf.keras / Lamina |")
    print("|---|---|---|---|")
    for key, value in rows.items():
        theirs = peer.get(key) if peer and key in ("adapt", "vectorize", "tokenizer") else None
        unit = "" if key.endswith("us") else " s"
        ratio = f"{theirs / value:.2f}x" if theirs else "-"
        shown = f"{theirs:.3f} s" if theirs else "-"
        print(f"| {key} | {value:.3f}{unit} | {shown} | {ratio} |")
    if peer:
        print("same vocabulary as tf.keras 2:", peer["vocabulary"] == layer.get_vocabulary())
        print("same first 200 vectorized rows:", peer["first_rows"] == vec[:200].tolist())
        print("same first 200 Tokenizer rows:", peer["tokenizer_rows"] == seqs[:200].tolist())


if __name__ == "__main__":
    main()
