"""Dtype policies: the dtype a layer keeps its weights in and the one it computes in.

As Keras's mixed precision: `"mixed_bfloat16"` and `"mixed_float16"` keep variables in
float32 and compute in the 16-bit type; a plain dtype name (`"float32"`, `"bfloat16"`)
uses it for both. Layers take the global policy when created without `dtype=`.
"""
from __future__ import annotations

import threading
from typing import Any

import numpy as np

_MIXED = {"mixed_float16": "float16", "mixed_bfloat16": "bfloat16"}
_FLOATS = ("float16", "bfloat16", "float32", "float64")
_state = threading.local()


def _standard(name: str) -> str | None:
    """A dtype name as Keras writes it, or None when `name` is no dtype."""
    if name in ("string", "str", "bytes", "object"):
        return "string"
    if name == "bfloat16":
        return name
    try:
        dtype = np.dtype(name)
    except TypeError:
        return None
    return "string" if dtype.kind in "USO" else str(dtype)


class DTypePolicy:
    """A dtype policy, as `keras.DTypePolicy` (`keras.mixed_precision.Policy`).

    Args:
        name: `"mixed_float16"`, `"mixed_bfloat16"`, or a dtype name (`"float32"`,
            `"bfloat16"`, `"float16"`, `"int32"`, ...). None takes the global policy's.

    Attributes:
        name: the policy's name.
        compute_dtype: the dtype layers compute in (their inputs are cast to it).
        variable_dtype: the dtype of the layers' weights.

    Raises:
        ValueError: `name` is neither a mixed policy nor a dtype.

    Example:
        >>> policy = DTypePolicy("mixed_bfloat16")
        >>> policy.compute_dtype, policy.variable_dtype
        ('bfloat16', 'float32')
    """

    def __init__(self, name: str | None = None):
        if name is None:
            name = global_policy().name
        if not isinstance(name, str):
            raise TypeError(f"A dtype policy's name must be a string such as "
                            f"'mixed_bfloat16', but received {name!r} "
                            f"({type(name).__name__}).")
        if name in _MIXED:
            compute, variable = _MIXED[name], "float32"
        else:
            standard = _standard(name)
            if standard is None:
                raise ValueError(f"Unknown dtype policy {name!r}. Valid policies are "
                                 f"{sorted(_MIXED)} and dtype names such as "
                                 f"{list(_FLOATS)}.")
            name = compute = variable = standard
        self._name, self._compute, self._variable = name, compute, variable

    @property
    def name(self) -> str:
        return self._name

    @property
    def compute_dtype(self) -> str:
        return self._compute

    @property
    def variable_dtype(self) -> str:
        return self._variable

    @property
    def is_mixed(self) -> bool:
        """Whether weights and computation use different dtypes."""
        return self._compute != self._variable

    def get_config(self) -> dict[str, Any]:
        return {"name": self._name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "DTypePolicy":
        return cls(**config)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, DTypePolicy) and other.name == self.name

    def __hash__(self) -> int:
        return hash(self._name)

    def __repr__(self) -> str:
        return f'<DTypePolicy "{self._name}">'


def get(identifier: Any) -> DTypePolicy:
    """A policy from a policy, a name, a NumPy/JAX dtype, a config dict (as Keras
    writes one in a saved model) or None (the global policy).

    Example:
        >>> get("mixed_float16").compute_dtype, get(None).name
        ('float16', 'float32')
    """
    if isinstance(identifier, DTypePolicy):
        return identifier
    if identifier is None:
        return global_policy()
    if isinstance(identifier, dict):
        config = identifier.get("config", identifier)
        return DTypePolicy(config.get("name"))
    if isinstance(identifier, str):
        return DTypePolicy(identifier)
    if identifier in (str, bytes, object):
        return DTypePolicy("string")
    try:
        return DTypePolicy(str(np.dtype(identifier)))
    except TypeError:
        raise ValueError(f"Cannot interpret {identifier!r} as a dtype policy. Pass a name "
                         f"such as 'float32' or 'mixed_bfloat16', or a DTypePolicy.") from None


def set_global_policy(policy: Any) -> None:
    """Set the policy of layers created from now on without `dtype=`, as
    `keras.mixed_precision.set_global_policy`.

    Args:
        policy: `"mixed_bfloat16"`, `"mixed_float16"`, `"float32"`, a floating dtype
            name, a `DTypePolicy`, or None (back to float32).

    Raises:
        ValueError: the policy computes in a non-floating dtype.

    Example:
        >>> set_global_policy("mixed_bfloat16")
        >>> global_policy().compute_dtype
        'bfloat16'
        >>> set_global_policy("float32")
    """
    policy = DTypePolicy("float32") if policy is None else get(policy)
    if policy.compute_dtype not in _FLOATS:
        raise ValueError(f"The global policy must compute in a floating dtype "
                         f"({list(_FLOATS)}) or be a mixed policy ({sorted(_MIXED)}), but "
                         f"received {policy.name!r}. Set integer dtypes per layer instead.")
    _state.policy = policy


def global_policy() -> DTypePolicy:
    """The policy layers take when created without `dtype=` (float32 by default).

    Example:
        >>> global_policy()
        <DTypePolicy "float32">
    """
    policy = getattr(_state, "policy", None)
    if policy is None:
        policy = _state.policy = DTypePolicy("float32")
    return policy


def is_float(dtype: Any) -> bool:
    """Whether `dtype` is a floating dtype (bfloat16 included)."""
    return str(dtype) in _FLOATS
