"""The hand-written JAX floor of `bench_cnn.py`: the same CNNs as pure functions, trained
with optax Adam, at every granularity and lowering the benchmark compares.

A model is a list of layer specs (`("conv", filters, kernel)`, `("bn",)`, `("pool",)`,
`("flatten",)`, `("dense", units, activation)`, `("dropout", rate)`); `init` draws
Keras's initial weights with NumPy, `make_forward(spec, conv)` returns the forward
function for one convolution lowering:

- `lax`: `lax.conv_general_dilated` and `lax.reduce_window` max pooling, with the
  gradients JAX derives for them (what a JAX user writes first);
- `canonical`: Lamina's pure functions `lamina.core.convolution.conv` (gradients that
  XLA:CPU runs fast inside a loop) and `lamina.core.pooling.max_pool` (an elementwise
  gradient instead of `select_and_scatter_add`);
- `patches`: the convolution as a matrix product of image patches (gathered by slicing,
  `kernel_size` slices per axis) with the kernel as a matrix; Lamina's max pooling.

`run_epochs` times one granularity: `"step"` (one jitted step per batch), `"epoch"`
(one `lax.scan` over the epoch's batches) or `"chunk<k>"` (scans of k steps).
"""
from __future__ import annotations

import time
from typing import Any, Callable

import numpy as np

import common

BN_MOMENTUM, BN_EPS = 0.99, 1e-3
LR, EPS = 1e-3, 1e-7  # Keras's Adam defaults


def init(spec: list, input_shape: tuple, seed: int) -> tuple[list, list]:
    """Keras's initial weights in Keras's order, and the shapes of the activations:
    conv/dense kernels glorot_uniform, biases zeros; BN gamma 1, beta 0, mean 0, var 1."""
    rng = np.random.default_rng(seed)
    weights: list[np.ndarray] = []
    shape = input_shape
    for layer in spec:
        kind = layer[0]
        if kind == "conv":
            _, filters, k = layer
            fan_in, fan_out = k * k * shape[-1], k * k * filters
            limit = np.sqrt(6.0 / (fan_in + fan_out))
            weights += [rng.uniform(-limit, limit, (k, k, shape[-1], filters)).astype(np.float32),
                        np.zeros(filters, np.float32)]
            shape = (shape[0] - k + 1, shape[1] - k + 1, filters)
        elif kind == "bn":
            c = shape[-1]
            weights += [np.ones(c, np.float32), np.zeros(c, np.float32),
                        np.zeros(c, np.float32), np.ones(c, np.float32)]
        elif kind == "pool":
            shape = (shape[0] // 2, shape[1] // 2, shape[2])
        elif kind == "flatten":
            shape = (int(np.prod(shape)),)
        elif kind == "dense":
            w, b = common.dense_init([shape[-1], layer[1]], int(rng.integers(1 << 30)))[0]
            weights += [w, b]
            shape = (layer[1],)
    return weights


def _patches_conv(x: Any, w: Any) -> Any:
    import jax.numpy as jnp

    kh, kw, cin, cout = w.shape
    ho, wo = x.shape[1] - kh + 1, x.shape[2] - kw + 1
    cols = jnp.concatenate([x[:, i:i + ho, j:j + wo, :] for i in range(kh) for j in range(kw)],
                           axis=-1)
    return cols @ w.reshape(kh * kw * cin, cout)


def conv_function(lowering: str) -> Callable:
    import jax.lax as lax

    from lamina.core import convolution

    if lowering == "lax":
        return lambda x, w: lax.conv_general_dilated(
            x, w, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC"))
    if lowering == "canonical":
        return lambda x, w: convolution.conv(x, w, (1, 1), "VALID")
    if lowering == "patches":
        return _patches_conv
    raise ValueError(lowering)


def make_forward(spec: list, lowering: str) -> Callable:
    """`forward(params, stats, x, key) -> (logits_softmax, new_stats)` in training mode."""
    import jax
    import jax.numpy as jnp
    from jax import lax

    from lamina.core import pooling

    conv = conv_function(lowering)

    def forward(params: list, stats: list, x: Any, key: Any) -> tuple:
        p, s, new_stats, h = 0, 0, [], x
        for i, layer in enumerate(spec):
            kind = layer[0]
            if kind == "conv":
                h = jax.nn.relu(conv(h, params[p]) + params[p + 1])
                p += 2
            elif kind == "bn":
                gamma, beta = params[p], params[p + 1]
                mm, mv = stats[s], stats[s + 1]
                axes = tuple(range(h.ndim - 1))
                mean, var = jnp.mean(h, axis=axes), jnp.var(h, axis=axes)
                h = (h - mean) * lax.rsqrt(var + BN_EPS) * gamma + beta
                new_stats += [BN_MOMENTUM * mm + (1 - BN_MOMENTUM) * mean,
                              BN_MOMENTUM * mv + (1 - BN_MOMENTUM) * var]
                p += 2
                s += 2
            elif kind == "pool" and lowering == "lax":
                h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
            elif kind == "pool":
                h = pooling.max_pool(h, (2, 2), (2, 2), "VALID")
            elif kind == "flatten":
                h = h.reshape(h.shape[0], -1)
            elif kind == "dense":
                h = h @ params[p] + params[p + 1]
                h = jax.nn.relu(h) if layer[2] == "relu" else jax.nn.softmax(h)
                p += 2
            elif kind == "dropout":
                rate = layer[1]
                keep = jax.random.bernoulli(jax.random.fold_in(key, i), 1 - rate, h.shape)
                h = jnp.where(keep, h / (1 - rate), 0.0)
        return h, new_stats

    return forward


def split_weights(spec: list, weights: list) -> tuple[list, list]:
    """Keras's weight order -> (trainable params, BN moving statistics)."""
    params, stats, i = [], [], 0
    for layer in spec:
        if layer[0] in ("conv", "dense"):
            params += weights[i:i + 2]
            i += 2
        elif layer[0] == "bn":
            params += weights[i:i + 2]
            stats += weights[i + 2:i + 4]
            i += 4
    return params, stats


def run_epochs(spec: list, weights: list, x_np: np.ndarray, y_np: np.ndarray, *,
               batch: int, epochs: int, granularity: str, lowering: str,
               seed: int = 0) -> common.Result:
    """Train for `epochs` and time each (logs on the host), at one granularity."""
    import jax
    import jax.numpy as jnp
    import optax

    forward = make_forward(spec, lowering)
    opt = optax.adam(LR, b1=0.9, b2=0.999, eps=EPS)
    params, stats = split_weights(spec, [jnp.asarray(w) for w in weights])
    opt_state = opt.init(params)
    x, y = jax.device_put(x_np), jax.device_put(y_np)
    n = len(x_np)
    steps = n // batch

    def step(carry: tuple, inputs: tuple) -> tuple:
        params, stats, opt_state = carry
        idx, key = inputs

        def loss_fn(params: list) -> tuple:
            probs, new_stats = forward(params, stats, x[idx], key)
            picked = jnp.take_along_axis(probs, y[idx][:, None], axis=1)[:, 0]
            loss = -jnp.mean(jnp.log(jnp.clip(picked, 1e-7, 1.0)))
            correct = jnp.sum(jnp.argmax(probs, axis=1) == y[idx])
            return loss, (new_stats, correct)

        (loss, (stats, correct)), grads = jax.value_and_grad(loss_fn, has_aux=True)(params)
        updates, opt_state = opt.update(grads, opt_state, params)
        return (optax.apply_updates(params, updates), stats, opt_state), (loss, correct)

    def scan(carry: tuple, order: Any, keys: Any) -> tuple:
        carry, (losses, correct) = jax.lax.scan(step, carry, (order, keys))
        return carry, jnp.sum(losses), jnp.sum(correct)

    one = jax.jit(step)
    many = jax.jit(scan)
    chunk = int(granularity[5:]) if granularity.startswith("chunk") else None
    base = jax.random.PRNGKey(seed)
    carry = (params, stats, opt_state)
    stamps, t0 = [], time.perf_counter()
    loss_sum = correct = 0.0
    for epoch in range(epochs):
        perm = common.host_permutation(seed, epoch, n)[:steps * batch].reshape(steps, batch)
        order = jax.device_put(perm)
        keys = jax.random.split(jax.random.fold_in(base, epoch), steps)
        if granularity == "step":
            totals = []
            for i in range(steps):
                carry, (loss, corr) = one(carry, (order[i], keys[i]))
                totals.append((loss, corr))
            loss_sum = float(sum(t[0] for t in totals))
            correct = float(sum(t[1] for t in totals))
        elif granularity == "epoch":
            carry, loss_sum, correct = many(carry, order, keys)
            loss_sum, correct = float(loss_sum), float(correct)
        else:
            totals = []
            for start in range(0, steps, chunk):
                carry, ls, cs = many(carry, order[start:start + chunk], keys[start:start + chunk])
                totals.append((ls, cs))
            loss_sum = float(sum(t[0] for t in totals))
            correct = float(sum(t[1] for t in totals))
        stamps.append(time.perf_counter())
    times = np.diff([t0] + stamps).tolist()
    return common.Result("", times, {"loss": loss_sum / steps,
                                     "accuracy": correct / (steps * batch)},
                         f"{granularity}, {lowering} convolution")
