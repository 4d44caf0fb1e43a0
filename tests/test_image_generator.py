"""ImageDataGenerator and flow(): tf.keras 2's images for the same seed (recorded in
tests/fixtures/tf_keras_image.npz by tests/fixtures/record_tf_keras_image.py), the
transforms against scipy.ndimage and Pillow, and flow's batching."""
import os
import sys

import numpy as np
import pytest

from lamina.preprocessing.image import ImageDataGenerator, NumpyArrayIterator
from lamina.preprocessing.image import _affine, _params

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
from record_tf_keras_image import CASES, images  # noqa: E402

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "tf_keras_image.npz"))
ndimage = pytest.importorskip("scipy.ndimage")


@pytest.mark.parametrize("name", list(CASES))
def test_flow_matches_tf_keras_for_the_same_seed(name):
    k = list(CASES).index(name)
    x = images(k)
    it = ImageDataGenerator(**CASES[name]).flow(x, np.arange(len(x)), batch_size=4,
                                                seed=11 + k)
    for b, size in ((0, 4), (1, 2)):
        bx, by = it[b]
        assert bx.shape == (size, 7, 9, 3) and bx.dtype == np.float32
        np.testing.assert_array_equal(by, FIXTURE[f"{name}/y{b}"])
        scale = np.abs(FIXTURE[f"{name}/x{b}"]).max()
        np.testing.assert_allclose(bx, FIXTURE[f"{name}/x{b}"], rtol=0, atol=1e-6 * scale)
    it.on_epoch_end()
    np.testing.assert_array_equal(it[0][1], FIXTURE[f"{name}/epoch2_y"])


def test_next_matches_tf_keras():
    gen = ImageDataGenerator(**CASES["nearest"])
    bx, by = next(gen.flow(images(20), np.arange(6), batch_size=4, seed=5))
    assert bx.shape == (4, 7, 9, 3)
    np.testing.assert_array_equal(by, FIXTURE["next/y"])
    np.testing.assert_allclose(bx, FIXTURE["next/x"], atol=1e-4)


def test_get_random_transform_matches_tf_keras():
    p = ImageDataGenerator(**CASES["nearest"]).get_random_transform((7, 9, 3), seed=3)
    got = [float(p[k]) for k in ("theta", "tx", "ty", "shear", "zx", "zy",
                                 "flip_horizontal", "flip_vertical")]
    np.testing.assert_array_equal(got, FIXTURE["params/values"])


@pytest.mark.parametrize("settings", [CASES["nearest"], CASES["int_shifts"], CASES["color"]])
def test_draw_batch_equals_image_by_image_draws(settings):
    gen = ImageDataGenerator(**settings)
    np.random.seed(4)
    batch = _params.draw(gen, 5, 7, 9)
    next_after_batch = np.random.random()
    np.random.seed(4)
    one_by_one = [_params.draw_one(gen, 7, 9) for _ in range(5)]
    next_after_images = np.random.random()
    expected = _params.TransformParams.from_dicts(one_by_one)
    for field in ("theta", "tx", "ty", "shear", "zx", "zy", "flip_horizontal",
                  "flip_vertical", "channel_shift_intensity", "brightness"):
        np.testing.assert_array_equal(getattr(batch, field), getattr(expected, field))
    assert next_after_batch == next_after_images  # the same amount of the stream used


@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "reflect", "wrap"])
@pytest.mark.parametrize("order", [0, 1])
def test_affine_transform_matches_scipy(fill_mode, order):
    rng = np.random.RandomState(1)
    x = rng.uniform(0, 1, (3, 6, 8, 2)).astype(np.float32)
    params = _params.TransformParams(
        theta=np.array([25.0, -70.0, 0.0]), tx=np.array([1.3, -2.0, 0.0]),
        ty=np.array([-0.7, 3.0, 2.0]), shear=np.array([10.0, 0.0, -20.0]),
        zx=np.array([0.8, 1.0, 1.4]), zy=np.array([1.1, 1.0, 0.7]),
        flip_horizontal=np.zeros(3, bool), flip_vertical=np.zeros(3, bool),
        channel_shift_intensity=None, brightness=None)
    out = _affine.transform(x, params, fill_mode=fill_mode, cval=-1.0, order=order)
    assert out.shape == (3, 6, 8, 2)
    mats = _affine.matrices(params, 6, 8)
    for i in range(3):
        for ch in range(2):
            expected = ndimage.affine_transform(
                x[i, :, :, ch].astype(np.float64), mats[i, :, :2], mats[i, :, 2],
                order=order, mode=fill_mode, cval=-1.0)
            np.testing.assert_allclose(out[i, :, :, ch], expected, atol=1e-5)


def test_matrices_rotate_about_the_centre_by_hand():
    params = _params.TransformParams.from_dicts([{"theta": 90.0}])
    m = _affine.matrices(params, 5, 5)[0]
    # A positive angle turns the picture counter-clockwise about its centre (2, 2): the
    # top-left output pixel shows the top-right source pixel, the top-right the
    # bottom-right; (row, col) - centre is mapped by [[cos, sin], [-sin, cos]].
    assert m.shape == (2, 3)
    np.testing.assert_allclose(m @ np.array([0.0, 0.0, 1.0]), [0.0, 4.0], atol=1e-12)
    np.testing.assert_allclose(m @ np.array([0.0, 4.0, 1.0]), [4.0, 4.0], atol=1e-12)
    np.testing.assert_allclose(m @ np.array([2.0, 2.0, 1.0]), [2.0, 2.0], atol=1e-12)


def test_flips_channel_shift_and_brightness_by_hand():
    from PIL import Image, ImageEnhance

    rng = np.random.RandomState(2)
    x = rng.uniform(0, 255, (2, 3, 4, 3)).astype(np.float32)
    gen = ImageDataGenerator()
    got = gen.apply_transform(x[0], {"flip_horizontal": True, "flip_vertical": True,
                                     "channel_shift_intensity": 40.0})
    expected = np.clip(x[0] + np.float32(40.0), x[0].min(), x[0].max())[::-1, ::-1]
    assert got.shape == (3, 4, 3)
    np.testing.assert_array_equal(got, expected)
    got = gen.apply_transform(x[1], {"brightness": 1.3})
    pil = ImageEnhance.Brightness(Image.fromarray(x[1].astype(np.uint8))).enhance(1.3)
    np.testing.assert_array_equal(got, np.asarray(pil, np.float32))


def test_standardize_order_and_statistics_by_hand():
    seen = []

    def double(image):
        seen.append(image.copy())
        return image * 2

    gen = ImageDataGenerator(preprocessing_function=double, rescale=0.5,
                             samplewise_center=True)
    x = np.arange(2 * 2 * 2 * 1, dtype=np.float32).reshape(2, 2, 2, 1)
    batch = gen.flow(x, batch_size=2, shuffle=False)[0]
    assert batch.shape == (2, 2, 2, 1) and len(seen) == 2 and seen[0].shape == (2, 2, 1)
    np.testing.assert_array_equal(seen[0], x[0])  # before rescale, one image at a time
    expected = x * 2 * 0.5
    expected -= expected.mean(axis=(1, 2, 3), keepdims=True)
    np.testing.assert_allclose(batch, expected)


def test_fit_statistics_match_tf_keras():
    gen = ImageDataGenerator(featurewise_center=True, featurewise_std_normalization=True,
                             rescale=0.5)
    gen.fit(images(21, (8, 5, 4, 3)))
    assert gen.mean.shape == (1, 1, 3) and gen.std.shape == (1, 1, 3)
    np.testing.assert_allclose(gen.mean, FIXTURE["featurewise/mean"], rtol=1e-6)
    np.testing.assert_allclose(gen.std, FIXTURE["featurewise/std"], rtol=1e-6)
    batch = gen.flow(images(22), batch_size=6, shuffle=False)[0]
    np.testing.assert_allclose(batch, FIXTURE["featurewise/x0"], rtol=1e-5, atol=1e-6)
    with pytest.warns(UserWarning, match="zca_whitening"):
        zca = ImageDataGenerator(zca_whitening=True)
    zca.fit(images(23, (10, 3, 3, 1)))
    assert zca.zca_whitening_matrix.shape == (9, 9)
    np.testing.assert_allclose(zca.zca_whitening_matrix, FIXTURE["zca/matrix"], rtol=1e-5,
                               atol=1e-6)


def test_fit_warns_when_statistics_are_missing():
    gen = ImageDataGenerator(featurewise_center=True)
    with pytest.warns(UserWarning, match=r"hasn't been fit.*\.fit\(numpy_data\)"):
        gen.flow(np.ones((2, 2, 2, 1)), batch_size=2)[0]


def test_validation_split_takes_the_first_fraction_as_tf_keras():
    gen = ImageDataGenerator(validation_split=0.25)
    x, y = images(24, (8, 2, 2, 1)), np.array([0, 1] * 4)
    train = gen.flow(x, y, subset="training", shuffle=False)
    val = gen.flow(x, y, subset="validation", shuffle=False)
    assert (train.n, val.n) == (6, 2)
    np.testing.assert_array_equal(train[0][1], FIXTURE["split/training_y"])
    np.testing.assert_array_equal(val[0][1], FIXTURE["split/validation_y"])
    np.testing.assert_array_equal(val[0][0], x[:2])


def test_flow_batches_and_reshuffles_each_epoch():
    x = np.arange(10, dtype=np.float32).reshape(10, 1, 1, 1)
    it = ImageDataGenerator().flow(x, np.arange(10), batch_size=4, seed=0)
    assert isinstance(it, NumpyArrayIterator) and len(it) == 3
    first = np.concatenate([it[i][1] for i in range(3)])
    assert [len(it[i][1]) for i in range(3)] == [4, 4, 2]
    assert sorted(first) == list(range(10)) and list(first) != list(range(10))
    it.on_epoch_end()
    second = np.concatenate([it[i][1] for i in range(3)])
    assert sorted(second) == list(range(10)) and list(second) != list(first)
    in_order = ImageDataGenerator().flow(x, np.arange(10), batch_size=4, shuffle=False)
    np.testing.assert_array_equal(in_order[2][1], [8, 9])
    np.testing.assert_array_equal(in_order[2][0][:, 0, 0, 0], [8.0, 9.0])


def test_next_goes_round_the_data_forever():
    it = ImageDataGenerator().flow(np.zeros((5, 1, 1, 1)), np.arange(5), batch_size=2,
                                   shuffle=False)
    sizes = [len(next(it)[1]) for _ in range(7)]
    assert sizes == [2, 2, 1, 2, 2, 1, 2]


def test_flow_with_sample_weight_extra_inputs_and_no_labels():
    x, extra = np.zeros((4, 2, 2, 1)), np.arange(4.0)[:, None]
    gen = ImageDataGenerator()
    bx, by, bw = gen.flow(x, np.arange(4), sample_weight=np.arange(4) / 4, batch_size=3,
                          shuffle=False)[0]
    np.testing.assert_array_equal(bw, [0.0, 0.25, 0.5])
    (images_, misc), labels = gen.flow((x, extra), np.arange(4), batch_size=3,
                                       shuffle=False)[1]
    assert images_.shape == (1, 2, 2, 1) and misc.shape == (1, 1) and misc[0, 0] == 3.0
    only_x = gen.flow(x, batch_size=3)[0]
    assert isinstance(only_x, np.ndarray) and only_x.shape == (3, 2, 2, 1)


def test_channels_first_equals_channels_last_transposed():
    x = images(30, (3, 5, 6, 3))
    last = ImageDataGenerator(**CASES["reflect"]).flow(x, batch_size=3, seed=1)[0]
    first = ImageDataGenerator(**CASES["reflect"], data_format="channels_first").flow(
        x.transpose(0, 3, 1, 2), batch_size=3, seed=1)[0]
    assert first.shape == (3, 3, 5, 6)
    np.testing.assert_allclose(first.transpose(0, 2, 3, 1), last, atol=1e-5)


def test_save_to_dir_writes_each_augmented_image(tmp_path):
    gen = ImageDataGenerator(horizontal_flip=True)
    gen.flow(images(31, (3, 4, 4, 3)), batch_size=3, save_to_dir=str(tmp_path),
             save_prefix="aug", seed=0)[0]
    names = sorted(os.listdir(tmp_path))
    assert len(names) == 3 and all(n.startswith("aug_") and n.endswith(".png") for n in names)


@pytest.mark.parametrize("kwargs, match", [
    (dict(fill_mode="mirror"), r"fill_mode must be one of \['constant', 'nearest'"),
    (dict(zoom_range=(0.5, 1.0, 2.0)), "zoom_range must be a float or a pair"),
    (dict(interpolation_order=3), "interpolation_order must be 0 .* or 1"),
    (dict(validation_split=1.5), "validation_split must be strictly between 0 and 1"),
    (dict(brightness_range=0.5), "brightness_range must be a pair"),
    (dict(data_format="NHWC"), "data_format must be 'channels_last' or 'channels_first'"),
])
def test_generator_arguments_are_checked(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ImageDataGenerator(**kwargs)


def test_flow_input_errors_say_what_to_do():
    gen = ImageDataGenerator(validation_split=0.5)
    with pytest.raises(ValueError, match=r"rank 4 .* shape \(4, 5, 5\)\. .*x\[\.\.\., None\]"):
        gen.flow(np.zeros((4, 5, 5)))
    with pytest.raises(ValueError, match="same length"):
        gen.flow(np.zeros((4, 2, 2, 1)), np.zeros(3))
    with pytest.raises(ValueError, match="different sets of labels.*shuffle them"):
        gen.flow(np.zeros((4, 2, 2, 1)), np.array([0, 0, 1, 1]), subset="training")
    with pytest.raises(ValueError, match="subset must be 'training', 'validation'"):
        gen.flow(np.zeros((4, 2, 2, 1)), subset="test")
    with pytest.raises(ValueError, match=r"needs the generator's validation_split"):
        ImageDataGenerator().flow(np.zeros((4, 2, 2, 1)), subset="validation")
