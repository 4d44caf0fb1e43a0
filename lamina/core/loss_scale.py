"""Dynamic loss scaling for float16 training, as a pure optax transformation.

float16 gradients underflow to zero below ~6e-8. The train step multiplies the loss
by the current scale before differentiating (`scale_of(state)`), and the update
divides the gradients by it again. When any gradient is not finite the step is
skipped (the inner state is kept) and the scale halves; after `growth_steps` finite
steps in a row it doubles, as Keras's `LossScaleOptimizer`.
"""
from __future__ import annotations

from typing import Any, NamedTuple

import jax
import jax.numpy as jnp
import optax


class LossScaleState(NamedTuple):
    """The inner optimizer's state and the loss scale.

    Attributes:
        inner: the wrapped transformation's state.
        scale: the current loss scale (float32 scalar).
        good_steps: finite steps since the scale last changed (int32 scalar).
    """

    inner: Any
    scale: jax.Array
    good_steps: jax.Array


class LossScaleTransformation(NamedTuple):
    """An optax `GradientTransformation` with the loss scale the step multiplies by.

    Attributes:
        init: `params -> LossScaleState`.
        update: `(scaled_grads, state, params) -> (updates, state)`.
        scale_of: `state -> scale` (the train step's hook).
    """

    init: Any
    update: Any
    scale_of: Any


def all_finite(tree: Any) -> jax.Array:
    """Whether every element of every array in `tree` is finite.

    Example:
        >>> bool(all_finite({"a": jnp.ones(2), "b": jnp.array([1.0, jnp.inf])}))
        False
    """
    leaves = [jnp.all(jnp.isfinite(x)) for x in jax.tree.leaves(tree)]
    return jnp.all(jnp.stack(leaves)) if leaves else jnp.bool_(True)


def dynamic_loss_scale(inner: optax.GradientTransformation, *, initial_scale: float,
                       growth_steps: int) -> LossScaleTransformation:
    """Wrap `inner` with dynamic loss scaling.

    Args:
        inner: the optimizer's transformation.
        initial_scale: the first loss scale (Keras: 2**15).
        growth_steps: finite steps before the scale doubles (Keras: 2000).

    Returns:
        The wrapped transformation.

    Example:
        >>> tx = dynamic_loss_scale(optax.sgd(1.0), initial_scale=4.0, growth_steps=2)
        >>> state = tx.init(jnp.zeros(1))
        >>> updates, state = tx.update(jnp.array([8.0]), state, jnp.zeros(1))
        >>> updates, float(state.scale)
        (Array([-2.], dtype=float32), 4.0)
        >>> updates, state = tx.update(jnp.array([jnp.inf]), state, jnp.zeros(1))
        >>> updates, float(state.scale)
        (Array([0.], dtype=float32), 2.0)
    """

    def init(params: Any) -> LossScaleState:
        return LossScaleState(inner.init(params), jnp.float32(initial_scale), jnp.int32(0))

    def update(grads: Any, state: LossScaleState, params: Any = None) -> tuple:
        grads = jax.tree.map(lambda g: g.astype(jnp.float32) / state.scale, grads)
        finite = all_finite(grads)
        safe = jax.tree.map(lambda g: jnp.where(finite, g, 0.0), grads)
        updates, inner_state = inner.update(safe, state.inner, params)
        inner_state = jax.tree.map(lambda new, old: jnp.where(finite, new, old),
                                   inner_state, state.inner)
        updates = jax.tree.map(lambda u: jnp.where(finite, u, jnp.zeros_like(u)), updates)
        grown = state.good_steps + 1 >= growth_steps
        scale = jnp.where(finite, jnp.where(grown, state.scale * 2.0, state.scale),
                          jnp.maximum(state.scale / 2.0, 1.0))
        good = jnp.where(finite & ~grown, state.good_steps + 1, 0).astype(jnp.int32)
        return updates, LossScaleState(inner_state, scale.astype(jnp.float32), good)

    return LossScaleTransformation(init, update, lambda state: state.scale)
