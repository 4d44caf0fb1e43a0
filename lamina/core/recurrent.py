"""The time loop of every recurrent layer: a pure step function scanned over a sequence.

`scan(step, inputs, states, ...)` runs `step(x_t, states) -> (output_t, states)` over
the time axis of `inputs` with `lax.scan` (or a Python loop when unrolled), as Keras's
`backend.rnn` does:

- a masked step (mask False for that sample) leaves the states as they were and
  repeats the previous output (zeros before the first unmasked step), or outputs
  zeros with `zero_output_for_mask`;
- `go_backwards` runs from the last step to the first, and the outputs come back in
  that (reversed) order, as in Keras.

Everything here is a function of arrays; the layers in `lamina.layers.rnn` supply the
step.
"""
from __future__ import annotations

from typing import Any, Callable, NamedTuple

import jax
import jax.numpy as jnp
from jax import lax

Array = Any
PyTree = Any
Step = Callable[[PyTree, list], tuple]


class ScanResult(NamedTuple):
    """What `scan` returns.

    Attributes:
        last_output: the output of the last step run, `(batch, ...)`.
        outputs: every step's output, `(batch, time, ...)` in the order run, or None
            when not asked for.
        states: the final states, a list like the initial ones.
    """

    last_output: Array
    outputs: Array | None
    states: list


def _time_major(tree: PyTree) -> PyTree:
    return jax.tree.map(lambda a: jnp.swapaxes(a, 0, 1), tree)


def _where(keep: Array, new: PyTree, old: PyTree) -> PyTree:
    """`new` where `keep` (shape `(batch,)`) holds, else `old`, leaf by leaf."""
    def pick(n: Array, o: Array) -> Array:
        k = keep.reshape(keep.shape + (1,) * (n.ndim - 1))
        return jnp.where(k, n, o)
    return jax.tree.map(pick, new, old)


def scan(step: Step, inputs: PyTree, states: list, *, mask: Array | None = None,
         go_backwards: bool = False, unroll: bool = False,
         zero_output_for_mask: bool = False, return_sequences: bool = True,
         time_major: bool = False,
         output_state: Callable[[list], Array] | None = None) -> ScanResult:
    """Run `step` over the time axis of `inputs`.

    Args:
        step: `step(x_t, states) -> (output_t, new_states)`, with `x_t` one time
            slice of `inputs` (`(batch, ...)`) and `states` a list of arrays.
        inputs: an array (or a pytree of arrays) of shape `(batch, time, ...)`, or
            `(time, batch, ...)` with `time_major`.
        states: the initial states, a list of `(batch, ...)` arrays.
        mask: an optional boolean `(batch, time)` array; False skips that step for
            that sample.
        go_backwards: run from the last step to the first.
        unroll: a Python loop of `time` steps instead of `lax.scan` (faster for
            short sequences, larger programs).
        zero_output_for_mask: masked steps output zeros instead of repeating the
            previous output.
        return_sequences: also return every step's output.
        time_major: `inputs` are `(time, batch, ...)`; the outputs stay batch-major.
        output_state: for a step whose output is one of its states (an LSTM's `h`),
            the function that picks it from the states. The output is then not
            carried separately: a masked step repeats that state of the step before,
            as Keras 3 does (without it, a masked step repeats the last output, zeros
            before the first step).

    Returns:
        A `ScanResult(last_output, outputs, states)`.

    Example:
        >>> import numpy as np
        >>> def running_sum(x, states):
        ...     total = states[0] + x
        ...     return total, [total]
        >>> x = np.arange(6, dtype=np.float32).reshape(1, 3, 2)
        >>> out = scan(running_sum, x, [np.zeros((1, 2), np.float32)],
        ...            mask=np.array([[True, False, True]]))
        >>> out.outputs.tolist(), out.states[0].tolist()
        ([[[0.0, 1.0], [0.0, 1.0], [4.0, 6.0]]], [[4.0, 6.0]])
    """
    xs = inputs if time_major else _time_major(inputs)
    ms = None if mask is None else jnp.swapaxes(jnp.asarray(mask, bool), 0, 1)
    if go_backwards:
        xs = jax.tree.map(lambda a: jnp.flip(a, 0), xs)
        ms = None if ms is None else jnp.flip(ms, 0)
    states = list(states)
    if output_state is None:
        first = jax.tree.map(lambda a: a[0], xs)
        out_shape = jax.eval_shape(lambda x, s: step(x, s)[0], first, states)
        carry: Any = (states, jax.tree.map(lambda s: jnp.zeros(s.shape, s.dtype), out_shape))
    else:
        carry = states

    def body(carry: Any, slice_t: tuple) -> tuple:
        if output_state is None:
            prev_states, prev_out = carry
        else:
            prev_states = carry
        x_t, m_t = slice_t
        out, new_states = step(x_t, prev_states)
        new_states = list(new_states)
        if m_t is not None:
            new_states = _where(m_t, new_states, prev_states)
            if zero_output_for_mask:
                held = jax.tree.map(jnp.zeros_like, out)
            else:
                held = prev_out if output_state is None else output_state(prev_states)
            out = _where(m_t, out, held)
        ys = out if return_sequences else None
        return ((new_states, out) if output_state is None else new_states), ys

    if unroll:
        steps = jax.tree.leaves(xs)[0].shape[0]
        outs = []
        for t in range(steps):
            x_t = jax.tree.map(lambda a, t=t: a[t], xs)
            carry, y = body(carry, (x_t, None if ms is None else ms[t]))
            outs.append(y)
        ys = jax.tree.map(lambda *a: jnp.stack(a), *outs) if return_sequences else None
    else:
        carry, ys = lax.scan(body, carry, (xs, ms))
    if output_state is None:
        final_states, last = carry
    else:
        final_states = carry
        last = jax.tree.map(lambda a: a[-1], ys) if return_sequences \
            else output_state(final_states)
    outputs = _time_major(ys) if return_sequences else None
    return ScanResult(last, outputs, final_states)
