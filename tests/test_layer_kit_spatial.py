"""Up-sampling, zero-padding, cropping and spatial dropout pass the layer kit and move
values where NumPy puts them."""
import pytest

from lamina import layers
from lamina.testing import run_layer_test

# name -> run_layer_test arguments (the layer class is keras.layers.<name>).
CASES = {
    "UpSampling1D": dict(init_kwargs={"size": 3}, input_shape=(2, 2, 3),
                         expected_output_shape=(2, 6, 3), supports_masking=False),
    "UpSampling2D": dict(init_kwargs={"size": (2, 3), "interpolation": "bilinear"},
                         input_shape=(2, 2, 2, 3), expected_output_shape=(2, 4, 6, 3),
                         supports_masking=False),
    "UpSampling3D": dict(init_kwargs={"data_format": "channels_first"},
                         input_shape=(2, 1, 2, 2, 2), expected_output_shape=(2, 1, 4, 4, 4),
                         supports_masking=False),
    "ZeroPadding1D": dict(init_kwargs={"padding": (1, 2)}, input_shape=(2, 3, 2),
                          expected_output_shape=(2, 6, 2), supports_masking=False),
    "ZeroPadding2D": dict(init_kwargs={"padding": ((1, 0), (0, 2))}, input_shape=(2, 2, 3, 2),
                          expected_output_shape=(2, 3, 5, 2), supports_masking=False),
    "ZeroPadding3D": dict(init_kwargs={"padding": 1, "data_format": "channels_first"},
                          input_shape=(2, 1, 2, 2, 2), expected_output_shape=(2, 1, 4, 4, 4),
                          supports_masking=False),
    "Cropping1D": dict(init_kwargs={"cropping": (1, 0)}, input_shape=(2, 4, 3),
                       expected_output_shape=(2, 3, 3), supports_masking=False),
    "Cropping2D": dict(init_kwargs={"cropping": ((1, 1), (0, 2))}, input_shape=(2, 4, 5, 2),
                       expected_output_shape=(2, 2, 3, 2), supports_masking=False),
    "Cropping3D": dict(init_kwargs={"data_format": "channels_first"},
                       input_shape=(2, 2, 3, 4, 5), expected_output_shape=(2, 2, 1, 2, 3),
                       supports_masking=False),
    "SpatialDropout1D": dict(init_kwargs={"rate": 0.5, "seed": 3}, input_shape=(2, 4, 3),
                             expected_output_shape=(2, 4, 3),
                             expected_num_seed_generators=1, supports_masking=True),
    "SpatialDropout2D": dict(init_kwargs={"rate": 0.5}, input_shape=(2, 3, 3, 4),
                             expected_output_shape=(2, 3, 3, 4),
                             expected_num_seed_generators=1, supports_masking=True),
    "SpatialDropout3D": dict(init_kwargs={"rate": 0.5, "data_format": "channels_first"},
                             input_shape=(2, 4, 2, 2, 2), expected_output_shape=(2, 4, 2, 2, 2),
                             expected_num_seed_generators=1, supports_masking=True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_passes_the_kit(name):
    layer = run_layer_test(getattr(layers, name), **CASES[name])
    assert layer.built
