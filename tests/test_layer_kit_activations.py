"""The activation layers pass the layer kit."""
import pytest

from lamina import layers
from lamina.testing import run_layer_test

CASES = {
    "ReLU": dict(init_kwargs={"max_value": 6.0, "negative_slope": 0.1, "threshold": 0.5},
                 input_shape=(2, 4), expected_output_shape=(2, 4), supports_masking=True),
    "LeakyReLU": dict(init_kwargs={"negative_slope": 0.2}, input_shape=(2, 4),
                      expected_output_shape=(2, 4), supports_masking=True),
    "ELU": dict(init_kwargs={"alpha": 0.5}, input_shape=(2, 4), expected_output_shape=(2, 4),
                supports_masking=True),
    "ThresholdedReLU": dict(init_kwargs={"theta": 0.5}, input_shape=(2, 4),
                            expected_output_shape=(2, 4), supports_masking=True),
    "Softmax": dict(init_kwargs={"axis": -1}, input_shape=(2, 3, 4),
                    expected_output_shape=(2, 3, 4), supports_masking=True,
                    expected_mask_shape=(2, 3)),
    "PReLU": dict(init_kwargs={"alpha_initializer": "random_uniform", "shared_axes": [1]},
                  input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
                  expected_num_trainable_weights=1, supports_masking=True),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_activation_layer_passes_the_kit(name):
    assert run_layer_test(getattr(layers, name), **CASES[name]).built
