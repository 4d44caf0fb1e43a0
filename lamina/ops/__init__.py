"""`keras.ops`: Keras 3's operations, on `jax.numpy`, `jax.nn`, `jax.lax` and `jax.scipy`.

Every op works on arrays (NumPy, JAX, Python lists and numbers), on Variables,
eagerly and inside compiled code (`fit`, `jax.jit`), and on the symbolic tensors of
a functional model under construction: there it records an operation of the graph,
which `keras.Model(inputs, outputs)` runs, saves and shows in `summary()`.

The namespaces follow Keras: `ops.numpy`, `ops.nn`, `ops.linalg`, `ops.image`,
`ops.math`, `ops.core`, all of whose functions (but `image`'s) are also here.

Example:
    >>> import numpy as np
    >>> import lamina as keras
    >>> from lamina import ops
    >>> ops.matmul(np.ones((2, 3)), np.ones((3, 1))).tolist()
    [[3.0], [3.0]]
    >>> inputs = keras.Input(shape=(4,))
    >>> outputs = ops.softmax(ops.relu(inputs) * 2.0)
    >>> model = keras.Model(inputs, outputs)
    >>> model.predict(np.zeros((1, 4)), verbose=0).tolist()
    [[0.25, 0.25, 0.25, 0.25]]
"""
from __future__ import annotations

from lamina.ops import core, image, linalg, math, nn, numpy  # noqa: F401
from lamina.ops.core import (associative_scan, cast, cond, convert_to_numpy,  # noqa: F401
                             convert_to_tensor, custom_gradient, dtype, fori_loop, is_tensor,
                             map, saturate_cast, scan, scatter, scatter_update, shape, slice,
                             slice_update, stop_gradient, switch, unstack, vectorized_map,
                             while_loop)
from lamina.ops.linalg import (cholesky, cholesky_inverse, det, eig, eigh, inv,  # noqa: F401
                               jvp, lstsq, lu_factor, matrix_rank, norm, pinv, qr, solve,
                               solve_triangular, svd)
from lamina.ops.math import (cdist, erf, erfc, erfinv, extract_sequences, fft,  # noqa: F401
                             fft2, ifft2, in_top_k, irfft, istft, logdet, logsumexp,
                             rearrange, rfft, rsqrt, segment_max, segment_min, segment_prod,
                             segment_sum, stft, top_k, view_as_complex, view_as_real)
from lamina.ops.nn import *  # noqa: F401,F403
from lamina.ops.numpy import *  # noqa: F401,F403


def _public() -> list[str]:
    from lamina.ops import numpy as _numpy_set
    names = set(_numpy_set.__all__)
    names |= {n for n, v in vars(nn).items() if callable(v) and not n.startswith("_")
              and getattr(v, "__module__", "").startswith("lamina.ops")
              and n not in ("op", "floatx_dtype")}
    for module in (core, linalg, math):
        names |= {n for n, v in vars(module).items() if callable(v) and not n.startswith("_")
                  and getattr(v, "__module__", "") == module.__name__}
    return sorted(names | {"core", "image", "linalg", "math", "nn", "numpy"})


__all__ = _public()
