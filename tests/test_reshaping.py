import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import layers

X = np.arange(24, dtype="float32").reshape(2, 3, 4)


def test_reshape_matches_numpy():
    out = np.asarray(layers.Reshape((4, 3))(X))
    assert out.shape == (2, 4, 3)
    np.testing.assert_array_equal(out, X.reshape(2, 4, 3))


def test_reshape_infers_minus_one():
    out = np.asarray(layers.Reshape((-1, 2))(X))
    assert out.shape == (2, 6, 2)
    np.testing.assert_array_equal(out, X.reshape(2, 6, 2))


def test_reshape_rejects_wrong_size_naming_shapes():
    with pytest.raises(ValueError, match=r"samples of shape \(3, 4\) \(12 values\) to "
                                         r"target_shape=\(5, 2\)"):
        layers.Reshape((5, 2))(X)


def test_reshape_rejects_two_unknowns():
    with pytest.raises(ValueError, match="at most one -1"):
        layers.Reshape((-1, -1))


def test_reshape_symbolic_keeps_none_batch():
    assert layers.Reshape((-1,))(keras.Input((3, 4))).shape == (None, 12)


def test_flatten_matches_numpy():
    out = np.asarray(layers.Flatten()(X))
    assert out.shape == (2, 12)
    np.testing.assert_array_equal(out, X.reshape(2, -1))


def test_flatten_channels_first_moves_channels_last():
    out = np.asarray(layers.Flatten(data_format="channels_first")(X))
    assert out.shape == (2, 12)
    np.testing.assert_array_equal(out, np.moveaxis(X, 1, -1).reshape(2, -1))


def test_flatten_rejects_unknown_data_format():
    with pytest.raises(ValueError, match="received 'nhwc'"):
        layers.Flatten(data_format="nhwc")


def test_repeat_vector_matches_numpy():
    x = X[:, 0, :]
    out = np.asarray(layers.RepeatVector(3)(x))
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, np.repeat(x[:, None, :], 3, axis=1))


def test_repeat_vector_rejects_3d_inputs():
    with pytest.raises(ValueError, match=r"received shape \(2, 3, 4\)"):
        layers.RepeatVector(2)(X)


def test_permute_matches_numpy():
    out = np.asarray(layers.Permute((2, 1))(X))
    assert out.shape == (2, 4, 3)
    np.testing.assert_array_equal(out, np.transpose(X, (0, 2, 1)))


def test_permute_rejects_non_permutation():
    with pytest.raises(ValueError, match=r"permutation of 1..2.*dims=\(0, 1\)"):
        layers.Permute((0, 1))


def test_permute_rejects_wrong_rank():
    with pytest.raises(ValueError, match="expects samples with 3 axes"):
        layers.Permute((3, 1, 2))(X)


def test_lambda_applies_function_with_arguments():
    layer = layers.Lambda(lambda x, k: x * k, arguments={"k": 3.0})
    out = np.asarray(layer(X))
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, X * 3)


def test_lambda_in_a_graph_infers_shape():
    x = keras.Input((3, 4))
    y = layers.Lambda(lambda t: jnp.sum(t, axis=-1))(x)
    assert y.shape == (None, 3)


def test_lambda_rejects_non_callable():
    with pytest.raises(TypeError, match="needs a callable, but received 3"):
        layers.Lambda(3)


def double(x):
    return x * 2


def test_lambda_config_finds_function_in_custom_objects():
    config = layers.Lambda(double, name="twice").get_config()
    assert config["function"] == "double"
    clone = layers.Lambda.from_config(config, {"double": double})
    np.testing.assert_array_equal(np.asarray(clone(X)), X * 2)
    with pytest.raises(ValueError, match="not in custom_objects"):
        layers.Lambda.from_config(config)


def test_identity_returns_inputs():
    out = np.asarray(layers.Identity()(X))
    assert out.shape == (2, 3, 4)
    np.testing.assert_array_equal(out, X)


@pytest.mark.parametrize("layer", [layers.Reshape((-1, 2)), layers.Flatten(),
                                   layers.RepeatVector(2), layers.Permute((2, 1)),
                                   layers.Identity()])
def test_reshaping_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
