"""How many training steps one dispatch of the compiled program runs (DESIGN.md §3: a
measured decision, per model family and device).

The measurements (benchmarks/RESULTS.md, "Convolutional networks", 2-core CPU under
load, XLA:CPU):

- Dense, recurrent and convolutional models built from Lamina's layers run with the
  whole epoch in one program: the convolutions' gradients are canonical convolutions and
  patch products (`lamina.core.convolution`) and max pooling's is elementwise
  (`lamina.core.pooling`), so the book's chapter-7 CNN trained as fast in the epoch loop
  as in chunks of 8 steps, and 1.48x faster than with one step per call (paired rounds).
- A convolution whose gradient JAX derives itself (a custom layer calling
  `lax.conv_general_dilated` directly) falls to XLA:CPU's slow paths, worst inside a
  loop (jax-ml/jax issue 12868): such a model trains one step per dispatch, each step a
  program without a loop.
- Small images are the exception measured but not automated: the digits CNN (8x8) ran
  faster with one step per call (0.59x of the whole epoch's time); pass
  `compile(steps_per_execution=1)` for such models.

`compile(steps_per_execution=n)` overrides the choice: `n` steps per dispatch (1: each
step its own loop-free program, as Keras runs it).
"""
from __future__ import annotations

from typing import Any

import jax

from lamina.core import convolution


def check_setting(value: Any) -> Any:
    """`compile`'s `steps_per_execution`: `"auto"` or a positive int.

    Example:
        >>> check_setting("auto"), check_setting(8)
        ('auto', 8)
    """
    if value == "auto" or (isinstance(value, int) and not isinstance(value, bool)
                           and value >= 1):
        return value
    raise ValueError(f"steps_per_execution must be 'auto' (Lamina picks: the whole epoch in "
                     f"one compiled call, or one step per call where that measured faster) "
                     f"or a positive integer, but received {value!r}.")


def steps_per_dispatch(model: Any, x: Any = None) -> int | None:
    """The most training steps one call of the compiled program runs for `model` (None:
    the whole epoch), from `compile(steps_per_execution=...)` or, for `"auto"`, from
    the model's layers and the backend. `x` (arrays or shape structs of a batch) lets
    a model with custom layers be traced to look for raw convolutions."""
    setting = getattr(model, "_steps_per_execution", "auto")
    if setting != "auto":
        return int(setting)
    if jax.default_backend() != "cpu" or x is None or _only_builtin_layers(model):
        return None
    return 1 if _has_raw_convolution(model, x) else None


def _only_builtin_layers(model: Any) -> bool:
    """Whether every layer is one of Lamina's own (none of which calls a convolution
    with JAX's gradient); a Lambda runs a user's function, so it does not count."""
    seen: set[int] = set()
    todo = [model]
    while todo:
        layer = todo.pop()
        if id(layer) in seen:
            continue
        seen.add(id(layer))
        cls = type(layer)
        if not cls.__module__.startswith("lamina.") or cls.__name__ == "Lambda":
            return False
        todo.extend(getattr(layer, "layers", None) or [])
    return True


def _has_raw_convolution(model: Any, x: Any) -> bool:
    """Trace the model's training forward pass once and look for convolutions outside
    Lamina's custom-gradient convolution."""
    struct = lambda a: jax.ShapeDtypeStruct(tuple(a.shape), a.dtype)  # noqa: E731
    tv = [struct(v) for v in model.trainable_weights]
    ntv = [struct(v) for v in model.non_trainable_weights]

    def forward(tv: list, ntv: list, inputs: Any) -> Any:
        return model.stateless_call(tv, ntv, inputs, training=True,
                                    rng=jax.random.PRNGKey(0))[0]

    try:
        jaxpr = jax.make_jaxpr(forward)(tv, ntv, jax.tree.map(struct, x))
    except Exception:  # a model that cannot be traced here keeps the default
        return False
    return convolution.has_raw_convolution(jaxpr.jaxpr)
