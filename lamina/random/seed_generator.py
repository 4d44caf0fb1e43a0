"""`SeedGenerator`: the source of a layer's random keys, as `keras.random.SeedGenerator`."""
from __future__ import annotations

from typing import Any

import jax
import numpy as np

from lamina import registry
from lamina.backend._scope import current_scope, in_layer_call
from lamina.backend.variable import Variable
from lamina.random._keys import int_key, next_key


@registry.register_serializable("lamina.random")
class SeedGenerator:
    """The source of a layer's random keys, as `keras.random.SeedGenerator`.

    Create it in the layer's `__init__` (it is tracked like a weight, but is not one).
    Inside `fit` each step's keys come from the step's key, so they differ from step
    to step and repeat with `lamina.utils.set_random_seed`; `seed` is folded into
    them. Called eagerly, the generator keeps its own sequence in `state`: the same
    `seed` gives the same keys in the same order (without a seed, the sequence starts
    from the global seed).

    Args:
        seed: an optional integer.
        name: an optional name.
        **kwargs: `backend`, accepted for Keras's signature (only "jax").

    Attributes:
        state: a `uint32[2]` Variable, `[base, count]`: the eager sequence's position.

    Example:
        >>> a, b = SeedGenerator(seed=7), SeedGenerator(seed=7)
        >>> bool((a.next() == b.next()).all()), bool((a.next() == a.next()).all())
        (True, False)
        >>> a.state.numpy()[1]
        np.uint32(3)
    """

    def __init__(self, seed: int | None = None, name: str | None = None, **kwargs: Any):
        if seed is not None and (isinstance(seed, bool) or
                                 not isinstance(seed, (int, np.integer))):
            raise TypeError(f"SeedGenerator needs an integer seed or None, but received "
                            f"{seed!r} ({type(seed).__name__}).")
        backend = kwargs.pop("backend", None)
        if kwargs or backend not in (None, "jax"):
            raise TypeError(f"SeedGenerator got unexpected arguments {sorted(kwargs)} or "
                            f"backend={backend!r}; it takes seed, name and backend='jax'.")
        if in_layer_call():
            raise RuntimeError(
                "A SeedGenerator was created inside a layer's call() (or a compiled step), "
                "so it would start again on every call and give the same numbers each "
                "time. Create it once in the layer's __init__: self.seed_generator = "
                "keras.random.SeedGenerator(seed), then pass seed=self.seed_generator.")
        self.seed = None if seed is None else int(seed)
        self.name = name or "seed_generator"
        base = int_key(self.seed)[0] if self.seed is not None else next_key()[0]
        self.state = Variable(np.array([base, 0], np.uint32), dtype="uint32",
                              trainable=False, name=f"{self.name}/seed_generator_state")

    def next(self, ordered: bool = True) -> Any:
        """The next key: the step's inside a compiled step, the generator's own eagerly."""
        scope = current_scope()
        key = scope.next_key() if scope is not None else None
        if key is not None:
            return key if self.seed is None else jax.random.fold_in(key, self.seed)
        base, count = (int(v) for v in np.asarray(self.state.numpy()))
        # The eager sequence advances on the host, also while a call is traced.
        self.state._value = jax.numpy.asarray(np.array([base, count + 1], np.uint32))
        return jax.random.fold_in(np.array([0, base], np.uint32), count)

    def get_config(self) -> dict[str, Any]:
        """`{"seed", "name"}`, the constructor arguments."""
        return {"seed": self.seed, "name": self.name}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "SeedGenerator":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<SeedGenerator name={self.name} seed={self.seed}>"
