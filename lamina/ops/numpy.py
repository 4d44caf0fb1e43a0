"""`keras.ops.numpy`: Keras 3's NumPy set, gathered from the modules that implement it
(elementwise, reductions and search, shapes and indexing, creation).

Example:
    >>> from lamina.ops import numpy as knp
    >>> knp.matmul([[1.0, 2.0]], [[3.0], [4.0]]).tolist()
    [[11.0]]
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp

from lamina.ops._creation import *  # noqa: F401,F403
from lamina.ops._elementwise import *  # noqa: F401,F403
from lamina.ops._elementwise import OPS as _ELEMENTWISE
from lamina.ops._op import Tensor, op
from lamina.ops._reductions import *  # noqa: F401,F403
from lamina.ops._shapes import *  # noqa: F401,F403

globals().update(_ELEMENTWISE)


@op
def slogdet(x: Tensor) -> tuple[Any, Any]:
    """`(sign, log|det|)` of (a batch of) square matrices."""
    sign, logdet = jnp.linalg.slogdet(jnp.asarray(x, jnp.result_type(x, jnp.float32)))
    return sign, logdet


__all__ = sorted(name for name, value in dict(globals()).items()
                 if not name.startswith("_") and callable(value) and
                 getattr(value, "__module__", "").startswith("lamina.ops") and
                 name not in ("op", "Tensor", "Any", "standardize_dtype", "floatx_dtype"))
del jax
