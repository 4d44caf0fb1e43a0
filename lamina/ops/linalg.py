"""`keras.ops.linalg`: Keras 3's linear algebra on `jax.numpy.linalg` and `jax.scipy`.

Matrices may be batched over leading axes.

Example:
    >>> import jax.numpy as jnp
    >>> from lamina import ops
    >>> a = jnp.array([[2.0, 0.0], [0.0, 4.0]])
    >>> ops.linalg.det(a).item(), ops.linalg.solve(a, jnp.array([2.0, 4.0])).tolist()
    (8.0, [1.0, 1.0])
"""
from __future__ import annotations

from typing import Any, Callable

import jax
import jax.numpy as jnp
import jax.scipy as jsp

from lamina.ops._op import Tensor, op


def _float(x: Any) -> jax.Array:
    x = jnp.asarray(x)
    return x if jnp.issubdtype(x.dtype, jnp.inexact) else x.astype(jnp.float32)


def _matrix(x: Any, name: str) -> jax.Array:
    x = _float(x)
    if x.ndim < 2:
        raise ValueError(f"{name} needs (a batch of) matrices, of rank >= 2, but received "
                         f"shape {x.shape}.")
    return x


@op
def cholesky(x: Tensor, upper: bool = False) -> jax.Array:
    """The Cholesky factor of a positive-definite matrix (lower, or upper)."""
    return jnp.linalg.cholesky(_matrix(x, "cholesky"), upper=upper)


@op
def cholesky_inverse(x: Tensor, upper: bool = False) -> jax.Array:
    """The inverse of `A` from its Cholesky factor `x` (`A = L L^T`, or `U^T U`)."""
    x = _matrix(x, "cholesky_inverse")
    eye = jnp.broadcast_to(jnp.eye(x.shape[-1], dtype=x.dtype), x.shape)
    inv = jsp.linalg.solve_triangular(x, eye, lower=not upper)
    inv_t = jnp.swapaxes(inv, -1, -2)
    return inv @ inv_t if upper else inv_t @ inv


@op
def det(x: Tensor) -> jax.Array:
    """The determinant."""
    return jnp.linalg.det(_matrix(x, "det"))


@op
def eig(x: Tensor) -> tuple:
    """`(eigenvalues, eigenvectors)` of a square matrix (complex; CPU only in JAX)."""
    return jnp.linalg.eig(_matrix(x, "eig"))


@op
def eigh(x: Tensor) -> tuple:
    """`(eigenvalues, eigenvectors)` of a symmetric matrix, eigenvalues ascending."""
    w, v = jnp.linalg.eigh(_matrix(x, "eigh"))
    return w, v


@op
def inv(x: Tensor) -> jax.Array:
    """The inverse of a square matrix."""
    return jnp.linalg.inv(_matrix(x, "inv"))


@op
def lu_factor(x: Tensor) -> tuple:
    """`(lu, pivots)`: the LU factorization with partial pivoting (`jax.scipy`)."""
    fn = jsp.linalg.lu_factor
    x = _matrix(x, "lu_factor")
    for _ in range(x.ndim - 2):
        fn = jax.vmap(fn)
    return fn(x)


@op
def norm(x: Tensor, ord: Any = None, axis: Any = None,  # noqa: A002
         keepdims: bool = False) -> jax.Array:
    """A vector or matrix norm (`jax.numpy.linalg.norm`)."""
    return jnp.linalg.norm(_float(x), ord=ord,
                           axis=tuple(axis) if isinstance(axis, list) else axis,
                           keepdims=keepdims)


@op
def qr(x: Tensor, mode: str = "reduced") -> tuple:
    """`(q, r)` of the QR decomposition; `mode` is 'reduced' or 'complete'."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f"qr mode must be 'reduced' or 'complete', but received {mode!r}.")
    return jnp.linalg.qr(_matrix(x, "qr"), mode=mode)


@op
def solve(a: Tensor, b: Tensor) -> jax.Array:
    """`x` with `a @ x = b`."""
    return jnp.linalg.solve(_float(a), _float(b))


@op
def solve_triangular(a: Tensor, b: Tensor, lower: bool = False) -> jax.Array:
    """`x` with `a @ x = b` for a triangular `a`."""
    return jsp.linalg.solve_triangular(_float(a), _float(b), lower=lower)


@op
def svd(x: Tensor, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """`(u, s, vh)` of the singular value decomposition, or `s` alone."""
    return jnp.linalg.svd(_matrix(x, "svd"), full_matrices=full_matrices,
                          compute_uv=compute_uv)


@op
def lstsq(a: Tensor, b: Tensor, rcond: float | None = None) -> jax.Array:
    """The least-squares solution `x` of `a @ x = b`."""
    return jnp.linalg.lstsq(_float(a), _float(b), rcond=rcond)[0]


@op
def matrix_rank(x: Tensor, tol: float | None = None) -> jax.Array:
    """The rank by singular values above `tol` (int32)."""
    return jnp.linalg.matrix_rank(_matrix(x, "matrix_rank"), tol).astype(jnp.int32)


@op
def pinv(x: Tensor, rcond: float | None = None) -> jax.Array:
    """The Moore-Penrose pseudo-inverse."""
    return jnp.linalg.pinv(_matrix(x, "pinv"), rtol=rcond)


def jvp(fun: Callable[..., Any], primals: Any, tangents: Any,
        has_aux: bool = False) -> tuple:
    """`(fun(*primals), jacobian @ tangents)`: a forward-mode derivative (`jax.jvp`).

    Example:
        >>> out, tangent = jvp(lambda x: x ** 2, (3.0,), (1.0,))
        >>> float(out), float(tangent)
        (9.0, 6.0)
    """
    return jax.jvp(fun, tuple(primals), tuple(tangents), has_aux=has_aux)
