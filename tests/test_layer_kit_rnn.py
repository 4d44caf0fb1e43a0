"""The kit's cases for embeddings and recurrent layers (see tests/test_layer_kit.py).

A cell returns `(output, states)`, a nested structure a model cannot train against, so
the cells' cases skip the kit's short fit (their RNN cases train them).
"""
import numpy as np
import pytest

from lamina import layers
from lamina.testing import run_layer_test

IDS = np.array([[3, 1, 0, 0], [2, 9, 4, 0]], np.int32)

CASES = {
    "Embedding": dict(init_kwargs={"input_dim": 10, "output_dim": 3, "mask_zero": True},
                      input_data=IDS, expected_output_shape=(2, 4, 3),
                      expected_num_trainable_weights=1, expected_num_non_trainable_weights=0,
                      supports_masking=True, expected_mask_shape=(2, 4)),
    "SimpleRNN": dict(init_kwargs={"units": 3}, input_shape=(2, 4, 5),
                      expected_output_shape=(2, 3), expected_num_trainable_weights=3,
                      expected_num_non_trainable_weights=0, expected_num_seed_generators=0,
                      supports_masking=True),
    "LSTM": dict(init_kwargs={"units": 3, "return_sequences": True}, input_shape=(2, 4, 5),
                 expected_output_shape=(2, 4, 3), expected_num_trainable_weights=3,
                 supports_masking=True, expected_mask_shape=(2, 4)),
    "GRU": dict(init_kwargs={"units": 3, "return_state": True, "dropout": 0.2,
                             "recurrent_dropout": 0.1, "seed": 1},
                input_shape=(2, 4, 5), expected_output_shape=[(2, 3), (2, 3)],
                expected_num_trainable_weights=3, expected_num_seed_generators=1,
                supports_masking=True),
    "RNN": dict(init_kwargs={"cell": layers.SimpleRNNCell(2), "go_backwards": True,
                             "return_sequences": True},
                input_shape=(2, 4, 5), expected_output_shape=(2, 4, 2),
                expected_num_trainable_weights=3, supports_masking=True,
                expected_mask_shape=(2, 4)),
    "SimpleRNNCell": dict(init_kwargs={"units": 3}, input_shape=(2, 5),
                          expected_output_shape=[(2, 3), [(2, 3)]],
                          expected_num_trainable_weights=3, supports_masking=False,
                          run_training_check=False),
    "LSTMCell": dict(init_kwargs={"units": 3, "dropout": 0.5}, input_shape=(2, 5),
                     expected_output_shape=[(2, 3), [(2, 3), (2, 3)]],
                     expected_num_trainable_weights=3, expected_num_seed_generators=1,
                     supports_masking=False, run_training_check=False),
    "GRUCell": dict(init_kwargs={"units": 3, "reset_after": False}, input_shape=(2, 5),
                    expected_output_shape=[(2, 3), [(2, 3)]],
                    expected_num_trainable_weights=3, supports_masking=False,
                    run_training_check=False),
    "StackedRNNCells": dict(init_kwargs={"cells": [layers.LSTMCell(3),
                                                   layers.SimpleRNNCell(2)]},
                            input_shape=(2, 5),
                            expected_output_shape=[(2, 2), [[(2, 3), (2, 3)], [(2, 2)]]],
                            expected_num_trainable_weights=6, supports_masking=False,
                            run_training_check=False),
    "Bidirectional": dict(init_kwargs={"layer": layers.LSTM(3, return_sequences=True)},
                          input_shape=(2, 4, 5), expected_output_shape=(2, 4, 6),
                          expected_num_trainable_weights=6, supports_masking=True,
                          expected_mask_shape=(2, 4)),
    "TimeDistributed": dict(init_kwargs={"layer": layers.Dense(2)}, input_shape=(2, 4, 5),
                            expected_output_shape=(2, 4, 2),
                            expected_num_trainable_weights=2, supports_masking=True,
                            expected_mask_shape=(2, 4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_layer_passes_the_kit(name):
    layer = run_layer_test(getattr(layers, name), **CASES[name])
    assert layer.built
