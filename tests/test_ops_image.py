"""`keras.ops.image` against SciPy and the standard library (see tests/ops_case.py)."""
import colorsys

import numpy as np
import pytest
import scipy.ndimage
import scipy.signal

from ops_case import RNG, Case, run_case

IMAGES = RNG.uniform(0, 1, size=(2, 8, 6, 3)).astype("float32")
PLANE = IMAGES[0, ..., 0]


def _per_channel(fn):
    return lambda images, *args, **kwargs: np.stack(
        [np.stack([fn(img[..., c]) for c in range(img.shape[-1])], -1) for img in images])


def _affine_reference(images):
    # Output (row, col) takes the input at (row + 1, 0.5 col + 1): scipy's
    # affine_transform maps output coordinates to input ones the same way.
    matrix, offset = np.array([[1.0, 0.0], [0.0, 0.5]]), np.array([1.0, 1.0])
    return _per_channel(lambda p: scipy.ndimage.affine_transform(
        p, matrix, offset, order=1, mode="constant", cval=0.0))(images)


def _gaussian_kernel(size, sigma):
    x = np.arange(size) - (size - 1) / 2
    g = np.exp(-0.5 * (x / sigma) ** 2)
    g /= g.sum()
    return np.outer(g, g)


def _ssim_reference(a, b, max_val=1.0):
    kernel = _gaussian_kernel(11, 1.5)
    c1, c2 = (0.01 * max_val) ** 2, (0.03 * max_val) ** 2
    values = []
    for image1, image2 in zip(a, b):
        per_channel = []
        for c in range(a.shape[-1]):
            x, y = image1[..., c].astype(np.float64), image2[..., c].astype(np.float64)
            mean = lambda t: scipy.signal.correlate2d(t, kernel, mode="valid")  # noqa: E731
            mx, my = mean(x), mean(y)
            vx, vy, cov = mean(x * x) - mx ** 2, mean(y * y) - my ** 2, mean(x * y) - mx * my
            per_channel.append(np.mean(((2 * mx * my + c1) * (2 * cov + c2)) /
                                       ((mx ** 2 + my ** 2 + c1) * (vx + vy + c2))))
        values.append(np.mean(per_channel))
    return np.array(values)


def _patches_reference(images, size):
    n, h, w, c = images.shape
    return np.stack([np.stack([images[:, i * size:(i + 1) * size, j * size:(j + 1) * size]
                               .reshape(n, -1) for j in range(w // size)], 1)
                     for i in range(h // size)], 1)


BIG = RNG.uniform(0, 1, size=(2, 16, 16, 1)).astype("float32")
VOLUMES = RNG.uniform(0, 1, size=(1, 4, 4, 4, 2)).astype("float32")

CASES = {
    "image.resize": Case((IMAGES, (16, 12)), lambda x, size, interpolation:
                         x.repeat(2, 1).repeat(2, 2), {"interpolation": "nearest"}),
    "image.affine_transform": Case(
        (IMAGES, np.array([0.5, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 0.0], "float32")),
        lambda x, t: _affine_reference(x), rtol=1e-5, atol=1e-6),
    "image.map_coordinates": Case(
        (PLANE, np.array([[0.5, 2.25, 7.0], [1.0, 3.5, 0.25]], "float32"), 1),
        lambda x, coords, order: scipy.ndimage.map_coordinates(x, coords, order=order,
                                                               mode="constant")),
    "image.rgb_to_grayscale": Case((IMAGES,), lambda x: (x @ np.array(
        [0.2989, 0.5870, 0.1140]))[..., None], rtol=1e-5),
    "image.rgb_to_hsv": Case((IMAGES,), lambda x: np.apply_along_axis(
        lambda p: colorsys.rgb_to_hsv(*p), -1, x), rtol=1e-5, atol=1e-6),
    "image.hsv_to_rgb": Case((IMAGES,), lambda x: np.apply_along_axis(
        lambda p: colorsys.hsv_to_rgb(*p), -1, x), rtol=1e-5, atol=1e-6),
    "image.crop_images": Case((IMAGES,), lambda x, top_cropping, left_cropping, target_height,
                              target_width: x[:, 1:6, 2:5],
                              {"top_cropping": 1, "left_cropping": 2, "target_height": 5,
                               "target_width": 3}),
    "image.pad_images": Case((IMAGES,), lambda x, top_padding, bottom_padding, left_padding,
                             right_padding: np.pad(x, ((0, 0), (1, 2), (0, 3), (0, 0))),
                             {"top_padding": 1, "bottom_padding": 2, "left_padding": 0,
                              "right_padding": 3}),
    "image.extract_patches": Case((IMAGES, 2), _patches_reference),
    "image.extract_patches_3d": Case((VOLUMES, 2), lambda v, size: np.stack(
        [np.stack([np.stack([v[:, a:a + 2, b:b + 2, c:c + 2].reshape(1, -1)
                             for c in (0, 2)], 1) for b in (0, 2)], 1) for a in (0, 2)], 1)),
    "image.gaussian_blur": Case((IMAGES,), _per_channel(lambda p: scipy.ndimage.correlate(
        p, _gaussian_kernel(3, 1.0), mode="constant")), rtol=1e-5, atol=1e-6),
    "image.sobel_edges": Case((IMAGES,), lambda x: np.stack([
        _per_channel(lambda p: scipy.ndimage.correlate(p, np.array(
            [[-1, -2, -1], [0, 0, 0], [1, 2, 1]]), mode="constant"))(x),
        _per_channel(lambda p: scipy.ndimage.correlate(p, np.array(
            [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]), mode="constant"))(x)], -1),
        rtol=1e-5, atol=1e-5),
    "image.ssim": Case((BIG, np.clip(BIG + 0.1 * RNG.normal(size=BIG.shape), 0, 1)
                        .astype("float32")), _ssim_reference, rtol=1e-4),
    "image.elastic_transform": Case((IMAGES,), lambda x, alpha, seed: x,
                                    {"alpha": 0.0, "seed": 1}, atol=1e-6),
    "image.perspective_transform": Case(
        (IMAGES, np.array([[0, 0], [5, 0], [0, 7], [5, 7]], "float32"),
         np.array([[1, 0], [6, 0], [1, 7], [6, 7]], "float32")),
        lambda x, s, e: np.pad(x, ((0, 0), (0, 0), (1, 0), (0, 0)))[:, :, :6], atol=1e-5),
    "image.scale_and_translate": Case(
        (IMAGES, (2, 16, 12, 3), np.array([2.0, 2.0], "float32"),
         np.array([0.0, 0.0], "float32"), (1, 2), "linear"),
        None, symbolic=False, check=lambda r, a, k: np.testing.assert_allclose(
            np.asarray(r)[:, 1::2, 1::2][:, :-1, :-1],
            (a[0][:, :-1, :-1] * 0.75 + a[0][:, 1:, :-1] * 0.25) * 0.75 +
            (a[0][:, :-1, 1:] * 0.75 + a[0][:, 1:, 1:] * 0.25) * 0.25, rtol=1e-4)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_image_op_matches_reference(name):
    run_case(name, CASES[name])
