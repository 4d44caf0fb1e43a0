"""Keras's optimizer update rules as optax transformations.

Each rule is a factory `rule(learning_rate, **hyperparams) -> GradientTransformation`
whose `update` returns the value *added* to the parameters (the sign is already
applied), because several Keras rules put the learning rate inside their
accumulators (SGD and RMSprop momentum) and so cannot be written as optax's
"direction, then scale by -lr". Hyperparameters arrive as arrays (they live in
the optimizer state, see `lamina.core.optim.build`) and are cast to each
gradient's dtype, as Keras casts them to each variable's dtype. `t` below is the
1-based step number (Keras's `iterations + 1`).

`RULES` maps each Keras optimizer name to its factory, default hyperparameters
and boolean flags; `lamina.core.optim` is the public entry point.

Example:
    >>> import jax.numpy as jnp
    >>> rule = RULES["sgd"]
    >>> sorted(rule.defaults.items())
    [('learning_rate', 0.01), ('momentum', 0.0), ('nesterov', False)]
    >>> tx = rule.factory(learning_rate=0.1, momentum=0.0, nesterov=False)
    >>> updates, _ = tx.update(jnp.array([2.0]), tx.init(jnp.array([1.0])))
    >>> updates
    Array([-0.2], dtype=float32)
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
import optax

_map = jax.tree.map


def _c(value: Any, like: jax.Array) -> jax.Array:
    """`value` cast to the dtype of `like`."""
    return jnp.asarray(value).astype(like.dtype)


def _zeros(params: Any) -> Any:
    return _map(jnp.zeros_like, params)


def _step(count: jax.Array, like: jax.Array) -> jax.Array:
    return (count + 1).astype(like.dtype)


class MomentumState(NamedTuple):
    """State of SGD and Lion: one momentum buffer per parameter."""

    momentum: Any


class RMSpropState(NamedTuple):
    """State of RMSprop; `average_gradient` is `()` unless `centered`."""

    velocity: Any
    momentum: Any
    average_gradient: Any


class AdamState(NamedTuple):
    """State of Adam/AdamW; `velocity_hat` is `()` unless `amsgrad`."""

    count: jax.Array
    momentum: Any
    velocity: Any
    velocity_hat: Any


class AdagradState(NamedTuple):
    """State of Adagrad: the running sum of squared gradients."""

    accumulator: Any


class AdadeltaState(NamedTuple):
    """State of Adadelta: running averages of squared gradients and deltas."""

    accumulated_grad: Any
    accumulated_delta_var: Any


class AdamaxState(NamedTuple):
    """State of Adamax: first moment and exponentially weighted infinity norm."""

    count: jax.Array
    momentum: Any
    norm: Any


class NadamState(NamedTuple):
    """State of Nadam; `u_product` is the running product of momentum factors."""

    count: jax.Array
    u_product: jax.Array
    momentum: Any
    velocity: Any


def _sgd(learning_rate, momentum, nesterov: bool,
         momentum_buffer: bool = True) -> optax.GradientTransformation:
    """SGD: `m = momentum*m - lr*g`; `w += m`, or with `nesterov`
    `w += momentum*m - lr*g` (with `momentum=0` both are `w -= lr*g`).

    As in Keras, an optimizer built with `momentum=0` keeps no momentum buffer
    (`momentum_buffer=False`): plain `w -= lr*g`, and a momentum set later has no effect.
    """
    if not momentum_buffer:
        def plain(grads, state, params=None):
            del params
            return _map(lambda g: -_c(learning_rate, g) * g, grads), state

        return optax.GradientTransformation(lambda p: optax.EmptyState(), plain)

    def update(grads, state, params=None):
        del params
        m = _map(lambda g, m: _c(momentum, g) * m - _c(learning_rate, g) * g,
                 grads, state.momentum)
        if nesterov:
            updates = _map(lambda g, m: _c(momentum, g) * m - _c(learning_rate, g) * g,
                           grads, m)
        else:
            updates = m
        return updates, MomentumState(m)

    return optax.GradientTransformation(lambda p: MomentumState(_zeros(p)), update)


def _rmsprop(learning_rate, rho, momentum, epsilon, centered: bool):
    """RMSprop: `v = rho*v + (1-rho)*g^2`; `inc = lr*g/sqrt(v + eps)` (centered:
    `a = rho*a + (1-rho)*g`, `inc = lr*g/sqrt(v - a^2 + eps)`);
    `mom = momentum*mom + inc`; `w -= mom` (with `momentum=0`, `w -= inc`)."""

    def init(params):
        return RMSpropState(_zeros(params), _zeros(params),
                            _zeros(params) if centered else ())

    def update(grads, state, params=None):
        del params
        v = _map(lambda g, v: _c(rho, g) * v + (1 - _c(rho, g)) * g * g,
                 grads, state.velocity)
        if centered:
            a = _map(lambda g, a: _c(rho, g) * a + (1 - _c(rho, g)) * g,
                     grads, state.average_gradient)
            denom = _map(lambda g, v, a: v - a * a + _c(epsilon, g), grads, v, a)
        else:
            a = ()
            denom = _map(lambda g, v: v + _c(epsilon, g), grads, v)
        mom = _map(lambda g, d, mo: _c(momentum, g) * mo
                   + _c(learning_rate, g) * g / jnp.sqrt(d),
                   grads, denom, state.momentum)
        return _map(jnp.negative, mom), RMSpropState(v, mom, a)

    return optax.GradientTransformation(init, update)


def _adam(learning_rate, beta_1, beta_2, epsilon, amsgrad: bool):
    """Adam: `m += (g-m)*(1-b1)`; `v += (g^2-v)*(1-b2)` (amsgrad:
    `v = v_hat = max(v_hat, v)`); `lr_t = lr*sqrt(1-b2^t)/(1-b1^t)`;
    `w -= lr_t*m/(sqrt(v) + eps)`."""

    def init(params):
        return AdamState(jnp.zeros([], jnp.int32), _zeros(params), _zeros(params),
                         _zeros(params) if amsgrad else ())

    def update(grads, state, params=None):
        del params
        m = _map(lambda g, m: m + (g - m) * (1 - _c(beta_1, g)), grads, state.momentum)
        v = _map(lambda g, v: v + (g * g - v) * (1 - _c(beta_2, g)), grads, state.velocity)
        v_hat = _map(jnp.maximum, state.velocity_hat, v) if amsgrad else ()
        denom_v = v_hat if amsgrad else v

        def leaf(g, m, v):
            t = _step(state.count, g)
            alpha = (_c(learning_rate, g) * jnp.sqrt(1 - _c(beta_2, g) ** t)
                     / (1 - _c(beta_1, g) ** t))
            return -(m * alpha) / (jnp.sqrt(v) + _c(epsilon, g))

        updates = _map(leaf, grads, m, denom_v)
        return updates, AdamState(optax.safe_increment(state.count), m, v, v_hat)

    return optax.GradientTransformation(init, update)


def _adagrad(learning_rate, initial_accumulator_value, epsilon):
    """Adagrad: `acc += g^2` (starting at `initial_accumulator_value`);
    `w -= lr*g/sqrt(acc + eps)`."""

    def init(params):
        return AdagradState(_map(
            lambda p: jnp.full_like(p, initial_accumulator_value), params))

    def update(grads, state, params=None):
        del params
        acc = _map(lambda g, a: a + g * g, grads, state.accumulator)
        updates = _map(lambda g, a: -_c(learning_rate, g) * g / jnp.sqrt(a + _c(epsilon, g)),
                       grads, acc)
        return updates, AdagradState(acc)

    return optax.GradientTransformation(init, update)


def _adadelta(learning_rate, rho, epsilon):
    """Adadelta: `Eg = rho*Eg + (1-rho)*g^2`;
    `d = -sqrt(Ex + eps)*g/sqrt(Eg + eps)`; `Ex = rho*Ex + (1-rho)*d^2`;
    `w += lr*d`."""

    def init(params):
        return AdadeltaState(_zeros(params), _zeros(params))

    def update(grads, state, params=None):
        del params
        eg = _map(lambda g, e: _c(rho, g) * e + (1 - _c(rho, g)) * g * g,
                  grads, state.accumulated_grad)
        delta = _map(lambda g, e, x: -jnp.sqrt(x + _c(epsilon, g)) * g
                     / jnp.sqrt(e + _c(epsilon, g)),
                     grads, eg, state.accumulated_delta_var)
        ex = _map(lambda g, x, d: _c(rho, g) * x + (1 - _c(rho, g)) * d * d,
                  grads, state.accumulated_delta_var, delta)
        updates = _map(lambda g, d: _c(learning_rate, g) * d, grads, delta)
        return updates, AdadeltaState(eg, ex)

    return optax.GradientTransformation(init, update)


def _adamax(learning_rate, beta_1, beta_2, epsilon):
    """Adamax: `m += (g-m)*(1-b1)`; `u = max(b2*u, |g|)`;
    `w -= lr*m/((1-b1^t)*(u + eps))`."""

    def init(params):
        return AdamaxState(jnp.zeros([], jnp.int32), _zeros(params), _zeros(params))

    def update(grads, state, params=None):
        del params
        m = _map(lambda g, m: m + (g - m) * (1 - _c(beta_1, g)), grads, state.momentum)
        u = _map(lambda g, u: jnp.maximum(_c(beta_2, g) * u, jnp.abs(g)), grads, state.norm)

        def leaf(g, m, u):
            b1_power = _c(beta_1, g) ** _step(state.count, g)
            return -(_c(learning_rate, g) * m) / ((1 - b1_power) * (u + _c(epsilon, g)))

        updates = _map(leaf, grads, m, u)
        return updates, AdamaxState(optax.safe_increment(state.count), m, u)

    return optax.GradientTransformation(init, update)


def _nadam(learning_rate, beta_1, beta_2, epsilon):
    """Nadam (Dozat): `u_t = b1*(1 - 0.5*0.96^t)`, `u_{t+1}` likewise,
    `P_t = P_{t-1}*u_t` (the stored `u_product`); `m += (g-m)*(1-b1)`;
    `v += (g^2-v)*(1-b2)`; `m_hat = u_{t+1}*m/(1 - P_t*u_{t+1}) + (1-u_t)*g/(1-P_t)`;
    `v_hat = v/(1-b2^t)`; `w -= lr*m_hat/(sqrt(v_hat) + eps)`."""

    def init(params):
        return NadamState(jnp.zeros([], jnp.int32), jnp.ones([], jnp.float32),
                          _zeros(params), _zeros(params))

    def update(grads, state, params=None):
        del params
        t = (state.count + 1).astype(jnp.float32)
        u_product = state.u_product * beta_1 * (1.0 - 0.5 * 0.96 ** t)
        m = _map(lambda g, m: m + (g - m) * (1 - _c(beta_1, g)), grads, state.momentum)
        v = _map(lambda g, v: v + (g * g - v) * (1 - _c(beta_2, g)), grads, state.velocity)

        def leaf(g, m, v):
            t_g, b1 = _step(state.count, g), _c(beta_1, g)
            u_t = b1 * (1.0 - 0.5 * _c(0.96, g) ** t_g)
            u_t1 = b1 * (1.0 - 0.5 * _c(0.96, g) ** (t_g + 1))
            p_t = _c(u_product, g)
            m_hat = u_t1 * m / (1 - p_t * u_t1) + (1 - u_t) * g / (1 - p_t)
            v_hat = v / (1 - _c(beta_2, g) ** t_g)
            return -(m_hat * _c(learning_rate, g)) / (jnp.sqrt(v_hat) + _c(epsilon, g))

        updates = _map(leaf, grads, m, v)
        return updates, NadamState(optax.safe_increment(state.count), u_product, m, v)

    return optax.GradientTransformation(init, update)


def _lion(learning_rate, beta_1, beta_2):
    """Lion: `w -= lr*sign(b1*m + (1-b1)*g)`; then `m = b2*m + (1-b2)*g`."""

    def update(grads, state, params=None):
        del params
        updates = _map(lambda g, m: -_c(learning_rate, g) * jnp.sign(
            _c(beta_1, g) * m + (1 - _c(beta_1, g)) * g), grads, state.momentum)
        m = _map(lambda g, m: _c(beta_2, g) * m + (1 - _c(beta_2, g)) * g,
                 grads, state.momentum)
        return updates, MomentumState(m)

    return optax.GradientTransformation(lambda p: MomentumState(_zeros(p)), update)


class Rule(NamedTuple):
    """One Keras optimizer: its factory, default hyperparameters, boolean flags."""

    factory: Callable[..., optax.GradientTransformation]
    defaults: dict
    flags: tuple


_ADAM_DEFAULTS = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                  "epsilon": 1e-7, "amsgrad": False}

RULES: dict[str, Rule] = {
    "sgd": Rule(_sgd, {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
                ("nesterov",)),
    "rmsprop": Rule(_rmsprop, {"learning_rate": 0.001, "rho": 0.9, "momentum": 0.0,
                               "epsilon": 1e-7, "centered": False}, ("centered",)),
    "adam": Rule(_adam, dict(_ADAM_DEFAULTS), ("amsgrad",)),
    "adamw": Rule(_adam, dict(_ADAM_DEFAULTS), ("amsgrad",)),
    "adagrad": Rule(_adagrad, {"learning_rate": 0.001, "initial_accumulator_value": 0.1,
                               "epsilon": 1e-7}, ()),
    "adadelta": Rule(_adadelta, {"learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7}, ()),
    "adamax": Rule(_adamax, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                             "epsilon": 1e-7}, ()),
    "nadam": Rule(_nadam, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999,
                           "epsilon": 1e-7}, ()),
    "lion": Rule(_lion, {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.99}, ()),
}
