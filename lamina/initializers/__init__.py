"""Weight initializers with Keras's names, arguments, defaults and formulas.

`get` resolves what a layer receives as `kernel_initializer=`: a name
('glorot_uniform', case-insensitive), a class, an instance, a dict
`{"class_name", "config"}` or a callable `(shape, dtype) -> array`.
"""
from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable, Mapping

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
_BY_NAME: dict[str, type[Initializer]] = {
    **_SNAKE, **{cls.__name__.lower(): cls for cls in _SNAKE.values()},
    "orthogonalinitializer": Orthogonal, "identityinitializer": Identity,
    "uniform": RandomUniform, "normal": RandomNormal, "one": Ones, "zero": Zeros,
}

InitializerLike = Initializer | Callable[..., Any]


def _lookup(name: str, custom_objects: Mapping[str, Any] | None) -> Any:
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    key = name.lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    close = difflib.get_close_matches(key, list(_BY_NAME), n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise ValueError(f"Unknown initializer {name!r}.{hint} Valid initializers: "
                     f"{', '.join(sorted(_SNAKE))} (or their class names, e.g. "
                     f"'GlorotUniform'). Pass one of these, an Initializer, or a "
                     f"callable (shape, dtype) -> array.")


def _visible(custom_objects: Any) -> dict[str, Any]:
    """`custom_objects` plus everything registered with `register_keras_serializable`."""
    from lamina.saving.registry import visible_objects

    return visible_objects(custom_objects)


def _saved_name(obj: Any) -> str:
    """The registered `"package>name"` of a user class or function, else its name."""
    from lamina.saving.registry import get_registered_name

    return get_registered_name(obj)


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
    custom_objects = _visible(custom_objects)
    if isinstance(config, str):
        found = _lookup(config, custom_objects)
        return found() if inspect.isclass(found) else found
    if isinstance(config, Mapping):
        if "class_name" not in config:
            raise ValueError(f"An initializer dict needs a 'class_name' key, but "
                             f"received {dict(config)!r}. Pass e.g. {{'class_name': "
                             f"'GlorotUniform', 'config': {{'seed': None}}}}.")
        found = _lookup(config["class_name"], custom_objects)
        if not inspect.isclass(found):
            return found
        return found.from_config(dict(config.get("config") or {}))
    raise TypeError(f"Could not deserialize an initializer from {config!r} "
                    f"({type(config).__name__}). Pass a name or a dict.")


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
    if identifier is None:
        return None
    if isinstance(identifier, (str, Mapping)):
        return deserialize(identifier)
    if inspect.isclass(identifier):
        identifier = identifier()
    if callable(identifier):
        return identifier
    raise TypeError(f"Could not interpret the initializer {identifier!r} "
                    f"({type(identifier).__name__}). Pass a name such as "
                    f"'glorot_uniform', an Initializer, or a callable "
                    f"(shape, dtype) -> array.")


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
    if initializer is None:
        return None
    if isinstance(initializer, str):
        initializer = deserialize(initializer)
    if isinstance(initializer, Initializer):
        return {"class_name": _saved_name(type(initializer)),
                "config": initializer.get_config()}
    raise ValueError(f"The initializer {initializer!r} is not an Initializer, so it "
                     f"cannot be saved. Subclass lamina.initializers.Initializer "
                     f"(with get_config), register it with "
                     f"`lamina.saving.register_keras_serializable()` and pass it in "
                     f"`custom_objects` when loading.")


__all__ = [
    "Initializer", "RandomInitializer", "Zeros", "Ones", "Constant", "Identity",
    "RandomNormal", "RandomUniform", "TruncatedNormal", "VarianceScaling",
    "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
    "LecunNormal", "Orthogonal", "OrthogonalInitializer", "IdentityInitializer",
    "compute_fans", "get", "serialize", "deserialize", *_SNAKE,
]
