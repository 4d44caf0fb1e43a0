"""Merging layers: `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`, `Minimum`,
`Concatenate`, `Dot`, and their functional forms (`add([a, b])`, ...)."""
from __future__ import annotations

from functools import reduce
from typing import Any, Sequence

import jax
import jax.numpy as jnp

from lamina import registry
from lamina.layers.layer import Layer


def _shapes(inputs: Any) -> list[tuple]:
    return [tuple(getattr(x, "shape", ())) for x in inputs]


class _Merge(Layer):
    """Base of the merges: a list of tensors, shapes equal or broadcastable (a
    dimension of 1 stretches), combined by the subclass's `_merge(inputs)`."""

    _min_inputs = 1
    _max_inputs: int | None = None

    def _check_inputs(self, inputs: Any) -> list[Any]:
        kind = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{kind} layer '{self.name}' expects a list of tensors, e.g. "
                             f"{kind}()([a, b]), but received one tensor of shape "
                             f"{tuple(getattr(inputs, 'shape', ()))}.")
        count = len(inputs)
        if count < self._min_inputs or (self._max_inputs and count > self._max_inputs):
            wanted = (f"exactly {self._max_inputs}" if self._max_inputs == self._min_inputs
                      else f"at least {self._min_inputs}")
            raise ValueError(f"{kind} layer '{self.name}' expects {wanted} inputs, but "
                             f"received {count} (shapes {_shapes(inputs)}).")
        return list(inputs)

    def build(self, input_shape: Any) -> None:
        shapes = [tuple(s) for s in input_shape]
        ranks = {len(s) for s in shapes}
        compatible = len(ranks) == 1 and all(
            len({d for d in dims if d not in (1, None)}) <= 1 for dims in zip(*shapes))
        if not compatible:
            raise ValueError(f"{type(self).__name__} layer '{self.name}' expects inputs of "
                             f"the same shape (or with 1 where they differ), but received "
                             f"shapes {shapes}. Make the last dimensions match, e.g. with "
                             "a Dense layer of the same size on each branch.")
        self.built = True

    def call(self, inputs: Any) -> Any:
        return self._merge(self._check_inputs(inputs))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """A position is kept where every input keeps it (inputs without a mask keep
        every position), as Keras merges masks."""
        if mask is None or all(m is None for m in mask):
            return None
        masks = [jnp.asarray(m, bool) for m in mask if m is not None]
        return reduce(jnp.logical_and, masks)

    def __call__(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        self._check_inputs(inputs)
        return super().__call__(inputs, *args, **kwargs)


@registry.register_serializable("lamina.layers")
class Add(_Merge):
    """Adds a list of tensors of the same shape, as `keras.layers.Add`.

    Example:
        >>> import numpy as np
        >>> Add()([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).tolist()
        [[4.0, 6.0]]
    """

    def _merge(self, inputs: list[Any]) -> Any:
        return reduce(jnp.add, inputs)


@registry.register_serializable("lamina.layers")
class Multiply(_Merge):
    """Multiplies a list of tensors element-wise, as `keras.layers.Multiply`.

    Example:
        >>> import numpy as np
        >>> Multiply()([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).tolist()
        [[3.0, 8.0]]
    """

    def _merge(self, inputs: list[Any]) -> Any:
        return reduce(jnp.multiply, inputs)


@registry.register_serializable("lamina.layers")
class Average(_Merge):
    """The element-wise mean of a list of tensors, as `keras.layers.Average`.

    Example:
        >>> import numpy as np
        >>> Average()([np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])]).tolist()
        [[2.0, 3.0]]
    """

    def _merge(self, inputs: list[Any]) -> Any:
        return reduce(jnp.add, inputs) / len(inputs)


@registry.register_serializable("lamina.layers")
class Maximum(_Merge):
    """The element-wise maximum of a list of tensors, as `keras.layers.Maximum`.

    Example:
        >>> import numpy as np
        >>> Maximum()([np.array([[1.0, 5.0]]), np.array([[3.0, 4.0]])]).tolist()
        [[3.0, 5.0]]
    """

    def _merge(self, inputs: list[Any]) -> Any:
        return reduce(jnp.maximum, inputs)


@registry.register_serializable("lamina.layers")
class Minimum(_Merge):
    """The element-wise minimum of a list of tensors, as `keras.layers.Minimum`.

    Example:
        >>> import numpy as np
        >>> Minimum()([np.array([[1.0, 5.0]]), np.array([[3.0, 4.0]])]).tolist()
        [[1.0, 4.0]]
    """

    def _merge(self, inputs: list[Any]) -> Any:
        return reduce(jnp.minimum, inputs)


@registry.register_serializable("lamina.layers")
class Subtract(_Merge):
    """The difference `a - b` of exactly two tensors, as `keras.layers.Subtract`.

    Example:
        >>> import numpy as np
        >>> Subtract()([np.array([[5.0, 2.0]]), np.array([[3.0, 4.0]])]).tolist()
        [[2.0, -2.0]]
    """

    _min_inputs = _max_inputs = 2

    def _merge(self, inputs: list[Any]) -> Any:
        return inputs[0] - inputs[1]


@registry.register_serializable("lamina.layers")
class Concatenate(_Merge):
    """Joins a list of tensors along `axis`, as `keras.layers.Concatenate`.

    Args:
        axis: the axis to join along (the last by default); the other dimensions
            must match.

    Example:
        >>> import numpy as np
        >>> Concatenate()([np.ones((2, 3)), np.zeros((2, 1))]).shape
        (2, 4)
    """

    config_fields = ("axis",)

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def build(self, input_shape: Any) -> None:
        shapes = [tuple(s) for s in input_shape]
        rank = len(shapes[0])
        axis = self.axis % rank if rank else 0
        ok = all(len(s) == rank for s in shapes) and all(
            len({d for d in dims if d is not None}) <= 1
            for i, dims in enumerate(zip(*shapes)) if i != axis and i != 0)
        if not ok or not -rank <= self.axis < rank:
            raise ValueError(f"Concatenate layer '{self.name}' (axis={self.axis}) expects "
                             "inputs whose shapes match except along the concatenation "
                             f"axis, but received shapes {shapes}. Change axis=, or reshape "
                             "the inputs.")
        self.built = True

    def _merge(self, inputs: list[Any]) -> Any:
        return jnp.concatenate(inputs, axis=self.axis)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """The inputs' masks joined along `axis` (all-True for an unmasked input),
        then reduced over the last axis, as Keras 3's `Concatenate`."""
        if mask is None or all(m is None for m in mask):
            return None
        full = []
        for x, m in zip(inputs, mask):
            if m is None:
                full.append(jnp.ones(jnp.shape(x), bool))
            elif jnp.ndim(m) < jnp.ndim(x):
                full.append(jnp.broadcast_to(jnp.expand_dims(m, -1), jnp.shape(x)))
            else:
                full.append(jnp.asarray(m, bool))
        return jnp.any(jnp.concatenate(full, axis=self.axis), axis=-1)


@registry.register_serializable("lamina.layers")
class Dot(_Merge):
    """The dot product of two tensors along `axes`, per sample, as `keras.layers.Dot`.

    Args:
        axes: one axis for both inputs, or a pair `(axis_a, axis_b)`; axes count the
            batch as axis 0.
        normalize: L2-normalize both inputs along the axes first (the result is the
            cosine similarity).

    Example:
        >>> import numpy as np
        >>> a, b = np.array([[1.0, 2.0]]), np.array([[3.0, 4.0]])
        >>> Dot(axes=1)([a, b]).tolist(), Dot(axes=1, normalize=True)([a, a]).round(4).tolist()
        ([[11.0]], [[1.0]])
    """

    _min_inputs = _max_inputs = 2

    config_fields = ("axes", "normalize")

    def __init__(self, axes: int | Sequence[int], normalize: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(axes, (list, tuple)):
            if len(axes) != 2:
                raise ValueError(f"Dot needs axes as one int or a pair of ints, but received "
                                 f"axes={axes!r}.")
            axes = (int(axes[0]), int(axes[1]))
        else:
            axes = int(axes)
        self.axes = axes
        self.normalize = bool(normalize)

    def _axes_for(self, shapes: list[tuple]) -> tuple[int, int]:
        axes = self.axes if isinstance(self.axes, tuple) else (self.axes, self.axes)
        return axes[0] % len(shapes[0]), axes[1] % len(shapes[1])

    def build(self, input_shape: Any) -> None:
        shapes = [tuple(s) for s in input_shape]
        a, b = self._axes_for(shapes)
        if a == 0 or b == 0 or shapes[0][a] != shapes[1][b]:
            raise ValueError(f"Dot layer '{self.name}' (axes={self.axes}) needs equal sizes "
                             "along the non-batch axes it multiplies, but received shapes "
                             f"{shapes}, which have {shapes[0][a]} and {shapes[1][b]} there.")
        self.built = True

    def _merge(self, inputs: list[Any]) -> Any:
        x, y = inputs
        a, b = self._axes_for([x.shape, y.shape])
        if self.normalize:
            x = x / jnp.maximum(jnp.linalg.norm(x, axis=a, keepdims=True), 1e-12)
            y = y / jnp.maximum(jnp.linalg.norm(y, axis=b, keepdims=True), 1e-12)
        out = jax.vmap(lambda u, v: jnp.tensordot(u, v, axes=(a - 1, b - 1)))(x, y)
        return out[:, None] if out.ndim == 1 else out

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None


def _functional_form(cls: type, result: str) -> Any:
    """`name(inputs, **kwargs)`, the functional form of a merging layer class."""
    name = cls.__name__.lower()

    def form(inputs: Sequence[Any], **kwargs: Any) -> Any:
        return cls(**kwargs)(inputs)

    form.__name__ = form.__qualname__ = name
    form.__doc__ = (f"Functional form of `{cls.__name__}`: `{name}([a, b])` is "
                    f"`{cls.__name__}()([a, b])`.\n\n    Example:\n"
                    f"        >>> import numpy as np\n"
                    f"        >>> {name}([np.array([[1.0, 5.0]]), np.array([[3.0, 4.0]])])"
                    f".tolist()\n        {result}\n")
    return form


add = _functional_form(Add, "[[4.0, 9.0]]")
subtract = _functional_form(Subtract, "[[-2.0, 1.0]]")
multiply = _functional_form(Multiply, "[[3.0, 20.0]]")
average = _functional_form(Average, "[[2.0, 4.5]]")
maximum = _functional_form(Maximum, "[[3.0, 5.0]]")
minimum = _functional_form(Minimum, "[[1.0, 4.0]]")


def concatenate(inputs: Sequence[Any], axis: int = -1, **kwargs: Any) -> Any:
    """Functional form of `Concatenate`: `concatenate([a, b])` is
    `Concatenate()([a, b])`.

    Example:
        >>> import numpy as np
        >>> concatenate([np.ones((1, 2)), np.ones((1, 3))]).shape
        (1, 5)
    """
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs: Sequence[Any], axes: int | Sequence[int], normalize: bool = False,
        **kwargs: Any) -> Any:
    """Functional form of `Dot`: `dot([a, b], axes)` is `Dot(axes)([a, b])`.

    Example:
        >>> import numpy as np
        >>> dot([np.ones((1, 2)), np.ones((1, 2))], axes=1).tolist()
        [[2.0]]
    """
    return Dot(axes, normalize=normalize, **kwargs)(inputs)
