"""Keras-named optimizers as optax transformations with injected hyperparameters.

`build(name, hyperparams, ...)` assembles, in Keras's order: gradient clipping,
the Keras update rule (`lamina.core.optim_rules`), and Keras's decoupled weight
decay. It is wrapped in `optax.inject_hyperparams`, so the learning rate and the
other numeric hyperparameters are float32 arrays in the optimizer state:
`get_hyperparam`/`set_hyperparam` read and replace them between compiled calls
without retracing, and a learning-rate schedule (a callable `step -> lr`) is
evaluated inside the compiled step. The state is a pytree of arrays only.
"""
from __future__ import annotations

import difflib
import inspect
import numbers
from typing import Any, Callable, Mapping, Optional, Union

import jax
import jax.numpy as jnp
import numpy as np
import optax

from lamina.core.optim_rules import RULES

OptState = Any
LearningRate = Union[float, Callable[[jax.Array], jax.Array]]


def _close(name: str, valid: list) -> str:
    match = difflib.get_close_matches(name, valid, n=1)
    return f" Did you mean {match[0]!r}?" if match else ""


def _resolve(name: str) -> str:
    if not isinstance(name, str):
        raise TypeError(f"The optimizer name must be a string such as 'adam', but "
                        f"received {name!r} ({type(name).__name__}).")
    key = name.lower()
    if key not in RULES:
        raise ValueError(f"Unknown optimizer {name!r}. Valid names are "
                         f"{sorted(RULES)}.{_close(key, sorted(RULES))}")
    return key


def _real(name: str, value: Any, *, allow_none: bool = False) -> Optional[float]:
    """`value` as a Python float, or a TypeError naming the argument."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.ndarray,
                                                         jax.Array)) \
            or np.ndim(value) != 0:
        raise TypeError(f"Optimizer argument `{name}` must be a real number, but "
                        f"received {value!r} ({type(value).__name__}). Pass a float "
                        f"such as {name}=0.001.")
    return float(value)


def clip_by_norm(clipnorm: float) -> optax.GradientTransformation:
    """Clips each gradient by its own L2 norm, as Keras's `clipnorm`.

    `g = g * clipnorm / max(||g||, clipnorm)`, leaf by leaf.

    Args:
        clipnorm: the largest norm any single gradient may keep.

    Returns:
        A stateless `optax.GradientTransformation`.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = clip_by_norm(1.0)
        >>> tx.update({"a": jnp.array([3.0, 4.0]), "b": jnp.array([0.5])}, tx.init(None))[0]
        {'a': Array([0.6, 0.8], dtype=float32), 'b': Array([0.5], dtype=float32)}
    """

    def update(grads, state, params=None):
        del params

        def leaf(g):
            norm = jnp.sqrt(jnp.sum(jnp.square(g)))
            c = jnp.asarray(clipnorm, g.dtype)
            return g * c / jnp.maximum(norm, c)

        return jax.tree.map(leaf, grads), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def clip_by_global_norm(global_clipnorm: float) -> optax.GradientTransformation:
    """Clips all gradients together by their global L2 norm (Keras's `global_clipnorm`).

    `g = g * c / max(sqrt(sum_i ||g_i||^2), c)` with `c = global_clipnorm`.

    Args:
        global_clipnorm: the largest global norm the gradients may keep.

    Returns:
        A stateless `optax.GradientTransformation`.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = clip_by_global_norm(1.0)
        >>> tx.update([jnp.array([3.0]), jnp.array([4.0])], tx.init(None))[0]
        [Array([0.6], dtype=float32), Array([0.8], dtype=float32)]
    """

    def update(grads, state, params=None):
        del params
        norm = optax.tree.norm(grads)
        scale = global_clipnorm / jnp.maximum(norm, global_clipnorm)
        return jax.tree.map(lambda g: g * scale.astype(g.dtype), grads), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def decoupled_weight_decay(learning_rate: Any, weight_decay: Any
                           ) -> optax.GradientTransformation:
    """Keras's decoupled weight decay: adds `-w * weight_decay * learning_rate`.

    Chained after an update rule, it gives `w -= w*weight_decay*lr` on top of
    the rule's own update, with `w` the parameters before the step.

    Args:
        learning_rate: the current learning rate (a scalar).
        weight_decay: the decay coefficient (a scalar).

    Returns:
        An `optax.GradientTransformation` that needs `params` in `update`.

    Raises:
        ValueError: if `update` is called without `params`.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = decoupled_weight_decay(0.1, 0.5)
        >>> tx.update(jnp.array([-1.0]), tx.init(None), jnp.array([2.0]))[0]
        Array([-1.1], dtype=float32)
    """

    def update(updates, state, params=None):
        if params is None:
            raise ValueError("Weight decay needs the parameters: call "
                             "`update(grads, state, params)` with `params`.")
        return jax.tree.map(
            lambda u, w: u - w * (jnp.asarray(weight_decay) * learning_rate).astype(w.dtype),
            updates, params), state

    return optax.GradientTransformation(lambda params: optax.EmptyState(), update)


def _with_fresh_schedules(tx: optax.GradientTransformation,
                          schedules: Mapping[str, Callable]) -> optax.GradientTransformation:
    """After each step, store `schedule(count)` so the state shows the value the
    next step uses (Keras's `optimizer.learning_rate` after `count` steps)."""
    if not schedules:
        return tx

    def update(updates, state, params=None):
        updates, state = tx.update(updates, state, params)
        hyperparams = dict(state.hyperparams)
        for name, fn in schedules.items():
            hyperparams[name] = jnp.asarray(fn(state.count), jnp.float32)
        return updates, state._replace(hyperparams=hyperparams)

    return optax.GradientTransformation(tx.init, update)


def build(name: str, hyperparams: Optional[Mapping[str, Any]] = None, *,
          clipnorm: Optional[float] = None, clipvalue: Optional[float] = None,
          global_clipnorm: Optional[float] = None,
          weight_decay: Optional[float] = None) -> optax.GradientTransformation:
    """Builds a Keras optimizer as an optax transformation.

    Names and defaults (Keras 3): `sgd` (learning_rate=0.01, momentum=0.0,
    nesterov=False), `rmsprop` (0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
    centered=False), `adam` and `adamw` (0.001, beta_1=0.9, beta_2=0.999,
    epsilon=1e-7, amsgrad=False; adamw's weight_decay defaults to 0.004),
    `adagrad` (0.001, initial_accumulator_value=0.1, epsilon=1e-7), `adadelta`
    (0.001, rho=0.95, epsilon=1e-7), `adamax` and `nadam` (0.001, beta_1=0.9,
    beta_2=0.999, epsilon=1e-7), `lion` (0.001, beta_1=0.9, beta_2=0.99). The
    update formulas are in `lamina.core.optim_rules`.

    Each step does, in Keras's order: clip by each gradient's norm
    (`clipnorm`), by the global norm (`global_clipnorm`), by value
    (`clipvalue`); then the rule; then `w -= w*weight_decay*lr`. The learning
    rate of step `t` (0-based) is `learning_rate(t)` for a schedule.

    Args:
        name: the optimizer, case-insensitive (`"adam"`, `"SGD"`, ...).
        hyperparams: rule hyperparameters overriding the defaults;
            `learning_rate` may be a float or a callable `step -> lr` built
            from jnp ops.
        clipnorm: clip each gradient to this L2 norm.
        clipvalue: clip each gradient element to `[-clipvalue, clipvalue]`.
        global_clipnorm: clip all gradients together to this global norm.
        weight_decay: decoupled weight decay coefficient, for any optimizer.

    Returns:
        An `optax.GradientTransformation`; `update` needs `params` when
        weight decay is on. Its state is an `InjectStatefulHyperparamsState`.

    Raises:
        ValueError: unknown name or hyperparameter, both clipnorm and
            global_clipnorm, or an out-of-range value.
        TypeError: a hyperparameter of the wrong type.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = build("SGD", {"learning_rate": 0.1, "momentum": 0.9})
        >>> params = jnp.array([1.0])
        >>> state = tx.init(params)
        >>> updates, state = tx.update(jnp.array([2.0]), state, params)
        >>> updates, float(get_hyperparam(state, "learning_rate"))
        (Array([-0.2], dtype=float32), 0.1...)
    """
    key = _resolve(name)
    rule = RULES[key]
    hyperparams = dict(hyperparams or {})
    unknown = [k for k in hyperparams if k not in rule.defaults]
    if unknown:
        valid = sorted(rule.defaults)
        raise ValueError(f"Unknown hyperparameter(s) {unknown} for optimizer {key!r}. "
                         f"Valid ones are {valid}.{_close(unknown[0], valid)}")
    values = {**rule.defaults, **hyperparams}
    if clipnorm is not None and global_clipnorm is not None:
        raise ValueError(f"Only one of `clipnorm` and `global_clipnorm` can be set. "
                         f"Received: clipnorm={clipnorm}, global_clipnorm="
                         f"{global_clipnorm}. Keep one of them.")
    clips = {n: _real(n, v, allow_none=True) for n, v in
             (("clipnorm", clipnorm), ("global_clipnorm", global_clipnorm),
              ("clipvalue", clipvalue))}
    for n, v in clips.items():
        if v is not None and v < 0:
            raise ValueError(f"`{n}` must be >= 0, but received {n}={v}.")
    if key == "adamw" and weight_decay is None:
        weight_decay = 0.004
    numeric, flags, schedules = {}, {}, {}
    for k, v in values.items():
        if k in rule.flags:
            if not isinstance(v, (bool, np.bool_)):
                raise TypeError(f"Optimizer argument `{k}` must be True or False, but "
                                f"received {v!r} ({type(v).__name__}).")
            flags[k] = bool(v)
        elif k == "learning_rate" and callable(v):
            numeric[k] = schedules[k] = v
        else:
            numeric[k] = _real(k, v)
    if weight_decay is not None:
        numeric["weight_decay"] = _real("weight_decay", weight_decay)
    if key == "sgd" and not 0.0 <= numeric["momentum"] <= 1.0:
        raise ValueError(f"`momentum` must be a float in [0, 1], but received "
                         f"momentum={numeric['momentum']}.")
    if key == "sgd":
        flags["momentum_buffer"] = numeric["momentum"] != 0.0
    if key == "lion" and not 0.0 < numeric["beta_1"] <= 1.0:
        raise ValueError(f"`beta_1` must be in (0, 1]; otherwise Lion degenerates to "
                         f"SignSGD. Received: beta_1={numeric['beta_1']}.")

    def factory(**kw):
        decay = kw.pop("weight_decay", None)
        parts = []
        if clips["clipnorm"]:
            parts.append(clip_by_norm(clips["clipnorm"]))
        if clips["global_clipnorm"]:
            parts.append(clip_by_global_norm(clips["global_clipnorm"]))
        if clips["clipvalue"]:
            parts.append(optax.clip(clips["clipvalue"]))
        parts.append(rule.factory(**kw))
        if decay is not None:
            parts.append(decoupled_weight_decay(kw["learning_rate"], decay))
        return optax.chain(*parts)

    factory.__signature__ = inspect.Signature(
        [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY) for k in {**numeric, **flags}])
    tx = optax.inject_hyperparams(factory, hyperparam_dtype=jnp.float32)(**numeric, **flags)
    return _with_fresh_schedules(tx, schedules)


def _hyperparams(state: OptState) -> dict:
    if not hasattr(state, "hyperparams") or not hasattr(state, "hyperparams_states"):
        raise TypeError(f"Expected an optimizer state made by `lamina.core.optim.build`"
                        f"(...).init(params), but received {type(state).__name__}.")
    return state.hyperparams


def get_hyperparam(state: OptState, name: str) -> jax.Array:
    """Reads a hyperparameter (e.g. the current learning rate) from the state.

    Args:
        state: an optimizer state from `build(...).init(params)`.
        name: the hyperparameter, e.g. `"learning_rate"`, `"beta_1"`.

    Returns:
        A float32 scalar array. For a scheduled learning rate it is the value
        the next step will use.

    Raises:
        TypeError: `state` is not a state made by `build`.
        ValueError: unknown hyperparameter name.

    Example:
        >>> import jax.numpy as jnp
        >>> state = build("adam", {"learning_rate": 0.01}).init(jnp.zeros(2))
        >>> get_hyperparam(state, "learning_rate")
        Array(0.01, dtype=float32)
    """
    hyperparams = _hyperparams(state)
    if name not in hyperparams:
        valid = sorted(hyperparams)
        raise ValueError(f"The optimizer has no hyperparameter {name!r}. Valid ones "
                         f"are {valid}.{_close(name, valid)}")
    return hyperparams[name]


def set_hyperparam(state: OptState, name: str, value: Any) -> OptState:
    """Returns `state` with a hyperparameter replaced, keeping dtype and shape.

    Because the dtype and shape do not change, a compiled step that takes the
    state as an argument runs again without retracing.

    Args:
        state: an optimizer state from `build(...).init(params)`.
        name: the hyperparameter, e.g. `"learning_rate"`.
        value: the new value, a real scalar.

    Returns:
        A new state; the input is not modified.

    Raises:
        TypeError: the hyperparameter is driven by a schedule, or `value` is
            not a real scalar.
        ValueError: unknown hyperparameter name.

    Example:
        >>> import jax.numpy as jnp
        >>> state = build("sgd").init(jnp.zeros(2))
        >>> state = set_hyperparam(state, "learning_rate", 0.5)
        >>> get_hyperparam(state, "learning_rate")
        Array(0.5, dtype=float32)
    """
    old = get_hyperparam(state, name)
    if name in state.hyperparams_states:
        raise TypeError(f"The optimizer's `{name}` is controlled by a schedule, so it "
                        f"cannot be set. Build the optimizer with a float `{name}` to "
                        f"change it during training.")
    if not isinstance(value, jax.core.Tracer):
        value = _real(name, value)
    elif np.ndim(value) != 0:
        raise TypeError(f"`{name}` must be a scalar, but received shape {value.shape}.")
    hyperparams = dict(state.hyperparams)
    hyperparams[name] = jnp.asarray(value, dtype=old.dtype).reshape(old.shape)
    return state._replace(hyperparams=hyperparams)


def iterations(state: OptState) -> jax.Array:
    """The number of updates applied so far (Keras's `optimizer.iterations`).

    Args:
        state: an optimizer state from `build(...).init(params)`.

    Returns:
        An int32 scalar array.

    Raises:
        TypeError: `state` is not a state made by `build`.

    Example:
        >>> import jax.numpy as jnp
        >>> tx = build("sgd")
        >>> state = tx.init(jnp.zeros(1))
        >>> _, state = tx.update(jnp.ones(1), state, jnp.zeros(1))
        >>> iterations(state)
        Array(1, dtype=int32)
    """
    _hyperparams(state)
    return state.count
