"""Keras 1's argument names, which Keras 2 still converted with its "Update your call
to the Keras 2 API" warning (`Dense(output_dim=10, init="uniform")`)."""
from __future__ import annotations

import warnings
from typing import Any

# Keras 1 name -> Keras 2 name, for the arguments of Dense-like layers.
DENSE = {"output_dim": "units", "init": "kernel_initializer",
         "W_regularizer": "kernel_regularizer", "b_regularizer": "bias_regularizer",
         "W_constraint": "kernel_constraint", "b_constraint": "bias_constraint",
         "bias": "use_bias"}


def convert(layer: str, kwargs: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    """`kwargs` with Keras 1 names renamed, and Keras 2's warning when there were any.

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     convert("Dense", {"output_dim": 3, "init": "uniform"}, DENSE)
        {'units': 3, 'kernel_initializer': 'uniform'}
        >>> str(caught[0].message)
        "Update your `Dense` call to the Keras 2 API: `Dense(units=3, kernel_initializer='uniform')`"
    """
    old = [k for k in kwargs if k in renames]
    if not old:
        return kwargs
    out = {renames.get(k, k): v for k, v in kwargs.items()}
    call = ", ".join(f"{renames[k]}={kwargs[k]!r}" for k in old)
    warnings.warn(f"Update your `{layer}` call to the Keras 2 API: `{layer}({call})`",
                  stacklevel=4)
    return out
