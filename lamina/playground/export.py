""""Export as Python": the Lamina script that reproduces a playground run.

The script draws the same data (`lamina.datasets.playground.load_data` with the
run's seed), builds and compiles the same model after the same
`set_random_seed`, and replays the run: one `fit` per stretch of epochs with one
learning rate and batch size, with the weight edits in between. Its last line
prints the losses the page shows.
"""
from __future__ import annotations

from typing import Any

from lamina.playground.state import serialize_hash

_OPTIMIZERS = {"sgd": "SGD(learning_rate={lr})",
               "momentum": "SGD(learning_rate={lr}, momentum=0.9)",
               "adam": "Adam(learning_rate={lr})", "rmsprop": "RMSprop(learning_rate={lr})"}


def _layers(arch: Any) -> list[str]:
    reg = ""
    if arch.regularization != "none":
        reg = f", kernel_regularizer=keras.regularizers.{arch.regularization}" \
              f"({arch.regularization_rate!r})"
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
    first_lr = session.segments[0].learning_rate if session.segments else s.learningRate
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
        "",
        f"keras.utils.set_random_seed({seed_int(s.seed)})",
        "(xy_train, y_train), (xy_test, y_test) = playground.load_data(",
        f'    "{s.data_name()}", noise={s.noise}, percent_train={s.percTrainData}, '
        f'seed="{s.seed}")',
        f"inputs = {s.input_names()!r}",
        "x_train = playground.features(xy_train, inputs)",
        "x_test = playground.features(xy_test, inputs)",
        "",
        "model = keras.Sequential([",
        *_layers(arch),
        "])",
        f'model.compile(optimizer=keras.optimizers.{opt}, loss="mse")',
    ]
    lr = float(first_lr)
    for seg in session.segments:
        if seg.edits or seg.learning_rate != lr:
            lines.append("")
        for edit in seg.edits:
            lines += _edit(edit)
        if seg.learning_rate != lr:
            lr = seg.learning_rate
            lines.append(f"model.optimizer.learning_rate = {lr!r}")
        if seg.end > seg.start:
            start = f", initial_epoch={seg.start}" if seg.start else ""
            lines.append(f"model.fit(x_train, y_train, batch_size={seg.batch_size}, "
                         f"epochs={seg.end}{start}, verbose=0)")
    if session._pending_edits:
        lines.append("")
        for edit in session._pending_edits:
            lines += _edit(edit)
    lines += [
        "",
        "",
        "def loss(x, y):",
        '    """Mean squared error of the predictions, as the playground shows it."""',
        "    return float(np.mean((model.predict(x, verbose=0)[:, 0] - y) ** 2))",
        "",
        "",
        f'print(f"epoch {session.epoch}: training loss {{loss(x_train, y_train):.6f}}, '
        f'test loss {{loss(x_test, y_test):.6f}}")',
    ]
    return "\n".join(lines) + "\n"
