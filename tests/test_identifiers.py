"""Tests for lamina._identifiers: one Catalog resolves names, dicts and objects."""
import pytest

from lamina import registry
from lamina._identifiers import Catalog, did_you_mean
from lamina.saving import custom_object_scope, register_keras_serializable


class Shape:
    def __init__(self, size=1):
        self.size = size

    def __call__(self, x):
        return x * self.size

    def get_config(self):
        return {"size": self.size}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class Square(Shape):
    pass


class Circle(Shape):
    pass


def big_square():
    return Square(size=10)


for _cls in (Square, Circle):
    registry.register_serializable("lamina.test_shapes")(_cls)
registry.register_serializable("lamina.test_shapes", "big")(big_square)

SHAPES = Catalog(kind="shape", package="lamina.test_shapes",
                 valid="square, circle, big", such_as="a name such as 'square'",
                 accepts="a Shape, or a callable", base=Shape, home="geometry",
                 example={"class_name": "Square", "config": {"size": 2}})


def test_did_you_mean_closest_or_nothing():
    assert did_you_mean("SQAURE", ["square", "circle"]) == " Did you mean 'square'?"
    assert did_you_mean("zzz", ["square"]) == ""


def test_catalog_names_are_case_insensitive_and_build_with_defaults():
    assert type(SHAPES.get("Square")) is Square
    assert SHAPES.get("CIRCLE").size == 1


def test_catalog_name_factories_are_called():
    assert SHAPES.get("big").size == 10


def test_catalog_dict_finds_the_class_and_config():
    shape = SHAPES.get({"class_name": "circle", "config": {"size": 4}})
    assert type(shape) is Circle and shape.size == 4
    with pytest.raises(ValueError, match="Unknown shape 'oblong'"):
        SHAPES.deserialize({"class_name": "oblong"})


def test_catalog_get_passes_through_none_instances_classes_and_callables():
    square = Square()
    assert SHAPES.get(None) is None
    assert SHAPES.get(square) is square
    assert type(SHAPES.get(Circle)) is Circle
    assert SHAPES.get(abs) is abs


def test_catalog_custom_objects_come_first_and_match_exactly():
    class Hexagon(Shape):
        pass

    assert type(SHAPES.deserialize("Hexagon", {"Hexagon": Hexagon})) is Hexagon
    assert type(SHAPES.deserialize("square", {"square": Hexagon})) is Hexagon
    rebuilt = SHAPES.deserialize({"class_name": "Hexagon", "config": {"size": 6}},
                                 custom_objects={"Hexagon": Hexagon})
    assert type(rebuilt) is Hexagon and rebuilt.size == 6
    with pytest.raises(ValueError, match="Unknown shape 'hexagon'"):
        SHAPES.deserialize("hexagon", {"Hexagon": Hexagon})


def test_catalog_custom_functions_are_returned_as_is():
    def triangle():
        return "never called"

    assert SHAPES.deserialize("tri", {"tri": triangle}) is triangle
    assert SHAPES.deserialize({"class_name": "tri"}, {"tri": triangle}) is triangle


def test_catalog_sees_scopes_and_registry():
    class Oval(Shape):
        pass

    with custom_object_scope({"Oval": Oval}):
        assert type(SHAPES.get("Oval")) is Oval
    register_keras_serializable("IdentifiersTest")(Oval)
    assert type(SHAPES.get({"class_name": "IdentifiersTest>Oval"})) is Oval
    assert SHAPES.serialize(Oval(3)) == {"class_name": "IdentifiersTest>Oval",
                                         "config": {"size": 3}}


def test_catalog_lookup_returns_the_stored_object():
    assert SHAPES.lookup("SQUARE") is Square
    assert SHAPES.lookup("big") is big_square


def test_catalog_serialize_round_trips():
    config = SHAPES.serialize(Circle(5))
    assert config == {"class_name": "Circle", "config": {"size": 5}}
    assert SHAPES.get(config).size == 5
    assert SHAPES.serialize("square") == {"class_name": "Square", "config": {"size": 1}}
    assert SHAPES.serialize(None) is None


def test_catalog_unknown_name_suggests_and_lists():
    with pytest.raises(ValueError, match=r"^Unknown shape 'sqare'\. Did you mean 'square'\? "
                                         r"Valid shapes: square, circle, big\. Pass one of "
                                         r"these, a Shape, or a callable\.$"):
        SHAPES.get("sqare")


def test_catalog_dict_without_class_name_shows_an_example():
    with pytest.raises(ValueError, match=r"A shape dict needs a 'class_name' key, but received "
                                         r"\{'config': \{\}\}\. Pass e\.g\. \{'class_name': "
                                         r"'Square', 'config': \{'size': 2\}\}\."):
        SHAPES.get({"config": {}})
    with pytest.raises(ValueError, match="'class_name' key"):
        SHAPES.get({"class_name": 3})


def test_catalog_type_errors_name_what_to_pass():
    with pytest.raises(TypeError, match=r"Could not interpret the shape 2\.5 \(float\)\. "
                                        r"Pass a name such as 'square', a Shape, or a callable\."):
        SHAPES.get(2.5)
    with pytest.raises(TypeError, match=r"Could not deserialize a shape from 2 \(int\)"):
        SHAPES.deserialize(2)


def test_catalog_serialize_refuses_other_objects():
    with pytest.raises(ValueError, match=r"is not a Shape, so it cannot be saved\. Subclass "
                                         r"geometry\.Shape .*register_keras_serializable"):
        SHAPES.serialize(lambda: None)


def test_catalog_article_follows_the_kind():
    ovals = Catalog(kind="oval", package="lamina.test_ovals", valid="none", such_as="a name",
                    accepts="an Oval", base=Shape, example={})
    with pytest.raises(ValueError, match="An oval dict needs"):
        ovals.get({})
    with pytest.raises(TypeError, match="Could not deserialize an oval"):
        ovals.deserialize(1)
