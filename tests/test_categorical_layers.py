"""`Hashing`, `CategoryEncoding` and `Discretization`: outputs pinned against tf.keras
2.21 (which produced the expected values from the same inputs), or by hand."""
import jax
import numpy as np
import pytest

import lamina as keras
from lamina.layers import CategoryEncoding, Discretization, Hashing
from lamina.layers._hashes import fingerprint64, siphash24

LETTERS = np.array([["A"], ["B"], ["C"], ["D"], ["E"]])


def out(layer, data, **kwargs):
    return np.asarray(layer(np.asarray(data), **kwargs))


def test_hashing_bins_equal_keras_farmhash_and_siphash():
    result = out(Hashing(num_bins=3), LETTERS)
    assert result.shape == (5, 1) and result.dtype == np.int32
    assert result.ravel().tolist() == [1, 0, 1, 1, 2]
    assert [fingerprint64(c.encode()) % 3 for c in "ABCDE"] == [1, 0, 1, 1, 2]
    assert out(Hashing(num_bins=3), [[1], [2], [3], [-4], [1234567890123]]).ravel().tolist() \
        == [0, 1, 0, 1, 1]  # integers hash as their decimal text
    assert out(Hashing(num_bins=3, salt=133), LETTERS).ravel().tolist() == [0, 0, 2, 1, 0]
    assert [siphash24(c.encode(), 133, 133) % 3 for c in "ABCDE"] == [0, 0, 2, 1, 0]
    assert out(Hashing(num_bins=7, salt=[133, 7]), LETTERS).ravel().tolist() == [3, 4, 4, 5, 0]


def test_hashing_mask_value_and_output_modes():
    masked = Hashing(num_bins=3, mask_value="")
    assert out(masked, [["A"], ["B"], [""], ["C"], ["D"]]).ravel().tolist() == [1, 1, 0, 2, 2]
    assert out(Hashing(num_bins=4, output_mode="one_hot"), ["A", "B"]).tolist() == [
        [1, 0, 0, 0], [1, 0, 0, 0]]
    assert out(Hashing(num_bins=4, output_mode="count"), [["A", "B"], ["C", "C"]]).tolist() \
        == [[2, 0, 0, 0], [0, 0, 0, 2]]
    with pytest.raises(TypeError, match="non-integral"):
        out(Hashing(num_bins=4), [[1.5]])
    with pytest.raises(ValueError, match="salt"):
        Hashing(num_bins=4, salt="x")


def test_hash_functions_match_published_vectors():
    # SipHash-2-4 test vectors of the reference implementation (key 00..0f).
    k0, k1 = 0x0706050403020100, 0x0F0E0D0C0B0A0908
    assert siphash24(b"", k0, k1) == 0x726FDB47DD0E0E31
    assert siphash24(bytes(range(15)), k0, k1) == 0xA129CA6149BE45E5
    # FarmHash Fingerprint64 of the empty string is its constant k2.
    assert fingerprint64(b"") == 0x9AE16A3B2F90404F


def test_category_encoding_modes_and_count_weights():
    codes = np.array([[0, 1], [0, 0], [1, 2], [3, 1]])
    multi = out(CategoryEncoding(num_tokens=4, output_mode="multi_hot"), codes)
    assert multi.shape == (4, 4) and multi.tolist() == [[1, 1, 0, 0], [1, 0, 0, 0],
                                                        [0, 1, 1, 0], [0, 1, 0, 1]]
    one_hot = out(CategoryEncoding(num_tokens=4, output_mode="one_hot"), [3, 2, 0, 1])
    np.testing.assert_array_equal(one_hot, np.eye(4)[[3, 2, 0, 1]])
    assert out(CategoryEncoding(num_tokens=4, output_mode="one_hot"), [[3], [2]]).shape == (2, 4)
    weights = np.array([[.1, .2], [.1, .1], [.2, .3], [.4, .2]], np.float32)
    counted = out(CategoryEncoding(num_tokens=4, output_mode="count"), codes,
                  count_weights=weights)
    expected = np.zeros((4, 4), np.float32)
    for i, row in enumerate(codes):
        for j, code in enumerate(row):
            expected[i, code] += weights[i, j]
    np.testing.assert_allclose(counted, expected, rtol=1e-6)


def test_category_encoding_range_check_and_compiled_use():
    layer = CategoryEncoding(num_tokens=4)
    with pytest.raises(ValueError, match="num_tokens=6"):
        layer(np.array([[0, 5]]))
    compiled = jax.jit(lambda x: layer(x))(np.array([[0, 5], [3, 3]]))
    assert np.asarray(compiled).tolist() == [[1, 0, 0, 0], [0, 0, 0, 1]]  # 5 counts for nothing
    with pytest.raises(ValueError, match="num_tokens"):
        CategoryEncoding()


def test_discretization_buckets_and_modes():
    layer = Discretization(bin_boundaries=[0.0, 1.0, 2.0])
    result = out(layer, np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]]))
    assert result.shape == (2, 4) and result.tolist() == [[0, 2, 3, 1], [1, 3, 2, 1]]
    assert out(Discretization(bin_boundaries=[0., 1., 2.], output_mode="multi_hot"),
               [[-1.5, 1.0, 3.4, 0.5]]).tolist() == [[1, 1, 1, 1]]
    assert out(Discretization(bin_boundaries=[0., 1., 2.], output_mode="one_hot"),
               [-1.5, 1.0, 3.4]).tolist() == [[1, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]


def test_discretization_adapt_matches_keras_quantiles():
    layer = Discretization(num_bins=4)
    layer.adapt(np.array([[-1.5, 1.0, 3.4, .5], [0.0, 3.0, 1.3, 0.0]]))
    np.testing.assert_allclose(layer.bin_boundaries, [0.0, 0.5, 1.3], rtol=1e-6)
    layer = Discretization(num_bins=3)
    layer.adapt(np.arange(10.0))
    np.testing.assert_allclose(layer.bin_boundaries, [2.3333333, 5.6666665], rtol=1e-6)
    # 300 rows adapt in batches of 32, as tf.keras 2 (these values are its own).
    data = np.random.RandomState(0).normal(size=(300, 3)).astype("float32")
    layer = Discretization(num_bins=5)
    layer.adapt(data)
    np.testing.assert_allclose(layer.bin_boundaries, [-0.8799364566802979, -0.32938405871391296,
                                                      0.20720021426677704, 0.8002961277961731],
                               rtol=1e-6)
    copy = Discretization.from_config(layer.get_config())
    assert copy.bin_boundaries == layer.bin_boundaries and copy.num_bins is None


def test_discretization_errors():
    with pytest.raises(ValueError, match="not both"):
        Discretization(bin_boundaries=[0.0], num_bins=2)
    with pytest.raises(ValueError, match="nothing to learn"):
        Discretization(bin_boundaries=[0.0]).adapt([1.0])
    with pytest.raises(ValueError, match="sorted"):
        Discretization(bin_boundaries=[1.0, 0.0])


def test_discretization_and_category_encoding_train_inside_a_model():
    x = np.random.RandomState(1).uniform(-2, 2, size=(64, 1)).astype("float32")
    y = (np.abs(x) > 1).astype("float32")
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.layers.Input((1,)),
                              Discretization(bin_boundaries=[-1.0, 0.0, 1.0],
                                             output_mode="one_hot"),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=keras.optimizers.Adam(0.1), loss="binary_crossentropy",
                  metrics=["accuracy"])
    history = model.fit(x, y, epochs=30, verbose=0)
    assert history.history["accuracy"][-1] == 1.0
