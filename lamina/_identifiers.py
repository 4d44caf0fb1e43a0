"""Resolving identifiers: the names, dicts and objects that stand for one kind of object.

Layers take `kernel_initializer="glorot_uniform"`, `kernel_constraint=MaxNorm(2)`
or a `{"class_name", "config"}` dict read from a model file. A `Catalog` names
one kind's package in the registry (`lamina.registry`) and turns any of these into
the object, the same way for constraints, regularizers and initializers (and
looks names up for activations). Names in `custom_objects`, in an enclosing
`custom_object_scope` and registered by users come first, matched exactly;
built-in names match case-insensitively, and an unknown one is answered with the
closest valid name and the list of all of them.
"""
from __future__ import annotations

import dataclasses
import difflib
import inspect
from typing import Any, Mapping

from lamina import registry


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def did_you_mean(name: str, candidates: Any) -> str:
    """`" Did you mean 'x'?"` for the candidate closest to `name`, or `""` for none.

    Args:
        name: the unknown name (compared in lower case).
        candidates: the valid names.

    Returns:
        The sentence, with a leading space, ready to follow a full stop.

    Example:
        >>> did_you_mean("Rleu", ["relu", "tanh"])
        " Did you mean 'relu'?"
        >>> did_you_mean("zzz", ["relu"])
        ''
    """
    close = difflib.get_close_matches(str(name).lower(), list(candidates), n=1)
    return f" Did you mean {close[0]!r}?" if close else ""


@dataclasses.dataclass(frozen=True)
class Catalog:
    """One kind of object in the registry, and how identifiers resolve to it.

    Args:
        kind: the kind in messages, singular and lower case ('constraint').
        package: the registry package of the built-ins ('lamina.constraints'); a
            bare name builds what is registered there (a class, or a function of
            no arguments returning an instance).
        valid: the valid names as messages list them.
        such_as: how `get`'s error names a valid name ("a name such as 'max_norm'").
        accepts: what else may be passed, for messages ('a Constraint, or a
            callable w -> w').
        base: the base class that instances share; `serialize` saves only those.
        home: the public module of `base`, for messages ('lamina.constraints').
        example: a valid `{"class_name", "config"}` dict, for messages.

    Example:
        >>> from lamina import registry
        >>> class Shape:
        ...     def __init__(self, size=1):
        ...         self.size = size
        ...     def get_config(self):
        ...         return {"size": self.size}
        ...     @classmethod
        ...     def from_config(cls, config):
        ...         return cls(**config)
        >>> @registry.register_serializable("lamina.docs_shapes")
        ... class Square(Shape):
        ...     pass
        >>> shapes = Catalog(kind="shape", package="lamina.docs_shapes", valid="Square",
        ...                  such_as="'square'", accepts="a Shape, or a callable",
        ...                  base=Shape, home="geometry",
        ...                  example={"class_name": "Square", "config": {}})
        >>> shapes.get("SQUARE").size
        1
        >>> shapes.serialize(shapes.get({"class_name": "Square", "config": {"size": 3}}))
        {'class_name': 'Square', 'config': {'size': 3}}
        >>> shapes.get("sqare")
        Traceback (most recent call last):
        ...
        ValueError: Unknown shape 'sqare'. Did you mean 'square'? Valid shapes: Square. ...
    """

    kind: str
    package: str
    valid: str
    such_as: str
    accepts: str
    base: type | None = None
    home: str = ""
    example: Mapping[str, Any] | None = None

    def _builtin(self, name: str) -> Any:
        # A lower-case alias wins over a class of the same letters ('l1l2' is the
        # function l1_l2 with tf.keras's factors; the dict form names the class).
        found = registry.find(name.lower(), self.package) or \
            registry.find(name, self.package, ignore_case=True)
        if found is not None:
            return found
        names = [key.lower() for key in registry.builtins(self.package)]
        raise ValueError(f"Unknown {self.kind} {name!r}.{did_you_mean(name, names)} "
                         f"Valid {self.kind}s: {self.valid}. Pass one of these, "
                         f"{self.accepts}.")

    def lookup(self, name: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
        """What `name` stands for: a user object by its exact name, else a built-in.

        Args:
            name: the name.
            custom_objects: user objects by name; looked up first, then the
                active `custom_object_scope`s and the registry.

        Returns:
            The object found, as stored (a class is not instantiated).

        Raises:
            ValueError: for an unknown name; the message suggests the closest
                valid name and lists them all.

        Example:
            >>> from lamina import activations
            >>> c = Catalog(kind="activation", package="lamina.activations", valid="relu",
            ...             such_as="'relu'", accepts="a callable")
            >>> c.lookup("RELU").__name__, c.lookup("mine", {"mine": abs}) is abs
            ('relu', True)
        """
        visible = registry.visible_objects(custom_objects)
        return visible[name] if name in visible else self._builtin(name)

    def deserialize(self, config: str | Mapping[str, Any],
                    custom_objects: Mapping[str, Any] | None = None) -> Any:
        """Build the object a name or a `{"class_name", "config"}` dict stands for.

        A user class found by name is instantiated with no arguments and a user
        function is returned as is; a built-in name is built with its defaults.

        Args:
            config: a name or the output of `serialize`.
            custom_objects: user classes or functions by name; looked up first.

        Returns:
            The object.

        Raises:
            ValueError: for an unknown name or a dict without 'class_name'.
            TypeError: for anything else.

        Example:
            >>> c = Catalog(kind="constraint", package="lamina.constraints",
            ...             valid="non_neg", such_as="'non_neg'", accepts="a callable")
            >>> type(c.deserialize("NonNeg")).__name__, c.deserialize("half", {"half": 0.5})
            ('NonNeg', 0.5)
        """
        visible = registry.visible_objects(custom_objects)
        if isinstance(config, str):
            if config in visible:
                found = visible[config]
                return found() if inspect.isclass(found) else found
            return self._builtin(config)()
        if isinstance(config, Mapping):
            name = config.get("class_name")
            if not isinstance(name, str):
                raise ValueError(
                    f"{_article(self.kind).capitalize()} {self.kind} dict needs a "
                    f"'class_name' key, but received {dict(config)!r}. Pass e.g. "
                    f"{dict(self.example or {})!r}.")
            found = visible[name] if name in visible else \
                registry.find(name, self.package, ignore_case=True) or self._builtin(name)
            if not inspect.isclass(found):
                return found
            inner = config.get("config") or {}
            if not isinstance(inner, Mapping):
                raise ValueError(f"The 'config' of {_article(self.kind)} {self.kind} dict "
                                 f"must be a dict, but received {inner!r:.100}.")
            return found.from_config(dict(inner))
        raise TypeError(f"Could not deserialize {_article(self.kind)} {self.kind} from "
                        f"{config!r} ({type(config).__name__}). Pass a name or a dict.")

    def get(self, identifier: Any) -> Any:
        """Resolve an identifier as Keras's `get` functions do.

        Args:
            identifier: None, a name, a `{"class_name", "config"}` dict, a class
                (instantiated with no arguments), an instance or a callable.

        Returns:
            The object, or the callable given; None for None.

        Raises:
            ValueError: for an unknown name; the message lists the valid ones.
            TypeError: for anything that is neither of these.

        Example:
            >>> c = Catalog(kind="constraint", package="lamina.constraints",
            ...             valid="non_neg", such_as="'non_neg'", accepts="a callable")
            >>> type(c.get("non_neg")).__name__, c.get(None), c.get(abs) is abs
            ('NonNeg', None, True)
        """
        if identifier is None:
            return None
        if isinstance(identifier, (str, Mapping)):
            return self.deserialize(identifier)
        if inspect.isclass(identifier):
            identifier = identifier()
        if callable(identifier):
            return identifier
        raise TypeError(f"Could not interpret the {self.kind} {identifier!r} "
                        f"({type(identifier).__name__}). Pass {self.such_as}, "
                        f"{self.accepts}.")

    def serialize(self, obj: Any) -> dict[str, Any] | None:
        """The `{"class_name", "config"}` dict that `deserialize` turns back.

        The class name is the registered `"package>name"` of a user's class.

        Args:
            obj: an instance of `base` (or a name), or None.

        Returns:
            A JSON-compatible dict; None for None.

        Raises:
            ValueError: for anything not an instance of `base`, such as a plain
                function, which has no config to save.

        Example:
            >>> from lamina.constraints import Constraint
            >>> c = Catalog(kind="constraint", package="lamina.constraints",
            ...             valid="non_neg", such_as="'non_neg'", accepts="a Constraint",
            ...             base=Constraint)
            >>> c.serialize("non_neg")
            {'class_name': 'NonNeg', 'config': {}}
        """
        if obj is None:
            return None
        if isinstance(obj, str):
            obj = self.deserialize(obj)
        if self.base is not None and isinstance(obj, self.base):
            return {"class_name": registry.get_registered_name(type(obj)),
                    "config": obj.get_config()}
        base = getattr(self.base, "__name__", "object")
        raise ValueError(f"The {self.kind} {obj!r} is not {_article(base)} {base}, so it "
                         f"cannot be saved. Subclass {self.home}.{base} (with get_config), "
                         f"register it with `lamina.saving.register_keras_serializable()` "
                         f"and pass it in `custom_objects` when loading.")
