"""Weight initializers with Keras's names, arguments, defaults and formulas.

`get` resolves what a layer receives as `kernel_initializer=`: a name
('glorot_uniform', case-insensitive), a class, an instance, a dict
`{"class_name", "config"}` or a callable `(shape, dtype) -> array`.
"""
from __future__ import annotations

from typing import Any, Callable, Mapping

from lamina import registry
from lamina._identifiers import Catalog
from lamina.initializers.constant_initializers import (Constant, Identity,
                                                       Initializer, Ones, Zeros,
                                                       compute_fans)
from lamina.initializers.random_initializers import (Orthogonal, RandomInitializer,
                                                     RandomNormal, RandomUniform,
                                                     TruncatedNormal)
from lamina.initializers.variance_scaling import (GlorotNormal, GlorotUniform,
                                                  HeNormal, HeUniform, LecunNormal,
                                                  LecunUniform, VarianceScaling)

OrthogonalInitializer = Orthogonal
IdentityInitializer = Identity
zeros, ones, constant, identity = Zeros, Ones, Constant, Identity
random_normal, random_uniform = RandomNormal, RandomUniform
truncated_normal, variance_scaling, orthogonal = TruncatedNormal, VarianceScaling, Orthogonal
glorot_uniform, glorot_normal = GlorotUniform, GlorotNormal
he_uniform, he_normal = HeUniform, HeNormal
lecun_uniform, lecun_normal = LecunUniform, LecunNormal

_SNAKE: dict[str, type[Initializer]] = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "identity": Identity,
    "random_normal": RandomNormal, "random_uniform": RandomUniform,
    "truncated_normal": TruncatedNormal, "variance_scaling": VarianceScaling,
    "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "he_uniform": HeUniform, "he_normal": HeNormal,
    "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal,
}
for _name, _cls in _SNAKE.items():
    registry.register_serializable("lamina.initializers")(_cls)
    registry.register_serializable("lamina.initializers", _name)(_cls)
for _name, _cls in {"OrthogonalInitializer": Orthogonal, "IdentityInitializer": Identity,
                    "uniform": RandomUniform, "normal": RandomNormal, "one": Ones,
                    "zero": Zeros}.items():
    registry.register_serializable("lamina.initializers", _name)(_cls)

InitializerLike = Initializer | Callable[..., Any]


_CATALOG = Catalog(
    kind="initializer", package="lamina.initializers",
    valid=f"{', '.join(sorted(_SNAKE))} (or their class names, e.g. 'GlorotUniform')",
    such_as="a name such as 'glorot_uniform'",
    accepts="an Initializer, or a callable (shape, dtype) -> array",
    base=Initializer, home="lamina.initializers",
    example={"class_name": "GlorotUniform", "config": {"seed": None}})


def deserialize(config: str | Mapping[str, Any],
                custom_objects: Mapping[str, Any] | None = None) -> Initializer:
    """Rebuild an initializer from a name or a `{"class_name", "config"}` dict.

    Args:
        config: a name or the output of `serialize`.
        custom_objects: user initializer classes or functions by name; looked
            up first.

    Returns:
        An initializer (or the custom object found).

    Raises:
        ValueError: for an unknown name or a dict without 'class_name'.
        TypeError: for anything else.

    Example:
        >>> deserialize({"class_name": "HeNormal", "config": {"seed": 1}}).seed
        1
    """
    return _CATALOG.deserialize(config, custom_objects)


def get(identifier: Any) -> InitializerLike | None:
    """Resolve an initializer identifier as Keras's `initializers.get` does.

    Args:
        identifier: None, a name (case-insensitive: 'glorot_uniform',
            'HeNormal', 'zeros', ...), an Initializer class or instance, a dict
            `{"class_name", "config"}`, or a callable `(shape, dtype) -> array`.

    Returns:
        An initializer instance or the callable given; None for None.

    Raises:
        ValueError: for an unknown name; the message lists the valid ones.
        TypeError: for anything that cannot be an initializer.

    Example:
        >>> type(get("glorot_uniform")).__name__
        'GlorotUniform'
        >>> get("zeros")((2,))
        Array([0., 0.], dtype=float32)
    """
    return _CATALOG.get(identifier)


def serialize(initializer: Initializer | str | None) -> dict[str, Any] | None:
    """The `{"class_name", "config"}` dict that `deserialize` turns back.

    Args:
        initializer: an Initializer instance (or a name).

    Returns:
        A JSON-compatible dict.

    Raises:
        ValueError: for a plain function, which has no config to save.

    Example:
        >>> serialize(GlorotUniform(seed=3))
        {'class_name': 'GlorotUniform', 'config': {'seed': 3}}
    """
    return _CATALOG.serialize(initializer)


__all__ = [
    "Initializer", "RandomInitializer", "Zeros", "Ones", "Constant", "Identity",
    "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
    "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
    "LecunNormal", "Orthogonal", "OrthogonalInitializer", "IdentityInitializer",
    "compute_fans", "get", "serialize", "deserialize", *_SNAKE,
]
