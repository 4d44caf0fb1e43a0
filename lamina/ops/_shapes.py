"""Shape manipulation, joining, splitting and indexing of Keras 3's NumPy set.

Example:
    >>> import jax.numpy as jnp
    >>> from lamina import ops
    >>> x = jnp.arange(6).reshape(2, 3)
    >>> ops.transpose(x).shape, ops.concatenate([x, x], axis=1).shape, ops.squeeze(x[None]).shape
    ((3, 2), (2, 6), (2, 3))
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from lamina.ops._op import Tensor, op, standardize_dtype


def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def _shape(shape: Any) -> Any:
    if isinstance(shape, (int, np.integer)):
        return (int(shape),)
    return tuple(-1 if d is None else int(d) for d in shape)


@op
def reshape(x: Tensor, newshape: Any) -> jax.Array:
    """`x` with the shape `newshape` (one entry may be -1)."""
    return jnp.reshape(x, _shape(newshape))


@op
def transpose(x: Tensor, axes: Any = None) -> jax.Array:
    """`x` with its axes permuted (reversed by default)."""
    return jnp.transpose(x, axes=None if axes is None else tuple(axes))


@op
def expand_dims(x: Tensor, axis: Any) -> jax.Array:
    """`x` with a new axis of size 1 at `axis`."""
    return jnp.expand_dims(x, _axis(axis))


@op
def squeeze(x: Tensor, axis: Any = None) -> jax.Array:
    """`x` without its axes of size 1 (or only those in `axis`)."""
    return jnp.squeeze(x, axis=_axis(axis))


@op
def ravel(x: Tensor) -> jax.Array:
    """`x` flattened to one axis."""
    return jnp.ravel(x)


@op
def broadcast_to(x: Tensor, shape: Any) -> jax.Array:
    """`x` broadcast to `shape`."""
    return jnp.broadcast_to(x, _shape(shape))


@op
def moveaxis(x: Tensor, source: Any, destination: Any) -> jax.Array:
    """`x` with axes moved from `source` to `destination`."""
    return jnp.moveaxis(x, source, destination)


@op
def swapaxes(x: Tensor, axis1: int, axis2: int) -> jax.Array:
    """`x` with two axes interchanged."""
    return jnp.swapaxes(x, axis1, axis2)


@op
def flip(x: Tensor, axis: Any = None) -> jax.Array:
    """`x` reversed along `axis` (all axes by default)."""
    return jnp.flip(x, axis=_axis(axis))


@op
def fliplr(x: Tensor) -> jax.Array:
    """`x` reversed along axis 1."""
    return jnp.fliplr(x)


@op
def flipud(x: Tensor) -> jax.Array:
    """`x` reversed along axis 0."""
    return jnp.flipud(x)


@op
def rot90(array: Tensor, k: int = 1, axes: tuple = (0, 1)) -> jax.Array:
    """`array` rotated `k` times by 90 degrees in the plane of `axes`."""
    array = jnp.asarray(array)
    if array.ndim < 2:
        raise ValueError(f"rot90 needs an array of at least 2 dimensions, but received shape "
                         f"{array.shape}.")
    return jnp.rot90(array, k=k, axes=tuple(axes))


@op
def roll(x: Tensor, shift: Any, axis: Any = None) -> jax.Array:
    """`x` shifted by `shift` along `axis`, wrapping around."""
    return jnp.roll(x, shift, axis=_axis(axis))


@op
def tile(x: Tensor, repeats: Any) -> jax.Array:
    """`x` repeated `repeats` times along each axis."""
    return jnp.tile(x, repeats)


@op
def repeat(x: Tensor, repeats: Any, axis: int | None = None) -> jax.Array:
    """Each element of `x` repeated `repeats` times along `axis`."""
    return jnp.repeat(x, repeats, axis=axis)


@op
def pad(x: Tensor, pad_width: Any, mode: str = "constant",
        constant_values: Any = None) -> jax.Array:
    """`x` padded by `pad_width` (`[(before, after), ...]`)."""
    if constant_values is not None and mode != "constant":
        raise ValueError(f"pad takes constant_values only with mode='constant', but "
                         f"received mode={mode!r}.")
    kwargs = {} if constant_values is None else {"constant_values": constant_values}
    return jnp.pad(x, np.asarray(pad_width).tolist() if not isinstance(pad_width, int)
                   else pad_width, mode=mode, **kwargs)


@op
def concatenate(xs: Any, axis: int | None = 0) -> jax.Array:
    """The tensors of `xs` joined along `axis`."""
    return jnp.concatenate(list(xs), axis=axis)


@op
def stack(x: Any, axis: int = 0) -> jax.Array:
    """The tensors of `x` (of one shape) stacked along a new `axis`."""
    return jnp.stack(list(x), axis=axis)


@op
def hstack(xs: Any) -> jax.Array:
    """The tensors of `xs` joined column-wise."""
    return jnp.hstack(list(xs))


@op
def vstack(xs: Any) -> jax.Array:
    """The tensors of `xs` joined row-wise."""
    return jnp.vstack(list(xs))


@op
def dstack(xs: Any) -> jax.Array:
    """The tensors of `xs` joined along the third axis."""
    return jnp.dstack(list(xs))


@op
def append(x1: Tensor, x2: Tensor, axis: int | None = None) -> jax.Array:
    """`x2` appended to `x1` along `axis` (both flattened if None)."""
    return jnp.append(x1, x2, axis=axis)


@op
def split(x: Tensor, indices_or_sections: Any, axis: int = 0) -> list:
    """`x` split into equal sections, or at the given indices, along `axis`."""
    return jnp.split(x, indices_or_sections, axis=axis)


@op
def array_split(x: Tensor, indices_or_sections: Any, axis: int = 0) -> list:
    """`x` split into sections of nearly equal size along `axis`."""
    return jnp.array_split(x, indices_or_sections, axis=axis)


@op
def hsplit(x: Tensor, indices_or_sections: Any) -> list:
    """`x` split column-wise."""
    return jnp.hsplit(x, indices_or_sections)


@op
def vsplit(x: Tensor, indices_or_sections: Any) -> list:
    """`x` split row-wise."""
    return jnp.vsplit(x, indices_or_sections)


@op
def dsplit(x: Tensor, indices_or_sections: Any) -> list:
    """`x` split along the third axis."""
    return jnp.dsplit(x, indices_or_sections)


@op
def get_item(x: Tensor, key: Any) -> jax.Array:
    """`x[key]`, as Python indexing does."""
    return jnp.asarray(x)[key]


@op
def diag(x: Tensor, k: int = 0) -> jax.Array:
    """The `k`-th diagonal of a matrix, or a matrix with `x` on that diagonal."""
    return jnp.diag(x, k=k)


@op
def diagflat(x: Tensor, k: int = 0) -> jax.Array:
    """A matrix with the flattened `x` on its `k`-th diagonal."""
    return jnp.diagflat(x, k=k)


@op
def diagonal(x: Tensor, offset: int = 0, axis1: int = 0, axis2: int = 1) -> jax.Array:
    """The diagonal of `x` in the plane of `axis1` and `axis2`."""
    return jnp.diagonal(x, offset=offset, axis1=axis1, axis2=axis2)


@op
def tril(x: Tensor, k: int = 0) -> jax.Array:
    """`x` with the elements above the `k`-th diagonal set to 0."""
    return jnp.tril(x, k=k)


@op
def triu(x: Tensor, k: int = 0) -> jax.Array:
    """`x` with the elements below the `k`-th diagonal set to 0."""
    return jnp.triu(x, k=k)


@op
def unravel_index(indices: Tensor, shape: Any) -> tuple:
    """The coordinates in an array of `shape` of the flat `indices`."""
    return tuple(jnp.unravel_index(jnp.asarray(indices), tuple(shape)))


@op
def meshgrid(*x: Tensor, indexing: str = "xy") -> list:
    """Coordinate matrices from coordinate vectors."""
    return jnp.meshgrid(*x, indexing=indexing)


@op
def view(x: Tensor, dtype: Any = None) -> jax.Array:
    """The bits of `x` read as `dtype` (of the same item size)."""
    x = jnp.asarray(x)
    return x if dtype is None else x.view(standardize_dtype(dtype))


def ndim(x: Tensor) -> int:
    """The number of axes of `x` (a Python int, for symbolic tensors too)."""
    return len(x.shape) if hasattr(x, "shape") else np.ndim(x)


@op
def size(x: Tensor) -> jax.Array:
    """The number of elements of `x`."""
    return jnp.asarray(jnp.size(x), jnp.int32)
