"""lamina.plot.filters and feature_maps: one panel per filter or channel, each showing
exactly that slice of the array."""
import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lamina as keras  # noqa: E402
from lamina.plot import feature_maps, filters  # noqa: E402

RNG = np.random.default_rng(0)


def test_filters_draws_each_filter_of_a_conv2d_layer():
    layer = keras.layers.Conv2D(5, 3)
    layer(np.zeros((1, 6, 6, 2), np.float32))
    fig = filters(layer, input_channel=1, ncols=3)
    kernel = layer.kernel.numpy()
    drawn = [ax for ax in fig.axes if ax.images]
    assert len(fig.axes) == 6 and len(drawn) == 5  # 2 rows of 3, the last one empty
    for i, ax in enumerate(drawn):
        image = ax.images[0]
        assert image.get_array().shape == (3, 3)
        np.testing.assert_array_equal(image.get_array(), kernel[:, :, 1, i])
        low, high = image.get_clim()
        assert low == -high == -np.abs(kernel[:, :, 1, i]).max()
    matplotlib.pyplot.close(fig)


def test_feature_maps_draws_each_channel_of_one_image():
    maps = RNG.normal(size=(1, 4, 5, 3)).astype(np.float32)
    fig = feature_maps(maps)
    assert [ax.get_title() for ax in fig.axes] == ["map 0", "map 1", "map 2"]
    for i, ax in enumerate(fig.axes):
        assert ax.images[0].get_array().shape == (4, 5)
        np.testing.assert_array_equal(ax.images[0].get_array(), maps[0, :, :, i])
    matplotlib.pyplot.close(fig)


def test_image_plots_reject_other_shapes():
    with pytest.raises(ValueError, match=r"\(height, width, in_channels, filters\).*\(3, 3\)"):
        filters(np.zeros((3, 3)))
    with pytest.raises(ValueError, match=r"input_channel must be in \[0, 2\).*received 2"):
        filters(np.zeros((3, 3, 2, 4)), input_channel=2)
    with pytest.raises(ValueError, match=r"one image.*\(2, 4, 4, 3\).*maps\[:1\]"):
        feature_maps(np.zeros((2, 4, 4, 3)))
