"""load_img, img_to_array, array_to_img, save_img (checked against Pillow read back), and
the tf.image.resize-compatible resizing (checked against tf.keras outputs and by hand)."""
import builtins
import io
import os

import numpy as np
import pytest

import lamina
from lamina.utils import _image_resize

Image = pytest.importorskip("PIL.Image")
FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "tf_keras_image.npz"))


def _png(path, pixels, mode=None):
    Image.fromarray(pixels, mode).save(path)
    return path


def test_load_img_converts_color_modes(tmp_path):
    pixels = np.random.RandomState(0).randint(0, 256, (5, 7, 3)).astype(np.uint8)
    path = _png(tmp_path / "a.png", pixels)
    rgb = lamina.utils.load_img(path)
    assert (rgb.mode, rgb.size) == ("RGB", (7, 5))
    np.testing.assert_array_equal(np.asarray(rgb), pixels)
    gray = lamina.utils.load_img(str(path), color_mode="grayscale")
    np.testing.assert_array_equal(np.asarray(gray), np.asarray(Image.open(path).convert("L")))
    rgba = lamina.utils.load_img(path, color_mode="rgba")
    assert rgba.mode == "RGBA" and np.asarray(rgba)[..., 3].min() == 255
    with pytest.warns(UserWarning, match='color_mode = "grayscale"'):
        assert lamina.utils.load_img(path, grayscale=True).mode == "L"


def test_load_img_resizes_with_pillow_and_keeps_aspect_ratio(tmp_path):
    pixels = np.random.RandomState(1).randint(0, 256, (6, 10, 3)).astype(np.uint8)
    path = _png(tmp_path / "b.png", pixels)
    img = lamina.utils.load_img(path, target_size=(3, 4), interpolation="bilinear")
    expected = Image.fromarray(pixels).resize((4, 3), Image.Resampling.BILINEAR)
    assert img.size == (4, 3)
    np.testing.assert_array_equal(np.asarray(img), np.asarray(expected))
    # keep_aspect_ratio: the centred 6x6 box of a 6x10 image, as tf.keras crops it.
    img = lamina.utils.load_img(path, target_size=(3, 3), keep_aspect_ratio=True)
    expected = Image.fromarray(pixels).resize((3, 3), Image.Resampling.NEAREST,
                                              box=(2, 0, 8, 6))
    np.testing.assert_array_equal(np.asarray(img), np.asarray(expected))


def test_img_to_array_and_back_round_trip():
    x = np.arange(2 * 3 * 3, dtype=np.float32).reshape(2, 3, 3) * 10
    img = lamina.utils.array_to_img(x, scale=False)
    assert img.mode == "RGB"
    back = lamina.utils.img_to_array(img)
    assert back.shape == (2, 3, 3) and back.dtype == np.float32
    np.testing.assert_array_equal(back, x)
    first = lamina.utils.img_to_array(img, data_format="channels_first")
    assert first.shape == (3, 2, 3)
    gray = lamina.utils.img_to_array(Image.fromarray(np.zeros((4, 5), np.uint8)))
    assert gray.shape == (4, 5, 1)


def test_array_to_img_scales_to_0_255_by_hand():
    x = np.array([[[-1.0], [0.0], [3.0]]])
    img = lamina.utils.array_to_img(x)
    # (x - min) / (max - min) * 255, cast to uint8: 0, 63.75 -> 63, 255.
    assert img.mode == "L" and np.asarray(img).ravel().tolist() == [0, 63, 255]
    assert lamina.utils.array_to_img(np.full((1, 1, 1), 300.0), scale=False).mode == "I"
    rgba = lamina.utils.array_to_img(np.zeros((2, 2, 4)))
    assert rgba.mode == "RGBA"


def test_save_img_writes_a_file_pillow_reads_back(tmp_path):
    x = np.random.RandomState(2).randint(0, 256, (4, 6, 3)).astype(np.float32)
    lamina.utils.save_img(tmp_path / "c.png", x, scale=False)
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "c.png")), x)
    with pytest.warns(UserWarning, match="JPG format does not support RGBA"):
        lamina.utils.save_img(tmp_path / "d.jpg", np.zeros((4, 4, 4)), file_format="jpg")
    assert Image.open(tmp_path / "d.jpg").mode == "RGB"
    buffer = io.BytesIO()
    lamina.preprocessing.image.save_img(buffer, x, file_format="png")
    assert lamina.preprocessing.image.load_img(buffer).size == (6, 4)


def test_image_helpers_errors_say_what_to_do(tmp_path):
    with pytest.raises(ValueError, match=r"3 axes .* shape \(2, 4, 4, 3\)\. .*x\[0\]"):
        lamina.utils.array_to_img(np.zeros((2, 4, 4, 3)))
    with pytest.raises(ValueError, match=r"1, 3 or 4 channels.*\(2 channels\)"):
        lamina.utils.array_to_img(np.zeros((4, 4, 2)))
    with pytest.raises(ValueError, match=r"color_mode must be one of \['grayscale', 'rgb'"):
        lamina.utils.load_img(io.BytesIO(), color_mode="bgr")
    with pytest.raises(TypeError, match="path should be a path"):
        lamina.utils.load_img(42)
    bad = tmp_path / "broken.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(ValueError, match=r"Cannot read the image file .*broken\.png"):
        lamina.utils.load_img(bad)
    path = _png(tmp_path / "e.png", np.zeros((2, 2, 3), np.uint8))
    with pytest.raises(ValueError, match=r"interpolation must be one of \['nearest'"):
        lamina.utils.load_img(path, target_size=(3, 3), interpolation="cubic")


def test_missing_pillow_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_pil(name, *args, **kwargs):
        if name == "PIL" or name.startswith("PIL."):
            raise ImportError("No module named 'PIL'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pil)
    with pytest.raises(ImportError, match=r"pip install 'lamina\[image\]'"):
        lamina.utils.load_img("anything.png")


def test_resize_weights_by_hand():
    # Half-pixel centres: output i samples input (i + 0.5) * in / out - 0.5.
    np.testing.assert_allclose(_image_resize.weights("bilinear", 3, 2),
                               [[0.75, 0.25, 0.0], [0.0, 0.25, 0.75]])
    np.testing.assert_array_equal(_image_resize.weights("nearest", 4, 2),
                                  [[0, 1, 0, 0], [0, 0, 0, 1]])
    np.testing.assert_allclose(_image_resize.weights("area", 4, 2),
                               [[0.5, 0.5, 0, 0], [0, 0, 0.5, 0.5]])
    for method in _image_resize.INTERPOLATIONS:
        w = _image_resize.weights(method, 7, 3)
        assert w.shape == (3, 7)
        np.testing.assert_allclose(w.sum(axis=1), 1.0, rtol=1e-5)


def test_resize_matches_tf_image_resize(tmp_path):
    """The images tf.keras's image_dataset_from_directory made from the fixture tree,
    resized here from the same PNG files."""
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
    from record_tf_keras_image import write_tree

    write_tree(str(tmp_path), Image)
    # tf.keras's order: class by class, a sorted walk (the subfolder's file last).
    paths = [tmp_path / c / f"{c}{i}.png" for c in ("cat", "dog") for i in range(4)]
    paths[4:4] = [tmp_path / "cat" / "sub" / "cat4.png"]
    paths.append(tmp_path / "dog" / "sub" / "dog4.png")
    for method in ("bilinear", "nearest", "area"):
        got = np.stack([_image_resize.resize(np.asarray(Image.open(p)), (4, 7), method)
                        for p in paths])
        assert got.shape == (10, 4, 7, 3)
        np.testing.assert_allclose(got, FIXTURE[f"dataset/{method}_x"], atol=1e-3)


def test_smart_resize_crops_the_centre_then_resizes():
    x = np.arange(4 * 8, dtype=np.float32).reshape(4, 8, 1)
    out = lamina.preprocessing.image.smart_resize(x, (2, 2), interpolation="nearest")
    # The centred 4x4 crop is columns 2..5; nearest picks rows 1, 3 and columns 3, 5.
    assert out.shape == (2, 2, 1)
    np.testing.assert_array_equal(out[..., 0], [[11, 13], [27, 29]])
    assert lamina.preprocessing.image.smart_resize(np.zeros((2, 4, 8, 3)), (3, 3)).shape \
        == (2, 3, 3, 3)
    with pytest.raises(ValueError, match=r"interpolation must be one of \['bilinear'"):
        _image_resize.resize(x, (2, 2), "cubic")
