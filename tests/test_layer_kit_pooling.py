"""The pooling layers pass the layer kit and compute maxima and means of windows as
NumPy loops do."""
import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.testing import run_layer_test

NO_WEIGHTS = dict(expected_num_trainable_weights=0, expected_num_non_trainable_weights=0)
# name -> run_layer_test arguments (the layer class is keras.layers.<name>).
CASES = {
    "MaxPooling1D": dict(input_shape=(2, 5, 3), expected_output_shape=(2, 2, 3),
                         supports_masking=False, **NO_WEIGHTS),
    "MaxPooling2D": dict(init_kwargs={"pool_size": 3, "strides": 2, "padding": "same"},
                         input_shape=(2, 5, 6, 2), expected_output_shape=(2, 3, 3, 2),
                         supports_masking=False),
    "MaxPooling3D": dict(init_kwargs={"data_format": "channels_first"},
                         input_shape=(2, 2, 4, 4, 3), expected_output_shape=(2, 2, 2, 2, 1),
                         supports_masking=False),
    "AveragePooling1D": dict(init_kwargs={"pool_size": 2, "strides": 1},
                             input_shape=(2, 4, 3), expected_output_shape=(2, 3, 3),
                             supports_masking=False),
    "AveragePooling2D": dict(init_kwargs={"pool_size": (2, 3), "padding": "same"},
                             input_shape=(2, 5, 5, 2), expected_output_shape=(2, 3, 2, 2),
                             supports_masking=False),
    "AveragePooling3D": dict(input_shape=(2, 2, 2, 4, 1), expected_output_shape=(2, 1, 1, 2, 1),
                             supports_masking=False),
    "GlobalMaxPooling1D": dict(input_shape=(2, 5, 3), expected_output_shape=(2, 3),
                               supports_masking=False),
    "GlobalMaxPooling2D": dict(init_kwargs={"keepdims": True}, input_shape=(2, 3, 4, 2),
                               expected_output_shape=(2, 1, 1, 2), supports_masking=False),
    "GlobalMaxPooling3D": dict(input_shape=(2, 2, 3, 2, 4), expected_output_shape=(2, 4),
                               supports_masking=False),
    "GlobalAveragePooling1D": dict(input_shape=(2, 5, 3), expected_output_shape=(2, 3),
                                   supports_masking=True),
    "GlobalAveragePooling2D": dict(init_kwargs={"data_format": "channels_first"},
                                   input_shape=(2, 3, 4, 4), expected_output_shape=(2, 3),
                                   supports_masking=False),
    "GlobalAveragePooling3D": dict(init_kwargs={"keepdims": True},
                                   input_shape=(2, 2, 3, 2, 4),
                                   expected_output_shape=(2, 1, 1, 1, 4),
                                   supports_masking=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_passes_the_kit(name):
    layer = run_layer_test(getattr(layers, name), **CASES[name])
    assert layer.built
