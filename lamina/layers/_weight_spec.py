"""The initializer/regularizer/constraint triple of each weight a layer declares.

Keras layers take `kernel_initializer=`, `kernel_regularizer=`, `kernel_constraint=`
(and the same for `bias`, `gamma`, `beta`, `embeddings`, ...), keep the resolved
objects as attributes of those names, create the weight from them in `build` and
write them back in `get_config`. `declare` does the first, `add` the second and
`config` the third, for every declared weight at once.

Example:
    >>> from lamina.layers import Layer
    >>> class Scale(Layer):
    ...     def __init__(self, scale_initializer="ones", scale_regularizer=None, **kwargs):
    ...         super().__init__(**kwargs)
    ...         declare(self, "scale", scale_initializer, scale_regularizer)
    ...     def build(self, input_shape):
    ...         self.scale = add(self, "scale", (input_shape[-1],))
    ...     def call(self, x):
    ...         return x * self.scale
    ...     def get_config(self):
    ...         return {**super().get_config(), **config(self)}
    >>> layer = Scale(scale_regularizer="l2")
    >>> type(layer.scale_regularizer).__name__, layer(np.ones((1, 2))).tolist()
    ('L2', [[1.0, 1.0]])
    >>> sorted(k for k in layer.get_config() if k.startswith("scale"))
    ['scale_constraint', 'scale_initializer', 'scale_regularizer']
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np  # noqa: F401  (the docstring example uses it)

from lamina import constraints, initializers, regularizers


def declare(layer: Any, prefix: str, initializer: Any, regularizer: Any = None,
            constraint: Any = None) -> None:
    """Resolve and store `<prefix>_initializer`, `_regularizer` and `_constraint`."""
    setattr(layer, f"{prefix}_initializer", initializers.get(initializer))
    setattr(layer, f"{prefix}_regularizer", regularizers.get(regularizer))
    setattr(layer, f"{prefix}_constraint", constraints.get(constraint))
    declared = layer.__dict__.setdefault("_declared_weights", [])
    if prefix not in declared:
        declared.append(prefix)


def add(layer: Any, prefix: str, shape: Sequence[int], *, name: str | None = None,
        trainable: bool = True, dtype: Any = None) -> Any:
    """`layer.add_weight` with the declared triple of `prefix`; named `prefix`."""
    return layer.add_weight(shape=shape, name=name or prefix, trainable=trainable,
                            dtype=dtype,
                            initializer=getattr(layer, f"{prefix}_initializer"),
                            regularizer=getattr(layer, f"{prefix}_regularizer"),
                            constraint=getattr(layer, f"{prefix}_constraint"))


def config(layer: Any) -> dict[str, Any]:
    """The serialized triples of every declared weight, for `get_config`."""
    out: dict[str, Any] = {}
    for prefix in layer.__dict__.get("_declared_weights", []):
        out[f"{prefix}_initializer"] = initializers.serialize(
            getattr(layer, f"{prefix}_initializer"))
        out[f"{prefix}_regularizer"] = regularizers.serialize(
            getattr(layer, f"{prefix}_regularizer"))
        out[f"{prefix}_constraint"] = constraints.serialize(
            getattr(layer, f"{prefix}_constraint"))
    return out
