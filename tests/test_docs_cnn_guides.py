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


def test_guide_transfer_freezes_the_pretrained_convolutions(guides, tmp_path):
    results = guides.transfer(per_class=4, pretrain_epochs=1, epochs=1, figures=tmp_path)
    # only the head trains: dense 256*64+64, output 64*5+5
    assert results["trainable_params"] == 16448 + 325
    assert set(results) == {"trainable_params", "transferred", "from scratch",
                            "transferred after 1 epochs", "from scratch after 1 epochs"}
    assert np.isfinite([results["transferred"], results["from scratch"]]).all()
    width, height = _png_size(tmp_path, "transfer_learning_4.png")
    assert (width, height) == (350, 224)
