"""The applications against Keras: every layer's name, class, output shape and parameter
count as Keras 3 builds them (recorded in tests/fixtures/keras/applications.json by
tests/fixtures/make_applications_reference.py), Keras's documented totals, and the
numbers of a small MobileNetV2 on fixed weights loaded from files written with h5py in
Keras's two HDF5 layouts."""
import json
import os
import warnings

import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina.applications import imagenet_utils
from lamina.layers._spatial import looks_channels_first

h5py = pytest.importorskip("h5py")

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "fixtures", "keras", "applications.json")) as f:
    REFERENCE = json.load(f)["models"]

BUILDERS = {"vgg16": keras.applications.VGG16, "resnet50": keras.applications.ResNet50,
            "mobilenet_v2": keras.applications.MobileNetV2,
            "inception_v3": keras.applications.InceptionV3}
# Keras's documented parameter counts (keras.io/api/applications).
DOCUMENTED = {"vgg16": 138_357_544, "resnet50": 25_636_712, "mobilenet_v2": 3_538_984,
              "inception_v3": 23_851_784}


def fixed_weight(index, shape):
    """The formula of make_applications_reference.py: weight number `index` of Keras's
    `model.weights` order."""
    size = int(np.prod(shape))
    values = np.sin(np.arange(size, dtype=np.float64) * 0.7 + index)
    if len(shape) >= 2:
        return (values * np.sqrt(3.0 / int(np.prod(shape[:-1])))).reshape(shape).astype(
            np.float32)
    return (1.0 + 0.5 * values).reshape(shape).astype(np.float32)


def fixed_input(shape):
    size = int(np.prod(shape))
    return (np.cos(np.arange(size, dtype=np.float64) * 0.37) * 2.0).reshape(shape).astype(
        np.float32)


def described(model):
    return [{"name": layer.name, "class": type(layer).__name__,
             "output_shape": list(layer.output.shape), "params": layer.count_params()}
            for layer in model.layers]


def expected(layers):
    return [{k: entry[k] for k in ("name", "class", "output_shape", "params")}
            for entry in layers]


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_application_full_size_matches_keras_layer_for_layer(name):
    keras.backend.clear_session()
    model = BUILDERS[name](weights=None)
    reference = REFERENCE[name]
    assert model.name == reference["model_name"]
    assert model.count_params() == DOCUMENTED[name] == reference["count_params"]
    got, want = described(model), expected(reference["layers"])
    assert len(got) == len(want)
    # The input layer is `input_layer` in Keras 3 as in Lamina; the rest must agree.
    assert got == want


def test_small_feature_maps_do_not_look_like_channels_first_images():
    assert looks_channels_first((None, 3, 32, 32), 2, "channels_last")
    assert looks_channels_first((None, 32, 32, 3), 2, "channels_first")
    assert not looks_channels_first((None, 1, 1, 384), 2, "channels_last")
    assert not looks_channels_first((None, 3, 3, 512), 2, "channels_last")
    assert not looks_channels_first((None, 512, 3, 3), 2, "channels_first")


def _write_keras2_h5(path, reference_layers):
    """A weights file in Keras 2's layout (root `layer_names`, each group's
    `weight_names`), holding the fixed weights in Keras's order."""
    index = 0
    with h5py.File(path, "w") as f:
        f.attrs["layer_names"] = np.array([e["name"].encode() for e in reference_layers])
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        for entry in reference_layers:
            group = f.create_group(entry["name"])
            weights = entry.get("weights", [])
            names = [f"{entry['name']}/{w}:0" for w, _ in weights]
            group.attrs["weight_names"] = np.array([n.encode() for n in names]) \
                if names else np.array([])
            for weight_name, (_, shape) in zip(names, weights):
                group.create_dataset(weight_name, data=fixed_weight(index, tuple(shape)))
                index += 1


def _write_keras3_weights_h5(path, reference_layers):
    """A `.weights.h5` file in Keras 3's layout: `layers/<class path>/vars/0, 1, ...`."""
    index, used = 0, {}
    with h5py.File(path, "w") as f:
        root = f.create_group("layers")
        for entry in reference_layers:
            base = keras.saving._keras_weights.snake_case(entry["class"])
            count = used.get(base, -1) + 1
            used[base] = count
            group = root.create_group(base if count == 0 else f"{base}_{count}")
            variables = group.create_group("vars")
            variables.attrs["name"] = entry["name"]
            for i, (_, shape) in enumerate(entry.get("weights", [])):
                variables.create_dataset(str(i), data=fixed_weight(index, tuple(shape)))
                index += 1


@pytest.mark.parametrize("writer", [_write_keras2_h5, _write_keras3_weights_h5],
                         ids=["keras2_h5", "keras3_weights_h5"])
def test_mobilenet_v2_loads_keras_files_and_predicts_as_keras(tmp_path, writer):
    small = REFERENCE["mobilenet_v2"]["small"]
    path = str(tmp_path / "mobilenet.weights.h5")
    writer(path, small["layers"])
    keras.backend.clear_session()
    kwargs = dict(small["kwargs"], input_shape=tuple(small["kwargs"]["input_shape"]))
    model = keras.applications.MobileNetV2(weights=path, **kwargs)
    assert model.count_params() == small["count_params"]
    assert described(model) == expected(small["layers"])
    out = model.predict(fixed_input((2, 32, 32, 3)), verbose=0)
    assert out.shape == (2, 7)
    np.testing.assert_allclose(out, np.array(small["output"]), rtol=2e-4, atol=1e-5)


def test_mobilenet_v2_channels_first_gives_keras_numbers_on_transposed_images(tmp_path):
    small = REFERENCE["mobilenet_v2"]["small"]
    path = str(tmp_path / "mobilenet.h5")
    _write_keras2_h5(path, small["layers"])
    keras.backend.clear_session()
    keras.backend.set_image_data_format("channels_first")
    try:
        model = keras.applications.MobileNetV2(weights=path, input_shape=(3, 32, 32),
                                               alpha=0.35, classes=7)
        assert model.get_layer("Conv1").output.shape == (None, 16, 16, 16)
        assert model.get_layer("out_relu").output.shape == (None, 1280, 1, 1)
        images = np.transpose(fixed_input((2, 32, 32, 3)), (0, 3, 1, 2))
        out = model.predict(images, verbose=0)
    finally:
        keras.backend.set_image_data_format("channels_last")
    assert out.shape == (2, 7)
    np.testing.assert_allclose(out, np.array(small["output"]), rtol=2e-4, atol=1e-5)


# Names from Keras's documented architectures, with their output shapes at the small size.
SPOT_CHECKS = {
    "resnet50": {"conv1_pad": (None, 38, 38, 3), "conv1_conv": (None, 16, 16, 64),
                 "pool1_pool": (None, 8, 8, 64), "conv2_block1_0_conv": (None, 8, 8, 256),
                 "conv4_block6_out": (None, 2, 2, 1024), "conv5_block3_out": (None, 1, 1, 2048),
                 "max_pool": (None, 2048)},
    "inception_v3": {"conv2d": (None, 37, 37, 32), "batch_normalization": (None, 37, 37, 32),
                     "mixed0": (None, 7, 7, 256), "mixed7": (None, 3, 3, 768),
                     "mixed9_1": (None, 1, 1, 768), "mixed10": (None, 1, 1, 2048)},
}


@pytest.mark.parametrize("name", ["resnet50", "inception_v3"])
def test_application_with_keras_weights_predicts_as_keras(tmp_path, name):
    small = REFERENCE[name]["small"]
    path = str(tmp_path / "weights.h5")
    _write_keras2_h5(path, small["layers"])
    keras.backend.clear_session()
    kwargs = dict(small["kwargs"], input_shape=tuple(small["kwargs"]["input_shape"]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no false alarm on the 1x1x2048 feature maps
        model = BUILDERS[name](weights=path, **kwargs)
    assert model.count_params() == small["count_params"]
    assert described(model) == expected(small["layers"])
    for layer_name, shape in SPOT_CHECKS[name].items():
        assert model.get_layer(layer_name).output.shape == shape
    out = model.predict(fixed_input((2,) + kwargs["input_shape"]), verbose=0)
    assert out.shape == (2, 2048)
    np.testing.assert_allclose(out, np.array(small["output"]), rtol=2e-4, atol=1e-4)


def test_application_reloads_its_own_weights_file(tmp_path):
    keras.backend.clear_session()
    model = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=None,
                                           include_top=False, pooling="max")
    path = str(tmp_path / "m.weights.safetensors")
    model.save_weights(path)
    again = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, weights=path,
                                           include_top=False, pooling="max")
    assert again.output_shape == (None, 1280)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), again.get_weights()))


def test_imagenet_weights_missing_say_which_file_and_where(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"vgg16_weights_tf_dim_ordering_tf_kernels_"
                       r"notop\.h5.*https://storage\.googleapis\.com/tensorflow/keras-"
                       r"applications/vgg16/vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5"):
        keras.applications.VGG16(include_top=False, input_shape=(32, 32, 3))
    folder = os.path.join(str(tmp_path), "models")
    with pytest.raises(FileNotFoundError, match=r"save it as '" + folder):
        keras.applications.InceptionV3()


def test_imagenet_weights_load_from_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    os.makedirs(tmp_path / "models")
    keras.backend.clear_session()
    reference = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35,
                                               weights=None, include_top=False)
    name = "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5"
    reference.save_weights(str(tmp_path / "models" / name), save_format="h5")
    model = keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35,
                                           include_top=False, weights="imagenet")
    assert model.name == "mobilenetv2_0.35_96"
    assert model.output_shape == (None, 3, 3, 1280)
    assert all(np.array_equal(a, b) for a, b in
               zip(reference.get_weights(), model.get_weights()))


def test_imagenet_file_with_another_digest_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    os.makedirs(tmp_path / "models")
    (tmp_path / "models" / "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5").write_bytes(
        b"truncated")
    with pytest.raises(ValueError, match="md5 digest is not 4d473c1dd8becc155b73f8504c6f6626"):
        keras.applications.ResNet50(include_top=False)


@pytest.mark.parametrize("call,message", [
    (lambda: keras.applications.VGG16(weights="imagenet", classes=10),
     "classes must be 1000"),
    (lambda: keras.applications.VGG16(weights="missing.h5"), "neither None, 'imagenet' nor"),
    (lambda: keras.applications.VGG16(weights=None, include_top=False,
                                      input_shape=(16, 16, 3)), "at least 32x32"),
    (lambda: keras.applications.InceptionV3(weights=None, include_top=False,
                                            input_shape=(64, 64, 3)), "at least 75x75"),
    (lambda: keras.applications.ResNet50(weights=None, input_shape=(64, 64, 3),
                                         include_top=False, pooling="mean"),
     r"pooling must be one of \[None, 'avg', 'max'\]"),
    (lambda: keras.applications.MobileNetV2(weights="imagenet", alpha=0.6),
     "alpha in"),
    (lambda: keras.applications.VGG16(weights="imagenet", classifier_activation="relu",
                                      input_shape=(224, 224, 3)), "softmax"),
    (lambda: keras.applications.MobileNetV2(weights=None, input_tensor=np.zeros((1, 32, 32, 3))),
     "input_tensor must be a symbolic tensor"),
])
def test_application_bad_arguments_say_what_to_pass(call, message, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises((ValueError, FileNotFoundError), match=message):
        call()


def test_application_built_on_an_input_tensor_keeps_its_source_input():
    keras.backend.clear_session()
    images = keras.Input((32, 32, 3))
    scaled = keras.layers.Rescaling(1 / 127.5, offset=-1)(images)
    model = keras.applications.MobileNetV2(input_tensor=scaled, alpha=0.35, weights=None,
                                           include_top=False, pooling="avg")
    assert model.inputs[0] is images
    assert model.name == "mobilenetv2_0.35_None"  # as Keras names it
    assert model.layers[1].name == "rescaling"
    assert model.output_shape == (None, 1280)


def test_module_paths_as_keras():
    apps = keras.applications
    assert apps.vgg16.VGG16 is apps.VGG16
    assert apps.resnet50.ResNet50 is apps.resnet.ResNet50 is apps.ResNet50
    assert apps.mobilenet_v2.MobileNetV2 is apps.MobileNetV2
    assert apps.inception_v3.InceptionV3 is apps.InceptionV3
    for module in (apps.vgg16, apps.resnet50, apps.mobilenet_v2, apps.inception_v3):
        assert module.decode_predictions is imagenet_utils.decode_predictions


def _images():
    return np.arange(2 * 2 * 3 * 3, dtype=np.float32).reshape(2, 2, 3, 3) * 7.0 % 256


def test_preprocess_input_modes_match_the_formulas():
    x = _images()
    caffe = x[..., ::-1] - np.array([103.939, 116.779, 123.68], np.float32)
    np.testing.assert_allclose(keras.applications.vgg16.preprocess_input(x.copy()), caffe,
                               rtol=1e-6)
    np.testing.assert_allclose(keras.applications.resnet50.preprocess_input(x.copy()), caffe,
                               rtol=1e-6)
    tf_mode = x / 127.5 - 1.0
    np.testing.assert_allclose(keras.applications.mobilenet_v2.preprocess_input(x.copy()),
                               tf_mode, rtol=1e-6)
    np.testing.assert_allclose(keras.applications.inception_v3.preprocess_input(x.copy()),
                               tf_mode, rtol=1e-6)
    torch = (x / 255.0 - np.array([0.485, 0.456, 0.406])) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(imagenet_utils.preprocess_input(x.copy(), mode="torch"), torch,
                               rtol=1e-5)
    first = np.transpose(x, (0, 3, 1, 2))
    got = imagenet_utils.preprocess_input(first.copy(), data_format="channels_first")
    np.testing.assert_allclose(np.transpose(got, (0, 2, 3, 1)), caffe, rtol=1e-6)


def test_preprocess_input_takes_uint8_jax_arrays_and_symbolic_tensors():
    x = _images()
    caffe = x[..., ::-1] - np.array([103.939, 116.779, 123.68], np.float32)
    as_uint8 = keras.applications.vgg16.preprocess_input(x.astype(np.uint8))
    assert as_uint8.dtype == np.float32 and as_uint8.shape == (2, 2, 3, 3)
    np.testing.assert_allclose(as_uint8, caffe, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(keras.applications.vgg16.preprocess_input(
        jnp.asarray(x))), caffe, rtol=1e-6)
    inputs = keras.Input((3, 3, 3))
    model = keras.Model(inputs, keras.applications.vgg16.preprocess_input(inputs))
    np.testing.assert_allclose(model.predict(x, verbose=0), caffe, rtol=1e-6)
    with pytest.raises(ValueError, match=r"mode must be one of \['caffe', 'tf', 'torch'\]"):
        imagenet_utils.preprocess_input(x, mode="keras")


def _class_index(tmp_path):
    path = tmp_path / "imagenet_class_index.json"
    path.write_text(json.dumps({str(i): [f"n{i:08d}", f"name{i}"] for i in range(1000)}))
    return str(path)


def test_decode_predictions_ranks_classes_from_the_class_index(tmp_path, monkeypatch):
    path = _class_index(tmp_path)
    preds = np.zeros((2, 1000), np.float32)
    preds[0, [5, 900, 17]] = [0.5, 0.3, 0.2]
    preds[1, 999] = 1.0
    decoded = keras.applications.resnet50.decode_predictions(preds, top=3,
                                                             class_index_path=path)
    assert [len(rows) for rows in decoded] == [3, 3]
    assert [(c, n) for c, n, _ in decoded[0]] == [("n00000005", "name5"),
                                                  ("n00000900", "name900"),
                                                  ("n00000017", "name17")]
    np.testing.assert_allclose([s for _, _, s in decoded[0]], [0.5, 0.3, 0.2])
    assert decoded[1][0][:2] == ("n00000999", "name999")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "home"))
    os.makedirs(tmp_path / "home" / "models")
    os.replace(path, tmp_path / "home" / "models" / "imagenet_class_index.json")
    assert keras.applications.vgg16.decode_predictions(preds, top=1)[1][0][1] == "name999"


def test_decode_predictions_errors_name_the_file_and_the_shape(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"imagenet_class_index\.json.*https://storage"
                       r"\.googleapis\.com/download\.tensorflow\.org/data/imagenet_class_index"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)))
    with pytest.raises(ValueError, match=r"shape \(samples, 1000\), but received shape "
                       r"\(1, 10\)"):
        imagenet_utils.decode_predictions(np.zeros((1, 10)))
    bad = tmp_path / "index.json"
    bad.write_text(json.dumps({"0": ["a", "b"]}))
    with pytest.raises(ValueError, match="is not ImageNet's class index"):
        imagenet_utils.decode_predictions(np.zeros((1, 1000)), class_index_path=str(bad))
