"""Keras 3's view of an optimizer's state: `build`, `variables`, and `stateless_apply`
on flat lists, as the JAX custom-loop guides use them.

The state itself is an optax pytree; Keras 3 hands it around as a flat list of
arrays. The optimizer remembers the layout of the last flat list it gave out
(`build(variables)`, or the compiled engine for a custom `train_step`), so that
`stateless_apply(optimizer_variables, grads, trainable_variables)` can rebuild the
pytree, update, and flatten again.
"""
from __future__ import annotations

from typing import Any, Sequence

import jax
import jax.numpy as jnp
import optax

from lamina.backend.variable import Variable


def _read(values: Sequence[Any]) -> list:
    return [v.value if isinstance(v, Variable) else v for v in values]


def _path_name(path: tuple) -> str:
    return "/".join(str(getattr(k, "name", getattr(k, "key", getattr(k, "idx", k))))
                    for k in path)


class FlatState:
    """The stateless-list methods of `Optimizer` (a mixin; see `Optimizer`)."""

    name: str

    def build(self, variables: Sequence[Any]) -> None:
        """Create the optimizer state for `variables` (Keras 3), as `variables`.

        Example:
            >>> import numpy as np
            >>> from lamina.optimizers import Adam
            >>> from lamina.backend import Variable
            >>> opt = Adam()
            >>> opt.build([Variable(np.zeros((2, 3)), name="w")])
            >>> [(v.name, v.shape) for v in opt.variables][-2:]
            [('adam/inner_state/0/momentum/0', (2, 3)), ('adam/inner_state/0/velocity/0', (2, 3))]
        """
        values = _read(variables)
        state = self.transform().init(values)
        leaves, treedef = jax.tree_util.tree_flatten_with_path(state)
        self.__dict__["_variables"] = [
            Variable(leaf, trainable=False, name=f"{self.name}/{_path_name(path)}")
            for path, leaf in leaves]
        self.__dict__["_flat_layout"] = (treedef, None)
        self.__dict__["_own_state"] = None

    @property
    def variables(self) -> list[Variable]:
        """The optimizer state as Variables (after `build`, or of the compiled model).

        Raises:
            ValueError: before `build` and before training.
        """
        own = self.__dict__.get("_variables")
        if own is not None and self.__dict__.get("_holder") is None:
            return list(own)
        state = self._state
        if state is None:
            raise ValueError(f"Optimizer '{self.name}' has no variables yet: call "
                             "optimizer.build(model.trainable_variables) first.")
        return [Variable(leaf, trainable=False, name=f"{self.name}/{i}")
                for i, leaf in enumerate(jax.tree.leaves(state))]

    def _variables_state(self) -> Any:
        """The state kept in `variables` (after `build`), or None."""
        own = self.__dict__.get("_variables")
        if own is None:
            return None
        treedef, _ = self.__dict__["_flat_layout"]
        return jax.tree.unflatten(treedef, [v.value for v in own])

    def _set_variables_state(self, state: Any) -> None:
        for v, leaf in zip(self.__dict__["_variables"], jax.tree.leaves(state)):
            v.assign(leaf)

    def flat_layout(self, treedef: Any, keys: list[str] | None) -> None:
        """Declare the layout of the flat lists `stateless_apply` will receive: the
        state's treedef and, when the state is keyed by weight path, the keys in the
        order of the trainable-variable lists."""
        self.__dict__["_flat_layout"] = (treedef, keys)

    def stateless_apply(self, opt_state: Any, grads: Any, params: Any) -> tuple:
        """Applies one update without touching `self`; usable under `jax.jit`.

        Args:
            opt_state: the optimizer state: the list `optimizer.variables` (Keras 3),
                or the pytree `init` returned.
            grads: gradients, shaped like `params` (a list for the list form).
            params: the current parameters (a list of arrays or Variables in the list
                form).

        Returns:
            `(new_params, new_opt_state)`, each in the form received.

        Example:
            >>> import jax.numpy as jnp
            >>> from lamina.optimizers import SGD
            >>> opt = SGD(learning_rate=0.1)
            >>> params = {"w": jnp.array([1.0, 2.0])}
            >>> state = opt.init(params)
            >>> params, state = opt.stateless_apply(state, {"w": jnp.array([1.0, 1.0])}, params)
            >>> params["w"]
            Array([0.9, 1.9], dtype=float32)
        """
        tx = self.transform()
        if type(opt_state) is not list:
            updates, opt_state = tx.update(grads, opt_state, params)
            return optax.apply_updates(params, updates), opt_state
        params, grads = _read(params), _read(grads)
        treedef, keys = self.__dict__.get("_flat_layout") or (None, None)
        if keys is not None:
            params, grads = dict(zip(keys, params)), dict(zip(keys, grads))
        expected = jax.tree.structure(jax.eval_shape(tx.init, params))
        if treedef is None or treedef != expected:
            treedef = expected
        if treedef.num_leaves != len(opt_state):
            raise ValueError(f"Optimizer '{self.name}' received {len(opt_state)} optimizer "
                             f"variables, but its state for these parameters has "
                             f"{treedef.num_leaves}. Pass optimizer.variables after "
                             "optimizer.build(model.trainable_variables).")
        state = jax.tree.unflatten(treedef, [jnp.asarray(v) for v in _read(opt_state)])
        updates, state = tx.update(grads, state, params)
        params = optax.apply_updates(params, updates)
        if keys is not None:
            params = [params[k] for k in keys]
        return list(params), list(jax.tree.leaves(state))

    def apply(self, grads: Sequence[Any], trainable_variables: Sequence[Variable] | None = None
              ) -> None:
        """Update `trainable_variables` in place by `grads` (Keras 3's eager `apply`)."""
        if trainable_variables is None:
            raise ValueError("apply() needs the trainable_variables the gradients are for.")
        variables = list(trainable_variables)
        if self.__dict__.get("_variables") is None:
            self.build(variables)
        params, state = self.stateless_apply([v.value for v in self.variables], list(grads),
                                             variables)
        for v, value in zip(variables, params):
            v.assign(value)
        for v, value in zip(self.__dict__["_variables"], state):
            v.assign(value)

    def apply_gradients(self, grads_and_vars: Any) -> None:
        """`apply` on `(gradient, variable)` pairs (tf.keras's spelling)."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [v for _, v in pairs])
