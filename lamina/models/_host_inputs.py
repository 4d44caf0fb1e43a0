"""A model's host layers: strings become numbers on the host, before the compiled program.

A host layer (`TextVectorization`, `StringLookup`, `IntegerLookup`, `Hashing`: see
`lamina/layers/_host_layer.py`) must take a model input directly: the first
layers of a `Sequential` (or of a model nested first in it), or the one layer an
`Input` of a functional model feeds. `fit`, `evaluate`, `predict` and the
`*_on_batch` methods call `encode_inputs` (or `encode_stream` for batches from
Python) first: each such input goes through its layer's `host_call`, and the
compiled program receives the result in its place; inside the program the layer
passes it on. Models without host layers are left alone, except that strings
given to them are an error that names the layer to add.
"""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Callable

import numpy as np

from lamina import data as data_mod
from lamina.backend import KerasTensor
from lamina.layers._host_layer import HostLayer, is_text

Encoder = Callable[[Any], Any]


def _is_model(layer: Any) -> bool:
    return hasattr(layer, "_inference_programs")


def _host_layers(model: Any) -> list[HostLayer]:
    found: list[HostLayer] = []
    for layer in model.layers:
        if isinstance(layer, HostLayer):
            found.append(layer)
        elif _is_model(layer):
            found.extend(_host_layers(layer))
    return found


def _chain(layers: list[HostLayer]) -> Encoder:
    def encode(values: Any) -> Any:
        for layer in layers:
            values = layer.host_call(values)
        return values
    return encode


def _front(model: Any) -> tuple[list[Encoder | None], list[HostLayer], list[tuple]]:
    """Per model input: the host encoder (or None), the host layers used, and the
    shape the compiled program takes for that input (None where unchanged)."""
    if hasattr(model, "_nodes"):  # functional
        return _functional_front(model)
    if not hasattr(model, "_stack"):  # subclassed: its call is not known
        return [None], [], [None]
    layers = list(model.layers)
    chain: list[HostLayer] = []
    for layer in layers:
        if not isinstance(layer, HostLayer):
            break
        chain.append(layer)
    if chain:
        return [_chain(chain)], chain, [None]
    if layers and _is_model(layers[0]):
        encoders, used, _ = _front(layers[0])
        if len(encoders) == 1 and encoders[0] is not None:
            return encoders, used, [None]
    return [None], [], [None]


def _functional_front(model: Any) -> tuple[list[Encoder | None], list[HostLayer], list]:
    encoders: list[Encoder | None] = []
    used: list[HostLayer] = []
    shapes: list[Any] = []
    for tensor in model.inputs:
        consumers = [n for n in model._nodes if any(t is tensor for t in n.inbound)]
        hosts = [n for n in consumers if isinstance(n.layer, HostLayer) or
                 (_is_model(n.layer) and _front(n.layer)[0][0] is not None)]
        if not hosts:
            encoders.append(None)
            shapes.append(None)
            continue
        if len(consumers) > 1:
            names = [n.layer.name for n in consumers]
            raise ValueError(f"Input '{tensor.name}' of model '{model.name}' feeds the "
                             f"layers {names}, one of which runs on the host "
                             f"('{hosts[0].layer.name}'); a host layer must be the only "
                             "layer its input feeds. Give the other layers their own "
                             "keras.Input.")
        layer = hosts[0].layer
        if isinstance(layer, HostLayer):
            encoders.append(layer.host_call)
            used.append(layer)
        else:
            inner, inner_used, _ = _front(layer)
            encoders.append(inner[0])
            used.extend(inner_used)
        shapes.append(hosts[0].flat_outputs[0].shape)
    return encoders, used, shapes


def host_front(model: Any) -> list[Encoder | None] | None:
    """The host encoder of each model input, or None for a model without host layers.

    Raises:
        ValueError: a host layer that does not take a model input directly.
    """
    all_hosts = _host_layers(model) if hasattr(model, "layers") else []
    if not all_hosts:
        return None
    encoders, used, _ = _front(model)
    stray = [layer for layer in all_hosts if not any(layer is u for u in used)]
    if stray and not hasattr(model, "_nodes") and not hasattr(model, "_stack"):
        layer = stray[0]
        raise ValueError(f"Model '{model.name}' is a subclassed model holding the host layer "
                         f"{type(layer).__name__} '{layer.name}' (strings and vocabularies "
                         "never enter a compiled program). Apply that layer to the data "
                         "before the model (x = layer(texts)), or build the model with "
                         "Sequential or keras.Input so that it runs the layer on the host.")
    if stray:
        layer = stray[0]
        raise ValueError(f"{type(layer).__name__} '{layer.name}' runs on the host (strings "
                         "and vocabularies never enter a compiled program), so it must take "
                         f"a model input directly, but in model '{model.name}' it follows "
                         "other layers. Make it the first layer, or apply it to the data "
                         "before the model.")
    return encoders


def encoded_input_shapes(model: Any) -> list[Any]:
    """Per input of a functional model: the shape its compiled program takes (the
    host layer's output shape), or None where it takes the input as declared."""
    if not HostLayer.created or not _host_layers(model):
        return [None] * len(model.inputs)
    return _front(model)[2]


def encoded_spec(model: Any, shape: tuple) -> tuple[tuple, str]:
    """A Sequential's declared input `(shape, dtype)` after its leading host layers."""
    dtype = "float32"
    for layer in model.layers:
        if not isinstance(layer, HostLayer):
            break
        spec = layer.compute_output_spec(KerasTensor(shape, "string"))
        shape, dtype = spec.shape, spec.dtype
    return shape, dtype


# -- encoding data --------------------------------------------------------------------
def _looks_like_text(value: Any) -> Any:
    """An example string when `value` holds strings (checked cheaply), else None."""
    while isinstance(value, (list, tuple)) and value:
        value = value[0]
    if isinstance(value, (str, bytes)):
        return value
    if isinstance(value, np.ndarray) and value.size and is_text(value):
        return value.reshape(-1)[0]
    return None


def _leaves(model: Any, x: Any, n: int) -> list[tuple[Any, Any]]:
    """`(key, value)` per model input: key None for a single input, an index for a
    list, a name for a dict."""
    if n == 1:
        if isinstance(x, (list, tuple)) and data_mod.is_multi(x) and len(x) == 1:
            return [(0, x[0])]
        if isinstance(x, dict) and len(x) == 1:
            key = next(iter(x))
            return [(key, x[key])]
        return [(None, x)]
    if isinstance(x, dict):
        struct = getattr(model, "_input_struct", None)
        if isinstance(struct, dict):
            by_id = {id(t): k for k, t in struct.items()}
            keys = [by_id[id(t)] for t in model.inputs]
        else:
            keys = [t.name for t in model.inputs]
        return [(k, x.get(k)) for k in keys]
    if isinstance(x, (list, tuple)):
        return list(enumerate(x))[:n]
    return [(None, x)]


def _rebuild(x: Any, leaves: list[tuple[Any, Any]]) -> Any:
    if len(leaves) == 1 and leaves[0][0] is None:
        return leaves[0][1]
    if isinstance(x, dict):
        out = dict(x)
        out.update({k: v for k, v in leaves})
        return out
    out_list = list(x)
    for k, v in leaves:
        out_list[k] = v
    return type(x)(out_list) if isinstance(x, tuple) else out_list


def _no_host_layer_error(model: Any, example: Any, where: str) -> ValueError:
    first = next(iter(model.layers), None)
    takes = f"its first layer '{first.name}' ({type(first).__name__})" if first is not None \
        else "it"
    try:
        float(str(example))
    except ValueError:
        pass
    else:  # numbers read from a file as text
        return ValueError(
            f"Model '{model.name}' received strings as {where} (e.g. {str(example)[:40]!r}), "
            f"but {takes} takes numbers. {where} has non-numeric values: strings that look like "
            f"numbers. Convert number strings with .astype(float) (or read the file with "
            "pd.read_csv, which parses them).")
    return ValueError(
        f"Model '{model.name}' received strings as {where} (e.g. {str(example)[:40]!r}), but "
        f"{takes} takes numbers. Put a TextVectorization layer first for text (e.g. "
        "keras.layers.TextVectorization(max_tokens=10000, output_sequence_length=200), "
        "adapted on the training texts with .adapt(texts)), or a StringLookup layer for "
        "categories; or turn the strings into numbers before fit/predict.")


def encode_inputs(model: Any, x: Any, where: str = "x") -> Any:
    """`x` with each input that feeds a host layer replaced by the layer's output.

    Raises:
        ValueError: strings for an input without a host layer (saying which layer to
            add), or a host layer that does not take a model input directly.
    """
    if x is None or data_mod.is_stream(x):
        return x
    encoders = host_front(model) if HostLayer.created else None
    if encoders is None:  # the fast path of every model without host layers
        for value in (x.values() if isinstance(x, dict) else
                      x if isinstance(x, (list, tuple)) and data_mod.is_multi(x) else (x,)):
            example = _looks_like_text(value)
            if example is not None:
                raise _no_host_layer_error(model, example, where)
        return x
    n = len(model.inputs) if hasattr(model, "_nodes") else 1
    leaves = _leaves(model, x, n)
    encoded = []
    for (key, value), encoder in zip(leaves, encoders):
        if encoder is None:
            example = _looks_like_text(value)
            if example is not None:
                raise _no_host_layer_error(model, example, where)
            encoded.append((key, value))
        else:
            encoded.append((key, encoder(_as_column(value))))
    return _rebuild(x, encoded)


def _as_column(value: Any) -> np.ndarray:
    """Host data for a host layer, a 1-D array as one column (as the data adapter
    reads 1-D inputs), so that `(n,)` strings into a `(None, 1)` input stay n rows."""
    arr = value.to_numpy() if hasattr(value, "to_numpy") else np.asarray(value)
    return arr[:, None] if arr.ndim == 1 else arr


class _EncodedSequence:
    """A `Sequence` of batches whose inputs are encoded as they are read."""

    def __init__(self, source: Any, encode: Callable[[Any], Any]):
        self._source, self._encode = source, encode

    def __len__(self) -> int:
        return len(self._source)

    def __getitem__(self, index: int) -> Any:
        return self._encode(self._source[index])

    def on_epoch_end(self) -> None:
        hook = getattr(self._source, "on_epoch_end", None)
        if callable(hook):
            hook()


class _EncodedIterable:
    """An iterable of batches (a fresh pass each epoch) encoded as they come."""

    def __init__(self, source: Any, encode: Callable[[Any], Any]):
        self._source, self._encode = source, encode

    def __iter__(self) -> Iterator[Any]:
        return map(self._encode, iter(self._source))


def encode_stream(model: Any, source: Any) -> Any:
    """A stream of batches whose inputs pass through `encode_inputs` one batch at a
    time (the stream as it is for a model without host layers)."""
    if not data_mod.is_stream(source) or host_front(model) is None:
        return source

    def encode(batch: Any) -> Any:
        x, y, w = data_mod.unpack_xy(batch)
        x = encode_inputs(model, x)
        if not isinstance(batch, (tuple, list)):
            return x
        return tuple(v for v in (x, y, w)[:len(batch)])

    if isinstance(source, Iterator):
        return map(encode, source)
    if hasattr(source, "__len__") and hasattr(source, "__getitem__"):
        return _EncodedSequence(source, encode)
    return _EncodedIterable(source, encode)


def encode_any(model: Any, x: Any) -> Any:
    """`encode_stream` for streams of batches, `encode_inputs` for arrays."""
    return encode_stream(model, x) if data_mod.is_stream(x) else encode_inputs(model, x)


def encode_validation(model: Any, validation_data: Any) -> Any:
    """`validation_data` (a stream, or `(x, y[, sample_weight])`) with its inputs encoded."""
    if validation_data is None or data_mod.is_stream(validation_data):
        return encode_stream(model, validation_data)
    x, y, w = data_mod.unpack_xy(validation_data)
    x = encode_inputs(model, x, where="validation_data x")
    return (x, y) if w is None else (x, y, w)
