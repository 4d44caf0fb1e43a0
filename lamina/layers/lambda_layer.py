"""`Lambda` (a function as a layer) and `Identity`."""
from __future__ import annotations

from typing import Any, Callable

from lamina import registry
from lamina.layers.layer import Layer


@registry.register_serializable("lamina.layers")
class Lambda(Layer):
    """Wraps a function of arrays as a layer, as `keras.layers.Lambda`.

    The function must be traceable by JAX (use `jax.numpy`). Its output shape is
    inferred by tracing; `output_shape` is kept for Keras compatibility.

    Args:
        function: `fn(inputs, **arguments) -> outputs`.
        output_shape: optional; one sample's output shape, or a function of the
            input shape.
        mask: optional; the output mask, or a function `(inputs, mask) -> mask`.
        arguments: keyword arguments passed to `function`.

    Files store the function by name only (Lamina never runs code from a file):
    `from_config` finds it in `custom_objects`, so give such functions a name.

    Example:
        >>> import numpy as np, jax.numpy as jnp
        >>> Lambda(lambda x: jnp.square(x))(np.array([[2.0, -3.0]])).tolist()
        [[4.0, 9.0]]
    """

    def __init__(self, function: Callable[..., Any], output_shape: Any = None,
                 mask: Any = None, arguments: dict[str, Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda needs a callable, but received {function!r} "
                            f"({type(function).__name__}). For example: "
                            "Lambda(lambda x: x * 2).")
        self.function = function
        self.output_shape_arg = output_shape
        self.mask = mask
        self.arguments = dict(arguments or {})

    def call(self, inputs: Any) -> Any:
        return self.function(inputs, **self.arguments)

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        """`mask(inputs, mask)` when `mask` is a function, else the `mask` given."""
        if callable(self.mask):
            return self.mask(inputs, mask)
        return self.mask

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self.output_shape_arg is None:
            return super().compute_output_shape(input_shape)
        if callable(self.output_shape_arg):
            return self.output_shape_arg(input_shape)
        return (input_shape[0],) + tuple(self.output_shape_arg)

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        output_shape = self.output_shape_arg
        config.update(function=getattr(self.function, "__name__", repr(self.function)),
                      output_shape=list(output_shape) if isinstance(output_shape, tuple)
                      else output_shape if not callable(output_shape)
                      else output_shape.__name__,
                      arguments=self.arguments)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any],
                    custom_objects: dict[str, Any] | None = None) -> "Lambda":
        """Rebuild from `get_config()`, finding the function by name in `custom_objects`
        (or an enclosing `custom_object_scope`, or the registry).

        Example:
            >>> def double(x):
            ...     return x * 2
            >>> config = Lambda(double).get_config()
            >>> Lambda.from_config(config, {"double": double}).function is double
            True
        """
        config = dict(config)
        custom_objects = registry.visible_objects(custom_objects)
        resolved = {}
        for key in ("function", "output_shape"):
            name = config.get(key)
            if isinstance(name, str):
                if name not in custom_objects:
                    raise ValueError(f"Lambda layer '{config.get('name')}' needs its {key} "
                                     f"'{name}', which is not in custom_objects. Lamina never "
                                     "runs code from a file: pass custom_objects="
                                     f"{{'{name}': {name}}} (a lambda has no usable name; "
                                     "define it with def).")
                resolved[key] = custom_objects[name]
        config.update(resolved)
        if isinstance(config.get("output_shape"), list):
            config["output_shape"] = tuple(config["output_shape"])
        return cls(**config)


@registry.register_serializable("lamina.layers")
class Identity(Layer):
    """Returns its inputs unchanged, as `keras.layers.Identity`.

    Example:
        >>> import numpy as np
        >>> Identity()(np.array([[1.0, 2.0]])).tolist()
        [[1.0, 2.0]]
    """

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any) -> Any:
        return inputs
