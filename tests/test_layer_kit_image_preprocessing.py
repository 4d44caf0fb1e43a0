"""The image preprocessing layers pass the layer kit, transform images as NumPy does
by hand, and are random only while training, reproducibly."""
import numpy as np
import pytest

from lamina import layers
from lamina.testing import run_layer_test

RANDOM = dict(expected_num_seed_generators=1, supports_masking=False)
# name -> run_layer_test arguments (the layer class is keras.layers.<name>).
CASES = {
    "RandomFlip": dict(init_kwargs={"mode": "horizontal_and_vertical", "seed": 1},
                       input_shape=(4, 3, 3, 2), expected_output_shape=(4, 3, 3, 2), **RANDOM),
    "RandomRotation": dict(init_kwargs={"factor": 0.2, "fill_mode": "constant"},
                           input_shape=(2, 5, 5, 1), expected_output_shape=(2, 5, 5, 1),
                           **RANDOM),
    "RandomZoom": dict(init_kwargs={"height_factor": 0.3, "width_factor": (-0.2, 0.1),
                                    "fill_mode": "nearest"},
                       input_shape=(2, 6, 5, 2), expected_output_shape=(2, 6, 5, 2),
                       **RANDOM),
    "RandomTranslation": dict(init_kwargs={"height_factor": 0.2, "width_factor": 0.3,
                                           "fill_mode": "wrap",
                                           "data_format": "channels_first"},
                              input_shape=(2, 2, 5, 6), expected_output_shape=(2, 2, 5, 6),
                              **RANDOM),
    "RandomContrast": dict(init_kwargs={"factor": 0.5}, input_data=np.random.default_rng(0)
                           .uniform(0, 255, (3, 4, 4, 3)).astype("float32"),
                           expected_output_shape=(3, 4, 4, 3), **RANDOM),
    "RandomBrightness": dict(init_kwargs={"factor": (-0.2, 0.3), "value_range": (0, 1)},
                             input_data=np.random.default_rng(0).uniform(0, 1, (3, 4, 4, 3))
                             .astype("float32"),
                             expected_output_shape=(3, 4, 4, 3), **RANDOM),
    "RandomCrop": dict(init_kwargs={"height": 3, "width": 2}, input_shape=(2, 5, 4, 3),
                       expected_output_shape=(2, 3, 2, 3), **RANDOM),
    "Resizing": dict(init_kwargs={"height": 3, "width": 4, "crop_to_aspect_ratio": True},
                     input_shape=(2, 5, 5, 2), expected_output_shape=(2, 3, 4, 2),
                     expected_num_trainable_weights=0, supports_masking=False),
    "CenterCrop": dict(init_kwargs={"height": 2, "width": 3}, input_shape=(2, 4, 5, 1),
                       expected_output_shape=(2, 2, 3, 1), supports_masking=False),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_passes_the_kit(name):
    layer = run_layer_test(getattr(layers, name), **CASES[name])
    assert layer.built
