"""`StatelessScope`: Variables read arrays given to the scope instead of their own state.

Inside a compiled step there are no Variables, only arrays. A scope maps each
Variable to the array it reads for the duration of a `with` block; `assign` writes
into the scope (BatchNormalization's moving statistics), layers draw random keys
from it, and `add_loss` records into it. The same layer code therefore runs eagerly
and inside `jax.jit` / `lax` loops.
"""
from __future__ import annotations

import contextlib
import threading
from collections.abc import Sequence
from typing import Any, Callable, Iterable, Iterator

import jax
import jax.numpy as jnp

_local = threading.local()


class StatelessScope:
    """Maps Variables to arrays for the duration of a `with` block.

    Args:
        values: pairs `(variable, array)` the variables read inside the block.
        rng: an optional PRNG key, or a function `i -> key` (keys drawn lazily);
            layers draw from it with `lamina.random.next_rng_key()`.
        building: whether this is a building pass (shape inference): weights a
            layer creates and assigns then keep their values.

    Example:
        >>> import numpy as np
        >>> from lamina.backend import Variable
        >>> v = Variable(np.zeros(2), name="v")
        >>> with StatelessScope([(v, np.ones(2))]):
        ...     float(v.value.sum())
        2.0
        >>> float(v.value.sum())
        0.0
    """

    def __init__(self, values: Iterable[tuple[Any, Any]] = (), *,
                 rng: Any | Callable[[int], Any] = None, building: bool = False):
        self.values: dict[int, Any] = {id(v): a for v, a in values}
        self.rng = rng
        self._drawn = 0
        self.losses: list[Any] = []
        self.building = building

    def __enter__(self) -> "StatelessScope":
        stack = getattr(_local, "scopes", None)
        if stack is None:
            stack = _local.scopes = []
        self._parent = stack[-1] if stack else None
        stack.append(self)
        return self

    def __exit__(self, *exc: Any) -> None:
        _local.scopes.pop()

    def get(self, variable: Any) -> Any:
        """The array `variable` reads in this scope (its own value if unmapped)."""
        found = self.values.get(id(variable))
        return variable._read() if found is None else found

    def next_key(self) -> Any:
        """The next PRNG key of the scope's sequence; a scope without an rng draws from
        the enclosing scope's (a `stateless_call` inside a compiled step gets the
        step's keys), or gives None."""
        if self.rng is None:
            parent = getattr(self, "_parent", None)
            return None if parent is None else parent.next_key()
        if callable(self.rng):
            self._drawn += 1
            return self.rng(self._drawn - 1)
        self.rng, key = jax.random.split(self.rng)
        return key


class LossList(Sequence):
    """The losses a stateless call added, as a read-only list that JAX also takes as
    one array (`jnp.sum(losses)`), as Keras 3's guides use `return_losses=True`.

    Example:
        >>> import jax.numpy as jnp
        >>> losses = LossList([jnp.float32(1.0), jnp.float32(2.0)])
        >>> len(losses), bool(losses), float(jnp.sum(losses))
        (2, True, 3.0)
    """

    def __init__(self, losses: Iterable[Any]):
        self._losses = list(losses)

    def __getitem__(self, index: Any) -> Any:
        return self._losses[index]

    def __len__(self) -> int:
        return len(self._losses)

    def __jax_array__(self) -> Any:
        return jnp.stack([jnp.asarray(loss, jnp.float32).reshape(()) for loss in self._losses]) \
            if self._losses else jnp.zeros((0,), jnp.float32)

    def __repr__(self) -> str:
        return f"LossList({self._losses!r})"


# A registered pytree: inside jit JAX converts it through __jax_array__, which it
# refuses for unregistered types.
jax.tree_util.register_pytree_node(LossList, lambda v: (tuple(v._losses), None),
                                   lambda _, children: LossList(children))


def current_scope() -> StatelessScope | None:
    """The innermost active scope, or None outside any."""
    stack = getattr(_local, "scopes", None)
    return stack[-1] if stack else None


@contextlib.contextmanager
def layer_frame(kind: str) -> Iterator[None]:
    """Mark the running of a layer's `"call"` or `"build"` (objects that belong in
    `__init__` or `build`, such as `SeedGenerator`s, check `in_layer_call`)."""
    frames = _local.__dict__.setdefault("frames", [])
    frames.append(kind)
    try:
        yield
    finally:
        frames.pop()


def in_layer_call() -> bool:
    """Whether the innermost running layer method on this thread is a `call`."""
    frames = getattr(_local, "frames", None)
    return bool(frames) and frames[-1] == "call"


def add_loss_to_scope(loss: Any) -> bool:
    """Record an activity loss in the current scope; False when there is none."""
    scope = current_scope()
    if scope is None:
        return False
    scope.losses.append(loss)
    return True
