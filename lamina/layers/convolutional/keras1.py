"""Keras 1's convolution classes, `Convolution1D/2D/3D`, with the call forms Keras 2
still converted with its "Update your `Conv2D` call to the Keras 2 API" warning:
`Convolution2D(32, 8, 8, subsample=(4, 4), border_mode="same")` is
`Conv2D(32, (8, 8), strides=(4, 4), padding="same")`."""
from __future__ import annotations

import warnings
from typing import Any

from lamina.layers.convolutional.base_conv import Conv1D, Conv2D, Conv3D

# Keras 1 name -> Keras 2 name, for every convolution.
RENAMES = {"nb_filter": "filters", "subsample": "strides", "border_mode": "padding",
           "dim_ordering": "data_format", "init": "kernel_initializer",
           "W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer",
           "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint",
           "bias": "use_bias", "atrous_rate": "dilation_rate",
           "filter_length": "kernel_size", "subsample_length": "strides"}
# Keras 1 names of the kernel's sides, in order, per rank.
SIDES = {1: ("filter_length",), 2: ("nb_row", "nb_col"),
         3: ("kernel_dim1", "kernel_dim2", "kernel_dim3")}
# Keras 2's positional arguments after `filters`.
POSITIONAL = ("kernel_size", "strides", "padding", "data_format", "dilation_rate")
ORDERINGS = {"tf": "channels_last", "th": "channels_first", "default": None}


def keras2_arguments(layer: str, rank: int, args: tuple,
                     kwargs: dict[str, Any]) -> dict[str, Any]:
    """The Keras 2 keyword arguments of a Keras 1 convolution call, with Keras 2's
    warning when anything was converted.

    Positional arguments are `filters`, then either the kernel's sides one by one (Keras
    1: `32, 8, 8`) or a `kernel_size` (Keras 2: `32, (8, 8)` or `32, 8` for 1-D).

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     keras2_arguments("Conv2D", 2, (32, 8, 8), {"subsample": (4, 4)})
        {'filters': 32, 'kernel_size': (8, 8), 'strides': (4, 4)}
        >>> str(caught[0].message)
        'Update your `Conv2D` call to the Keras 2 API: `Conv2D(32, (8, 8), strides=(4, 4))`'
    """
    converted = False
    out: dict[str, Any] = {}
    if args:
        out["filters"] = args[0]
    rest = list(args[1:])
    keras1 = all(isinstance(v, int) and not isinstance(v, bool) for v in rest) and (
        len(rest) > 1 or any(name in kwargs for name in SIDES[rank]))
    if not keras1:  # Keras 2's positional order
        if len(rest) > len(POSITIONAL):
            raise TypeError(f"{layer} received {len(args)} positional arguments: {args!r}. "
                            f"Use {layer}(filters, kernel_size, strides=..., padding=...).")
        out.update(zip(POSITIONAL, rest))
    else:
        sides = rest + [kwargs.pop(name) for name in SIDES[rank][len(rest):] if name in kwargs]
        if len(sides) != rank:
            raise TypeError(f"{layer} received {len(sides)} of the kernel's {rank} sides "
                            f"({sides!r}), as Keras 1 wrote them; give them all, or one "
                            f"kernel_size as Keras 2 does, e.g. {layer}(32, "
                            f"{tuple([3] * rank)!r}).")
        out["kernel_size"] = tuple(sides)
        converted = True
    for key, value in kwargs.items():
        new = RENAMES.get(key, key)
        if new in out:
            raise TypeError(f"{layer} received both `{key}` and `{new}`; pass `{new}` only.")
        if key in RENAMES:
            converted = True
            if key == "dim_ordering":
                if value not in ORDERINGS:
                    raise ValueError(f"{layer} received dim_ordering={value!r}; Keras 1 "
                                     f"knew {sorted(ORDERINGS)}. Use data_format="
                                     "'channels_last' or 'channels_first'.")
                value = ORDERINGS[value]
        out[new] = value
    if converted:
        shown = [repr(out["filters"])] if "filters" in out else []
        if "kernel_size" in out:
            shown.append(repr(out["kernel_size"]))
        shown += [f"{k}={v!r}" for k, v in out.items() if k not in ("filters", "kernel_size")]
        warnings.warn(f"Update your `{layer}` call to the Keras 2 API: "
                      f"`{layer}({', '.join(shown)})`", stacklevel=3)
    return out


def Convolution1D(*args: Any, **kwargs: Any) -> Conv1D:
    """Keras 1's `Convolution1D(nb_filter, filter_length, subsample_length=...,
    border_mode=...)`: a `Conv1D` (Keras 2's names work too).

    Example:
        >>> import numpy as np, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     layer = Convolution1D(4, 3, border_mode="same")
        >>> type(layer).__name__, layer(np.ones((1, 10, 2))).shape
        ('Conv1D', (1, 10, 4))
    """
    return Conv1D(**keras2_arguments("Conv1D", 1, args, kwargs))


def Convolution2D(*args: Any, **kwargs: Any) -> Conv2D:
    """Keras 1's `Convolution2D(nb_filter, nb_row, nb_col, subsample=...,
    border_mode=..., dim_ordering=...)`: a `Conv2D` (Keras 2's names work too).

    Example:
        >>> import numpy as np, warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     layer = Convolution2D(32, 8, 8, subsample=(4, 4), activation="relu")
        >>> layer.kernel_size, layer.strides, layer(np.ones((1, 84, 84, 4))).shape
        ((8, 8), (4, 4), (1, 20, 20, 32))
    """
    return Conv2D(**keras2_arguments("Conv2D", 2, args, kwargs))


def Convolution3D(*args: Any, **kwargs: Any) -> Conv3D:
    """Keras 1's `Convolution3D(nb_filter, kernel_dim1, kernel_dim2, kernel_dim3,
    subsample=..., border_mode=...)`: a `Conv3D` (Keras 2's names work too).

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     Convolution3D(2, 3, 3, 3).kernel_size
        (3, 3, 3)
    """
    return Conv3D(**keras2_arguments("Conv3D", 3, args, kwargs))
