"""The playground generators against TensorFlow Playground's own definitions.

The reference numbers were computed under Node.js by seedrandom 2.4 and the
generators of TensorFlow Playground's `dataset.ts` (plus its shuffle), for the seed
"0.12345", noise slider 25: the first three shuffled points and the column sums.
Sines and logarithms may differ from V8's in the last bit, hence the tolerance.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from lamina.datasets import playground as pg
from lamina.datasets._seedrandom import SeedRandom

REFERENCE = {
    "circle": ([[4.618077316848, -1.835439588738, -1.0], [3.031594167182, 2.027827810592, -1.0],
                [-4.597539547202, -0.25508405857, -1.0]], [80.478810895, -74.018452231, -60.0]),
    "xor": ([[5.096362367914, -2.197911566206, -1.0], [-4.318135686226, -3.73829144852, 1.0],
             [2.664069933628, 2.711786930306, 1.0]], [9.078055017, -160.345180883, -12.0]),
    "gauss": ([[0.881498444766, 1.29672352794, 1.0], [-0.898189037832, -1.392888425206, -1.0],
               [0.938186959756, 1.15272178698, 1.0]], [55.97389933, 13.120702105, 0.0]),
    "spiral": ([[3.002797128347, -2.257649131068, 1.0], [-0.280491408883, -0.182938678386, -1.0],
                [-0.0834136915, -4.392105269144, 1.0]], [3.837640104, -1.56543386, 0.0]),
    "reg-plane": ([[4.247773950613, 1.455119056871, 0.525934030217],
                   [2.82257364102, 3.556419467028, 0.461417212691],
                   [-4.258929829327, 0.307289729174, -0.515086209407]],
                  [96.641168919, -3.586860114, 10.808831081]),
    "reg-gauss": ([[4.247773950613, 1.455119056871, 0.48370491771],
                   [2.82257364102, 3.556419467028, -0.213967455644],
                   [-4.258929829327, 0.307289729174, -0.025584689897]],
                  [96.641168919, -3.586860114, -10.445074408]),
}


def test_seedrandom_matches_documented_sequence():
    rng = SeedRandom("hello.")
    # seedrandom's README: Math.seedrandom('hello.'); Math.random() -> 0.9282578795792454
    assert [rng() for _ in range(3)] == [0.9282578795792454, 0.3752569768646784,
                                          0.7316977468919549]


def test_seedrandom_values_in_unit_interval():
    rng = SeedRandom("0.5")
    values = np.array([rng() for _ in range(2000)])
    assert values.shape == (2000,)
    assert values.min() >= 0 and values.max() < 1
    assert abs(values.mean() - 0.5) < 0.03


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_load_data_matches_tensorflow_playground(name):
    first, sums = REFERENCE[name]
    (xy_tr, y_tr), (xy_te, y_te) = pg.load_data(name, noise=25, percent_train=50,
                                                seed="0.12345")
    n = 1200 if name.startswith("reg") else 500
    assert xy_tr.shape == (n // 2, 2) and y_tr.shape == (n // 2,)
    assert xy_te.shape == (n // 2, 2) and y_te.shape == (n // 2,)
    xy, y = np.concatenate([xy_tr, xy_te]), np.concatenate([y_tr, y_te])
    np.testing.assert_allclose(np.c_[xy[:3], y[:3]], first, atol=1e-11)
    np.testing.assert_allclose([xy[:, 0].sum(), xy[:, 1].sum(), y.sum()], sums, atol=1e-7)


def test_load_data_splits_by_percent_train():
    (xy_tr, _), (xy_te, _) = pg.load_data("circle", percent_train=30, seed="1")
    assert xy_tr.shape == (150, 2) and xy_te.shape == (350, 2)


def test_load_data_same_seed_same_points_other_seed_differs():
    a = pg.load_data("gauss", seed="0.1")[0][0]
    b = pg.load_data("gauss", seed="0.1")[0][0]
    c = pg.load_data("gauss", seed="0.2")[0][0]
    assert a.shape == (250, 2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_spiral_without_noise_follows_formula():
    xy, labels = pg.spiral(500, 0.0, seed="3")
    i = np.arange(250)
    r, t = i / 250 * 5, 1.75 * i / 250 * 2 * math.pi
    assert xy.shape == (500, 2) and labels.shape == (500,)
    np.testing.assert_allclose(xy[:250], np.c_[r * np.sin(t), r * np.cos(t)], atol=1e-12)
    np.testing.assert_allclose(xy[250:], np.c_[r * np.sin(t + math.pi), r * np.cos(t + math.pi)],
                               atol=1e-12)
    assert labels[:250].tolist() == [1.0] * 250 and labels[250:].tolist() == [-1.0] * 250


def test_circle_without_noise_labels_by_radius():
    xy, labels = pg.circle(400, 0.0, seed="7")
    radius = np.hypot(xy[:, 0], xy[:, 1])
    assert xy.shape == (400, 2)
    assert np.all(radius[labels > 0] < 2.5) and np.all((radius[labels < 0] >= 3.5) &
                                                        (radius[labels < 0] <= 5))


def test_gauss_noise_scales_variance():
    calm, _ = pg.gauss(4000, 0.0, seed="1")
    wild, _ = pg.gauss(4000, 0.5, seed="1")
    # Variance 0.5 at noise 0, 4 at noise 0.5 (d3 linear scale of the playground).
    assert abs(calm[:2000].var(axis=0).mean() - 0.5) < 0.06
    assert abs(wild[:2000].var(axis=0).mean() - 4.0) < 0.4


def test_plane_label_is_scaled_sum():
    xy, labels = pg.plane(100, 0.0, seed="2")
    assert labels.shape == (100,)
    np.testing.assert_allclose(labels, (xy[:, 0] + xy[:, 1]) / 10, atol=1e-12)


def test_multi_gaussian_label_is_largest_bump():
    xy, labels = pg.multi_gaussian(300, 0.0, seed="2")
    centers = np.array([[-4, 2.5, 1], [0, 2.5, -1], [4, 2.5, 1], [-4, -2.5, -1],
                        [0, -2.5, 1], [4, -2.5, -1]])
    d = np.hypot(xy[:, None, 0] - centers[:, 0], xy[:, None, 1] - centers[:, 1])
    bumps = centers[:, 2] * np.clip(1 - d / 2, 0, 1)
    expected = bumps[np.arange(300), np.abs(bumps).argmax(axis=1)]
    np.testing.assert_allclose(labels, expected, atol=1e-12)


def test_features_columns_in_requested_order():
    xy = np.array([[0.5, -2.0], [3.0, 1.0]])
    out = pg.features(xy, ["sinY", "x", "xSquared", "ySquared", "xTimesY", "y", "sinX"])
    expected = np.c_[np.sin(xy[:, 1]), xy[:, 0], xy[:, 0] ** 2, xy[:, 1] ** 2,
                     xy[:, 0] * xy[:, 1], xy[:, 1], np.sin(xy[:, 0])]
    assert out.shape == (2, 7) and out.dtype == np.float32
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_features_unknown_name_lists_valid_ones():
    with pytest.raises(ValueError, match="Valid names"):
        pg.features(np.zeros((2, 2)), ["x", "cube"])


def test_load_data_unknown_dataset_lists_valid_ones():
    with pytest.raises(ValueError, match="'spiral'"):
        pg.load_data("spirals")


def test_generator_rejects_noise_outside_unit_interval():
    with pytest.raises(ValueError, match="received 25"):
        pg.spiral(500, 25)
