"""The image guides' code (docs/cnn_guides.py) runs at small settings and writes its
figures: the CNN on digits, augmentation, transfer learning, feature maps."""
import importlib.util
import os

import numpy as np
import pytest
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


@pytest.fixture(scope="module")
def guides():
    path = os.path.join(HERE, "..", "docs", "cnn_guides.py")
    spec = importlib.util.spec_from_file_location("cnn_guides", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png_size(folder, name):
    with Image.open(os.path.join(folder, name)) as image:
        return image.size


def test_guide_digits_cnn_and_its_feature_maps(guides, tmp_path):
    model, numbers = guides.train_digits(epochs=2, figures=tmp_path)
    # conv1 3*3*1*32+32, conv2 3*3*32*64+64, dense 256*64+64, output 64*10+10
    assert numbers["params"] == 320 + 18496 + 16448 + 650
    assert 0.0 <= numbers["test_accuracy"] <= 1.0
    assert model.output_shape == (None, 10)
    shapes = guides.show_feature_maps(model, figures=tmp_path)
    assert shapes == {"conv1": (1, 8, 8, 32), "conv2": (1, 4, 4, 64)}
    for name in ("cnn_digits.png", "filters_conv1.png", "feature_maps_conv1.png",
                 "feature_maps_conv2.png"):
        width, height = _png_size(tmp_path, name)
        assert width > 100 and height > 50


def test_guide_augmentation_with_layers_and_generator(guides, tmp_path):
    results = guides.augmentation(train_size=64, epochs=1, figures=tmp_path,
                                  ways=("layers", "generator"))
    assert sorted(results) == ["generator", "layers"]
    assert all(sorted(r) == ["shifted", "test"] for r in results.values())
    assert all(0.0 <= v <= 1.0 for r in results.values() for v in r.values())
    assert _png_size(tmp_path, "augmentation.png") == (630, 161)


def test_guide_transfer_freezes_the_pretrained_base(guides, tmp_path):
    results = guides.transfer(per_class=(2,), seeds=1, frame=8, clutter=1,
                              pretrain_epochs=1, pretrain_copies=1, epochs=1,
                              learning_rates=(1e-3,), head_rates=(3e-3,),
                              tune_rates=(3e-4,))
    # conv1 and conv2 frozen; conv3 3*3*64*64+64, dense 64*64+64, output 64*5+5 train
    assert results["trainable params, frozen"] == 36928 + 4160 + 325
    row = results[2]
    assert sorted(row) == ["epochs", "fine-tuned", "from scratch", "frozen base",
                           "learning rates"]
    # scratch gets the budget of both phases: 2 epochs, then 1 and 1
    assert row["learning rates"] == [(1e-3, 3e-3, 3e-4)] and row["epochs"] == [(2, 1, 1)]
    accuracies = [row[name][0] for name in ("from scratch", "frozen base", "fine-tuned")]
    # 180 test images of 5-9
    assert all(abs(180 * a - round(180 * a)) < 1e-3 for a in accuracies)
    guides.plot_transfer(results, figures=tmp_path)
    assert _png_size(tmp_path, "transfer_learning.png") == (350, 224)
    assert "2 a class: from scratch" in guides.summary(results)


def test_guide_transfer_pretrains_on_each_digit_framed_several_times(guides):
    data = guides.transfer_data(frame=12, copies=3, clutter=0)
    x_low, y_low = data["low"]
    n = len(y_low) // 3
    assert x_low.shape == (3 * n, 12, 12, 1)
    np.testing.assert_array_equal(y_low, np.tile(y_low[:n], 3))
    # the same digit, at another place in each copy: same pixels, shifted
    for copy in (1, 2):
        np.testing.assert_allclose(np.sort(x_low[copy * n].ravel()),
                                   np.sort(x_low[0].ravel()))
    assert not np.array_equal(x_low[:n], x_low[n:2 * n])
    assert np.all(y_low < 5)


def test_guide_transfer_frames_each_digit_once(guides):
    digits = np.arange(2 * 64, dtype="float32").reshape(2, 8, 8, 1) + 1
    frames = guides.framed(digits, frame=12, seed=0)
    assert frames.shape == (2, 12, 12, 1)
    for digit, image in zip(digits, frames):
        rows, cols = np.nonzero(image[..., 0])
        top, left = rows.min(), cols.min()
        np.testing.assert_array_equal(image[top:top + 8, left:left + 8], digit)
        assert np.count_nonzero(image) == 64


def test_guide_transfer_clutter_adds_pieces_of_the_same_set(guides):
    rng = np.random.default_rng(0)
    digits = rng.uniform(0.1, 1.0, (6, 8, 8, 1)).astype("float32")
    clean = guides.framed(digits, frame=16, seed=3)
    cluttered = guides.framed(digits, frame=16, seed=3, clutter=3, piece=4)
    # the digit keeps every pixel of its clean framing; the pieces only add to it
    assert np.all(cluttered >= clean)
    added = np.count_nonzero(cluttered, axis=(1, 2, 3)) - 64
    assert np.all(added <= 3 * 16) and added.sum() > 0
    # each pixel is black or a pixel of one of the images
    assert set(np.unique(cluttered)) <= set(np.unique(digits)) | {0.0}
    # pieces cut from other images: each image holds its own digit's pixels, the
    # pieces' pixels and black, and nothing of the other digits
    others = np.full((3, 8, 8, 1), 2.0, "float32")
    from_others = guides.framed(digits, frame=16, seed=3, clutter=3, pieces=others)
    assert np.all(from_others >= clean)
    for image, digit in zip(from_others, digits):
        assert set(np.unique(image)) <= set(np.unique(digit)) | {0.0, 2.0}
    assert np.any(from_others == 2.0)


def test_guide_transfer_tasks_figure(guides, tmp_path):
    titles = guides.plot_transfer_tasks(count=4, figures=tmp_path)
    assert titles == ["plain 8x8", "framed", "framed, clutter"]
    assert _png_size(tmp_path, "transfer_tasks.png") == (280, 231)


def test_guide_transfer_scratch_longer_draws_the_same_images(guides):
    data = guides.transfer_data(frame=8, copies=1, clutter=0)
    x_few, y_few = guides.draw_few(data["pool"], 3, seed=1)
    assert np.array_equal(np.bincount(y_few), [3] * 5)
    np.testing.assert_array_equal(guides.draw_few(data["pool"], 3, seed=1)[0], x_few)
    results = guides.scratch_longer(per_class=(2,), seeds=2, frame=8, clutter=0,
                                    epochs=1, patience=1, learning_rates=(1e-3,))
    assert list(results) == [2] and len(results[2]) == 2
    assert all(abs(180 * a - round(180 * a)) < 1e-3 for a in results[2])


def test_guide_transfer_snippet_frames_as_the_code_does(guides):
    with open(os.path.join(HERE, "..", "docs", "transfer_learning.md")) as file:
        text = file.read()
    snippet = next(block for block in text.split("```python\n")[1:]
                   if block.lstrip().startswith("import numpy") and "def framed(" in block)
    namespace = {}
    exec(snippet.split("```")[0], namespace)  # noqa: S102 (our own guide)
    rng = np.random.default_rng(1)
    digits = rng.uniform(0, 1, (5, 8, 8, 1)).astype("float32")
    others = rng.uniform(0, 1, (4, 8, 8, 1)).astype("float32")
    for kwargs in ({}, {"clutter": 3}, {"clutter": 2, "pieces": others}):
        np.testing.assert_array_equal(namespace["framed"](digits, seed=7, **kwargs),
                                      guides.framed(digits, seed=7, **kwargs))
