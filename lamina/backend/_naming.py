"""Automatic layer names (`dense`, `dense_1`, ...), as Keras gives them."""
from __future__ import annotations

import re

_names: dict[str, int] = {}


def clear_names() -> None:
    """Reset the automatic layer names (`dense`, `dense_1`, ...), as Keras does."""
    _names.clear()


def unique_name(base: str) -> str:
    """`base` the first time, then `base_1`, `base_2`, ... (until `clear_names`).

    Example:
        >>> clear_names()
        >>> unique_name("dense"), unique_name("dense")
        ('dense', 'dense_1')
    """
    count = _names.get(base, 0)
    _names[base] = count + 1
    return base if count == 0 else f"{base}_{count}"


def to_snake_case(name: str) -> str:
    """A class name as Keras names its instances.

    Example:
        >>> to_snake_case("BatchNormalization")
        'batch_normalization'
    """
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()
