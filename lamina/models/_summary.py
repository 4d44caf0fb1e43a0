"""`model.summary()`: the layer table of tf.keras."""
from __future__ import annotations

from typing import Any, Callable

from lamina.layers.input_layer import InputLayer


def _shape_text(shape: Any) -> str:
    if isinstance(shape, list):
        return ", ".join(_shape_text(s) for s in shape)
    if isinstance(shape, dict):
        return ", ".join(_shape_text(s) for s in shape.values())
    return str(tuple(shape)).replace(",)", ")") if len(shape) != 1 else f"({shape[0]},)"


def print_summary(model: Any, line_length: int | None = None,
                  print_fn: Callable[[str], Any] | None = None) -> None:
    """Print `Layer (type) | Output Shape | Param #` rows and the totals; functional
    models also get a `Connected to` column (`'dense[0][0]'`: layer, call, output).

    Example:
        >>> import lamina as keras
        >>> keras.layers.clear_session()
        >>> model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2)])
        >>> model.summary()  # doctest: +NORMALIZE_WHITESPACE
        Model: "sequential"
        _________________________________________________________________
         Layer (type)                Output Shape              Param #
        =================================================================
         dense (Dense)               (None, 2)                 8
        <BLANKLINE>
        =================================================================
        Total params: 8 (32.00 Byte)
        Trainable params: 8 (32.00 Byte)
        Non-trainable params: 0 (0.00 Byte)
        _________________________________________________________________
    """
    print_fn = print_fn or print
    connections = getattr(model, "_connections", None)
    if connections is None:
        width = line_length or 65
        cols = [int(width * 0.45), int(width * 0.85), width]
    else:
        width = line_length or 98
        cols = [int(width * 0.33), int(width * 0.55), int(width * 0.67), width]
    if not model.built:
        raise ValueError(f"Model '{model.name}' has not been built yet, so it has no weights "
                         "to summarize. Declare the input shape (keras.layers.Input(shape=...)"
                         " as the first layer, or input_shape= on it), or call fit() or "
                         "build() first.")

    def row(fields: list[str]) -> str:
        line = ""
        for i, (text, stop) in enumerate(zip(fields, cols)):
            if i:
                line = line[:-1] + " "
            line = (line + text)[:stop].ljust(stop)
        return line.rstrip()

    print_fn(f'Model: "{model.name}"')
    print_fn("_" * width)
    header = [" Layer (type)", "Output Shape", "Param #"]
    print_fn(row(header if connections is None else header + ["Connected to"]))
    print_fn("=" * width)
    for layer in getattr(model, "operations", model.layers):  # Keras 3 lists ops too
        label = getattr(layer, "class_label", type(layer).__name__)
        fields = [f" {layer.name} ({label})", _layer_shape(layer),
                  str(layer.count_params()) if layer.built else "0 (unbuilt)"]
        if connections is None:
            print_fn(row(fields))
        else:
            sources = [f"'{name}'" for name in connections(layer)]
            lines = [s + "," for s in sources[:-1]] + sources[-1:] or [""]
            lines[0] = "[" + lines[0]
            lines[-1] = lines[-1] + "]"
            print_fn(row(fields + [lines[0]]))
            for more in lines[1:]:
                print_fn(row(["", "", "", " " + more]))
        print_fn("")
    total = sum(v.size for v in model.weights)
    trainable = sum(v.size for v in model.trainable_weights)
    nbytes = lambda n: _bytes(n * 4)  # noqa: E731
    print_fn("=" * width)
    print_fn(f"Total params: {total} ({nbytes(total)})")
    print_fn(f"Trainable params: {trainable} ({nbytes(trainable)})")
    print_fn(f"Non-trainable params: {total - trainable} ({nbytes(total - trainable)})")
    print_fn("_" * width)


def _layer_shape(layer: Any) -> str:
    try:
        shape = _shape_text(layer.output_shape)
    except AttributeError:
        return "?"
    # tf.keras prints an InputLayer's shape as a list of one shape.
    return f"[{shape}]" if isinstance(layer, InputLayer) else shape


def _bytes(n: int) -> str:
    for unit, size in (("GB", 2**30), ("MB", 2**20), ("KB", 2**10)):
        if n >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.2f} Byte"
