"""flow_from_directory and image_dataset_from_directory on small PNG trees made here:
files, labels, order, split and images as tf.keras 2 gives them (tests/fixtures), and the
errors for folders that cannot work."""
import os
import sys

import numpy as np
import pytest

import lamina
from lamina.preprocessing.image import DirectoryIterator, ImageDataGenerator

Image = pytest.importorskip("PIL.Image")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "fixtures"))
from record_tf_keras_image import write_tree  # noqa: E402

FIXTURE = np.load(os.path.join(os.path.dirname(__file__), "fixtures", "tf_keras_image.npz"))


@pytest.fixture()
def tree(tmp_path):
    write_tree(str(tmp_path), Image)
    return str(tmp_path)


def test_flow_from_directory_matches_tf_keras(tree, capsys):
    gen = ImageDataGenerator(rotation_range=20, horizontal_flip=True, validation_split=0.4)
    it = gen.flow_from_directory(tree, target_size=(5, 6), batch_size=3, seed=2,
                                 class_mode="categorical", subset="training")
    assert capsys.readouterr().out == "Found 6 images belonging to 2 classes.\n"
    assert isinstance(it, DirectoryIterator)
    assert it.filenames == list(FIXTURE["directory/filenames"])
    assert it.class_indices == {"cat": 0, "dog": 1} and it.samples == 6 and len(it) == 2
    np.testing.assert_array_equal(it.classes, FIXTURE["directory/classes"])
    x, y = it[0]
    assert x.shape == (3, 5, 6, 3) and y.shape == (3, 2) and y.dtype == np.float32
    np.testing.assert_array_equal(y, FIXTURE["directory/y0"])
    np.testing.assert_allclose(x, FIXTURE["directory/x0"], atol=1e-3)
    val = gen.flow_from_directory(tree, target_size=(5, 6), batch_size=3, seed=2,
                                  class_mode="binary", subset="validation",
                                  color_mode="grayscale")
    assert val.filenames == list(FIXTURE["directory/val_filenames"])
    x, y = val[0]
    assert x.shape == (3, 5, 6, 1) and y.shape == (3,)
    np.testing.assert_array_equal(y, FIXTURE["directory/val_y0"])
    np.testing.assert_allclose(x, FIXTURE["directory/val_x0"], atol=1e-3)


@pytest.mark.parametrize("class_mode, shape, dtype", [
    ("sparse", (4,), np.float32), ("input", (4, 3, 3, 4), np.float32), (None, None, None)])
def test_flow_from_directory_class_modes(tree, class_mode, shape, dtype):
    it = ImageDataGenerator().flow_from_directory(
        tree, target_size=(3, 3), color_mode="rgba", class_mode=class_mode, batch_size=4,
        shuffle=False, classes=["dog", "cat"])
    batch = it[0]
    if class_mode is None:
        assert isinstance(batch, np.ndarray) and batch.shape == (4, 3, 3, 4)
        return
    x, y = batch
    assert y.shape == shape and y.dtype == dtype
    if class_mode == "sparse":
        np.testing.assert_array_equal(y, [0, 0, 0, 0])  # "dog" is class 0 here
        assert it.filenames[0] == os.path.join("dog", "dog0.png")
    else:
        np.testing.assert_array_equal(y, x)


def test_flow_from_directory_reads_pixels_as_pillow_does(tree):
    it = ImageDataGenerator(rescale=1 / 255).flow_from_directory(
        tree, target_size=(6, 8), batch_size=1, shuffle=False, class_mode=None)
    x = it[0]
    expected = np.asarray(Image.open(os.path.join(tree, "cat", "cat0.png")), np.float32)
    assert x.shape == (1, 6, 8, 3)
    np.testing.assert_allclose(x[0], expected * np.float32(1 / 255))


def test_flow_from_directory_skips_hidden_folders_and_other_files(tree):
    os.makedirs(os.path.join(tree, ".ipynb_checkpoints"))
    it = ImageDataGenerator().flow_from_directory(tree, batch_size=2)
    assert it.num_classes == 2 and it.samples == 10
    assert all(name.endswith(".png") for name in it.filenames)


def test_directory_errors_say_how_to_fix_the_folder(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.fromarray(np.zeros((2, 2, 3), np.uint8)).save(flat / "a.png")
    gen = ImageDataGenerator()
    with pytest.raises(ValueError, match=r"one subfolder per class .* no subfolders \(1 "
                                         r"file\(s\) directly inside\)\. Move the images"):
        gen.flow_from_directory(str(flat))
    with pytest.raises(ValueError, match=r"no subfolders.*Move the images"):
        lamina.utils.image_dataset_from_directory(str(flat))
    with pytest.raises(ValueError, match="is not found"):
        gen.flow_from_directory(str(tmp_path / "missing"))
    empty = tmp_path / "empty"
    (empty / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"found no image files \(png, jpg, jpeg"):
        gen.flow_from_directory(str(empty))
    with pytest.raises(ValueError, match=r"received classes \['b'\].*subfolders are \['a'\]"):
        gen.flow_from_directory(str(flat.parent / "empty"), classes=["b"])
    with pytest.raises(ValueError, match="class_mode must be one of"):
        gen.flow_from_directory(str(empty), class_mode="multi")


def test_unreadable_files_are_named(tree):
    for name in ("cat/zero.jpg", "dog/sub/broken.png"):
        open(os.path.join(tree, name), "wb").close()
    pattern = (r"2 file\(s\) in .* are not readable images: "
               + r"cat/zero\.jpg, dog/sub/broken\.png\. Delete them")
    with pytest.raises(ValueError, match=pattern):
        ImageDataGenerator().flow_from_directory(tree)
    with pytest.raises(ValueError, match=r"not readable images: cat/zero\.jpg"):
        lamina.utils.image_dataset_from_directory(tree, shuffle=False)


def test_image_dataset_matches_tf_keras(tree, capsys):
    ds = lamina.utils.image_dataset_from_directory(tree, image_size=(4, 7), batch_size=10,
                                                   shuffle=False)
    assert capsys.readouterr().out == "Found 10 files belonging to 2 classes.\n"
    x, y = ds[0]
    assert ds.class_names == ["cat", "dog"] and len(ds) == 1
    assert x.shape == (10, 4, 7, 3) and y.shape == (10,) and y.dtype == np.int32
    np.testing.assert_array_equal(y, FIXTURE["dataset/bilinear_y"])
    np.testing.assert_allclose(x, FIXTURE["dataset/bilinear_x"], atol=1e-3)
    ds = lamina.utils.image_dataset_from_directory(
        tree, image_size=(4, 4), batch_size=10, seed=9, validation_split=0.3,
        subset="training", label_mode="categorical", crop_to_aspect_ratio=True)
    assert capsys.readouterr().out.endswith("Using 7 files for training.\n")
    assert [os.path.relpath(p, tree) for p in ds.file_paths] == \
        list(FIXTURE["dataset/training_paths"])
    x, y = ds[0]
    order = np.argsort([float(v.sum()) for v in x])
    assert y.shape == (7, 2) and y.dtype == np.float32
    np.testing.assert_allclose(x[order], FIXTURE["dataset/training_x_sorted"], atol=1e-3)
    np.testing.assert_array_equal(y[order], FIXTURE["dataset/training_y_sorted"])


def test_image_dataset_subsets_do_not_overlap(tree):
    train, val = lamina.utils.image_dataset_from_directory(
        tree, image_size=(3, 3), batch_size=4, seed=1, validation_split=0.2, subset="both",
        label_mode="binary")
    assert len(train.file_paths) == 8 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)
    x, y = val[0]
    assert x.shape == (2, 3, 3, 3) and y.shape == (2, 1) and y.dtype == np.float32
    assert lamina.preprocessing.image_dataset_from_directory is \
        lamina.utils.image_dataset_from_directory


def test_image_dataset_labels_given_or_none(tree):
    labels = list(range(10))
    ds = lamina.utils.image_dataset_from_directory(tree, labels=labels, image_size=(2, 2),
                                                   shuffle=False, batch_size=3)
    assert ds.class_names == [str(i) for i in range(10)]
    np.testing.assert_array_equal(ds[1][1], [3, 4, 5])
    only = lamina.utils.image_dataset_from_directory(tree, labels=None, image_size=(2, 2),
                                                     batch_size=3, color_mode="grayscale")
    assert isinstance(only[0], np.ndarray) and only[0].shape == (3, 2, 2, 1)


def test_image_dataset_reshuffles_each_epoch_and_takes_and_caches(tree):
    ds = lamina.utils.image_dataset_from_directory(tree, image_size=(2, 2), batch_size=5,
                                                   seed=3)
    first = np.concatenate([ds[i][1] for i in range(2)])
    ds.on_epoch_end()
    second = np.concatenate([ds[i][1] for i in range(2)])
    assert sorted(first) == sorted(second) == [0] * 5 + [1] * 5
    one = ds.take(1)
    assert len(one) == 1 and len([b for b in one]) == 1
    cached = ds.cache().prefetch(8)
    np.testing.assert_array_equal(cached[0][0], cached[0][0])
    assert len(cached._cache) == 5


@pytest.mark.parametrize("kwargs, match", [
    (dict(label_mode="sparse"), r"label_mode must be one of \['int', 'categorical'"),
    (dict(validation_split=0.2), "validation_split and subset go together"),
    (dict(validation_split=0.2, subset="training"), "pass the same seed"),
    (dict(subset="testing", validation_split=0.2, seed=1), "subset must be 'training'"),
    (dict(labels="folders"), "labels must be 'inferred', None or a list"),
    (dict(class_names=["cat", "bird"]), r"subfolders of .* are \['cat', 'dog'\]"),
    (dict(interpolation="cubic"), r"interpolation must be one of \['bilinear'"),
    (dict(batch_size=None), "Unbatched datasets"),
    (dict(labels=[0, 1]), "received 2 labels, but found 10 image files"),
])
def test_image_dataset_arguments_are_checked(tree, kwargs, match):
    with pytest.raises(ValueError, match=match):
        lamina.utils.image_dataset_from_directory(tree, **kwargs)
