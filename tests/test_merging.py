import numpy as np
import pytest

import lamina as keras
from lamina import layers

rng = np.random.default_rng(0)
A = rng.normal(size=(4, 3)).astype("float32")
B = rng.normal(size=(4, 3)).astype("float32")
C = rng.normal(size=(4, 3)).astype("float32")


@pytest.mark.parametrize("cls, expected", [
    (layers.Add, A + B + C),
    (layers.Multiply, A * B * C),
    (layers.Average, (A + B + C) / 3),
    (layers.Maximum, np.maximum(np.maximum(A, B), C)),
    (layers.Minimum, np.minimum(np.minimum(A, B), C)),
])
def test_elementwise_merge_matches_numpy(cls, expected):
    out = np.asarray(cls()([A, B, C]))
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_subtract_matches_numpy():
    out = np.asarray(layers.Subtract()([A, B]))
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out, A - B, rtol=1e-6)


def test_subtract_rejects_three_inputs():
    with pytest.raises(ValueError, match="expects exactly 2 inputs, but received 3"):
        layers.Subtract()([A, B, C])


def test_add_broadcasts_a_dimension_of_one():
    out = np.asarray(layers.Add()([A, A[:, :1]]))
    assert out.shape == (4, 3)
    np.testing.assert_allclose(out, A + A[:, :1], rtol=1e-6)


def test_add_rejects_mismatched_shapes_naming_them():
    with pytest.raises(ValueError, match=r"received shapes \[\(4, 3\), \(4, 2\)\]"):
        layers.Add()([A, np.zeros((4, 2), "float32")])


def test_merge_rejects_a_single_tensor():
    with pytest.raises(ValueError, match="expects a list of tensors"):
        layers.Add()(A)


def test_concatenate_last_axis_matches_numpy():
    out = np.asarray(layers.Concatenate()([A, B[:, :2]]))
    assert out.shape == (4, 5)
    np.testing.assert_allclose(out, np.concatenate([A, B[:, :2]], axis=-1))


def test_concatenate_axis_one_on_3d():
    x, y = np.ones((2, 3, 4), "float32"), np.zeros((2, 1, 4), "float32")
    out = np.asarray(layers.Concatenate(axis=1)([x, y]))
    assert out.shape == (2, 4, 4)
    np.testing.assert_allclose(out, np.concatenate([x, y], axis=1))


def test_concatenate_rejects_mismatch_off_axis():
    with pytest.raises(ValueError, match=r"shapes \[\(2, 3, 4\), \(2, 3, 5\)\]"):
        layers.Concatenate(axis=1)([np.ones((2, 3, 4)), np.ones((2, 3, 5))])


def test_dot_2d_gives_one_column():
    out = np.asarray(layers.Dot(axes=1)([A, B]))
    assert out.shape == (4, 1)
    np.testing.assert_allclose(out, np.sum(A * B, axis=1, keepdims=True), rtol=1e-5)


def test_dot_normalize_gives_cosine_similarity():
    out = np.asarray(layers.Dot(axes=-1, normalize=True)([A, B]))
    cos = np.sum(A * B, 1) / (np.linalg.norm(A, axis=1) * np.linalg.norm(B, axis=1))
    assert out.shape == (4, 1)
    np.testing.assert_allclose(out[:, 0], cos, rtol=1e-5)


def test_dot_3d_pair_of_axes_matches_einsum():
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    y = rng.normal(size=(2, 5, 4)).astype("float32")
    out = np.asarray(layers.Dot(axes=(2, 2))([x, y]))
    assert out.shape == (2, 3, 5)
    np.testing.assert_allclose(out, np.einsum("bik,bjk->bij", x, y), rtol=1e-5)


def test_dot_rejects_unequal_sizes():
    with pytest.raises(ValueError, match=r"have 3 and 2 there"):
        layers.Dot(axes=1)([A, np.ones((4, 2))])


def test_functional_forms_match_layers():
    np.testing.assert_allclose(np.asarray(layers.add([A, B])), A + B, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layers.subtract([A, B])), A - B, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(layers.multiply([A, B])), A * B, rtol=1e-6)
    assert layers.concatenate([A, B], axis=0).shape == (8, 3)
    assert layers.dot([A, B], axes=1).shape == (4, 1)


def test_merge_on_symbolic_tensors_infers_shapes():
    x = keras.Input((3,))
    y = keras.Input((5,))
    assert layers.Concatenate()([x, y]).shape == (None, 8)
    assert layers.Add()([x, x]).shape == (None, 3)
    assert layers.Dot(axes=1)([x, x]).shape == (None, 1)


def test_symbolic_merge_error_names_producers():
    x = keras.Input((3,), name="left")
    y = keras.Input((4,), name="right")
    with pytest.raises(ValueError, match=r"'left' \(shape \(None, 3\)\).*'right' "
                                         r"\(shape \(None, 4\)\)"):
        layers.Add(name="join")([x, y])


@pytest.mark.parametrize("layer", [layers.Add(name="a1"), layers.Concatenate(axis=1),
                                   layers.Dot(axes=(1, 1), normalize=True)])
def test_merge_config_round_trip(layer):
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
