"""The hand-written JAX floor's LSTM loop with its gradient written out (as cuDNN-style
implementations do): the forward loop keeps the gates and cell states, the backward
loop carries `(dh, dc)` with one matrix product a step, and the recurrent kernel's
gradient is one product over all steps. Independent of Lamina's code on purpose: the
floor is what a careful user would write in JAX alone."""
from __future__ import annotations

import jax
import jax.numpy as jnp


def _loop(z, kernel, h0, c0):
    u = h0.shape[-1]

    def step(carry, z_t):
        h, c = carry
        a = z_t + h @ kernel
        i, f = jax.nn.sigmoid(a[:, :u]), jax.nn.sigmoid(a[:, u:2 * u])
        g, o = jnp.tanh(a[:, 2 * u:3 * u]), jax.nn.sigmoid(a[:, 3 * u:])
        c = f * c + i * g
        h = o * jnp.tanh(c)
        return (h, c), (h, c, jnp.concatenate([i, f, g, o], -1))

    (h, c), (hs, cs, gates) = jax.lax.scan(step, (h0, c0), z)
    return hs, h, c, cs, gates


@jax.custom_vjp
def lstm_time_major(z, kernel, h0, c0):
    """`z` (time, batch, 4 units) -> (every h, last h, last c)."""
    return _loop(z, kernel, h0, c0)[:3]


def _fwd(z, kernel, h0, c0):
    hs, h, c, cs, gates = _loop(z, kernel, h0, c0)
    return (hs, h, c), (kernel, h0, c0, hs, cs, gates)


def _bwd(saved, cts):
    kernel, h0, c0, hs, cs, gates = saved
    d_hs, d_h, d_c = cts
    u = h0.shape[-1]
    c_prev = jnp.concatenate([c0[None], cs[:-1]], 0)
    h_prev = jnp.concatenate([h0[None], hs[:-1]], 0)

    def step(carry, xs):
        dh, dc = carry
        dh_t, c_t, cp, g4 = xs
        i, f, g, o = g4[:, :u], g4[:, u:2 * u], g4[:, 2 * u:3 * u], g4[:, 3 * u:]
        dh = dh + dh_t
        tc = jnp.tanh(c_t)
        dc = dc + dh * o * (1 - tc * tc)
        dz = jnp.concatenate([dc * g * i * (1 - i), dc * cp * f * (1 - f),
                              dc * i * (1 - g * g), dh * tc * o * (1 - o)], -1)
        return (dz @ kernel.T, dc * f), dz

    (dh0, dc0), dz = jax.lax.scan(step, (d_h, d_c), (d_hs, cs, c_prev, gates), reverse=True)
    return dz, jnp.einsum("tbu,tbk->uk", h_prev, dz), dh0, dc0


lstm_time_major.defvjp(_fwd, _bwd)
