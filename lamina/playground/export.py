""""Export as Python": the Lamina script that reproduces a playground run.

The script draws the same data (`lamina.datasets.playground.load_data` with the
run's seed), builds and compiles the same model after the same
`set_random_seed`, with TensorFlow Playground's loss and first weights, and
replays the run: one `fit` per stretch of epochs with one learning rate, batch size
and regularization rate, with the weight edits in between. Its last line prints the
losses the page shows.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from lamina.playground.state import serialize_hash

_OPTIMIZERS = {"sgd": "SGD(learning_rate={lr})",
               "momentum": "SGD(learning_rate={lr}, momentum=0.9)",
               "adam": "Adam(learning_rate={lr})", "rmsprop": "RMSprop(learning_rate={lr})"}


def _regularizer(kind: str, rate: float) -> str:
    """TensorFlow Playground's per-weight term as a Keras regularizer (engine.regularizer)."""
    return f"keras.regularizers.L2({rate!r} / 2)" if kind == "L2" else \
        f"keras.regularizers.L1({rate!r})"


def _layers(arch: Any) -> list[str]:
    reg = ""
    if arch.regularization != "none":
        reg = f", kernel_regularizer={_regularizer(arch.regularization, arch.regularization_rate)}"
    lines = [f"    keras.layers.Input(shape=({arch.n_inputs},)),"]
    for i, units in enumerate(arch.shape):
        lines.append(f'    keras.layers.Dense({units}, activation="{arch.activation}"{reg}),')
        if arch.batchnorm[i]:
            lines.append("    keras.layers.BatchNormalization(),")
        if arch.dropout[i] > 0:
            lines.append(f"    keras.layers.Dropout({arch.dropout[i]!r}),")
    lines.append(f'    keras.layers.Dense(1, activation="{arch.output_activation}"{reg}),')
    return lines


def _edit(edit: tuple) -> list[str]:
    layer, kind, index, value = edit
    where = ", ".join(str(i) for i in index)
    return [f"w = model.layers[{layer}].{kind}.numpy().copy()",
            f"w[{where}] = {value!r}  # edited in the playground",
            f"model.layers[{layer}].{kind}.assign(w)"]


def _features(names: list) -> list[str]:
    """The lines that make `x_train` and `x_test` (cos(X1), cos(X2) come last)."""
    base = [n for n in names if n not in ("cosX", "cosY")]
    cos = [i for i, n in enumerate(("cosX", "cosY")) if n in names]
    lines = [f"inputs = {base!r}"] if base else []
    if cos:
        lines.append("# cos(X1), cos(X2): TensorFlow Playground's cosX and cosY, last")
    for part in ("train", "test"):
        if base:
            lines.append(f"x_{part} = playground.features(xy_{part}, inputs)")
        if cos:
            col = f"np.cos(xy_{part}[:, {cos!r}]).astype(np.float32)"
            lines.append(f"x_{part} = np.c_[x_{part}, {col}]" if base else f"x_{part} = {col}")
    return lines


def _new_rate(arch: Any, rate: float) -> list[str]:
    return ["# A new regularization rate: the playground trains on with the same weights. A",
            "# model takes a new regularizer by compiling again (the optimizer restarts).",
            "for layer in model.layers:",
            "    if isinstance(layer, keras.layers.Dense):",
            f"        layer.kernel.regularizer = {_regularizer(arch.regularization, rate)}",
            "model.compile(optimizer=model.optimizer, loss=half_squared_error)"]


def _set_lr(lr: float) -> str:
    return f"model.optimizer.learning_rate = {lr!r}"


def script(session: Any) -> str:
    """The Python source that reproduces `session`'s run, losses included.

    Example:
        >>> from lamina.playground.session import Session
        >>> from lamina.playground.state import PlaygroundState
        >>> text = script(Session(PlaygroundState(seed="0.5", networkShape=[2])))
        >>> 'seed="0.5"' in text, "model.fit(" in text
        (True, False)
    """
    from lamina.playground.engine import seed_int

    s, arch = session.state, session.arch
    first = session.segments[0] if session.segments else None
    first_lr = first.learning_rate if first else s.learningRate
    rate = first.regularization_rate if first else arch.regularization_rate
    opt = _OPTIMIZERS[arch.optimizer].format(lr=repr(float(first_lr)))
    lines = [
        '"""A Lamina Playground run, exported as Python.',
        "",
        f"Playground link: #{serialize_hash(s)}",
        '"""',
        "import numpy as np",
        "",
        "import lamina as keras",
        "from lamina.datasets import playground",
        "from lamina.playground import set_initial_weights",
        "",
        f"keras.utils.set_random_seed({seed_int(s.seed)})",
        "(xy_train, y_train), (xy_test, y_test) = playground.load_data(",
        f'    "{s.data_name()}", noise={s.noise}, percent_train={s.percTrainData}, '
        f'seed="{s.seed}")',
        *_features(s.input_names()),
        "",
        "",
        "def half_squared_error(y_true, y_pred):",
        "    \"\"\"TensorFlow Playground's error, ½·(output − label)², averaged over a batch.\"\"\"",
        "    return 0.5 * keras.losses.mean_squared_error(y_true, y_pred)",
        "",
        "",
        *(["# TensorFlow Playground's L2 adds rate·w to each weight's gradient: L2(rate / 2)."]
          if arch.regularization == "L2" else []),
        "model = keras.Sequential([",
        *_layers(dataclasses.replace(arch, regularization_rate=rate)),
        "])",
        f"model.compile(optimizer=keras.optimizers.{opt}, loss=half_squared_error)",
        "# TensorFlow Playground's first weights for this link: uniform in [-0.5, 0.5],",
        "# biases 0.1, drawn from the seed's random stream right after the data.",
        f'set_initial_weights(model, dataset="{s.data_name()}", noise={s.noise}, '
        f'seed="{s.seed}"{", zero=True" if s.initZero else ""})',
    ]
    lr = float(first_lr)
    for seg in session.segments:
        new_lr, new_rate = seg.learning_rate != lr, seg.regularization_rate != rate
        if seg.edits or new_lr or new_rate:
            lines.append("")
        for edit in seg.edits:
            lines += _edit(edit)
        if new_rate:  # set the learning rate again after compiling: it is not kept
            rate, lr = seg.regularization_rate, seg.learning_rate
            lines += _new_rate(arch, rate) + [_set_lr(lr)]
        elif new_lr:
            lr = seg.learning_rate
            lines.append(_set_lr(lr))
        if seg.end > seg.start:
            start = f", initial_epoch={seg.start}" if seg.start else ""
            lines.append(f"model.fit(x_train, y_train, batch_size={seg.batch_size}, "
                         f"epochs={seg.end}{start}, shuffle=False, verbose=0)")
    if session._pending_edits:
        lines.append("")
        for edit in session._pending_edits:
            lines += _edit(edit)
    lines += [
        "",
        "",
        "def loss(x, y):",
        "    \"\"\"TensorFlow Playground's loss: the mean of ½·(prediction − label)².\"\"\"",
        "    return float(np.mean(0.5 * (model.predict(x, verbose=0)[:, 0] - y) ** 2))",
        "",
        "",
        f'print(f"epoch {session.epoch}: training loss {{loss(x_train, y_train):.6f}}, '
        f'test loss {{loss(x_test, y_test):.6f}}")',
    ]
    return "\n".join(lines) + "\n"
