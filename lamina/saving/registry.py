"""The registry of custom objects: how a file names a user's class or function.

A model file names classes, never code. When it is loaded, a name is looked up,
in this order, in the `custom_objects` given to `load_model` (and any enclosing
`custom_object_scope`), in the objects registered with
`@register_keras_serializable`, and in Lamina's own layers and models. Nothing
named in a file is ever imported or executed.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Mapping, TypeVar

T = TypeVar("T")

_GLOBAL_OBJECTS: dict[str, Any] = {}
_GLOBAL_NAMES: dict[Any, str] = {}
_local = threading.local()


def register_keras_serializable(package: str = "Custom",
                                name: str | None = None) -> Callable[[T], T]:
    """Register a class or function so that model files can name it, as in Keras.

    The object is registered as `"package>name"` (`name` defaults to its
    `__name__`); the file stores that name, and `load_model` finds the object by it
    without `custom_objects`. A class must have a `get_config` method.

    Args:
        package: a namespace for the name, so two libraries' `MyLayer`s differ.
        name: the name within the package; the object's `__name__` by default.

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Raises:
        ValueError: `package` or `name` contains `>`, or a class lacks `get_config`.

    Example:
        >>> import lamina
        >>> @register_keras_serializable(package="Docs")
        ... class Twice(lamina.layers.Layer):
        ...     def call(self, inputs):
        ...         return 2 * inputs
        >>> get_registered_name(Twice), get_registered_object("Docs>Twice") is Twice
        ('Docs>Twice', True)
    """
    for what, value in (("package", package), ("name", name)):
        if value is not None and (not isinstance(value, str) or ">" in value or not value):
            raise ValueError(f"register_keras_serializable needs a non-empty string without "
                             f"'>' as `{what}`, but received {what}={value!r}. For example: "
                             "@register_keras_serializable(package='my_project').")

    def decorator(obj: T) -> T:
        registered = f"{package}>{name or getattr(obj, '__name__', '')}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__} as '{registered}': a class "
                             "needs a get_config() method returning its constructor "
                             "arguments, so that it can be rebuilt from a file.")
        if registered.endswith(">"):
            raise ValueError(f"Cannot register {obj!r}: it has no __name__. Pass name=... "
                             "to register_keras_serializable.")
        # Registering again under the same name replaces the object (a re-run
        # notebook cell defines the class anew).
        _GLOBAL_OBJECTS[registered] = obj
        _GLOBAL_NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj: Any) -> str:
    """The name a file stores for `obj`: `"package>name"` if registered, else its
    `__name__` (its class's name for an instance).

    Example:
        >>> from lamina import layers
        >>> get_registered_name(layers.Dense)
        'Dense'
    """
    try:
        if obj in _GLOBAL_NAMES:
            return _GLOBAL_NAMES[obj]
    except TypeError:  # unhashable
        pass
    return getattr(obj, "__name__", type(obj).__name__)


def is_registered(obj: Any) -> bool:
    """Whether `obj` was registered with `register_keras_serializable`.

    Example:
        >>> from lamina import layers
        >>> is_registered(layers.Dense)
        False
    """
    try:
        return obj in _GLOBAL_NAMES
    except TypeError:
        return False


def get_registered_object(name: str, custom_objects: Mapping[str, Any] | None = None,
                          module_objects: Mapping[str, Any] | None = None) -> Any:
    """The object a file's name refers to, or None, as `keras.saving.get_registered_object`.

    Looks in `custom_objects`, then in the active `custom_object_scope`s, then in
    the registry (`"package>name"`), then in `module_objects`.

    Args:
        name: the name stored in a file (`"Custom>MyLayer"` or `"MyLayer"`).
        custom_objects: a mapping from names to classes or functions.
        module_objects: a last mapping to look in (a library's own objects).

    Returns:
        The class or function, or None when the name is unknown.

    Example:
        >>> def swap(x):
        ...     return x[::-1]
        >>> get_registered_object("swap", custom_objects={"swap": swap}) is swap
        True
        >>> get_registered_object("Nowhere>Nothing") is None
        True
    """
    for mapping in (custom_objects, *reversed(_scopes()), _GLOBAL_OBJECTS, module_objects):
        if mapping and name in mapping:
            return mapping[name]
    return None


def visible_objects(custom_objects: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every object a name can resolve to right now, as one dict.

    Registered objects appear under `"package>name"` and under their short name;
    enclosing scopes override them, and `custom_objects` overrides all.

    Example:
        >>> def swap(x):
        ...     return x[::-1]
        >>> visible_objects({"swap": swap})["swap"] is swap
        True
    """
    out: dict[str, Any] = {}
    for name, obj in _GLOBAL_OBJECTS.items():
        out[name.split(">", 1)[1]] = obj
        out[name] = obj
    for scope in _scopes():
        out.update(scope)
    out.update(custom_objects or {})
    return out


def _scopes() -> list[dict[str, Any]]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


class custom_object_scope:  # noqa: N801 (Keras's name)
    """Within a `with` block, names in `custom_objects` resolve to these objects.

    Args:
        custom_objects: a mapping from names (a class's `__name__`, or the
            `"package>name"` a file stores) to classes or functions.

    Example:
        >>> def swap(x):
        ...     return x[::-1]
        >>> with custom_object_scope({"swap": swap}):
        ...     get_registered_object("swap") is swap
        True
        >>> get_registered_object("swap") is None
        True
    """

    def __init__(self, custom_objects: Mapping[str, Any] | None = None):
        if custom_objects is not None and not isinstance(custom_objects, Mapping):
            raise TypeError(f"custom_objects must be a dict from names to classes or "
                            f"functions, but received {custom_objects!r} "
                            f"({type(custom_objects).__name__}). For example: "
                            "custom_objects={'MyLayer': MyLayer}.")
        self.custom_objects = dict(custom_objects or {})

    def __enter__(self) -> "custom_object_scope":
        _scopes().append(self.custom_objects)
        return self

    def __exit__(self, *exc: Any) -> None:
        _scopes().pop()


CustomObjectScope = custom_object_scope
