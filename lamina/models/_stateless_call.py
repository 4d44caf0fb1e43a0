"""Keras 3's stateless bridge on a model: `stateless_call`, the model run on arrays
instead of its Variables (what JAX training loops written by hand call)."""
from __future__ import annotations

from typing import Any, Sequence

import jax.numpy as jnp

from lamina.backend import _masking
from lamina.backend._scope import LossList, StatelessScope


class StatelessCall:
    """The `Model` mixin holding `stateless_call` and the one-call helper that the
    compiled programs' forward function uses too."""

    def stateless_call(self, trainable_variables: Sequence[Any],
                       non_trainable_variables: Sequence[Any], inputs: Any,
                       training: bool = False, rng: Any = None,
                       return_losses: bool = False) -> tuple:
        """Run the model on arrays instead of its Variables, as Keras's stateless_call.

        Args:
            trainable_variables: arrays in `trainable_weights` order.
            non_trainable_variables: arrays in `non_trainable_weights` order.
            inputs: the batch.
            training: training mode (Dropout, BatchNormalization).
            rng: a PRNG key for Dropout and other randomness.
            return_losses: also return the list of the call's `add_loss` losses and
                weight-regularization penalties (Keras 3's `return_losses`).

        Returns:
            `(outputs, non_trainable_variables)`, plus the list of losses when asked.

        Example:
            >>> import jax, numpy as np, lamina as keras
            >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(1)])
            >>> tv = [np.ones((2, 1)), np.zeros(1)]
            >>> out, _ = model.stateless_call(tv, [], np.array([[1.0, 2.0]]))
            >>> out.tolist()
            [[3.0]]
        """
        tv, ntv = self._stateless_weights(trainable_variables, non_trainable_variables)
        out, new_nt, losses, _ = self._stateless(tv, ntv, trainable_variables,
                                                 non_trainable_variables, inputs, training,
                                                 rng)
        return (out, new_nt, LossList(losses)) if return_losses else (out, new_nt)

    def _stateless(self, tv: list, ntv: list, trainable: Sequence[Any],
                   non_trainable: Sequence[Any], inputs: Any, training: bool,
                   rng: Any) -> tuple:
        """`(outputs, non_trainable arrays, losses, outputs' mask)` of one call: the
        losses are the `add_loss` values and the weight-regularization penalties."""
        values = [(v, jnp.asarray(a)) for v, a in zip(tv, trainable)]
        values += [(v, jnp.asarray(a)) for v, a in zip(ntv, non_trainable)]
        with StatelessScope(values, rng=rng) as scope, _masking.mask_scope():
            outputs = self(inputs, training=training)
            mask = _masking.get_masks(outputs)
            new_nt = [scope.get(v) for v in ntv]
            losses = [jnp.sum(loss) for loss in scope.losses]
            losses += [v.regularizer(scope.get(v)) for v in tv + ntv
                       if v.regularizer is not None]
        return outputs, new_nt, losses, mask

