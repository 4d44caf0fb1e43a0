"""Every exported layer passes `lamina.testing.run_layer_test`; the kit itself catches
broken layers.

Each family of layers lists its cases in a `CASES` dict of its own test module named
`test_layer_kit*.py` (this one holds the core layers); the completeness test gathers
them all.
"""
import importlib
import pathlib

import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import layers
from lamina.testing import run_layer_test


def cube(x):
    return x ** 3


# name -> run_layer_test arguments (the layer class is keras.layers.<name>).
CASES = {
    "Activation": dict(init_kwargs={"activation": "relu"}, input_shape=(2, 4),
                       expected_output_shape=(2, 4), expected_num_trainable_weights=0,
                       supports_masking=True),
    "ActivityRegularization": dict(init_kwargs={"l1": 0.1}, input_shape=(2, 4),
                                   expected_output_shape=(2, 4), expected_num_losses=1,
                                   supports_masking=True),
    "Add": dict(input_shape=[(2, 3, 4), (2, 3, 4)], expected_output_shape=(2, 3, 4),
                supports_masking=True, expected_mask_shape=(2, 3)),
    "AlphaDropout": dict(init_kwargs={"rate": 0.2, "seed": 1}, input_shape=(2, 4),
                         expected_output_shape=(2, 4), expected_num_seed_generators=1,
                         supports_masking=True),
    "Average": dict(input_shape=[(2, 4), (2, 4)], expected_output_shape=(2, 4),
                    supports_masking=True),
    "BatchNormalization": dict(init_kwargs={"momentum": 0.5}, input_shape=(4, 3),
                               expected_output_shape=(4, 3),
                               expected_num_trainable_weights=2,
                               expected_num_non_trainable_weights=2, supports_masking=True),
    "Concatenate": dict(init_kwargs={"axis": -1}, input_shape=[(2, 3, 4), (2, 3, 2)],
                        expected_output_shape=(2, 3, 6), supports_masking=True,
                        expected_mask_shape=(2, 3)),
    "Dense": dict(init_kwargs={"units": 3, "activation": "sigmoid"}, input_shape=(2, 4),
                  expected_output_shape=(2, 3), expected_num_trainable_weights=2,
                  expected_num_non_trainable_weights=0, supports_masking=True),
    "Dot": dict(init_kwargs={"axes": 1}, input_shape=[(2, 4), (2, 4)],
                expected_output_shape=(2, 1), supports_masking=True),
    "Dropout": dict(init_kwargs={"rate": 0.5}, input_shape=(2, 4),
                    expected_output_shape=(2, 4), expected_num_seed_generators=1,
                    supports_masking=True),
    "Flatten": dict(input_shape=(2, 3, 2), expected_output_shape=(2, 6),
                    supports_masking=False),
    "GaussianDropout": dict(init_kwargs={"rate": 0.3}, input_shape=(2, 4),
                            expected_output_shape=(2, 4), expected_num_seed_generators=1,
                            supports_masking=True),
    "GaussianNoise": dict(init_kwargs={"stddev": 0.1}, input_shape=(2, 4),
                          expected_output_shape=(2, 4), expected_num_seed_generators=1,
                          supports_masking=True),
    "Identity": dict(input_shape=(2, 4), expected_output_shape=(2, 4), supports_masking=True),
    "Lambda": dict(init_kwargs={"function": cube}, input_shape=(2, 4),
                   expected_output_shape=(2, 4), custom_objects={"cube": cube}),
    "LayerNormalization": dict(init_kwargs={"epsilon": 1e-2}, input_shape=(2, 4),
                               expected_output_shape=(2, 4),
                               expected_num_trainable_weights=2, supports_masking=True),
    "Masking": dict(init_kwargs={"mask_value": 0.0},
                    input_data=np.array([[[1.0, 2.0], [0.0, 0.0], [3.0, 0.0]]], np.float32),
                    expected_output_shape=(1, 3, 2), supports_masking=True,
                    expected_mask_shape=(1, 3)),
    "Maximum": dict(input_shape=[(2, 4), (2, 4)], expected_output_shape=(2, 4),
                    supports_masking=True),
    "Minimum": dict(input_shape=[(2, 4), (2, 4)], expected_output_shape=(2, 4),
                    supports_masking=True),
    "Multiply": dict(input_shape=[(2, 4), (2, 4)], expected_output_shape=(2, 4),
                     supports_masking=True),
    "Normalization": dict(init_kwargs={"mean": [0.1, 0.2, 0.3, 0.4],
                                       "variance": [1.0, 2.0, 3.0, 4.0]},
                          input_shape=(2, 4), expected_output_shape=(2, 4),
                          supports_masking=True),
    "Permute": dict(init_kwargs={"dims": (2, 1)}, input_shape=(2, 3, 2),
                    expected_output_shape=(2, 2, 3), supports_masking=False),
    "RepeatVector": dict(init_kwargs={"n": 3}, input_shape=(2, 4),
                         expected_output_shape=(2, 3, 4), supports_masking=False),
    "Rescaling": dict(init_kwargs={"scale": 1 / 255, "offset": -0.5}, input_shape=(2, 4),
                      expected_output_shape=(2, 4), supports_masking=True),
    "Reshape": dict(init_kwargs={"target_shape": (2, 2)}, input_shape=(2, 4),
                    expected_output_shape=(2, 2, 2), supports_masking=False),
    "Subtract": dict(input_shape=[(2, 4), (2, 4)], expected_output_shape=(2, 4),
                     supports_masking=True),
}
# Exported layer classes that are not layers one calls on data in a model.
NOT_CALLED = {"Layer": "the base class", "InputLayer": "it makes a model's inputs"}


def all_cases() -> dict:
    """The `CASES` of every `test_layer_kit*.py` module, by layer name."""
    found: dict = {}
    for path in sorted(pathlib.Path(__file__).parent.glob("test_layer_kit*.py")):
        module = importlib.import_module(path.stem)
        overlap = set(found) & set(module.CASES)
        assert not overlap, f"{path.name} repeats cases {sorted(overlap)}"
        found.update(module.CASES)
    return found


def test_every_exported_layer_has_a_case():
    exported = {name for name in keras.layers.__all__
                if isinstance(getattr(keras.layers, name), type)
                and issubclass(getattr(keras.layers, name), keras.layers.Layer)}
    cases = all_cases()
    # Keras's short names (MaxPool2D for MaxPooling2D) are the same classes.
    covered = {getattr(keras.layers, name) for name in cases}
    assert sorted(name for name in exported - set(cases) - set(NOT_CALLED)
                  if getattr(keras.layers, name) not in covered) == []
    assert sorted(set(cases) - exported) == []


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_passes_the_kit(name):
    layer = run_layer_test(getattr(layers, name), **CASES[name])
    assert layer.built


# -- the kit catches what it claims to check ----------------------------------------------
class _Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones")

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class _ForgetsConfig(_Scale):
    def get_config(self):
        config = super().get_config()
        del config["factor"]
        return config


class _WrongShape(_Scale):
    def compute_output_shape(self, input_shape):
        return (None, 1)


class _Frozen(_Scale):
    def call(self, inputs):
        return inputs * jnp.ones_like(self.w) * 0 + self.factor


class _Unseeded(_Scale):
    def call(self, inputs, training=False):
        if training:
            return inputs * np.random.default_rng().random()
        return inputs * self.w


KIT = dict(init_kwargs={"factor": 3.0}, input_shape=(2, 4), expected_output_shape=(2, 4),
           custom_objects={c.__name__: c for c in (_Scale, _ForgetsConfig, _WrongShape,
                                                   _Frozen, _Unseeded)})


def test_kit_passes_a_correct_custom_layer():
    layer = run_layer_test(_Scale, expected_num_trainable_weights=1,
                           expected_num_non_trainable_weights=0, supports_masking=False,
                           **KIT)
    assert layer.w.shape == (4,)


@pytest.mark.parametrize("cls,extra,message", [
    (_Scale, {"expected_num_trainable_weights": 2}, "expected 2 trainable weights"),
    (_Scale, {"expected_output_shape": (2, 5)}, "eager output: expected shape"),
    (_Scale, {"supports_masking": True}, "supports_masking is False"),
    (_ForgetsConfig, {}, "rebuilt from get_config"),
    (_WrongShape, {}, "compute_output_shape against eager"),
    (_Frozen, {}, "left every trainable weight unchanged"),
    (_Unseeded, {"run_training_check": False}, "with the same seed"),
])
def test_kit_catches_a_broken_layer(cls, extra, message):
    kwargs = {**KIT, **extra}
    with pytest.raises(AssertionError, match=message):
        run_layer_test(cls, **kwargs)
