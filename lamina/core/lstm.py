"""The time loop of a standard LSTM (tanh, sigmoid gates) with its gradient by hand.

`sequence(z, recurrent_kernel, h0, c0)` runs the recurrence of an LSTM over inputs
already projected (`z = x @ kernel + bias` for every step, Keras's gate order i, f,
c, o) and returns every `h` and the final `h, c`, as cuDNN's LSTM does. Its gradient
is written out (a `jax.custom_vjp`) instead of derived by JAX from the loop:

- the forward loop keeps the activated gates and the cell states it computed, so the
  backward loop recomputes nothing but `tanh(c)`;
- the backward loop carries only `(dh, dc)` and runs one matrix product a step
  (`dz_t @ recurrent_kernel.T`); the recurrent kernel's gradient is one product over
  all steps after the loop, where JAX's derived loop accumulated it step by step.

On XLA:CPU (2 cores, benchmarks/RESULTS.md, "LSTM training and predict overhead"), a
hand-written JAX forecaster (LSTM 32 -> LSTM 32) trained 1.25x faster with this
gradient than with JAX's; Lamina's forecaster, whose generic loop was already leaner,
about 1.07x faster; the text model (LSTM 10 over 200 steps) showed no difference
beyond the noise.

Both loops activate whole rows: one `sigmoid` over the `(batch, 4 * units)` gate
vector, with the candidate's `tanh(x)` taken as `2 * sigmoid(2 * x) - 1` (the row is
scaled by 2 on the candidate's quarter before and after), and the backward step builds
the gates' gradient as one row product instead of four slices joined. XLA:CPU compiles
a transcendental over column slices of a row into much slower code than over the whole
row: without a gradient the loop ran 2-2.6x faster for 10-64 units, and a training
step (forward and backward) about 1.15x faster at 32 units (RESULTS.md, "The LSTM loop
without a gradient" and "LSTM training with whole-row gates"). The results differ from
the per-gate form by float32 rounding only.
"""
from __future__ import annotations

from typing import Any

import jax
import jax.numpy as jnp
from jax import lax

Array = Any


def _gate_scale(units: int, dtype: Any) -> tuple:
    """`(scale, shift)` turning one `sigmoid` of a gate row into i, f, tanh(c~), o."""
    scale = jnp.where(jnp.arange(4 * units) // units == 2, 2.0, 1.0).astype(dtype)
    return scale, scale - 1


def _forward(z: Array, recurrent_kernel: Array, h0: Array, c0: Array,
             keep: bool = True) -> tuple:
    """The loop; with `keep`, also every step's `c` and activated gates."""
    units = h0.shape[-1]
    scale, shift = _gate_scale(units, z.dtype)

    def step(carry: tuple, z_t: Array) -> tuple:
        h, c = carry
        gates = jax.nn.sigmoid((z_t + h @ recurrent_kernel) * scale) * scale - shift
        i, f = gates[:, :units], gates[:, units:2 * units]
        g, o = gates[:, 2 * units:3 * units], gates[:, 3 * units:]
        c = f * c + i * g
        h = o * jnp.tanh(c)
        return (h, c), ((h, c, gates) if keep else h)

    (h, c), kept = lax.scan(step, (h0, c0), z)
    if not keep:
        return kept, h, c
    hs, cs, gates = kept
    return hs, h, c, cs, gates


@jax.custom_vjp
def sequence(z: Array, recurrent_kernel: Array, h0: Array, c0: Array) -> tuple:
    """Run a standard LSTM's recurrence over the time-major projected inputs `z`.

    Args:
        z: `(time, batch, 4 * units)`, the inputs' part of the gates (bias included),
            in Keras's order i, f, c, o.
        recurrent_kernel: `(units, 4 * units)`.
        h0, c0: the initial states, `(batch, units)` each.

    Returns:
        `(hs, h, c)`: every step's `h` `(time, batch, units)`, and the final states.

    Example:
        >>> import numpy as np
        >>> z = np.zeros((3, 1, 4), np.float32)  # one unit, gates all at 0
        >>> hs, h, c = sequence(z, np.zeros((1, 4), np.float32), np.zeros((1, 1)),
        ...                     np.ones((1, 1)))
        >>> hs.shape, round(float(c[0, 0]), 4)  # c halves each step: 0.5 ** 3
        ((3, 1, 1), 0.125)
    """
    return _forward(z, recurrent_kernel, jnp.asarray(h0, z.dtype),
                    jnp.asarray(c0, z.dtype), keep=False)


def _sequence_fwd(z: Array, recurrent_kernel: Array, h0: Array, c0: Array) -> tuple:
    h0, c0 = jnp.asarray(h0, z.dtype), jnp.asarray(c0, z.dtype)
    hs, h, c, cs, gates = _forward(z, recurrent_kernel, h0, c0)
    return (hs, h, c), (recurrent_kernel, h0, c0, hs, cs, gates)


def _sequence_bwd(saved: tuple, cotangents: tuple) -> tuple:
    recurrent_kernel, h0, c0, hs, cs, gates = saved
    d_hs, d_h, d_c = cotangents
    units = h0.shape[-1]
    c_prev = jnp.concatenate([c0[None], cs[:-1]], 0)
    h_prev = jnp.concatenate([h0[None], hs[:-1]], 0)
    kernel_t = recurrent_kernel.T
    is_candidate = jnp.arange(4 * units) // units == 2

    def step(carry: tuple, slices: tuple) -> tuple:
        dh, dc = carry
        dh_t, c_t, c_before, g4 = slices
        i, f, g, o = (g4[:, :units], g4[:, units:2 * units], g4[:, 2 * units:3 * units],
                      g4[:, 3 * units:])
        dh = dh + dh_t
        tanh_c = jnp.tanh(c_t)
        dc = dc + dh * o * (1 - tanh_c * tanh_c)
        # d gate / d pre-activation, times what each gate multiplies, times dc or dh.
        slope = jnp.where(is_candidate, 1 - g4 * g4, g4 * (1 - g4))
        partner = jnp.concatenate([g, c_before, i, tanh_c], -1)
        upstream = jnp.concatenate([dc, dc, dc, dh], -1)
        dz = upstream * partner * slope
        return (dz @ kernel_t, dc * f), dz

    (dh0, dc0), dz = lax.scan(step, (d_h, d_c), (d_hs, cs, c_prev, gates), reverse=True)
    # One product over all steps, with (time, batch) flattened into one contracted axis:
    # the einsum form contracted two axes, which XLA:CPU fed by transposing both.
    d_kernel = lax.dot_general(h_prev.reshape(-1, units), dz.reshape(-1, 4 * units),
                               (((0,), (0,)), ((), ())))
    return dz, d_kernel, dh0, dc0


sequence.defvjp(_sequence_fwd, _sequence_bwd)
