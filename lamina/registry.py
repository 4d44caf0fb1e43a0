"""The one registry of classes and functions that files and identifiers may name.

Every built-in layer, model, loss, metric, optimizer, schedule, initializer,
regularizer, constraint and activation registers itself here with the same
decorator a user's class uses, `register_serializable(package, name)` (as
`keras.saving.register_keras_serializable`). Saving, `get(identifier)` functions
and config deserialization find classes only here: a file names a class, never
code, and nothing named in a file is ever imported or executed.

A name is looked up, in this order, in the `custom_objects` given to the call, in
enclosing `custom_object_scope`s, among the user's registered objects (by
`"package>name"` and by short name), and last among the built-ins of one kind
(`package="lamina.layers"`, ...). This module is a leaf: it imports nothing of
Lamina.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Mapping, TypeVar

T = TypeVar("T")

BUILTIN_PREFIX = "lamina."

_objects: dict[str, Any] = {}          # "package>name" -> object (users' and built-ins)
_names: dict[int, str] = {}            # id(object) -> its first registered "package>name"
_keep: list[Any] = []                  # keeps registered objects alive (ids stay valid)
_builtins: dict[str, dict[str, Any]] = {}  # package -> {name: object}
_local = threading.local()


def _check_part(what: str, value: Any) -> None:
    if value is not None and (not isinstance(value, str) or ">" in value or not value):
        raise ValueError(f"register_serializable needs a non-empty string without '>' as "
                         f"`{what}`, but received {what}={value!r}. For example: "
                         "@register_serializable(package='my_project').")


def register_serializable(package: str = "Custom", name: str | None = None
                          ) -> Callable[[T], T]:
    """Register a class or function so that model files and identifiers can name it.

    The object is registered as `"package>name"` (`name` defaults to its
    `__name__`); a file stores that name, and loading finds the object by it
    without `custom_objects`. Lamina's own objects register under packages that
    start with `lamina.` (`"lamina.layers>Dense"`); files name those by their
    short name alone. Registering again under the same name replaces the object
    (a notebook cell run twice defines its class anew).

    Args:
        package: a namespace for the name, so two libraries' `MyLayer`s differ.
        name: the name within the package; the object's `__name__` by default.

    Returns:
        A decorator that registers its argument and returns it unchanged.

    Raises:
        ValueError: `package` or `name` contains `>`, or a class lacks `get_config`.

    Example:
        >>> @register_serializable(package="Docs")
        ... class Twice:
        ...     def get_config(self):
        ...         return {}
        >>> get_registered_name(Twice), get_registered_object("Docs>Twice") is Twice
        ('Docs>Twice', True)
    """
    _check_part("package", package)
    _check_part("name", name)

    def decorator(obj: T) -> T:
        short = name or getattr(obj, "__name__", "")
        registered = f"{package}>{short}"
        if isinstance(obj, type) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register {obj.__name__} as '{registered}': a class "
                             "needs a get_config() method returning its constructor "
                             "arguments, so that it can be rebuilt from a file.")
        if not short:
            raise ValueError(f"Cannot register {obj!r}: it has no __name__. Pass name=... "
                             "to register_serializable.")
        _objects[registered] = obj
        if id(obj) not in _names or not package.startswith(BUILTIN_PREFIX):
            _names[id(obj)] = registered
        _keep.append(obj)
        if package.startswith(BUILTIN_PREFIX):
            _builtins.setdefault(package, {})[short] = obj
        return obj

    return decorator


register_keras_serializable = register_serializable


def get_registered_name(obj: Any) -> str:
    """The name a file stores for `obj`: `"package>name"` for a user's registered
    object, else its `__name__` (its class's name for an instance).

    Example:
        >>> def swish_like(x):
        ...     return x
        >>> get_registered_name(swish_like)
        'swish_like'
    """
    registered = _names.get(id(obj))
    if registered is not None and not registered.startswith(BUILTIN_PREFIX):
        return registered
    return getattr(obj, "__name__", type(obj).__name__)


def is_registered(obj: Any) -> bool:
    """Whether `obj` was registered by a user (not one of Lamina's own objects).

    Example:
        >>> is_registered(len)
        False
    """
    registered = _names.get(id(obj))
    return registered is not None and not registered.startswith(BUILTIN_PREFIX)


def _scopes() -> list[dict[str, Any]]:
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


def _user_objects() -> dict[str, Any]:
    return {k: v for k, v in _objects.items() if not k.startswith(BUILTIN_PREFIX)}


def get_custom_objects() -> dict[str, Any]:
    """The objects users registered, by `"package>name"`, as
    `keras.saving.get_custom_objects` (a copy: register with the decorator).

    Example:
        >>> isinstance(get_custom_objects(), dict)
        True
    """
    return _user_objects()


def visible_objects(custom_objects: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Every user object a name can resolve to right now, as one dict.

    Registered objects appear under `"package>name"` and under their short name;
    enclosing scopes override them, and `custom_objects` overrides all.

    Example:
        >>> def swap(x):
        ...     return x[::-1]
        >>> visible_objects({"swap": swap})["swap"] is swap
        True
    """
    out: dict[str, Any] = {}
    for key, obj in _user_objects().items():
        out[key.split(">", 1)[1]] = obj
        out[key] = obj
    for scope in _scopes():
        out.update(scope)
    out.update(custom_objects or {})
    return out


def get_registered_object(name: str, custom_objects: Mapping[str, Any] | None = None,
                          module_objects: Mapping[str, Any] | None = None) -> Any:
    """The user object a file's name refers to, or None, as
    `keras.saving.get_registered_object`.

    Looks in `custom_objects`, then in the active `custom_object_scope`s, then among
    registered objects (`"package>name"`), then in `module_objects`.

    Example:
        >>> def swap(x):
        ...     return x[::-1]
        >>> get_registered_object("swap", custom_objects={"swap": swap}) is swap
        True
        >>> get_registered_object("Nowhere>Nothing") is None
        True
    """
    for mapping in (custom_objects, *reversed(_scopes()), _user_objects(), module_objects):
        if mapping and name in mapping:
            return mapping[name]
    return None


def builtins(package: str) -> dict[str, Any]:
    """Lamina's own objects of one kind by name, e.g. `builtins("lamina.layers")`.

    Example:
        >>> import lamina
        >>> builtins("lamina.layers")["Dense"] is lamina.layers.Dense
        True
    """
    return dict(_builtins.get(package, {}))


def find(name: str, package: str | tuple[str, ...], *,
         custom_objects: Mapping[str, Any] | None = None,
         registered_name: str | None = None, ignore_case: bool = False) -> Any:
    """What a name stands for: a user object first, then a built-in of `package`.

    Args:
        name: the stored short name (`"Dense"`, `"MyLayer"`).
        package: the built-in kind(s) to search, e.g. `"lamina.layers"`.
        custom_objects: user objects by name, searched first.
        registered_name: the stored `"package>name"` of a user's object, if any.
        ignore_case: match built-in names case-insensitively (losses, optimizers).

    Returns:
        The object, or None when nothing has that name.

    Example:
        >>> import lamina
        >>> find("dense", "lamina.layers") is None, find("Dense", "lamina.layers").__name__
        (True, 'Dense')
        >>> find("ADAM", "lamina.optimizers", ignore_case=True).__name__
        'Adam'
    """
    for key in (registered_name, name):
        if isinstance(key, str):
            found = get_registered_object(key, custom_objects)
            if found is not None:
                return found
    if isinstance(name, str):
        for pkg in (package,) if isinstance(package, str) else package:
            table = _builtins.get(pkg, {})
            if name in table:
                return table[name]
            if ignore_case:
                lower = name.lower()
                for key, obj in table.items():
                    if key.lower() == lower:
                        return obj
    return None


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
