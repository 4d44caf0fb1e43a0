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


# -- numerics against NumPy loops ----------------------------------------------------------
def np_conv(x, w, strides, pads, dilation=None, groups=1):
    """Cross-correlation by hand, channels last: for each kernel offset, the strided
    input slice times that kernel entry, group by group."""
    rank = x.ndim - 2
    dilation = dilation or (1,) * rank
    x = np.pad(x, [(0, 0)] + list(pads) + [(0, 0)])
    k, cin, cout = w.shape[:rank], x.shape[-1], w.shape[-1]
    cg, og = cin // groups, cout // groups
    out = [(x.shape[1 + i] - ((k[i] - 1) * dilation[i] + 1)) // strides[i] + 1
           for i in range(rank)]
    y = np.zeros((x.shape[0], *out, cout))
    for off in np.ndindex(*k):
        sl = tuple(slice(o * d, o * d + (m - 1) * s + 1, s)
                   for o, d, m, s in zip(off, dilation, out, strides))
        patch = x[(slice(None),) + sl]
        for g in range(groups):
            y[..., g * og:(g + 1) * og] += patch[..., g * cg:(g + 1) * cg] @ \
                w[off][:, g * og:(g + 1) * og]
    return y


def same_pads(sizes, kernel, strides, dilation):
    """TensorFlow's 'same': total padding max((out - 1) * s + span - n, 0), the odd one
    at the end."""
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        span = (k - 1) * d + 1
        total = max((-(-n // s) - 1) * s + span - n, 0)
        pads.append((total // 2, total - total // 2))
    return pads


RNG = np.random.default_rng(0)


@pytest.mark.parametrize("cls,kwargs,shape", [
    (layers.Conv1D, dict(filters=3, kernel_size=3, strides=2), (2, 9, 2)),
    (layers.Conv1D, dict(filters=2, kernel_size=3, dilation_rate=2, padding="same"), (2, 8, 3)),
    (layers.Conv2D, dict(filters=4, kernel_size=(3, 2), strides=(2, 1), padding="same"),
     (2, 7, 6, 3)),
    (layers.Conv2D, dict(filters=4, kernel_size=3, groups=2, dilation_rate=2), (1, 9, 9, 6)),
    (layers.Conv3D, dict(filters=2, kernel_size=2, strides=(1, 2, 1)), (1, 4, 5, 4, 2)),
])
def test_conv_matches_numpy(cls, kwargs, shape):
    x = RNG.normal(size=shape).astype(np.float32)
    layer = cls(bias_initializer="random_normal", **kwargs)
    y = np.asarray(layer(x))
    w, b = layer.kernel.numpy(), layer.bias.numpy()
    rank = x.ndim - 2
    pads = [(0, 0)] * rank if layer.padding == "valid" else \
        same_pads(shape[1:-1], layer.kernel_size, layer.strides, layer.dilation_rate)
    expected = np_conv(x, w, layer.strides, pads, layer.dilation_rate, layer.groups) + b
    assert y.shape == expected.shape
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-4)


def test_conv1d_causal_sees_only_the_past():
    x = RNG.normal(size=(1, 6, 1)).astype(np.float32)
    layer = layers.Conv1D(1, 3, padding="causal", dilation_rate=2, use_bias=False)
    y = np.asarray(layer(x))[0, :, 0]
    w = layer.kernel.numpy()[:, 0, 0]
    xp = np.concatenate([np.zeros(4), x[0, :, 0]])  # (3 - 1) * 2 zeros in front
    expected = [xp[t] * w[0] + xp[t + 2] * w[1] + xp[t + 4] * w[2] for t in range(6)]
    assert y.shape == (6,)
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)


def test_conv2d_channels_first_equals_channels_last_transposed():
    x = RNG.normal(size=(2, 3, 5, 6)).astype(np.float32)
    first = layers.Conv2D(4, 3, data_format="channels_first", activation="softmax")
    y = np.asarray(first(x))
    last = layers.Conv2D(4, 3)
    last(np.transpose(x, (0, 2, 3, 1)))
    last.set_weights(first.get_weights())
    z = np.asarray(last.kernel.numpy())
    assert y.shape == (2, 4, 3, 4) and z.shape == (3, 3, 3, 4)
    logits = np_conv(np.transpose(x, (0, 2, 3, 1)), z, (1, 1), [(0, 0)] * 2)
    # softmax over the last axis of the channels_first output, as Keras applies it
    logits = np.transpose(logits, (0, 3, 1, 2))
    expected = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def np_conv_transpose(x, w, stride, padding, output_padding=None):
    """1-D transposed convolution by hand: scatter each input step through the kernel
    (kernel (k, filters, in)), then cut Keras's output window."""
    n, k = x.shape[1], w.shape[0]
    full = np.zeros((x.shape[0], (n - 1) * stride + k, w.shape[1]))
    for t in range(n):
        for j in range(k):
            full[:, t * stride + j] += x[:, t] @ w[j].T
    if padding == "valid":
        extra = max(k, stride) - k if output_padding is None else output_padding
        return np.pad(full, ((0, 0), (0, extra), (0, 0)))
    length = n * stride if output_padding is None else (n - 1) * stride + k % 2 + output_padding
    total = stride + k - 2 if output_padding is None else k + k % 2 - 2 + output_padding
    left = min(total // 2 + total % 2, k - 1)
    start = k - 1 - left
    full = np.pad(full, ((0, 0), (0, max(0, start + length - full.shape[1])), (0, 0)))
    return full[:, start:start + length]


@pytest.mark.parametrize("kwargs,length", [
    (dict(kernel_size=3, strides=2), 11), (dict(kernel_size=3, strides=2, padding="same"), 10),
    (dict(kernel_size=4, strides=3, padding="same", output_padding=1), 13),
    (dict(kernel_size=2, strides=3), 15),
])
def test_conv1d_transpose_matches_numpy(kwargs, length):
    x = RNG.normal(size=(2, 5, 3)).astype(np.float32)
    layer = layers.Conv1DTranspose(2, use_bias=False, **kwargs)
    y = np.asarray(layer(x))
    expected = np_conv_transpose(x, layer.kernel.numpy(), layer.strides[0], layer.padding,
                                 None if layer.output_padding is None
                                 else layer.output_padding[0])
    assert y.shape == (2, length, 2)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)


def test_conv2d_transpose_inverts_the_shape_of_a_strided_conv2d():
    x = RNG.normal(size=(2, 4, 4, 3)).astype(np.float32)
    layer = layers.Conv2DTranspose(5, 3, strides=2, padding="same", use_bias=False)
    y = np.asarray(layer(x))
    # Each output pixel sums input pixels times kernel entries, by hand per axis pair.
    w = layer.kernel.numpy()  # (3, 3, 5, 3)
    full = np.zeros((2, 9, 9, 5))
    for i, j in np.ndindex(4, 4):
        for a, b in np.ndindex(3, 3):
            full[:, 2 * i + a, 2 * j + b] += x[:, i, j] @ w[a, b].T
    # 'same' with stride 2 and kernel 3: Keras pads 2 before and 1 after -> offset 0
    assert y.shape == (2, 8, 8, 5)
    np.testing.assert_allclose(y, full[:, :8, :8], rtol=1e-4, atol=1e-5)


def test_depthwise_and_separable_match_numpy():
    x = RNG.normal(size=(2, 6, 5, 3)).astype(np.float32)
    dw = layers.DepthwiseConv2D(3, depth_multiplier=2, use_bias=False)
    y = np.asarray(dw(x))
    k = dw.depthwise_kernel.numpy()  # (3, 3, 3, 2)
    expected = np.zeros((2, 4, 3, 6))
    for c in range(3):
        for m in range(2):
            expected[..., c * 2 + m] = np_conv(x[..., c:c + 1], k[:, :, c:c + 1, m:m + 1],
                                               (1, 1), [(0, 0)] * 2)[..., 0]
    assert y.shape == (2, 4, 3, 6)
    np.testing.assert_allclose(y, expected, rtol=1e-4, atol=1e-5)
    sep = layers.SeparableConv2D(4, 3, depth_multiplier=2, use_bias=False)
    sep(x)
    sep.depthwise_kernel.assign(k)
    out = np.asarray(sep(x))
    assert out.shape == (2, 4, 3, 4)
    np.testing.assert_allclose(out, expected @ sep.pointwise_kernel.numpy()[0, 0],
                               rtol=1e-4, atol=1e-5)


def test_conv_gradients_match_numpy_by_finite_differences():
    x = RNG.normal(size=(2, 5, 4, 2)).astype(np.float64)
    layer = layers.Conv2D(4, 2, strides=(2, 1), padding="same", groups=2, use_bias=False)
    layer(x.astype(np.float32))
    w = layer.kernel.numpy().astype(np.float64)
    ct = RNG.normal(size=layer(x.astype(np.float32)).shape)
    pads = same_pads((5, 4), (2, 2), (2, 1), (1, 1))
    loss = lambda w: float((np_conv(x, w, (2, 1), pads, groups=2) * ct).sum())  # noqa
    numeric = np.zeros_like(w)
    for idx in np.ndindex(*w.shape):
        step = np.zeros_like(w)
        step[idx] = 1e-4
        numeric[idx] = (loss(w + step) - loss(w - step)) / 2e-4
    grad = jax.grad(lambda k: (layer.stateless_call([k], [], x.astype(np.float32))[0]
                               * ct).sum())(w.astype(np.float32))
    assert grad.shape == (2, 2, 1, 4)
    np.testing.assert_allclose(np.asarray(grad), numeric, rtol=1e-3, atol=1e-3)


# -- errors that say how to fix the input --------------------------------------------------
def test_conv2d_without_channel_axis_suggests_one():
    model = keras.Sequential([keras.layers.Input((28, 28)), keras.layers.Flatten()])
    with pytest.raises(ValueError, match=r"input_shape=\(28, 28, 1\).*Reshape\(\(28, 28, 1\)\)"):
        keras.Sequential([keras.layers.Input((28, 28)), keras.layers.Conv2D(8, 3)])
    assert model.output_shape == (None, 784)


def test_kernel_larger_than_the_input_names_the_smallest_size():
    with pytest.raises(ValueError, match=r"at least 5x5.*\(None, 2, 6, 8\)"):
        keras.Sequential([keras.layers.Input((2, 6, 8)), keras.layers.Conv2D(4, 5)])
    with pytest.raises(ValueError, match=r"pool_size=\(2, 2\).*at least 2x2"):
        layers.MaxPooling2D()(np.zeros((1, 1, 5, 2)))
    same = keras.Sequential([keras.layers.Input((2, 6, 8)), keras.layers.Conv2D(4, 5,
                                                                               padding="same")])
    assert same.output_shape == (None, 2, 6, 4)


def test_channels_first_images_into_a_channels_last_layer_say_how_to_transpose():
    layer = layers.Conv2D(4, 3)
    layer(np.zeros((2, 32, 32, 3), np.float32))
    with pytest.raises(ValueError, match=r"3 channels.*np\.transpose\(x, \(0, 2, 3, 1\)\)"):
        layer(np.zeros((2, 3, 32, 32), np.float32))
    with pytest.raises(ValueError, match=r"channels first \(axis 1\).*np\.transpose\(x, "
                                         r"\(0, 2, 3, 1\)\).*data_format='channels_first'"):
        keras.Sequential([keras.layers.Input((3, 32, 32)), keras.layers.Conv2D(4, 3)])
    with pytest.raises(ValueError, match=r"channels last.*np\.transpose\(x, \(0, 3, 1, 2\)\)"):
        layers.MaxPooling2D(data_format="channels_first")(np.zeros((2, 28, 28, 1)))
    with pytest.warns(UserWarning, match=r"takes 24 channels.*channels first"):
        layers.Conv2D(4, 3)(np.zeros((2, 3, 32, 24), np.float32))


def test_small_deep_feature_maps_are_not_taken_for_channels_first():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = keras.Sequential([keras.layers.Input((8, 8, 1)), keras.layers.Conv2D(32, 3),
                                  keras.layers.MaxPooling2D(), keras.layers.Conv2D(64, 3),
                                  keras.layers.Flatten()])
    assert model.layers[2].input_shape == (None, 3, 3, 32)
    assert model.output_shape == (None, 64)


def test_invalid_arguments_list_the_choices():
    with pytest.raises(ValueError, match=r"padding.*\['valid', 'same'\]"):
        layers.Conv2D(4, 3, padding="causal")
    with pytest.raises(ValueError, match="strides > 1 with dilation_rate > 1"):
        layers.Conv2D(4, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match="filters divisible by groups"):
        layers.Conv2D(5, 3, groups=2)
    with pytest.raises(ValueError, match="output_padding strictly less than its stride"):
        layers.Conv2DTranspose(4, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match="data_format"):
        layers.Conv1D(4, 3, data_format="NHWC")


def test_uint8_images_warn_once_unless_the_model_rescales():
    x = RNG.integers(0, 256, (8, 6, 6, 1)).astype(np.uint8)
    y = RNG.integers(0, 2, 8)

    def model(*first):
        m = keras.Sequential([keras.layers.Input((6, 6, 1)), *first,
                              keras.layers.Conv2D(2, 3), keras.layers.Flatten(),
                              keras.layers.Dense(2)])
        m.compile("sgd", "sparse_categorical_crossentropy")
        return m

    plain = model()
    with pytest.warns(UserWarning, match=r"uint8 images.*Rescaling\(1\. / 255\)"):
        plain.fit(x, y, epochs=1, verbose=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        plain.fit(x, y, epochs=1, verbose=0)  # once per model
        model(keras.layers.Rescaling(1 / 255)).fit(x, y, epochs=1, verbose=0)
    assert plain.output_shape == (None, 2)
