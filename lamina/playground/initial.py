"""TensorFlow Playground's initial weights, drawn as its page draws them.

TensorFlow Playground seeds `Math.random` with the link's `seed`, draws the data
set, shuffles it (one draw per point), and then builds the network from the same
random stream: for each neuron of each layer in turn, one `Math.random() - 0.5`
per incoming link, so weights are uniform in [-0.5, 0.5]; every bias starts at
0.1. With `initZero` every weight and bias starts at 0. `lamina.datasets.playground`
ports that random stream bit for bit, so the same link starts from the same weights.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from lamina.datasets import playground as datasets

BIAS = 0.1


def draw(sizes: Sequence[int], *, dataset: str, noise: float, seed: str,
         zero: bool = False) -> list:
    """The first `(kernel, bias)` of each Dense layer, as float64 arrays.

    Args:
        sizes: the layer widths, inputs first and output last (`[2, 8, 8, 8, 1]`).
        dataset: the data set drawn before the weights (`spiral`, `reg-plane`, ...).
        noise: the noise slider (0 to 50).
        seed: the link's seed string.
        zero: TensorFlow Playground's `initZero`: all weights and biases 0.

    Returns:
        One `(kernel (n_in, n_out), bias (n_out,))` pair per layer after the inputs.

    Example:
        >>> [(k.shape, b.tolist()) for k, b in draw([2, 3, 1], dataset="xor", noise=0,
        ...                                          seed="0.5")]
        [((2, 3), [0.1, 0.1, 0.1]), ((3, 1), [0.1])]
    """
    pairs = [(int(a), int(b)) for a, b in zip(sizes[:-1], sizes[1:])]
    if zero:
        return [(np.zeros((a, b)), np.zeros(b)) for a, b in pairs]
    # The private names are the data module's own stream and generators: the weights
    # continue the stream exactly where `load_data` leaves it.
    rand = datasets._rng(seed)
    n = datasets.NUM_SAMPLES_REGRESS if dataset in datasets.REGRESSION \
        else datasets.NUM_SAMPLES_CLASSIFY
    points = datasets._DRAW[dataset](rand, n, noise / 100)
    for _ in points:  # the Fisher-Yates shuffle draws once per point
        rand()
    out = []
    for a, b in pairs:
        kernel = np.empty((a, b))
        for j in range(b):  # neuron by neuron, one draw per incoming link
            for i in range(a):
                kernel[i, j] = rand() - 0.5
        out.append((kernel, np.full(b, BIAS)))
    return out


def set_initial_weights(model: Any, *, dataset: str, noise: float, seed: str,
                        zero: bool = False) -> Any:
    """Give `model`'s Dense layers TensorFlow Playground's first weights (in place).

    Other layers (BatchNormalization) keep theirs.

    Returns:
        The model.

    Example:
        >>> import lamina as keras
        >>> model = keras.Sequential([keras.layers.Input((2,)), keras.layers.Dense(3),
        ...                           keras.layers.Dense(1)])
        >>> _ = set_initial_weights(model, dataset="xor", noise=0, seed="0.5")
        >>> model.layers[1].bias.numpy().tolist()
        [0.10000000149011612]
    """
    import lamina

    dense = [layer for layer in model.layers if isinstance(layer, lamina.layers.Dense)]
    sizes = [dense[0].kernel.shape[0]] + [layer.kernel.shape[1] for layer in dense]
    for layer, (kernel, bias) in zip(dense, draw(sizes, dataset=dataset, noise=noise,
                                                 seed=seed, zero=zero)):
        layer.kernel.assign(kernel.astype(np.float32))
        layer.bias.assign(bias.astype(np.float32))
    return model
