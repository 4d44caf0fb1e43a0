"""get_config/from_config, to_json/model_from_json and the registry of custom objects."""
import json

import jax.numpy as jnp
import numpy as np
import pytest

import lamina as keras
from lamina import saving
from lamina import registry
from lamina.saving import _serialization as serialization


@saving.register_keras_serializable(package="ConfigTests")
class Scale(keras.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")

    def call(self, inputs):
        return inputs * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


class Unregistered(keras.layers.Layer):
    def call(self, inputs):
        return inputs + 1.0


LAYERS = [
    lambda: keras.layers.Dense(3, activation="tanh", use_bias=False,
                               kernel_regularizer="l2", bias_initializer="ones"),
    lambda: keras.layers.Activation("softmax"),
    lambda: keras.layers.Dropout(0.25, noise_shape=[None, 4], seed=3),
    lambda: keras.layers.BatchNormalization(momentum=0.9, epsilon=1e-4, center=False),
    lambda: Scale(3.0),
]


@pytest.mark.parametrize("make", LAYERS)
def test_layer_from_config_equal_config(make):
    layer = make()
    copy = type(layer).from_config(layer.get_config())
    assert type(copy) is type(layer)
    assert copy.get_config() == layer.get_config()
    json.dumps(layer.get_config())  # JSON-compatible


@pytest.mark.parametrize("make", LAYERS)
def test_layer_deserialize_same_outputs(make):
    layer = make()
    x = np.arange(8, dtype=np.float32).reshape(2, 4) / 8
    y = np.asarray(layer(x, training=False))
    copy = saving.deserialize_layer(json.loads(json.dumps(saving.serialize_layer(layer))))
    copy(x, training=False)
    copy.set_weights(layer.get_weights())
    np.testing.assert_array_equal(np.asarray(copy(x, training=False)), y)
    assert y.shape == np.asarray(copy(x, training=False)).shape


def test_input_layer_from_config_keeps_shape():
    layer = keras.layers.InputLayer(shape=(5,), name="inp")
    copy = keras.layers.InputLayer.from_config(layer.get_config())
    assert copy.output.shape == (None, 5)
    assert copy.name == "inp"


def test_sequential_from_config_rebuilds_layers():
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(3, name="d1"),
                              Scale(0.5, name="s"), keras.layers.Dense(1, name="d2")])
    copy = keras.Sequential.from_config(model.get_config())
    assert [l.name for l in copy.layers] == ["d1", "s", "d2"]
    assert copy.output_shape == (None, 1)
    assert [w.shape for w in copy.weights] == [(4, 3), (3,), (3,), (3, 1), (1,)]


def test_to_json_model_from_json_round_trip():
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(3, name="a"),
                              keras.layers.Dropout(0.1, name="b")])
    text = model.to_json()
    data = json.loads(text)
    assert data["class_name"] == "Sequential"
    assert data["lamina_version"] == keras.__version__
    copy = keras.models.model_from_json(text)
    assert copy.to_json() == text
    assert copy.output_shape == (None, 3)


def test_model_from_json_builds_from_data_shape():
    model = keras.Sequential([keras.layers.Dense(2, name="late")])
    model.predict(np.ones((3, 5), np.float32), verbose=0)
    copy = keras.models.model_from_json(model.to_json())
    assert copy.built
    assert copy.weights[0].shape == (5, 2)


def test_model_from_json_invalid_text_raises():
    with pytest.raises(ValueError, match="not valid JSON"):
        keras.models.model_from_json("{not json")


def test_model_from_json_layer_not_model_raises():
    text = json.dumps(saving.serialize_layer(keras.layers.Dense(2)))
    with pytest.raises(ValueError, match="not a model"):
        keras.models.model_from_json(text)


def test_deserialize_unknown_class_lists_remedies():
    with pytest.raises(ValueError, match="register_keras_serializable"):
        saving.deserialize_layer({"class_name": "os.system", "config": {}})


def test_deserialize_unregistered_class_via_custom_objects():
    data = saving.serialize_layer(Unregistered(name="u"))
    assert "registered_name" not in data
    with pytest.raises(ValueError, match="Unknown layer class 'Unregistered'"):
        saving.deserialize_layer(data)
    layer = saving.deserialize_layer(data, custom_objects={"Unregistered": Unregistered})
    assert isinstance(layer, Unregistered) and layer.name == "u"


def test_deserialize_custom_object_not_a_layer_raises():
    data = {"class_name": "Thing", "config": {}}
    with pytest.raises(ValueError, match="not a layer"):
        saving.deserialize_layer(data, custom_objects={"Thing": print})


def test_deserialize_bad_config_raises_value_error():
    with pytest.raises(ValueError, match="Could not rebuild layer class 'Dense'"):
        saving.deserialize_layer({"class_name": "Dense", "config": {"unit": 3}})


def test_register_keras_serializable_names_package():
    assert saving.get_registered_name(Scale) == "ConfigTests>Scale"
    assert saving.get_registered_object("ConfigTests>Scale") is Scale
    assert saving.serialize_layer(Scale())["registered_name"] == "ConfigTests>Scale"


def test_register_keras_serializable_custom_name_and_function():
    @saving.register_keras_serializable(package="ConfigTests", name="plus_one")
    def fn(x):
        return x + 1

    assert saving.get_registered_object("ConfigTests>plus_one") is fn
    assert saving.get_registered_name(fn) == "ConfigTests>plus_one"


def test_register_keras_serializable_rejects_bad_package():
    with pytest.raises(ValueError, match="without '>'"):
        saving.register_keras_serializable(package="a>b")


def test_register_keras_serializable_rejects_class_without_get_config():
    with pytest.raises(ValueError, match="get_config"):
        saving.register_keras_serializable(package="ConfigTests")(type("Bare", (), {}))


def test_custom_object_scope_nests_and_unwinds():
    with saving.custom_object_scope({"x": 1}):
        with saving.custom_object_scope({"x": 2}):
            assert saving.get_registered_object("x") == 2
        assert saving.get_registered_object("x") == 1
    assert saving.get_registered_object("x") is None


def test_custom_object_scope_rejects_non_mapping():
    with pytest.raises(TypeError, match="custom_objects must be a dict"):
        saving.custom_object_scope([Scale])


def test_encode_decode_shape_nested():
    shape = {"a": (None, 3), "b": [(None, 1), (None, 2, 2)]}
    encoded = serialization.encode_shape(shape)
    assert serialization.decode_shape(json.loads(json.dumps(encoded))) == shape


def test_decode_shape_rejects_negative():
    with pytest.raises(ValueError, match="non-negative"):
        serialization.decode_shape([None, -1])


def test_compile_config_round_trip_objects():
    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(2)])
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9),
                  loss=keras.losses.Huber(delta=2.0),
                  metrics=["mae", keras.metrics.AUC(name="my_auc")])
    data = json.loads(json.dumps(serialization.serialize_compile(model)))
    kwargs = serialization.deserialize_compile(data)
    assert type(kwargs["optimizer"]).__name__ == "SGD"
    assert kwargs["optimizer"].momentum == 0.9
    assert float(kwargs["optimizer"].learning_rate) == pytest.approx(0.05)
    assert kwargs["loss"].get_config()["delta"] == 2.0
    assert kwargs["metrics"][0] == "mae"
    assert kwargs["metrics"][1].name == "my_auc"


def test_compile_config_custom_function_needs_custom_objects():
    def my_loss(y_true, y_pred):
        return jnp.mean(jnp.abs(y_true - y_pred), axis=-1)

    model = keras.Sequential([keras.layers.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss=my_loss)
    data = json.loads(json.dumps(serialization.serialize_compile(model)))
    with pytest.raises(ValueError, match="custom_objects=\\{'my_loss': my_loss\\}"):
        serialization.deserialize_compile(data)
    assert serialization.deserialize_compile(data, {"my_loss": my_loss})["loss"] is my_loss


def test_to_json_text_names_unserializable_value():
    with pytest.raises(TypeError, match="cannot be written as JSON"):
        serialization.to_json_text({"x": object()})


def test_registry_get_registered_object_module_objects_last():
    assert registry.get_registered_object("k", module_objects={"k": 5}) == 5


def _x(*shape):
    return (np.arange(np.prod(shape), dtype=np.float32).reshape(shape) % 7) / 7 - 0.4


def test_lambda_round_trip_finds_registered_function():
    @saving.register_keras_serializable(package="ConfigTests")
    def cube(x):
        return x ** 3

    layer = keras.layers.Lambda(cube, name="cube_it")
    copy = saving.deserialize_layer(json.loads(json.dumps(saving.serialize_layer(layer))))
    assert copy.function is cube
    np.testing.assert_allclose(np.asarray(copy(_x(2, 4))), _x(2, 4) ** 3, rtol=1e-6)


def test_lambda_round_trip_unknown_function_raises():
    def hidden(x):
        return -x

    data = saving.serialize_layer(keras.layers.Lambda(hidden))
    with pytest.raises(ValueError, match="custom_objects"):
        saving.deserialize_layer(data)
    assert saving.deserialize_layer(data, {"hidden": hidden}).function is hidden
